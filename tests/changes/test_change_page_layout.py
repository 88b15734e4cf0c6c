"""What a change manager reads on the change page and the list: affected items link to the
CMDB and sit near the top of the side column, priority and risk are told apart, the
approvers table stacks on a phone, and the "failed" metric says what it counts."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from atiende.changes import actions
from atiende.cmdb import actions as cmdb_actions

from ..cmdb.factories import ItemFactory, ServiceFactory, relate
from .factories import END, START, answer_all, make_change, to_authorisation


def _page(user, ticket) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("changes:change", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_affected_items_and_impacted_services_link_to_their_cmdb_pages(agent):
    server = ItemFactory(name="srv-pay-01")
    payroll = ServiceFactory(name="Payroll")
    relate(payroll, "runs_on", server)
    ticket = make_change(agent)
    cmdb_actions.ticket_items_set(actor=agent, ticket_id=ticket.pk, add=[server.pk])
    body = _page(agent, ticket)
    items = body[body.index('id="items"') : body.index("</section>", body.index('id="items"'))]
    assert f'<a href="/cmdb/items/{server.pk}/">srv-pay-01</a>' in items
    assert f'<a href="/cmdb/items/{payroll.pk}/">Payroll</a>' in items


def test_the_items_card_comes_before_the_details_form_and_links(agent):
    body = _page(agent, make_change(agent))
    side = body[body.index('class="ticket-side"') :]
    order = [side.index(marker) for marker in ('id="status"', 'id="items"', 'id="details"',
                                               'id="links"')]  # fmt: skip
    assert order == sorted(order)
    assert '<a href="#items">' in body  # and a jump link leads to it


def test_header_labels_priority_and_says_the_risk_as_a_phrase(agent):
    ticket = make_change(agent, impact=1, urgency=2)
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="assessment")
    actions.risk_assess(actor=agent, ticket_id=ticket.pk, answers=answer_all("high"))
    body = _page(agent, ticket)
    head = body[body.index('class="ticket-meta"') : body.index("</ul>", body.index("ticket-meta"))]
    assert '<span class="badge risk-high">High risk</span>' in head
    assert re.search(r'<span class="muted">Priority</span> <span class="prio prio-\d">P\d', head)
    assert "Risk:" not in head


def test_header_says_when_the_risk_is_not_assessed_in_spanish(agent):
    agent.language = "es"
    agent.save()
    body = _page(agent, make_change(agent))
    head = body[body.index('class="ticket-meta"') : body.index("</ul>", body.index("ticket-meta"))]
    assert "Riesgo sin evaluar" in head and "Prioridad" in head


def test_who_was_asked_table_stacks_with_labelled_cells(agent, change_manager):
    ticket = make_change(agent, planned_start=START, planned_end=END)
    to_authorisation(agent, ticket, "medium")
    body = _page(agent, ticket)
    table = body[
        body.index("approvers-table") : body.index("</table>", body.index("approvers-table"))
    ]
    assert "responsive" in body[body.index("<table", body.index("Who was asked")) :][:80]
    assert 'data-label="Board">Change managers</td>' in table
    assert 'data-label="Decision">' in table
    assert 'class="stack-empty"' in table  # no comment yet: the empty cell is not stacked


def test_failed_metric_says_what_it_counts(agent):
    client = Client()
    client.force_login(agent)
    body = client.get(reverse("changes:list")).content.decode()
    assert "<dt>Failed changes</dt>" in body
    assert "reviewed as failed (backed out or not working), last 90 days" in body
    agent.language = "es"
    agent.save()
    body = client.get(reverse("changes:list")).content.decode()
    assert "<dt>Cambios fallidos</dt>" in body
    assert "revisados como fallidos (revertidos o sin funcionar), últimos 90 días" in body


def _risk_card(body: str) -> str:
    start = body.index('id="risk"')
    return body[start : body.index("</section>", start)]


def test_risk_card_says_the_level_as_a_risk_like_the_header(agent):
    ticket = make_change(agent)
    actions.change_transition(actor=agent, ticket_id=ticket.pk, to="assessment")
    actions.risk_assess(actor=agent, ticket_id=ticket.pk, answers=answer_all("high"))
    card = _risk_card(_page(agent, ticket))
    assert '<span class="badge risk-high">High risk</span>' in card
    assert ">High</span>" not in card  # no bare level that reads like a priority
    agent.language = "es"
    agent.save()
    card = _risk_card(_page(agent, ticket))
    assert '<span class="badge risk-high">Riesgo alto</span>' in card
