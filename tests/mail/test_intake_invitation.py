"""Someone the desk meets by e-mail gets an account they can use: the acknowledgement of
their first ticket carries the invitation to choose a password (one message, under the
acknowledgement's loop and rate-limit protection), and the link works once."""

from __future__ import annotations

import re

from django.test import Client

from atiende.accounts.models import User
from atiende.mail.inbound import intake
from atiende.mail.models import OutboundKind, OutboundMessage
from atiende.mail.outbound.delivery import deliver_due

from .smtp_server import smtp_server_fixture  # noqa: F401 - fixture

LINK = re.compile(r"https?://\S+/account/password/invitation/\S+/\S+/")


def _text(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content()


def test_the_acknowledgement_invites_a_new_requester_and_the_link_works_once(
    smtp_server, mailbox, mail
):
    raw = mail(message_id="<new@client.example.org>", subject="No funciona la VPN")
    assert intake.receive(raw, mailbox=mailbox).outcome == intake.Outcome.CREATED
    assert not OutboundMessage.objects.filter(kind=OutboundKind.INVITATION).exists()
    deliver_due()
    (ack,) = smtp_server.messages  # one message: the acknowledgement, with the invitation
    link = LINK.search(_text(ack)).group(0)
    path = "/" + link.split("/", 3)[3]
    client = Client()
    form = client.get(path, follow=True)
    assert form.status_code == 200
    answer = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": "chosen-pass-4321", "new_password2": "chosen-pass-4321"},
    )
    assert answer.status_code == 302
    user = User.objects.get(email="ana@example.org")
    assert user.check_password("chosen-pass-4321")
    assert Client().get(path, follow=True).status_code == 400  # used: refused


def test_no_invitation_for_someone_who_already_has_a_password(smtp_server, mailbox, mail):
    User.objects.create_user(username="ana", email="ana@example.org", password="x-Pass-123")
    raw = mail(message_id="<known@client.example.org>", subject="Otra cosa")
    assert intake.receive(raw, mailbox=mailbox).outcome == intake.Outcome.CREATED
    deliver_due()
    (ack,) = smtp_server.messages
    assert not LINK.search(_text(ack))
