"""Two pages on a phone (390 px): the failed-mail list shows each message as a card with its
subject first and its error under it; the SLA line of a ticket's timeline reads as a line of
text, not squeezed into columns. Nothing overflows the screen sideways."""

from __future__ import annotations

import pytest

from atiende.mail.inbound import intake
from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import Mailbox
from atiende.tickets.models import EventType, TicketEvent

from ..factories import PASSWORD, make_ticket
from ..mail.conftest import make_mail
from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_SUBJECT = "No puedo acceder a la VPN desde casa desde ayer por la tarde y necesito el informe"
LONG_SENDER = "ana.maria.fernandez.villaverde@subdominio.ejemplo-muy-largo.example.org"


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_failed_mail_list_on_a_phone(new_page, manager, team, monkeypatch):
    mailbox = Mailbox.objects.create(name="soporte", address="soporte@example.com",
                                     is_default=True, default_team=team)  # fmt: skip

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(intake, "_new_ticket", broken)
    result = receive(make_mail(subject=LONG_SUBJECT, sender=LONG_SENDER), mailbox=mailbox)
    assert result.outcome == Outcome.FAILED

    page = new_page(width=390, height=844)
    sign_in(page, manager.username, PASSWORD)
    page.goto("/mail/")
    row = page.locator("table.mail-table tbody tr").first
    cells = {
        name: row.locator(f"td.{name}").bounding_box()
        for name in ("title", "mail-error", "mail-from", "c-received", "c-mailbox", "c-attempts")
    }
    assert all(box is not None for box in cells.values())
    # The subject opens the card, on a line of its own, then the error, then the rest.
    order = sorted(cells, key=lambda name: (cells[name]["y"], cells[name]["x"]))  # type: ignore[index]
    assert order[:2] == ["title", "mail-error"], order
    assert cells["title"]["width"] > 300  # type: ignore[index]
    # The subject needs no "Subject:" label in front of it.
    label = row.locator("td.title").evaluate("td => getComputedStyle(td, '::before').content")
    assert label in ("none", "normal", '""'), label
    _no_sideways_scroll(page)


def test_timeline_sla_line_on_a_phone(new_page, agent, requester, team):
    ticket = make_ticket(requester, actor=agent, team_id=team.pk)
    assert TicketEvent.objects.filter(ticket=ticket, type=EventType.SLA).exists()
    page = new_page(width=390, height=844)
    sign_in(page, agent.username, PASSWORD)
    page.goto(f"/desk/tickets/{ticket.number}/")
    line = page.locator("ol.timeline > li.sla-entry").first
    box = line.bounding_box()
    assert box is not None
    assert line.evaluate("li => getComputedStyle(li).display") == "list-item"
    assert box["width"] > 300  # the whole width of the timeline, not a squeezed column
    # "Service level" stays on one line (it was broken into one word a line).
    label = line.locator("strong").first.bounding_box()
    assert label is not None and label["height"] < 30
    _no_sideways_scroll(page)
