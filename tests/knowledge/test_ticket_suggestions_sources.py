"""The desk ticket page's suggested articles come from the ticket's services and CIs, its
text and its category: an article about an affected CI is suggested even when no word
matches, and the category fills the card when the text finds fewer than five."""

from __future__ import annotations

from atiende.cmdb import actions as cmdb_actions
from atiende.knowledge import actions, selectors
from atiende.knowledge.models import Audience

from ..cmdb.factories import ItemFactory
from ..factories import CategoryFactory, make_ticket
from .conftest import publish


def _article(agent, manager, title, **extra):
    article = actions.article_create(
        actor=agent, title=title, body="Nothing in common.", language="en", **extra
    )
    return publish(manager, article)


def test_cis_then_text_then_category(agent, manager, requester, desk_default_team, client):
    erp = ItemFactory(name="erp-app", ci_class="application")
    category = CategoryFactory(name="Hardware")
    by_ci = _article(agent, manager, "Restarting the ERP", item_ids=[erp.pk])
    by_ci_internal = _article(
        agent, manager, "ERP runbook", item_ids=[erp.pk], audience=Audience.AGENTS
    )
    by_text = _article(agent, manager, "Scanner jams on floor two")
    by_category = _article(agent, manager, "Hardware loans", category_id=category.pk)
    unrelated = _article(agent, manager, "Holidays calendar")
    ticket = make_ticket(
        requester, title="Scanner jams", description="Again.", category_id=category.pk
    )
    cmdb_actions.ticket_item_add(actor=agent, ticket_id=ticket.pk, item_id=erp.pk)

    panel = selectors.suggestions_for_tickets(agent, [ticket])[ticket.pk]
    shown = [h.article.pk for h in panel["hits"]]
    assert set(shown[:2]) == {by_ci.pk, by_ci_internal.pk}
    assert shown[2:] == [by_text.pk, by_category.pk]
    assert unrelated.pk not in shown
    # Only what the requester may read can be linked in a public reply.
    assert panel["shareable"] == {by_ci.pk, by_text.pk, by_category.pk}

    client.force_login(agent)
    html = client.get(f"/desk/kb/ticket/{ticket.number}/", HTTP_HX_REQUEST="true").content
    assert b"Restarting the ERP" in html and b"Hardware loans" in html
    assert f"/desk/kb/{by_ci_internal.pk}/link/".encode() not in html
