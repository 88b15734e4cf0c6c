"""The only code that changes surveys: inviting (from the ticket status events), answering,
following up a poor rating, and the settings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from atiende.accounts.models import Organization, Role, Team, TeamMembership, User
from atiende.audit.actions import record_change, snapshot
from atiende.core import clock
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.mail.models import OutboundKind
from atiende.mail.outbound import outbox
from atiende.notifications.actions import notify
from atiende.tickets import timeline
from atiende.tickets.models import EventType, Kind, Status, Ticket
from atiende.tickets.selectors import visibility

from .models import (
    FOLLOW_UP_MOVES,
    FollowUpStatus,
    Rating,
    SurveyFollowUp,
    SurveyInvitation,
    SurveyResponse,
    SurveySettings,
    is_poor,
)

# The timeline fields this app writes (named in apps.py).
RATING_FIELD = "satisfaction"
FOLLOW_UP_FIELD = "satisfaction_follow_up"
FINISHED = (Status.RESOLVED, Status.CLOSED)
COMMENT_MAX = 4000


# --- inviting -----------------------------------------------------------------------------------


def invite_for_ticket(*, ticket_id: int) -> SurveyInvitation | None:
    """The survey of a ticket just resolved or closed, when the settings ask for one; called
    inside the transition's transaction (surveys.subscribers), so the invitation and its
    e-mail commit with it. None when no survey is due: surveys off, the ticket's kind, team or
    organisation not chosen, no (active, non-agent) requester, the ticket already surveyed,
    or the person asked within the last `min_days_between` days."""
    config = SurveySettings.current()
    if not config.enabled:
        return None
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or ticket.status not in FINISHED:
        return None
    person = ticket.requester
    if person is None or not person.is_active or person.is_agent:
        return None
    if config.kinds and ticket.kind not in config.kinds:
        return None
    if config.team_ids and ticket.team_id not in config.team_ids:
        return None
    if config.organization_ids and ticket.organization_id not in config.organization_ids:
        return None
    now = clock.now()
    condition = Q(ticket_id=ticket.pk)
    if config.min_days_between:
        since = now - timedelta(days=config.min_days_between)
        condition |= Q(person_id=person.pk, created_at__gt=since)
    if SurveyInvitation.objects.filter(condition).exists():
        return None
    send_at = now + timedelta(hours=config.delay_hours)
    invitation = SurveyInvitation.objects.create(
        ticket=ticket, person=person, team_id=ticket.team_id, agent_id=ticket.assignee_id,
        created_at=now, send_at=send_at,
        expires_at=send_at + timedelta(days=config.answer_days),
    )  # fmt: skip
    if person.email:
        # Rendered at delivery in the person's language; its links are signed then.
        outbox.queue(
            kind=OutboundKind.SURVEY, ticket_id=ticket.pk, recipient_id=person.pk,
            params={"invitation": invitation.pk}, not_before=send_at,
        )  # fmt: skip
    return invitation


# --- answering ----------------------------------------------------------------------------------


def answer(
    *, actor: User, invitation_id: int, rating: object, comment: str | None = None
) -> SurveyResponse:
    """Record `actor`'s answer to their own survey: the first answer creates the response,
    later ones update it (counted once, latest rating wins). `comment` None keeps the one
    given before. A rating that turns poor opens the follow-up and tells the team lead."""
    value = _rating(rating)
    text = _comment(comment)
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update()
            .select_related("ticket")
            .filter(pk=invitation_id, person_id=actor.pk)
            .first()
        )
        if invitation is None or not actor.is_active:
            raise NotFound()
        now = clock.now()
        if now > invitation.expires_at:
            raise ValidationFailed(_("The time to answer this survey is over."))
        response = SurveyResponse.objects.filter(invitation=invitation).first()
        old = response.rating if response is not None else None
        old_comment = response.comment if response is not None else ""
        if response is None:
            response = SurveyResponse.objects.create(
                invitation=invitation, rating=value, comment=text or "", answered_at=now,
                updated_at=now,
            )  # fmt: skip
            invitation.answered_at = now
            invitation.save(update_fields=["answered_at"])
        else:
            response.rating = value
            if text is not None:
                response.comment = text
            response.updated_at = now
            response.save(update_fields=["rating", "comment", "updated_at"])
        if old != value or response.comment != old_comment:
            # Internal: what a requester thinks of the agents is for the desk, not the portal.
            timeline.record(
                invitation.ticket, actor=actor, type=EventType.FIELD, at=now, public=False,
                field=RATING_FIELD, old="" if old is None else str(old), new=str(value),
                body=response.comment if response.comment != old_comment else "",
            )  # fmt: skip
        if is_poor(value) and not is_poor(old):
            _follow_up(invitation, response, actor, now)
    return response


def answer_ticket(
    *, actor: User, ticket_id: int, rating: object, comment: str | None = None
) -> SurveyResponse:
    """The requester's answer from the portal or the API, by ticket."""
    invitation = (
        SurveyInvitation.objects.filter(visibility(actor, via="ticket__"))
        .filter(ticket_id=ticket_id, person_id=actor.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if invitation is None:
        raise NotFound()
    return answer(actor=actor, invitation_id=invitation, rating=rating, comment=comment)


def _rating(value: object) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number not in Rating.values:
        raise ValidationFailed.field("rating", _("Choose a rating from 1 to 5."))
    return number


def _comment(value: str | None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if len(text) > COMMENT_MAX:
        raise ValidationFailed.field(
            "comment",
            _("The comment is too long (at most %(max)s characters).") % {"max": COMMENT_MAX},
        )
    return text


def leads_of(team_id: int | None) -> list[int]:
    """Who follows up a poor rating: the team's leads and its managers (as SLA escalations
    name them); without a team, or a team without one, the desk's managers."""
    found: list[int] = []
    if team_id is not None:
        rows = TeamMembership.objects.filter(team_id=team_id, user__is_active=True).filter(
            Q(is_lead=True) | Q(user__role__in=[Role.MANAGER, Role.ADMIN])
        )
        found = list(rows.order_by("user_id").values_list("user_id", flat=True))
    if not found:
        found = list(
            User.objects.filter(role=Role.MANAGER, is_active=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return found


def _follow_up(
    invitation: SurveyInvitation, response: SurveyResponse, actor: User, now
) -> SurveyFollowUp:
    follow_up = SurveyFollowUp.objects.filter(response=response).first()
    if follow_up is None:
        follow_up = SurveyFollowUp.objects.create(
            response=response, status=FollowUpStatus.OPEN, created_at=now, updated_at=now
        )
        old = ""
    elif follow_up.status == FollowUpStatus.CLOSED:
        old = follow_up.status
        follow_up.status, follow_up.updated_at = FollowUpStatus.OPEN, now
        follow_up.save(update_fields=["status", "updated_at"])
    else:
        return follow_up
    timeline.record(
        invitation.ticket_id, actor=actor, type=EventType.FIELD, at=now, public=False,
        field=FOLLOW_UP_FIELD, old=old, new=FollowUpStatus.OPEN,
    )  # fmt: skip
    notify(
        user_ids=leads_of(invitation.team_id),
        verb="survey_poor",
        ticket_id=invitation.ticket_id,
        params={"number": invitation.ticket.number, "rating": response.rating},
    )
    return follow_up


# --- following up -------------------------------------------------------------------------------


def can_follow_up(actor: User, team_id: int | None) -> bool:
    if not actor.is_active or not actor.is_agent:
        return False
    if actor.is_admin or actor.is_manager:
        return True
    if team_id is None:
        return False
    return TeamMembership.objects.filter(team_id=team_id, user_id=actor.pk, is_lead=True).exists()


def follow_up_move(*, actor: User, follow_up_id: int, to: str, note: str = "") -> SurveyFollowUp:
    """A team lead (or a manager) moves a follow-up: acknowledged, requester contacted, closed
    (and a closed one open again), with an optional note. Agents only, on tickets they see."""
    if to not in FollowUpStatus.values:
        raise ValidationFailed.field("status", _("Choose a follow-up state."))
    text = _comment(note) or ""
    with transaction.atomic():
        follow_up = (
            SurveyFollowUp.objects.select_for_update()
            .select_related("response__invitation")
            .filter(visibility(actor, via="response__invitation__ticket__"))
            .filter(pk=follow_up_id)
            .first()
        )
        if follow_up is None or not actor.is_agent:
            raise NotFound()
        invitation = follow_up.response.invitation
        if not can_follow_up(actor, invitation.team_id):
            raise Forbidden(_("Only the team lead or a manager follows up a rating."))
        if to not in FOLLOW_UP_MOVES[follow_up.status]:
            raise ValidationFailed.field(
                "status", _("A follow-up cannot move from this state to that one.")
            )
        now = clock.now()
        old = follow_up.status
        follow_up.status, follow_up.updated_at, follow_up.updated_by = to, now, actor
        if text:
            follow_up.note = text
        follow_up.save(update_fields=["status", "updated_at", "updated_by", "note"])
        timeline.record(
            invitation.ticket_id, actor=actor, type=EventType.FIELD, at=now, public=False,
            field=FOLLOW_UP_FIELD, old=old, new=to, body=text,
        )  # fmt: skip
    return follow_up


# --- settings -----------------------------------------------------------------------------------


def settings_update(
    *,
    actor: User,
    enabled: bool,
    kinds: Iterable[str],
    team_ids: Iterable[int],
    organization_ids: Iterable[int],
    delay_hours: int,
    min_days_between: int,
    answer_days: int,
) -> SurveySettings:
    """Managers and administrators set who is asked, when and how often (audited)."""
    if not (actor.is_active and (actor.is_manager or actor.is_admin)):
        raise Forbidden()
    kinds = list(dict.fromkeys(kinds))
    if set(kinds) - set(Kind.values):
        raise ValidationFailed.field("kinds", _("Unknown ticket kind."))
    numbers = {"delay_hours": (delay_hours, 0, 720), "min_days_between": (min_days_between, 0, 365),
               "answer_days": (answer_days, 1, 365)}  # fmt: skip
    for name, (value, low, high) in numbers.items():
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationFailed.field(
                name,
                _("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            )
    with transaction.atomic():
        config = SurveySettings.load()
        config = SurveySettings.objects.select_for_update().get(pk=config.pk)
        before = snapshot(config, m2m=["teams", "organizations"])
        teams = list(Team.objects.filter(pk__in=list(team_ids)))
        organizations = list(Organization.objects.filter(pk__in=list(organization_ids)))
        config.enabled, config.kinds = bool(enabled), kinds
        config.delay_hours, config.min_days_between = delay_hours, min_days_between
        config.answer_days = answer_days
        config.save()
        config.teams.set(teams)
        config.organizations.set(organizations)
        record_change(
            actor=actor, action="updated", obj=config, before=before,
            after=snapshot(config, m2m=["teams", "organizations"]),
        )  # fmt: skip
    return config
