"""A manager clears the failed mail from the browser: an unparseable message retried (and
failing again) then discarded, a message that failed on a passing fault retried into a
ticket; the mailbox health page counts what is left. Agents find no mail pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from atiende.mail.inbound import intake
from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import InboundMessage, InboundStatus, Mailbox
from atiende.tickets.models import Ticket

from ..factories import PASSWORD
from ..mail.conftest import make_mail
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mailbox(team):
    return Mailbox.objects.create(
        name="soporte", address="soporte@example.com", is_default=True, default_team=team
    )


@pytest.fixture
def failed_mail(mailbox, monkeypatch):
    """An unparseable message, and a good one that failed on a passing fault."""
    garbage = receive(b"   \r\n  ", mailbox=mailbox)
    assert garbage.outcome == Outcome.UNPARSEABLE

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(intake, "_new_ticket", broken)
    good = receive(make_mail(subject="El correo no llega"), mailbox=mailbox)
    monkeypatch.undo()
    assert good.outcome == Outcome.FAILED
    return InboundMessage.objects.get(pk=garbage.message_id), InboundMessage.objects.get(
        pk=good.message_id
    )


def test_manager_retries_and_discards_failed_mail(new_page, manager, mailbox, failed_mail):
    garbage, good = failed_mail
    page = new_page()
    sign_in(page, manager.username, PASSWORD)
    page.click("nav >> summary:has-text('Administration')")  # the managers' menu
    page.click("nav >> text=E-mail")
    page.wait_for_load_state()
    assert page.url.endswith("/mail/")
    rows = page.locator("table.mail-table tbody tr")
    assert rows.count() == 2
    errors = page.locator("td.mail-error").all_inner_texts()
    assert "The data received is not an e-mail message." in errors
    assert "An unexpected error stopped the processing of the message." in errors
    assert page.locator("a", has_text="El correo no llega").is_visible()

    # Health: the mailbox with its two failed messages.
    page.click(".mail-tabs >> text=Mailboxes")
    page.wait_for_load_state()
    box = page.locator(".mail-box", has_text="soporte@example.com")
    assert box.is_visible()
    assert "Mail gateway only" in box.inner_text()
    assert box.locator("dd a").inner_text() == "2"

    # The unparseable one: retried, fails again, then discarded.
    page.goto(f"/mail/failed/{garbage.pk}/")
    assert page.locator(".mail-error-message").inner_text() == (
        "The data received is not an e-mail message."
    )
    page.click("summary:has-text('Technical detail')")
    assert page.locator(".mail-error-detail pre").inner_text() == "empty message"
    page.click("button:has-text('Retry')")
    page.wait_for_load_state()
    assert "It failed again: The data received is not an e-mail message. (empty message)" in (
        page.content()
    )
    assert page.url.endswith(f"/mail/failed/{garbage.pk}/")
    page.click("button:has-text('Discard')")
    page.wait_for_load_state()
    assert "The message was discarded." in page.content()
    garbage.refresh_from_db()
    assert garbage.status == InboundStatus.DISCARDED
    assert page.locator("table.mail-table tbody tr").count() == 1

    # The other one: the fault has passed, a retry opens the ticket.
    page.click("a:has-text('El correo no llega')")
    page.wait_for_load_state()
    with page.expect_download() as info:
        page.click("text=Download .eml")
    assert b"El correo no llega" in Path(info.value.path()).read_bytes()
    page.click("button:has-text('Retry')")
    page.wait_for_load_state()
    assert "The message opened a ticket." in page.content()
    assert Ticket.objects.filter(title="El correo no llega").exists()
    good.refresh_from_db()
    assert good.status != InboundStatus.FAILED
    assert "No failed mail." in page.locator("table.mail-table").inner_text()

    page.goto("/mail/health/")
    assert page.locator(".mail-box dd", has_text="0").count() >= 1
    assert page.locator(".mail-box dd a").count() == 0


def test_agents_find_no_mail_pages(new_page, agent, failed_mail):
    garbage, _good = failed_mail
    page = new_page()
    sign_in(page, agent.username, PASSWORD)
    assert page.locator("nav a[href='/mail/']").count() == 0
    for url in ("/mail/", f"/mail/failed/{garbage.pk}/", "/mail/health/"):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
