"""Rows that belong to a ticket (links, attachments, SLA clocks) are checked against their
own joined ticket with the one access rule (`selectors.visibility`), never by membership
in the set of every visible ticket: SQLite builds that whole set first (0.6 s per ticket
page with a million tickets). One query each, with no sub-select, and access unchanged."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.core.errors import NotFound
from atiende.sla import selectors as sla_selectors
from atiende.tickets import actions, selectors

from ..factories import make_ticket


def _one_flat_query(run):
    with CaptureQueriesContext(connection) as captured:
        result = run()
    # The actor's team ids are read once per request and kept on the user: not counted.
    [query] = [q for q in captured.captured_queries if '"accounts_teammembership"' not in q["sql"]]
    assert query["sql"].upper().count("SELECT") == 1, query["sql"]
    return result


@pytest.fixture
def ticket(requester, desk_default_team):
    return actions.ticket_create(
        actor=requester,
        title="La impresora no imprime",
        attachments=[SimpleUploadedFile("log.txt", b"paper jam", content_type="text/plain")],
    )


def test_links_of_reads_the_linked_ticket_itself(agent, ticket, requester):
    other = make_ticket(requester, title="Otra")
    actions.ticket_link_add(actor=agent, ticket_id=ticket.pk, other=other.pk)
    [link] = _one_flat_query(lambda: selectors.links_of(agent, ticket))
    assert link.ticket == other


def test_attachment_get_reads_its_ticket_itself(agent, other_agent, ticket):
    attachment = ticket.attachments.get()
    assert _one_flat_query(lambda: selectors.attachment_get(agent, attachment.pk)) == attachment
    with pytest.raises(NotFound):  # an agent of another team: as if it did not exist
        _one_flat_query(lambda: selectors.attachment_get(other_agent, attachment.pk))


def test_sla_clocks_read_their_ticket_itself(agent, other_agent, ticket):
    clocks = _one_flat_query(lambda: sla_selectors.clocks_for(agent, ticket))
    assert {c.kind for c in clocks} == {"first_response", "resolution"}
    assert _one_flat_query(lambda: sla_selectors.clocks_for(other_agent, ticket)) == []


def test_nobody_signed_in_sees_nothing(ticket):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.tickets_visible_to(AnonymousUser()).exists()
