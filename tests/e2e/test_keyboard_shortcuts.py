"""The desk without a mouse: "?" opens the shortcut list (a modal dialog, focus inside,
Escape closes it and gives focus back), j/k walk the queue, r/n open the composer, a takes the
ticket, / focuses the search."""

from __future__ import annotations

import pytest

from atiende.tickets.models import Ticket

from ..factories import PASSWORD, make_ticket
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_question_mark_overlay_and_shortcuts(new_page, requester, agent, desk_default_team):
    first = make_ticket(requester, title="Keyboard one")
    second = make_ticket(requester, title="Keyboard two")
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    page.goto("/desk/?view=open")

    page.keyboard.press("?")
    dialog = page.locator("#shortcuts")
    assert dialog.is_visible()
    assert page.evaluate("document.activeElement.closest('#shortcuts') !== null")
    assert "Write an internal note" in dialog.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "topsearch-q"
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")

    # j/k walk the list (newest first), Enter opens the focused ticket.
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == second.number
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == first.number
    page.keyboard.press("k")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/desk/tickets/{second.number}/")

    # ] goes to the next ticket of that list; n writes a note, a takes the ticket.
    page.keyboard.press("]")
    page.wait_for_url(f"**/desk/tickets/{first.number}/")
    page.keyboard.press("n")
    assert page.evaluate("document.activeElement.name") == "body"
    assert page.is_checked("input[name=visibility][value=internal]")
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("a")
    page.wait_for_load_state()
    page.wait_for_selector("text=The ticket is now assigned to you.")
    assert Ticket.objects.get(pk=first.pk).assignee_id == agent.pk
