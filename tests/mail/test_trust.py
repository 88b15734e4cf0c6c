"""Mail that claims an agent's address does not act as that agent unless the mailbox's check
passes; no private header from outside is honoured."""

from __future__ import annotations

import pytest

from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.inbound.trust import dmarc_passed
from atiende.mail.models import AgentTrust
from atiende.tickets.models import EventType, Ticket

pytestmark = pytest.mark.django_db

PASS = "mx.example.com; spf=pass smtp.mailfrom=example.org; dmarc=pass (p=reject) header.from=example.org"


@pytest.fixture
def thread(mailbox, mail, agent):
    agent.email = "agent@example.org"
    agent.save()
    first = receive(mail(message_id="<t@x.org>"), mailbox=mailbox)
    ticket = Ticket.objects.get(pk=first.ticket_id)
    assert ticket.team_id in {t.pk for t in agent.teams.all()}
    return ticket


def _agent_reply(mail, **headers):
    return mail(sender="agent@example.org", name="Agent", in_reply_to="<t@x.org>",
                body="Reinicie el equipo.", headers=headers)  # fmt: skip


def test_forged_agent_address_does_not_act_as_the_agent(mailbox, mail, thread, agent):
    result = receive(_agent_reply(mail, **{"X-Atiende-Trusted": "yes"}), mailbox=mailbox)
    assert result.outcome == Outcome.COMMENTED
    event = thread.events.get(type=EventType.COMMENT)
    assert event.actor != agent and event.public
    assert "not verified" in event.body and "agent@example.org" in event.body
    assert not thread.events.filter(type=EventType.NOTE).exists()


def test_forged_agent_cannot_reach_a_ticket_by_its_number(mailbox, mail, thread, agent):
    raw = mail(sender="agent@example.org", subject=f"[{thread.number}] cerrar")
    result = receive(raw, mailbox=mailbox)
    assert result.outcome == Outcome.CREATED and result.ticket_id != thread.pk


def test_a_forged_authentication_results_below_the_servers_own_is_ignored(
    mailbox, mail, thread, agent
):
    mailbox.agent_trust = AgentTrust.AUTHENTICATED
    mailbox.trusted_authserv_id = "mx.example.com"
    mailbox.save()
    # The topmost header is the receiving server's verdict; a forged pass further down is not.
    raw = _agent_reply(mail)
    raw = (
        b"Authentication-Results: mx.example.com; dmarc=fail header.from=example.org\r\n"
        + b"Authentication-Results: "
        + PASS.encode()
        + b"\r\n"
        + raw
    )
    receive(raw, mailbox=mailbox)
    assert thread.events.get(type=EventType.COMMENT).actor != agent


def test_authenticated_agent_mail_acts_as_the_agent(mailbox, mail, thread, agent):
    mailbox.agent_trust = AgentTrust.AUTHENTICATED
    mailbox.trusted_authserv_id = "mx.example.com"
    mailbox.save()
    raw = b"Authentication-Results: " + PASS.encode() + b"\r\n" + _agent_reply(mail)
    receive(raw, mailbox=mailbox)
    event = thread.events.get(type=EventType.COMMENT)
    assert event.actor == agent and event.body == "Reinicie el equipo."


def test_always_trusted_mailbox(mailbox, mail, thread, agent):
    mailbox.agent_trust = AgentTrust.ALWAYS
    mailbox.save()
    receive(_agent_reply(mail), mailbox=mailbox)
    assert thread.events.get(type=EventType.COMMENT).actor == agent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (PASS, True),
        ("mx.example.com 1; dmarc=pass header.from=example.org", True),
        ("MX.Example.com; dmarc=pass", True),
        ("other.example.com; dmarc=pass header.from=example.org", False),
        ("mx.example.com; dmarc=pass header.from=evil.example", False),
        ("mx.example.com; dmarc=fail header.from=example.org", False),
        ("mx.example.com; dkim=pass (dmarc=pass) header.d=example.org", False),
        ("mx.example.com; none", False),
        ("", False),
    ],
)
def test_dmarc_verdict(value, expected):
    assert (
        dmarc_passed(value, authserv_id="mx.example.com", from_address="a@example.org") is expected
    )
