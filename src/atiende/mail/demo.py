"""Demo data of the mail domain: the default mailbox (soporte@example.com), a ticket opened by
e-mail with a threaded reply, and one message in the failed-mail list."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

from atiende.accounts.models import Role, Team, User
from atiende.core import clock

from .inbound.intake import receive
from .models import InboundSource, Mailbox


def _message(sender: User, subject: str, body: str, message_id: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{sender.display_name} <{sender.email}>"
    msg["To"] = "Soporte <soporte@example.com>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


def load(users: dict[str, User]) -> None:
    mailbox = Mailbox.objects.create(
        name="soporte",
        address="soporte@example.com",
        is_default=True,
        default_team=Team.objects.filter(name="Service Desk").first(),
    )
    requester = next((u for u in users.values() if u.role == Role.REQUESTER and u.email), None)
    if requester is None:
        return
    first = "<demo-1@mail.example.com>"
    receive(
        _message(
            requester,
            "No puedo abrir los adjuntos en Outlook",
            "Hola:\n\nDesde esta mañana Outlook no abre ningún PDF adjunto; dice que el archivo "
            "está dañado.\n\nGracias,\n" + requester.display_name,
            first,
        ),
        mailbox=mailbox,
        source=InboundSource.GATEWAY,
    )
    receive(
        _message(
            requester,
            "Re: No puedo abrir los adjuntos en Outlook",
            "Un dato más: en el portátil de casa sí se abren.\n\n"
            "El lun, 3 mar 2025 a las 9:12, Soporte escribió:\n> ¿Desde cuándo ocurre?",
            "<demo-2@mail.example.com>",
            In_Reply_To=first,
            References=first,
        ),
        mailbox=mailbox,
        source=InboundSource.GATEWAY,
    )
    # A message without a sender: it waits in the failed-mail list (E-mail menu).
    receive(
        b"To: soporte@example.com\r\nSubject: Impresora 3B\r\n"
        b"Message-ID: <demo-3@scanner.example.com>\r\n\r\nAtasco de papel.\r\n",
        mailbox=mailbox,
        source=InboundSource.GATEWAY,
    )
