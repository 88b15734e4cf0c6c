"""Every fixture of the corpus through intake, checked against its expected ticket outcome
(intake_expected.json): a new ticket or a reply on the ticket it threads to (a ticket is
seeded for messages that refer to one), attachments with decoded names, decoded text,
automatic mail ignored, unusable mail kept raw in the failed list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import timezone

from atiende.mail.inbound.intake import receive
from atiende.mail.inbound.parsing import MailParseError, parse_message
from atiende.mail.inbound.threading import normalise_number
from atiende.mail.models import InboundMessage, InboundStatus, MessageReference
from atiende.tickets.models import EventType, Ticket

from ..factories import RequesterFactory, make_ticket

FIXTURES = Path(__file__).parent / "fixtures"
PARSING: dict[str, dict] = json.loads((FIXTURES / "expected.json").read_text("utf-8"))
EXPECTED: dict[str, dict] = json.loads((FIXTURES / "intake_expected.json").read_text("utf-8"))


def test_every_fixture_has_an_intake_expectation():
    assert set(EXPECTED) == set(PARSING) == {p.stem for p in FIXTURES.glob("*.eml")}


def _seed_thread(raw: bytes, own_domain: str) -> Ticket | None:
    """The ticket a reply refers to: its requester is the sender, its number the one in the
    subject, and every referenced Message-ID belongs to it."""
    try:
        parsed = parse_message(raw, own_domain=own_domain)
    except MailParseError:
        return None
    if not parsed.from_address or not (parsed.thread_ids or parsed.ticket_number):
        return None
    user = RequesterFactory(email=parsed.from_address, username=parsed.from_address[:150])
    ticket = make_ticket(user)
    if parsed.ticket_number:
        Ticket.objects.filter(pk=ticket.pk).update(number=normalise_number(parsed.ticket_number))
    MessageReference.objects.bulk_create(
        MessageReference(message_id=mid, ticket=ticket, direction="out", created_at=timezone.now())
        for mid in parsed.thread_ids
    )
    return ticket


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_outcome(name, mailbox, settings):
    expect = EXPECTED[name]
    settings.MAIL_DOMAIN = PARSING[name].get("own_domain") or "atiende.invalid"
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    seeded = _seed_thread(raw, settings.MAIL_DOMAIN)

    result = receive(raw, mailbox=mailbox)

    assert str(result.outcome) == expect["outcome"], result.error
    row = InboundMessage.objects.get()
    if "joins_existing" in expect:
        assert seeded is not None
        assert (result.ticket_id == seeded.pk) is expect["joins_existing"]
    if expect["outcome"] in ("failed", "unparseable"):
        assert row.status == InboundStatus.FAILED and bytes(row.raw) == raw
        assert expect["error_contains"] in row.error_text
        assert Ticket.objects.count() == (1 if seeded else 0)
        return
    if expect["outcome"] == "ignored":
        assert row.status == InboundStatus.IGNORED and row.auto_generated
        assert Ticket.objects.count() == (1 if seeded else 0)
        return
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert row.status == InboundStatus.PROCESSED and row.ticket_id == ticket.pk
    if "title" in expect:
        assert ticket.title == expect["title"]
    assert sorted(a.filename for a in ticket.attachments.all()) == expect["attachments"]
    for attachment in ticket.attachments.all():
        assert attachment.size > 0 and attachment.public
    if expect["outcome"] == "commented":
        body = ticket.events.filter(type=EventType.COMMENT).latest("id").body
    else:
        body = ticket.description
        assert ticket.channel == "email"
    if "body_contains" in expect:
        assert expect["body_contains"] in body
