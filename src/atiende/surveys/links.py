"""Signed one-click rating links of the survey e-mail, usable without signing in.

A rating link is `django.core.signing` data naming the invitation, the person asked and the
rating (1-5), so it cannot be altered. It works once: the first click records the rating
(the invitation is answered), after which every rating link of that survey is spent (410).
It expires with the invitation (`SurveySettings.answer_days`). After the click the person
gets a comment link (another salt, bound to the same invitation and person) to add a
comment or change their rating until the survey expires; that updates the same response.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from atiende.core import clock

from .models import Rating, SurveyInvitation

RATE_SALT = "atiende.surveys.rate"
COMMENT_SALT = "atiende.surveys.comment"


class LinkInvalid(Exception):
    """Altered, truncated or not one of ours (400)."""


class LinkOver(Exception):
    """A genuine link that cannot be used any more (410): `reason` is "expired" or "spent";
    `language` is the person's, to word the page."""

    def __init__(self, reason: str, language: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.language = language


@dataclass(frozen=True)
class SurveyLink:
    invitation: SurveyInvitation
    rating: int | None  # rating links only


def rate_token(invitation: SurveyInvitation, rating: int) -> str:
    if rating not in Rating.values:
        raise ValueError("not a rating")
    return signing.dumps(
        {"i": invitation.pk, "u": invitation.person_id, "r": rating}, salt=RATE_SALT
    )


def comment_token(invitation: SurveyInvitation) -> str:
    return signing.dumps({"i": invitation.pk, "u": invitation.person_id}, salt=COMMENT_SALT)


def _read(token: str, salt: str) -> tuple[SurveyInvitation, dict]:
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature:
        raise LinkInvalid() from None
    if not isinstance(data, dict):
        raise LinkInvalid()
    pk, user_id = data.get("i"), data.get("u")
    if not (isinstance(pk, int) and isinstance(user_id, int)):
        raise LinkInvalid()
    invitation = SurveyInvitation.objects.select_related("ticket", "person").filter(pk=pk).first()
    if invitation is None or invitation.person_id != user_id or not invitation.person.is_active:
        raise LinkInvalid()
    if clock.now() > invitation.expires_at:
        raise LinkOver("expired", invitation.person.language)
    return invitation, data


def read_rate_token(token: str) -> SurveyLink:
    """The survey and rating of a rating link, or LinkInvalid / LinkOver (spent once the
    survey has an answer)."""
    invitation, data = _read(token, RATE_SALT)
    rating = data.get("r")
    if not isinstance(rating, int) or rating not in Rating.values:
        raise LinkInvalid()
    if invitation.answered_at is not None:
        raise LinkOver("spent", invitation.person.language)
    return SurveyLink(invitation, rating)


def read_comment_token(token: str) -> SurveyLink:
    invitation, _data = _read(token, COMMENT_SALT)
    if invitation.answered_at is None:
        raise LinkInvalid()  # a comment link is only ever made after a rating
    return SurveyLink(invitation, None)
