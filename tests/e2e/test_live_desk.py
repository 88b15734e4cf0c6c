"""The live desk in a real browser: two agents on one ticket see each other's work appear
without a reload, with who is here; the composer sends a reply and sets pending at once."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from atiende.tickets import actions, live
from atiende.tickets.models import Status, Ticket

from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch):
    monkeypatch.setattr(live, "POLL_SECONDS", 1)
    caches["presence"].clear()


def test_two_agents_see_each_others_changes_without_reload(
    new_page, requester, agent, manager, desk_default_team
):
    ticket = make_ticket(requester, title="Scanner offline")
    first, second = new_page(), new_page()
    sign_in(first, agent.username, PASSWORD)
    sign_in(second, manager.username, PASSWORD)
    first.goto(f"/desk/tickets/{ticket.number}/")
    second.goto(f"/desk/tickets/{ticket.number}/")

    # Presence: each sees the other, and the first sees the second start replying.
    first.wait_for_selector(f"#presence:has-text('{manager.display_name} is viewing')")
    second.fill("textarea[name=body]", "Power cycled the scanner.")
    first.wait_for_selector(f"#presence:has-text('{manager.display_name} is replying')")

    # The second agent replies and takes the ticket; the first page shows both, no reload.
    second.click("#reply button[type=submit]")
    second.wait_for_load_state()
    second.click("#status button:has-text('Assign to me')")
    second.wait_for_load_state()
    first.wait_for_selector(".timeline li:has-text('Power cycled the scanner.')")
    first.wait_for_selector(f"#ticket-meta:has-text('Assigned to {manager.display_name}')")
    changes = first.locator("#live-changes")
    changes.get_by_text("Changed since you opened this page").wait_for()
    assert "Assignee" in changes.inner_text()
    assert first.evaluate("performance.getEntriesByType('navigation').length") == 1

    # A reply written on that stale page is held back, with what changed, draft kept.
    first.fill("textarea[name=body]", "I will look at it.")
    first.click("#reply button[type=submit]")
    first.wait_for_load_state()
    assert "Nothing was sent" in first.content()
    assert first.input_value("textarea[name=body]") == "I will look at it."
    assert not ticket.events.filter(body="I will look at it.").exists()
    first.click("#reply button[type=submit]")  # the agent read it and decides to send
    first.wait_for_load_state()
    assert ticket.events.filter(body="I will look at it.").exists()


def test_composer_sends_and_sets_pending(new_page, requester, agent, desk_default_team):
    ticket = make_ticket(requester, title="Need a new mouse", assignee_id=agent.pk, actor=agent)
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/desk/tickets/{ticket.number}/")
    page.fill("textarea[name=body]", "Which model would you like?")
    assert all(extra.is_hidden() for extra in page.locator("#reply [data-show-for-then]").all())
    page.select_option("select[name=then]", "pending")
    page.select_option("select[name=pending_reason]", "requester")
    assert "Set “Pending”" in page.inner_text("#reply button[type=submit]")
    # A card that arrives after the page (the knowledge suggestions, htmx) keeps the words,
    # whenever it settles (here: once more, after the choice).
    page.wait_for_selector("#kb-suggested-body ul")
    page.evaluate("document.dispatchEvent(new Event('htmx:afterSettle'))")
    assert "Set “Pending”" in page.inner_text("#reply button[type=submit]")
    page.click("#reply button[type=submit]")
    page.wait_for_load_state()
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.status == Status.PENDING
    assert ticket.events.filter(body="Which model would you like?").exists()


def test_the_sidebar_counts_follow_the_live_queue(new_page, requester, agent, manager, team):
    make_ticket(requester, actor=manager, team_id=team.pk, title="Printer jams")
    actions.saved_view_create(actor=agent, name="Team incidents", query="view=open&kind=incident")
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?view=open")
    counts = page.locator(".desk-sidebar .view-count")
    opened = page.locator(".desk-sidebar a[href='?view=open'] .view-count")
    saved = page.locator(".desk-sidebar [data-saved-views] .view-count")
    assert opened.inner_text() == "1" and saved.inner_text() == "1"
    assert counts.count() >= 2
    # Someone else opens a ticket in the team (after the first poll, which takes the page's
    # state as it was rendered): the counts move in place, no reload.
    page.wait_for_timeout(2500)
    make_ticket(requester, actor=manager, team_id=team.pk, title="Scanner offline")
    page.wait_for_selector(".desk-sidebar a[href='?view=open'] .view-count:text-is('2')")
    page.wait_for_selector(".desk-sidebar [data-saved-views] .view-count:text-is('2')")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
