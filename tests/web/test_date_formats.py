"""One long and one short date format per language (atiende.formats), the same on every page:
desk list and ticket, portal list and ticket, notifications, the mail pages. Never Django's
US defaults ("Nov. 25, 2026, 2 p.m.", "11/25/2026")."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.utils import formats, translation

from atiende.mail.inbound.intake import receive
from atiende.mail.models import Mailbox
from atiende.notifications.actions import notify
from atiende.tickets import actions

from ..factories import make_ticket

pytestmark = pytest.mark.django_db

AT = datetime(2026, 11, 25, 14, 5, tzinfo=UTC)
US_STYLE = re.compile(
    r"\b(a\.m\.|p\.m\.|noon|midnight)|\b\d{1,2}/\d{1,2}/\d{4}\b|\b[A-Z][a-z]{2}\. \d"
)
EXPECTED = {
    "en": ("25 November 2026, 14:05", "25 Nov 2026 14:05"),
    "es": ("25 de noviembre de 2026, 14:05", "25 nov 2026 14:05"),
}


def test_the_format_modules_give_one_long_and_one_short_form():
    for language, (long, short) in EXPECTED.items():
        with translation.override(language):
            assert formats.date_format(AT, "DATETIME_FORMAT") == long
            assert formats.date_format(AT, "SHORT_DATETIME_FORMAT") == short


@pytest.fixture
def world(agent, manager, requester, team):
    with time_machine.travel(AT, tick=False):
        ticket = make_ticket(requester, actor=agent, team_id=team.pk)
        actions.comment_add(actor=agent, ticket_id=ticket.pk, body="Looking at it.")
        notify(user_ids=[agent.pk], verb="sla_warning", ticket_id=ticket.pk,
               params={"number": ticket.number, "clock": "resolution",
                       "deadline": "2026-11-25 14:05 UTC"})  # fmt: skip
        mailbox = Mailbox.objects.create(name="soporte", address="soporte@example.com",
                                         is_default=True)  # fmt: skip
        failed = receive(b"To: soporte@example.com\r\nSubject: x\r\n\r\nHola\r\n", mailbox=mailbox)
    return ticket, failed.message_id


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_page_uses_the_formats_of_the_language(world, agent, manager, requester, language):
    ticket, failed_id = world
    pages = {
        agent: ["/desk/?view=open", f"/desk/tickets/{ticket.number}/", "/notifications/"],
        requester: ["/portal/", f"/portal/tickets/{ticket.number}/"],
        manager: ["/mail/", f"/mail/failed/{failed_id}/", "/mail/health/"],
    }
    long, short = EXPECTED[language]
    for user, urls in pages.items():
        user.language, user.time_zone = language, "UTC"
        user.save()
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            # Text and attributes (a relative "5 minutes ago" carries the date in its title).
            text = re.sub(r'datetime="[^"]*"', "", html)
            assert not US_STYLE.search(text), (url, US_STYLE.search(text))
            shown = long in text or short in text
            assert shown, (url, language)
