"""The survey e-mail: composed at delivery (mail.outbound.delivery.register_kind), in the
person's language, with the rating links signed then (nothing secret waits in the outbox)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy

from atiende.accounts.models import User
from atiende.core import clock
from atiende.mail.models import OutboundMessage
from atiende.mail.outbound import compose
from atiende.mail.outbound.delivery import Suppress, absolute

from . import links
from .models import Rating, SurveyInvitation

_LABEL = gettext_lazy("How did we do?")


class _Subject:
    """The subject, worded when compose.render asks for it (in the person's language)."""

    def __init__(self, number: str, title: str) -> None:
        self.number, self.title = number, title

    def __str__(self) -> str:
        return compose.ticket_subject(self.number, self.title, str(_LABEL))


def build(
    row: OutboundMessage, user: User | None, language: str, context: dict[str, Any]
) -> tuple[Any, ...]:
    pk = (row.params or {}).get("invitation")
    invitation = (
        SurveyInvitation.objects.select_related("ticket").filter(pk=pk).first()
        if isinstance(pk, int)
        else None
    )
    if invitation is None or user is None or invitation.person_id != user.pk:
        raise Suppress("the survey is gone")
    if invitation.answered_at is not None:
        raise Suppress("the survey was answered already (in the portal)")
    if clock.now() > invitation.expires_at:
        raise Suppress("the survey expired before it could be sent")
    ticket = invitation.ticket
    context.update(
        ratings=[
            {
                "value": value,
                "label": label,
                "url": absolute(
                    reverse("surveys:rate", args=[links.rate_token(invitation, value)])
                ),
            }
            for value, label in reversed(Rating.choices)
        ],
        expires_at=invitation.expires_at,
        replyable=False,
    )
    subject = _Subject(ticket.number, ticket.title)
    return context, "survey", subject, compose.AUTO_GENERATED
