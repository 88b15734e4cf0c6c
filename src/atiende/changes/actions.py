"""The only code that changes changes. Every function: keyword-only, one transaction, access
checked (agents only; the change row locked), input validated with field errors, the ticket
timeline written in the same transaction, side effects published after commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import Role, User
from atiende.accounts.selectors import agents_visible_to
from atiende.core import clock, events
from atiende.core.dates import parse_moment
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import id_field, parse_id
from atiende.core.sanitize import clean_text
from atiende.core.versions import check_version
from atiende.notifications.actions import notify
from atiende.tickets import actions as ticket_actions
from atiende.tickets import timeline
from atiende.tickets.events import TicketStatusChanged
from atiende.tickets.models import (
    EventType,
    Impact,
    Kind,
    Status,
    Ticket,
    Urgency,
)
from atiende.tickets.selectors import tickets_visible_to

from . import conflicts, workflow
from . import risk as risk_rules
from .events import (
    ChangeApprovalDecided,
    ChangeApprovalsRequested,
    ChangeCreated,
    ChangeReviewed,
    ChangeRiskAssessed,
    ChangeTransitioned,
    ChangeUpdated,
)
from .models import (
    Approval,
    ApprovalPolicy,
    ApprovalStatus,
    ChangeDetails,
    ChangeTemplate,
    ChangeType,
    ReviewOutcome,
    RiskAnswer,
    RiskQuestion,
    RiskSettings,
)
from .selectors import approvals_of, changes_visible_to, facts_of, lifecycle_status, requirements_of

PLAN_MAX = 50_000
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
EDITABLE_UNTIL_AUTHORISATION = (workflow.NEW, workflow.ASSESSMENT)


# --- helpers ----------------------------------------------------------------------------------


def _require_agent(actor: User) -> None:
    if actor is None or not actor.is_active or not actor.is_agent:
        raise NotFound()  # requesters see nothing of changes: denied looks like missing


def _locked(actor: User, ticket_id: int | str) -> tuple[Ticket, ChangeDetails]:
    """The change ticket (row-locked) and its details (created blank when missing).

    Writing takes the ticket's own access (its teams, assignee, requester): someone who sees
    a change only because they were asked to approve it reads it, but 403 on changing it."""
    pk = parse_id(ticket_id)
    if pk is None and isinstance(ticket_id, str) and ticket_id.strip():
        key = ticket_id.strip().upper()[:20]
        pk = changes_visible_to(actor).filter(number=key).values_list("pk", flat=True).first()
    if pk is None:
        raise NotFound()
    writable = tickets_visible_to(actor).filter(kind=Kind.CHANGE, pk=pk).values("pk")
    ticket = Ticket.objects.select_for_update().filter(pk__in=writable).first()
    if ticket is None:
        if changes_visible_to(actor).filter(pk=pk).exists():
            raise Forbidden(
                _("You were asked to approve this change; only its team can change it.")
            )
        raise NotFound()
    details, _created = ChangeDetails.objects.get_or_create(ticket=ticket)
    return ticket, details


# A stale write's message (see core.versions.check_version).
STALE = gettext_lazy(
    "This change was changed by someone else (version %(current)d, you had %(yours)d)."
)


def _event(
    ticket: Ticket,
    actor: User,
    type_: str,
    *,
    at: datetime,
    field: str = "",
    old: str = "",
    new: str = "",
    body: str = "",
) -> None:
    # Changes are agents' records: their own timeline entries are internal.
    timeline.record(
        ticket, actor=actor, type=type_, at=at, public=False, field=field, old=old, new=new,
        body=body,
    )  # fmt: skip


def _touch(ticket: Ticket, at: datetime) -> None:
    ticket.updated_at = at
    ticket.version += 1
    ticket.save()


def _text(value: Any, field: str) -> str:
    text = clean_text(value if isinstance(value, str) else "" if value is None else str(value))
    if len(text) > PLAN_MAX:
        raise ValidationFailed.field(field, _("This text is too long."))
    return text


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


def _check_window(start: datetime | None, end: datetime | None) -> None:
    if (start is None) != (end is None):
        field = "planned_end" if end is None else "planned_start"
        raise ValidationFailed.field(field, _("Give both the planned start and end."))
    if start is not None and end is not None and end <= start:
        raise ValidationFailed.field("planned_end", _("The end must be after the start."))


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
    end = parse_moment(planned_end, field="planned_end")
    _check_window(start, end)
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
            end = parse_moment(changes["planned_end"], field="planned_end")
        if (start, end) != (details.planned_start, details.planned_end):
            _check_window(start, end)
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
            conflicts.refresh(ticket.pk)  # stored conflicts follow the window, in this transaction
        events.publish(ChangeUpdated(ticket_id=ticket.pk, actor_id=actor.pk, fields=tuple(changed)))
    return ticket


# --- risk -------------------------------------------------------------------------------------


def risk_assess(
    *,
    actor: User,
    ticket_id: int | str,
    answers: Mapping[Any, Any],
    version: int | None = None,
) -> ChangeDetails:
    """Answer the risk questionnaire: every active question, one of its answers each. The score
    is the sum of the weights; the level comes from the thresholds in RiskSettings."""
    _require_agent(actor)
    questions = list(RiskQuestion.objects.filter(is_active=True).prefetch_related("choices"))
    given: dict[int, Any] = {}
    for key, value in dict(answers).items():
        try:
            given[int(key)] = value
        except (TypeError, ValueError):
            raise ValidationFailed.field("answers", _("Unknown question.")) from None
    known = {q.pk for q in questions}
    if set(given) - known:
        raise ValidationFailed.field("answers", _("Unknown question."))
    errors: dict[str, list[str]] = {}
    chosen = []
    for question in questions:
        choices = {c.pk: c for c in question.choices.all()}
        try:
            choice = choices.get(int(given.get(question.pk)))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            choice = None
        if choice is None:
            errors[f"answers.{question.pk}"] = [_("Choose an answer.")]
        else:
            chosen.append((question, choice))
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        ticket, details = _locked(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        status = lifecycle_status(ticket.status)
        if status not in EDITABLE_UNTIL_AUTHORISATION:
            raise ValidationFailed.field(
                "answers", _("Send the change back to assessment to assess its risk again.")
            )
        thresholds = RiskSettings.load()
        total = risk_rules.score(choice.weight for _q, choice in chosen)
        level = risk_rules.level(
            total, medium_from=thresholds.medium_from, high_from=thresholds.high_from
        )
        RiskAnswer.objects.filter(change=details).delete()
        RiskAnswer.objects.bulk_create(
            RiskAnswer(change=details, question=q, choice=c, weight=c.weight) for q, c in chosen
        )
        now = clock.now()
        reasons = risk_rules.reasons((q.text_en, c.text_en, c.weight) for q, c in chosen)
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="risk",
            old=details.risk_level,
            new=level,
            body="\n".join(f"- {r.question} {r.answer} (+{r.weight})" for r in reasons),
        )
        details.risk_level = level
        details.risk_score = total
        details.risk_assessed_at = now
        details.save()
        _touch(ticket, now)
        events.publish(ChangeRiskAssessed(ticket_id=ticket.pk, actor_id=actor.pk))
    return details


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


# --- approvals --------------------------------------------------------------------------------


def _request_approvals(ticket: Ticket, details: ChangeDetails, now: datetime) -> list[Approval]:
    """Ask every member of every board whose policy matches the change's type and risk; the
    requester of the change is never asked. One round of approvals shares its created_at."""
    policies = list(
        ApprovalPolicy.objects.filter(is_active=True, change_type=details.change_type)
        .filter(risk_level__in=["", details.risk_level])
        .select_related("board")
        .prefetch_related("board__members")
    )
    rows = []
    errors: list[str] = []
    for policy in policies:
        members = [
            m
            for m in policy.board.members.all()
            if m.is_active and m.role != Role.REQUESTER and m.pk != ticket.requester_id
        ]
        if not members or len(members) < policy.required:
            errors.append(
                _("The board “%(board)s” has too few members who may approve this change.")
                % {"board": policy.board.label()}
            )
            continue
        rows += [
            Approval(change=details, policy=policy, board=policy.board, approver=m, created_at=now)
            for m in members
        ]
    if errors:
        raise ValidationFailed(errors={"to": errors})
    return Approval.objects.bulk_create(rows)


def _withdraw_pending(details: ChangeDetails, now: datetime) -> None:
    Approval.objects.filter(change=details, status=ApprovalStatus.PENDING).update(
        status=ApprovalStatus.WITHDRAWN, decided_at=now
    )


def _approve_if_nobody_needed(
    ticket: Ticket, details: ChangeDetails, actor: User, now: datetime
) -> None:
    """No policy applies (e.g. a low-risk normal change): say so in the timeline."""
    if not Approval.objects.filter(change=details, created_at=now).exists():
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="approval",
            old="",
            new="not_required",
        )


APPROVE = "approve"
REJECT = "reject"


def approval_decide(
    *, actor: User, approval_id: int | str, decision: str, comment: str = ""
) -> Approval:
    """An approver approves or rejects. A rejection (comment required) rejects the change
    and withdraws the other pending approvals; once every policy is satisfied the change may
    be scheduled, and the approvals nobody needs any more are withdrawn."""
    _require_agent(actor)
    if decision not in (APPROVE, REJECT):
        raise ValidationFailed.field("decision", _("Choose approve or reject."))
    comment = _text(comment, "comment")
    if decision == REJECT and not comment:
        raise ValidationFailed.field("comment", _("Say why the change is rejected."))
    pk = parse_id(approval_id)
    if pk is None:
        raise NotFound()
    with transaction.atomic():
        found = Approval.objects.filter(pk=pk).values_list("change_id", "approver_id").first()
        if found is None:
            raise NotFound()
        change_id, approver_id = found
        if approver_id != actor.pk:
            # Someone else's approval: 404 unless they can see the change, then 403.
            if not changes_visible_to(actor).filter(pk=change_id).exists():
                raise NotFound()
            raise Forbidden(_("This approval was asked of someone else."))
        ticket = Ticket.objects.select_for_update().get(pk=change_id)
        approval = Approval.objects.select_for_update().select_related("board", "policy").get(pk=pk)
        details = ChangeDetails.objects.get(pk=change_id)
        if ticket.requester_id == actor.pk:
            raise Forbidden(_("The requester of a change can never approve it."))
        if approval.status != ApprovalStatus.PENDING:
            raise ValidationFailed.field("decision", _("This approval was already decided."))
        if ticket.status != workflow.AUTHORISATION:
            raise ValidationFailed.field("decision", _("The change is not awaiting approval."))
        now = clock.now()
        approval.status = (
            ApprovalStatus.APPROVED if decision == APPROVE else ApprovalStatus.REJECTED
        )
        approval.comment = comment
        approval.decided_at = now
        approval.save()
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="approval",
            old=ApprovalStatus.PENDING,
            new=approval.status,
            body=f"{approval.board.name}: {comment}" if comment else approval.board.name,
        )
        old = ticket.status
        if decision == REJECT:
            _withdraw_pending(details, now)
            ticket.status = workflow.REJECTED
            ticket.closed_at = now
            _event(
                ticket, actor, EventType.STATUS, at=now, field="status",
                old=old, new=workflow.REJECTED,
            )  # fmt: skip
        else:
            from .approvals import satisfied

            if satisfied(requirements_of(approvals_of(details))):
                _withdraw_pending(details, now)
                _event(
                    ticket, actor, EventType.FIELD, at=now, field="approval",
                    old=ApprovalStatus.PENDING, new="complete",
                )  # fmt: skip
        _touch(ticket, now)
        events.publish(
            ChangeApprovalDecided(
                ticket_id=ticket.pk, approval_id=approval.pk, actor_id=actor.pk, decision=decision
            )
        )
        if ticket.status != old:
            events.publish(
                TicketStatusChanged(
                    ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=ticket.status
                )
            )
    return approval


# --- review -----------------------------------------------------------------------------------


def review_record(
    *,
    actor: User,
    ticket_id: int | str,
    outcome: str,
    notes: str = "",
    caused_incidents: Sequence[int | str] = (),
    version: int | None = None,
) -> ChangeDetails:
    """The post-implementation review: outcome, notes, and the incidents the change caused
    (linked as "caused by" this change). Recorded while the change is in review."""
    _require_agent(actor)
    if outcome not in ReviewOutcome.values:
        raise ValidationFailed.field("outcome", _("Choose success, partial or failure."))
    notes = _text(notes, "notes")
    if outcome != ReviewOutcome.SUCCESS and not notes:
        raise ValidationFailed.field("notes", _("Describe what did not go to plan."))
    with transaction.atomic():
        ticket, details = _locked(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        if ticket.status != workflow.REVIEW:
            raise ValidationFailed.field(
                "outcome", _("A review is recorded while the change is in review.")
            )
        now = clock.now()
        for other in caused_incidents:
            incident = _caused_incident(actor, other)
            already = incident.links_out.filter(to_ticket=ticket, link_type="caused_by").exists()
            if not already:
                try:
                    ticket_actions.ticket_link_add(
                        actor=actor, ticket_id=incident.pk, other=ticket.pk, link_type="caused_by"
                    )
                except ValidationFailed as exc:
                    raise ValidationFailed(
                        errors={"caused_incidents": [m for ms in exc.errors.values() for m in ms]}
                    ) from None
        _event(
            ticket,
            actor,
            EventType.FIELD,
            at=now,
            field="review_outcome",
            old=details.review_outcome,
            new=outcome,
            body=notes,
        )
        details.review_outcome = outcome
        details.review_notes = notes
        details.reviewed_at = now
        details.save()
        _touch(ticket, now)
        events.publish(ChangeReviewed(ticket_id=ticket.pk, actor_id=actor.pk))
    return details


def _caused_incident(actor: User, other: int | str) -> Ticket:
    from atiende.tickets.selectors import ticket_get

    try:
        incident = ticket_get(actor, other)
    except NotFound:
        raise ValidationFailed.field("caused_incidents", _("No such incident.")) from None
    if incident.kind != Kind.INCIDENT:
        raise ValidationFailed.field(
            "caused_incidents",
            _("%(number)s is not an incident.") % {"number": incident.number},
        )
    return incident
