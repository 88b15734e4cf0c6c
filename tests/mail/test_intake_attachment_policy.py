"""Mail attachments follow the same type policy as every upload (tickets.attachments): a
refused file is dropped and named in the ticket's text; the message itself is kept and
becomes its ticket (the raw message keeps the file)."""

from __future__ import annotations

import pytest

from atiende.mail.inbound.intake import Outcome, receive
from atiende.mail.models import InboundMessage
from atiende.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_a_refused_attachment_is_dropped_and_named(mailbox, mail):
    raw = mail(
        body="Adjunto el instalador y la captura.",
        attachments=[
            ("setup.exe", "application/octet-stream", b"MZ\x90\x00" + bytes(60)),
            ("factura.pdf", "application/pdf", b"\x7fELF\x02\x01\x01\x00" + bytes(60)),
            ("captura.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(60)),
        ],
    )
    result = receive(raw, mailbox=mailbox)
    assert result.outcome == Outcome.CREATED
    ticket = Ticket.objects.get(pk=result.ticket_id)
    assert [a.filename for a in ticket.attachments.all()] == ["captura.png"]
    assert "Adjunto el instalador" in ticket.description
    assert "programs and scripts are not accepted" in ticket.description
    assert "setup.exe" in ticket.description and "factura.pdf" in ticket.description
    assert b"setup.exe" in bytes(InboundMessage.objects.get().raw)
