"""Header safety of outgoing mail: no header can be injected through a subject, a display name
or an address (CR, LF and other line breaks), and the message is well formed."""

from __future__ import annotations

import email
import email.policy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atiende.mail.models import OutboundMessage, OutboundStatus
from atiende.mail.outbound import compose
from atiende.mail.outbound.delivery import deliver_due
from atiende.tickets.models import Ticket

from ..factories import RequesterFactory, make_ticket
from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture

BREAKS = ["\r\n", "\n", "\r", "\x85", "\u2028", "\u2029", "\x0b", "\x0c", "\x00"]


def _build(subject: str = "Hello", name: str = "Desk", to: str = "ana@example.org"):
    rendered = compose.Rendered(subject=subject, text="text\n", html="<p>html</p>")
    return compose.build(
        rendered=rendered, from_name=name, from_address="desk@example.com", to=to,
        reply_to="desk@example.com", message_id="abc@example.com",
        in_reply_to="prev@example.org", references=["first@example.org", "prev@example.org"],
    )  # fmt: skip


def _parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)


@pytest.mark.parametrize("brk", BREAKS)
def test_line_breaks_in_a_subject_or_a_name_never_start_a_header(brk):
    message = _parsed(
        _build(subject=f"Printer{brk}Bcc: victim@example.org", name=f"Desk{brk}Bcc: x@example.org")
    )
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["Subject"])
    assert str(message["Subject"]).startswith("Printer")
    assert "desk@example.com" in str(message["From"])
    assert message.get_all("To") == ["ana@example.org"]


@pytest.mark.parametrize(
    "address",
    ["ana@example.org\r\nBcc: victim@example.org", "ana@example.org, victim@example.org",
     "Ana <ana@example.org>", "ana example@org", "no-at-sign", "ana@exa\nmple.org"],
)  # fmt: skip
def test_anything_but_a_plain_address_is_refused(address):
    with pytest.raises(compose.UnsafeAddress):
        _build(to=address)


def test_threading_headers_and_automatic_marks():
    message = _parsed(_build())
    assert message["Message-ID"] == "<abc@example.com>"
    assert message["In-Reply-To"] == "<prev@example.org>"
    assert message["References"] == "<first@example.org> <prev@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]


def test_a_forged_reference_from_incoming_mail_is_left_out():
    rendered = compose.Rendered(subject="s", text="t", html="<p>h</p>")
    message = compose.build(
        rendered=rendered, from_name="Desk", from_address="desk@example.com",
        to="ana@example.org", reply_to=None, message_id="abc@example.com",
        in_reply_to="x@y>\r\nBcc: victim@example.org",
        references=["ok@example.org", "bad>\r\nX-Evil: 1", "sp ace@example.org"],
    )  # fmt: skip
    parsed = _parsed(message)
    assert parsed["References"] == "<ok@example.org>"
    assert parsed["In-Reply-To"] is None and parsed["X-Evil"] is None
    assert parsed["Bcc"] is None


def test_long_threads_keep_the_first_and_the_latest_references():
    refs = [f"m{n}@example.org" for n in range(50)]
    rendered = compose.Rendered(subject="s", text="t", html="<p>h</p>")
    message = compose.build(
        rendered=rendered, from_name="Desk", from_address="desk@example.com",
        to="ana@example.org", reply_to=None, message_id="abc@example.com", references=refs,
    )  # fmt: skip
    kept = _parsed(message)["References"].split()
    assert len(kept) == compose.MAX_REFERENCES
    assert kept[0] == "<m0@example.org>" and kept[-1] == "<m49@example.org>"


@given(st.text(max_size=300), st.text(max_size=120))
def test_no_subject_or_name_ever_adds_a_header(subject, name):
    message = _parsed(_build(subject=subject, name=name))
    assert set(message.keys()) == {
        "Content-Type", "MIME-Version", "Subject", "From", "To", "Date", "Message-ID",
        "Reply-To", "In-Reply-To", "References", "X-Auto-Response-Suppress", "Auto-Submitted",
        "Precedence",
    }  # fmt: skip


def test_a_ticket_title_and_a_name_with_line_breaks_arrive_as_one_line(smtp_server, db):
    requester = RequesterFactory(
        email="ana@example.org", first_name="Ana\r\nBcc: victim@example.org"
    )
    ticket = make_ticket(requester, title="Printer")
    # Whatever validation a title went through, the mail does not trust it.
    Ticket.objects.filter(pk=ticket.pk).update(title="Printer\r\nBcc: victim@example.org")
    deliver_due()
    (received,) = smtp_server.received
    assert received.rcpt_tos == ["ana@example.org"]
    message = received.message
    assert message["Bcc"] is None
    assert message["Subject"] == f"[{ticket.number}] Printer Bcc: victim@example.org"


def test_a_stored_address_with_a_line_break_is_never_sent_to(smtp_server, db):
    requester = RequesterFactory(email="ana@example.org")
    make_ticket(requester)
    type(requester).objects.filter(pk=requester.pk).update(
        email="ana@example.org\r\nBcc: victim@example.org"
    )
    result = deliver_due()
    assert (result.sent, result.suppressed) == (0, 1)
    assert smtp_server.received == []
    assert OutboundMessage.objects.get().status == OutboundStatus.SUPPRESSED
