"""The life of a change: create, edit, move along the lifecycle (workflow.py), and the
calendar's scheduling checks on the way to scheduled."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.accounts.selectors import agents_visible_to
from atiende.core import clock, events
from atiende.core.dates import parse_moment
from atiende.core.errors import ValidationFailed
from atiende.core.ids import id_field, parse_id
from atiende.core.versions import check_version
from atiende.notifications.actions import notify
from atiende.tickets import actions as ticket_actions
from atiende.tickets import timeline
from atiende.tickets.events import TicketStatusChanged
from atiende.tickets.models import EventType, Impact, Kind, Status, Ticket, Urgency

from .. import conflicts, workflow
from ..events import ChangeApprovalsRequested, ChangeCreated, ChangeTransitioned, ChangeUpdated
from ..models import Approval, ChangeDetails, ChangeTemplate, ChangeType
from ..selectors import facts_of, lifecycle_status
from ._common import (
    EDITABLE_UNTIL_AUTHORISATION,
    STALE,
    _event,
    _locked,
    _require_agent,
    _text,
    _touch,
)
from .approvals import _approve_if_nobody_needed, _request_approvals, _withdraw_pending

PLAN_FIELDS = ("reason", "implementation_plan", "backout_plan", "test_plan")
# Fields change_update accepts, and until which status each may be changed.
EDITABLE_FIELDS = (
    "title",
    "description",
    "change_type",
    *PLAN_FIELDS,
    "planned_start",
    "planned_end",
    "implementer",
    "team",
    "assignee",
)
# The ticket's own fields: edited through the ticket's path (tickets.actions.ticket_fields_apply),
# so the same checks, timeline entries and `ticket.updated` follow an edit on either page.
SHARED_FIELDS = ("title", "team", "assignee")
# A ticket column only the change page edits.
TICKET_FIELDS = frozenset({"description"})
LONG_TEXT_FIELDS = frozenset({"description", *PLAN_FIELDS})
APPROVED_CONTENT = frozenset({"change_type", "description", *PLAN_FIELDS})


def _change_type(value: Any) -> str:
    if value not in ChangeType.values:
        raise ValidationFailed.field("change_type", _("Choose standard, normal or emergency."))
    return str(value)


def _person(actor: User, value: Any, field: str) -> User | None:
    """An agent by id (the implementer, the change owner); None for empty."""
    pk = id_field(value, field=field, message=_("Unknown agent."))
    if pk is None:
        return None
    agent = agents_visible_to(actor).filter(pk=pk).first()
    if agent is None:
        raise ValidationFailed.field(field, _("Unknown agent."))
    return agent


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, User):
        return value.display_name
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


# --- create -----------------------------------------------------------------------------------


def change_create(
    *,
    actor: User,
    title: str,
    change_type: str = ChangeType.NORMAL,
    description: str = "",
    template_id: int | str | None = None,
    reason: str = "",
    implementation_plan: str = "",
    backout_plan: str = "",
    test_plan: str = "",
    planned_start: datetime | str | None = None,
    planned_end: datetime | str | None = None,
    implementer_id: int | None = None,
    impact: int = Impact.LOW,
    urgency: int = Urgency.LOW,
    team_id: int | None = None,
    assignee_id: int | None = None,
    channel: str = "web",
) -> Ticket:
    """Raise a request for change. The actor is its requester (who can never approve it).
    A standard change comes from an active template, whose plans fill the empty fields."""
    _require_agent(actor)
    change_type = _change_type(change_type)
    template: ChangeTemplate | None = None
    if change_type == ChangeType.STANDARD:
        pk = parse_id(template_id) if template_id is not None else None
        template = ChangeTemplate.objects.filter(pk=pk, is_active=True).first() if pk else None
        if template is None:
            raise ValidationFailed.field(
                "template", _("A standard change is made from a template: choose one.")
            )
    elif template_id not in (None, ""):
        raise ValidationFailed.field(
            "template", _("Only standard changes are made from a template.")
        )
    plans = {
        "reason": _text(reason, "reason"),
        "implementation_plan": _text(implementation_plan, "implementation_plan"),
        "backout_plan": _text(backout_plan, "backout_plan"),
        "test_plan": _text(test_plan, "test_plan"),
    }
    if template is not None:
        for name in ("implementation_plan", "backout_plan", "test_plan"):
            plans[name] = plans[name] or template.__dict__[name]
        description = description or template.description
    start = parse_moment(planned_start, field="planned_start")
    end = parse_moment(planned_end, field="planned_end", end_of_day=True)
    conflicts.check_window(start, end)
    implementer = _person(actor, implementer_id, "implementer")
    with transaction.atomic():
        ticket = ticket_actions.ticket_create(
            actor=actor,
            title=title,
            description=description,
            kind=Kind.CHANGE,
            impact=impact,
            urgency=urgency,
            team_id=team_id or (template.team_id if template else None),
            channel=channel,
        )
        if assignee_id not in (None, ""):
            # Assigning a change owner does not move a change along its lifecycle.
            ticket.assignee = _person(actor, assignee_id, "assignee")
            ticket.save(update_fields=["assignee"])
        details, _created = ChangeDetails.objects.get_or_create(ticket=ticket)
        details.change_type = change_type
        details.template = template
        for name, value in plans.items():
            setattr(details, name, value)
        details.planned_start, details.planned_end = start, end
        details.implementer = implementer
        if template is not None:
            # A template is pre-assessed: its risk level stands for the change's.
            details.risk_level = template.risk_level
            details.risk_assessed_at = ticket.created_at
        details.save()
        if start is not None and end is not None:
            conflicts.note_window(start, end)  # the calendar's bounds cover the new window
        events.publish(ChangeCreated(ticket_id=ticket.pk, actor_id=actor.pk))
    return ticket


# --- update -----------------------------------------------------------------------------------


def change_update(
    *, actor: User, ticket_id: int | str, version: int | None, changes: Mapping[str, Any]
) -> Ticket:
    """Change a change's fields. What the approvers approve (type, description, plans) can be
    changed only before authorisation; the window and the people at any open stage (a window
    moved on a scheduled change is checked again like a new schedule)."""
    _require_agent(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            errors={name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    with transaction.atomic():
        ticket, details = _locked(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        status = lifecycle_status(ticket.status)
        if status not in workflow.OPEN:
            raise ValidationFailed.field("status", _("A closed change cannot be changed."))
        content = APPROVED_CONTENT & set(changes)
        if content and status not in EDITABLE_UNTIL_AUTHORISATION:
            raise ValidationFailed(
                errors={
                    name: [_("Send the change back to assessment to change this.")]
                    for name in sorted(content)
                }
            )
        detail_fields: dict[str, Any] = {}
        if "description" in changes:
            detail_fields["description"] = _text(changes["description"], "description")
        if "change_type" in changes:
            new_type = _change_type(changes["change_type"])
            if new_type == ChangeType.STANDARD and details.template_id is None:
                raise ValidationFailed.field(
                    "change_type", _("Only a change made from a template can be standard.")
                )
            detail_fields["change_type"] = new_type
        for name in PLAN_FIELDS:
            if name in changes:
                detail_fields[name] = _text(changes[name], name)
        window_changed = False
        start, end = details.planned_start, details.planned_end
        if "planned_start" in changes:
            start = parse_moment(changes["planned_start"], field="planned_start")
        if "planned_end" in changes:
            end = parse_moment(changes["planned_end"], field="planned_end", end_of_day=True)
        old_window = (details.planned_start, details.planned_end)
        if (start, end) != old_window:
            conflicts.check_window(start, end)
            if status == workflow.SCHEDULED and (start is None or end is None):
                raise ValidationFailed.field(
                    "planned_start", _("A scheduled change needs its planned start and end.")
                )
            if status in (workflow.IMPLEMENTING, workflow.REVIEW, workflow.FAILED):
                raise ValidationFailed.field(
                    "planned_start", _("The window of a change under way cannot be moved.")
                )
            detail_fields["planned_start"], detail_fields["planned_end"] = start, end
            window_changed = True
        if "implementer" in changes:
            detail_fields["implementer"] = _person(actor, changes["implementer"], "implementer")

        now = clock.now()
        old_status = ticket.status
        shared = {name: changes[name] for name in SHARED_FIELDS if name in changes}
        ticket_changed = ticket_actions.ticket_fields_apply(
            actor=actor, ticket=ticket, changes=shared, at=now
        )
        changed: list[str] = list(ticket_changed)
        for name, value in detail_fields.items():
            holder: Any = ticket if name in TICKET_FIELDS else details
            old_value = getattr(holder, name)
            if old_value == value:
                continue
            setattr(holder, name, value)
            changed.append(name)
            long_text = name in LONG_TEXT_FIELDS
            _event(
                ticket,
                actor,
                EventType.FIELD,
                at=now,
                field=name,
                old="" if long_text else _display(old_value),
                new="" if long_text else _display(value),
            )
        if not changed:
            return ticket
        if "title" in changed:
            timeline.index_text(ticket, ticket.title, public=True)
        if window_changed and status == workflow.SCHEDULED and start and end:
            _schedule_checks(ticket, details, actor=actor, start=start, end=end, override="")
        details.save()
        _touch(ticket, now)
        if ticket_changed:
            ticket_actions.ticket_update_publish(
                actor=actor, ticket=ticket, fields=ticket_changed, old_status=old_status
            )
        if window_changed:
            conflicts.window_moved(old_window, (start, end))  # the calendar's scan bound
            conflicts.refresh(ticket.pk)  # stored conflicts follow the window, in this transaction
        events.publish(ChangeUpdated(ticket_id=ticket.pk, actor_id=actor.pk, fields=tuple(changed)))
    return ticket


# --- transitions ------------------------------------------------------------------------------


GUARD_MESSAGES = {
    "plans": lambda: _("Write the implementation and backout plans first."),
    "risk": lambda: _("Assess the risk first."),
    "window": lambda: _("Give the planned start and end first."),
    "approvals": lambda: _("The change does not have the approvals it needs yet."),
    "review": lambda: _("Record the post-implementation review first."),
}


def change_transition(
    *,
    actor: User,
    ticket_id: int | str,
    to: str,
    version: int | None = None,
    comment: str = "",
    override_reason: str = "",
) -> Ticket:
    """Move a change along its lifecycle (workflow.py), checking the guards. Entering
    authorisation asks the approvers; scheduling runs the calendar's conflict and blackout
    checks; implementing and finishing record the actual start and end."""
    _require_agent(actor)
    if to not in workflow.STATUSES:
        raise ValidationFailed.field("to", _("Unknown status."))
    comment = _text(comment, "comment")
    with transaction.atomic():
        ticket, details = _locked(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        current = lifecycle_status(ticket.status)
        if to == workflow.REJECTED:
            raise ValidationFailed.field("to", _("A change is rejected by an approver's decision."))
        if not workflow.can_transition(details.change_type, current, to):
            raise ValidationFailed.field(
                "to",
                _("A change cannot go from “%(from)s” to “%(to)s”.")
                % {"from": Status(current).label, "to": Status(to).label},
            )
        missing = workflow.missing_for(facts_of(ticket, details), to)
        if missing:
            raise ValidationFailed(errors={"to": [str(GUARD_MESSAGES[m]()) for m in missing]})
        if to == workflow.FAILED and not comment:
            raise ValidationFailed.field(
                "comment", _("Describe what failed and how the backout plan was carried out.")
            )
        now = clock.now()
        old = ticket.status
        if current == workflow.AUTHORISATION and to != workflow.SCHEDULED:
            _withdraw_pending(details, now)
        requested: list[Approval] = []
        if to == workflow.AUTHORISATION:
            requested = _request_approvals(ticket, details, now)
        if to == workflow.SCHEDULED:
            assert details.planned_start and details.planned_end  # guarded by missing_for
            _schedule_checks(
                ticket,
                details,
                actor=actor,
                start=details.planned_start,
                end=details.planned_end,
                override=override_reason,
            )
        if to == workflow.IMPLEMENTING:
            details.actual_start = now
        if to in (workflow.REVIEW, workflow.FAILED) and details.actual_end is None:
            details.actual_end = now
        if to == workflow.CLOSED:
            ticket.closed_at = now
        ticket.status = to
        _event(
            ticket,
            actor,
            EventType.STATUS,
            at=now,
            field="status",
            old=old,
            new=to,
            body=comment,
        )
        details.save()
        _touch(ticket, now)
        if to == workflow.AUTHORISATION:
            _approve_if_nobody_needed(ticket, details, actor, now)
        if requested:
            # Each approver is told in the app (and by e-mail, through the outbox) in this
            # transaction: asked and told commit together, exactly once.
            approver_ids = tuple(sorted({a.approver_id for a in requested}))
            notify(
                user_ids=approver_ids,
                verb="change_approval",
                ticket_id=ticket.pk,
                params={"number": ticket.number},
            )
            events.publish(
                ChangeApprovalsRequested(
                    ticket_id=ticket.pk,
                    approval_ids=tuple(a.pk for a in requested),
                    approver_ids=approver_ids,
                )
            )
        if to != workflow.SCHEDULED:  # scheduling stored them (_schedule_checks)
            conflicts.refresh(ticket.pk)
        events.publish(TicketStatusChanged(ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=to))
        events.publish(ChangeTransitioned(ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=to))
    return ticket


def _schedule_checks(
    ticket: Ticket,
    details: ChangeDetails,
    *,
    actor: User,
    start: datetime,
    end: datetime,
    override: str,
) -> None:
    """The calendar's checks (blackout windows, conflicts): `conflicts.check_schedule`
    raises a ValidationFailed to refuse."""
    conflicts.check_schedule(details, start, end, actor=actor, override_reason=override)
