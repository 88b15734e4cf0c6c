"""The only code that changes tickets. Every function: keyword-only, one transaction, access
checked, input validated, the timeline event written in the same transaction, side effects
published after commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.models import Role, Team, TeamMembership, User
from atiende.accounts.selectors import agents_visible_to
from atiende.core import bulk, clock, events
from atiende.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from atiende.core.ids import id_field
from atiende.core.queries import one_or_none
from atiende.core.sanitize import clean_text
from atiende.core.versions import check_version

from . import numbering, panels, routing, timeline, workflow
from .attachments import check_upload, cleanup_on_error, guess_type, new_storage_key, safe_filename
from .events import (
    TicketAttachmentAdded,
    TicketCommented,
    TicketCreated,
    TicketLinked,
    TicketMerged,
    TicketStatusChanged,
    TicketUpdated,
)
from .models import (
    LINKABLE_TYPES,
    SAVED_VIEWS_MAX,
    Attachment,
    Category,
    Channel,
    DeskSettings,
    EventType,
    Impact,
    Kind,
    LinkType,
    PendingReason,
    Priority,
    ResolutionCode,
    SavedView,
    Status,
    Ticket,
    TicketFollower,
    TicketLink,
    TicketParticipant,
    Urgency,
)
from .priority import compute_priority
from .selectors import mentions_in, tickets_visible_to

if TYPE_CHECKING:
    from .models import TicketEvent  # noqa: TID251 - the type only; timeline writes it

REQUESTER_KINDS = (Kind.INCIDENT, Kind.REQUEST, Kind.QUESTION)
TITLE_MAX = 200
PRIORITY_REASON_MAX = 500
BODY_MAX = 100_000

# Fields an agent may change with ticket_update, and how each is shown in the timeline.
# Reclassifying (kind) keeps the ticket's number: the number is its identity, quoted in mail
# and by people, so an incident reclassified as a request stays e.g. INC-000123.
EDITABLE_FIELDS = ("kind", "title", "category", "impact", "urgency", "team", "assignee")


# --- helpers ----------------------------------------------------------------------------------


def _locked_ticket(actor: User, ticket_id: int) -> Ticket:
    ticket = one_or_none(tickets_visible_to(actor).select_for_update().filter(pk=ticket_id))
    if ticket is None:
        raise NotFound()
    return ticket


def _require_agent(actor: User) -> None:
    if not actor.is_agent:
        raise Forbidden(_("Only agents can do this."))


class TicketFinished(Conflict):
    """A requester's reply or file on a closed or cancelled ticket: refused (409), never lost
    in a ticket no queue shows. `route` says what to do instead (reopen or a new ticket)."""

    def __init__(self, ticket: Ticket, route: workflow.ReplyRoute) -> None:
        names = {"number": ticket.number}
        if ticket.status == Status.CANCELLED:
            detail = _(
                "Ticket %(number)s was cancelled, so a reply here would not reach anyone. "
                "Please open a new ticket and mention %(number)s."
            )
        elif route == workflow.ReplyRoute.REOPEN:
            detail = _(
                "Ticket %(number)s is closed, so a reply here would not reach anyone. If the "
                "problem is back, reopen it; otherwise open a new ticket and mention %(number)s."
            )
        else:
            detail = _(
                "Ticket %(number)s is closed, so a reply here would not reach anyone. "
                "Please open a new ticket and mention %(number)s."
            )
        super().__init__(detail % names, current_version=ticket.version)
        self.route = route


def _requester_route(
    actor: User, ticket: Ticket, now: datetime, *, on_behalf: bool = False
) -> workflow.ReplyRoute:
    """Where a message by `actor` on `ticket` belongs (workflow.requester_reply). Agents'
    replies and notes always join: the ticket is their record; but a message the system
    account writes on behalf of someone (mail) follows the requester's rule."""
    if actor.is_agent and not on_behalf:
        return workflow.ReplyRoute.JOIN
    route = workflow.requester_reply(
        ticket.status,
        resolved_at=ticket.resolved_at,
        now=now,
        reopen_days=DeskSettings.current().reopen_days,
    )
    if route == workflow.ReplyRoute.NEW_TICKET:
        raise TicketFinished(ticket, route)
    return route


def _reopen_for_reply(ticket: Ticket, actor: User, now: datetime, *, author: str = "") -> str:
    """A requester's message reopens a resolved ticket within the reopen period, on every
    channel: recorded in the timeline like an explicit reopen, with why (the reply that
    follows it; `author` names who wrote it when the system account writes for them).
    Answers the old status (the caller saves the ticket and publishes TicketStatusChanged)."""
    old = ticket.status
    ticket.status = workflow.reopen_status(ticket.assignee_id)
    ticket.resolved_at = None
    ticket.closed_at = None
    ticket.resolution_code = ""
    ticket.resolution_notes = ""
    ticket.version += 1
    why = _(
        "Reopened by a reply from %(name)s within the reopen period (%(days)s days after the "
        "resolution). The reply follows."
    ) % {"name": author or actor.display_name, "days": DeskSettings.current().reopen_days}
    timeline.record(
        ticket, actor=actor, type=EventType.STATUS, at=now, field="status", old=old,
        new=ticket.status, body=why,
    )  # fmt: skip
    return old


# A stale write's message (see core.versions.check_version).
STALE = gettext_lazy(
    "This ticket was changed by someone else (version %(current)d, you had %(yours)d)."
)


def _choice(value: Any, choices: Sequence[Any], field: str, message: str) -> Any:
    if value not in choices:
        raise ValidationFailed.field(field, message)
    return value


def _int_choice(value: Any, enum: type[models.IntegerChoices], field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    return _choice(number, enum.values, field, _("Choose 1 (high), 2 (medium) or 3 (low)."))


def _clean_title(title: str) -> str:
    title = clean_text(title).replace("\n", " ").replace("\r", " ")
    if not title:
        raise ValidationFailed.field("title", _("A title is required."))
    if len(title) > TITLE_MAX:
        raise ValidationFailed.field(
            "title", _("Keep the title under %(max)d characters.") % {"max": TITLE_MAX}
        )
    return title


def _clean_body(body: str, field: str, *, required: bool) -> str:
    body = clean_text(body)
    if required and not body:
        raise ValidationFailed.field(field, _("Write something first."))
    if len(body) > BODY_MAX:
        raise ValidationFailed.field(field, _("This text is too long."))
    return body


def _category(category_id: Any) -> Category | None:
    pk = id_field(category_id, field="category", message=_("Unknown category."))
    if pk is None:
        return None
    category = one_or_none(Category.objects.filter(pk=pk, is_active=True))
    if category is None:
        raise ValidationFailed.field("category", _("Unknown category."))
    return category


def _team(team_id: Any) -> Team | None:
    pk = id_field(team_id, field="team", message=_("Unknown team."))
    if pk is None:
        return None
    team = one_or_none(Team.objects.filter(pk=pk))
    if team is None:
        raise ValidationFailed.field("team", _("Unknown team."))
    return team


def _agent(actor: User, user_id: Any) -> User | None:
    pk = id_field(user_id, field="assignee", message=_("Unknown agent."))
    if pk is None:
        return None
    agent = one_or_none(agents_visible_to(actor).filter(pk=pk))
    if agent is None:
        raise ValidationFailed.field("assignee", _("Unknown agent."))
    return agent


def _check_assignee_fits(assignee: User, team: Team | None) -> None:
    """The assignee follows the ticket's team: a member of it, or an agent who sees every
    ticket (the desk's selects list the same people). One query when there is a team."""
    if team is None or assignee.is_admin or assignee.sees_all_tickets:
        return
    if not TeamMembership.objects.filter(team_id=team.pk, user_id=assignee.pk).exists():
        raise ValidationFailed.field(
            "assignee",
            _(
                "%(agent)s is not a member of the team %(team)s: choose one of its members, "
                "or move the ticket to their team."
            )
            % {"agent": assignee.display_name, "team": team.name},
        )


def _display(field: str, value: Any) -> str:
    """How a field value is kept in the timeline: codes for choices, names for people."""
    if value is None:
        return ""
    if isinstance(value, User):
        return value.display_name
    return str(value)


def _store_files(
    ticket: Ticket,
    files: Sequence[UploadedFile],
    *,
    actor: User,
    at,
    public: bool,
    event: TicketEvent | None,
    written: list[str],
) -> list[Attachment]:
    stored = []
    for upload in files:
        filename = safe_filename(upload.name or "")
        attachment = Attachment(
            ticket=ticket,
            event=event,
            public=public,
            storage_key=new_storage_key(filename),
            filename=filename,
            content_type=guess_type(filename),
            size=upload.size or 0,
            uploaded_by=actor,
            created_at=at,
        )
        attachment.file.save(attachment.storage_key, upload, save=False)
        written.append(attachment.file.name)
        attachment.save()
        stored.append(attachment)
    return stored


# --- create -------------------------------------------------------------------------------------


def ticket_create(
    *,
    actor: User,
    title: str,
    description: str = "",
    kind: str = Kind.INCIDENT,
    category_id: int | None = None,
    impact: int = Impact.LOW,
    urgency: int = Urgency.LOW,
    requester_id: int | None = None,
    team_id: int | None = None,
    assignee_id: int | None = None,
    attachments: Sequence[UploadedFile] = (),
    channel: str = Channel.WEB,
    search_text: str = "",
) -> Ticket:
    """Open a ticket. Requesters open their own incidents, requests and questions; agents may
    open any kind, on behalf of any active user, already routed and assigned. `search_text`:
    more public words its search document holds from the start (a catalogue request's
    answers), written with it rather than added by a second statement."""
    if not actor.is_active:
        raise Forbidden()
    channel = _choice(channel, Channel.values, "channel", _("Unknown channel."))
    for upload in attachments:
        check_upload(upload)
    title = _clean_title(title)
    description = _clean_body(description, "description", required=False)
    impact = _int_choice(impact, Impact, "impact")
    urgency = _int_choice(urgency, Urgency, "urgency")
    if actor.is_agent:
        kind = _choice(kind, Kind.values, "kind", _("Unknown kind."))
    else:
        kind = _choice(kind, REQUESTER_KINDS, "kind", _("Choose incident, request or question."))
        if requester_id not in (None, actor.pk) or team_id or assignee_id:
            raise Forbidden(_("Only agents can choose the requester, team or assignee."))
        if kind != Kind.INCIDENT:
            impact = Impact.LOW
    category = _category(category_id)
    requester: User | None = actor
    requester_pk = id_field(requester_id, field="requester", message=_("Unknown requester."))
    if actor.is_agent and requester_pk is not None and requester_pk != actor.pk:
        requester = one_or_none(User.objects.filter(pk=requester_pk, is_active=True))
    if requester is None:
        raise ValidationFailed.field("requester", _("Unknown requester."))
    team = _team(team_id) if actor.is_agent else None
    assignee = _agent(actor, assignee_id) if actor.is_agent else None

    with transaction.atomic(), cleanup_on_error() as written:
        if team is None:
            team = (category.team if category else None) or DeskSettings.current().default_team
        priority = compute_priority(impact, urgency)
        routed = None
        if assignee is None and team is not None:
            # Automatic assignment (routing.py): chosen before the insert, so the ticket is
            # written assigned, as if its creator had chosen the agent.
            facts = routing.NewTicket(
                kind=kind, category_id=category.pk if category else None, priority=priority,
                language=requester.language,
            )  # fmt: skip
            routed = routing.choose_assignee(team.pk, facts)
        assignee_pk = assignee.pk if assignee else routed.assignee_id if routed else None
        now = clock.now()
        ticket = Ticket(
            number=numbering.next_number(kind),
            kind=kind,
            channel=channel,
            title=title,
            description=description,
            status=workflow.status_after_assignment(Status.NEW, assignee_pk),
            impact=impact,
            urgency=urgency,
            priority=priority,
            requester=requester,
            organization_id=requester.organization_id,
            team=team,
            assignee=assignee,
            category=category,
            created_at=now,
            updated_at=now,
        )
        if assignee is None:
            ticket.assignee_id = assignee_pk
        bulk.insert_instance(ticket)
        if User.organization.is_cached(requester):  # spare the answer a query for it
            ticket.organization = requester.organization
        event = timeline.record(ticket, actor=actor, type=EventType.CREATED, at=now)
        if routed is not None:
            note = routed.note
            timeline.record(
                ticket, actor=routed.actor, type=note.type, at=now, public=False,
                field=note.field, old=note.old, new=note.new, body=note.body,
            )  # fmt: skip
        timeline.index_new(ticket, f"{ticket.number} {title} {description} {search_text}")
        _store_files(
            ticket, attachments, actor=actor, at=now, public=True, event=event, written=written
        )
        # `ticket` is for in-transaction handlers (SLA clocks, mail outbox): the row they see.
        events.publish(
            TicketCreated(
                ticket_id=ticket.pk, actor_id=actor.pk, ticket=ticket,
                assigned_by=routed.actor.pk if routed and routed.assignee_id else None,
            )
        )  # fmt: skip
    return ticket


# --- update -------------------------------------------------------------------------------------


def ticket_update(
    *, actor: User, ticket_id: int, version: int | None, changes: dict[str, Any]
) -> Ticket:
    """Change agent-editable fields. A stale `version` is refused with Conflict (409)."""
    _require_agent(actor)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            errors={name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        new = _cleaned(actor, ticket, changes)
        if not ticket.is_open and ({"team", "assignee"} & set(new)):
            raise ValidationFailed.field("assignee", _("Reopen the ticket before reassigning it."))
        if new.get("assignee") is not None and new["assignee"].pk != ticket.assignee_id:
            _check_assignee_fits(new["assignee"], new.get("team", ticket.team))
        now = clock.now()
        old_status = ticket.status
        changed = _apply_changes(ticket, actor, new, at=now)
        if not changed:
            return ticket
        ticket.updated_at = now
        ticket.version += 1
        ticket.save()
        ticket_update_publish(actor=actor, ticket=ticket, fields=changed, old_status=old_status)
    return ticket


def ticket_fields_apply(
    *, actor: User, ticket: Ticket, changes: Mapping[str, Any], at: datetime
) -> list[str]:
    """The ticket's own fields (EDITABLE_FIELDS) edited from another domain's screen, e.g. a
    change's title, team and owner from the change page: checked, applied to `ticket` and
    recorded in its timeline exactly as ticket_update does, so the audit trail never depends
    on the screen used. The caller holds the ticket's row lock in its transaction, saves the
    ticket (one version step), then calls `ticket_update_publish` so that ticket-level
    subscribers (SLA, notifications) hear of the edit. Answers the fields changed (with the
    priority or status they moved)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            errors={name: [_("This field cannot be changed here.")] for name in sorted(unknown)}
        )
    return _apply_changes(ticket, actor, _cleaned(actor, ticket, changes), at=at)


def ticket_update_publish(
    *, actor: User, ticket: Ticket, fields: Sequence[str], old_status: str
) -> None:
    """Tell subscribers a ticket's fields changed (after it is saved)."""
    events.publish(TicketUpdated(ticket_id=ticket.pk, actor_id=actor.pk, fields=tuple(fields)))
    if ticket.status != old_status:
        # (Un)assigning moved the status: subscribers of status changes (SLA clocks,
        # notifications) must hear about it exactly as for an explicit transition.
        events.publish(
            TicketStatusChanged(
                ticket_id=ticket.pk, actor_id=actor.pk, old=old_status, new=ticket.status
            )
        )


def _cleaned(actor: User, ticket: Ticket, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The new values of `changes`, checked (field errors), not yet applied."""
    new: dict[str, Any] = {}
    if "kind" in changes:
        new["kind"] = _choice(changes["kind"], Kind.values, "kind", _("Unknown kind."))
        if new["kind"] != ticket.kind and (
            workflow.has_own_lifecycle(new["kind"]) or workflow.has_own_lifecycle(ticket.kind)
        ):
            raise ValidationFailed.field(
                "kind", _("A ticket cannot become a change or stop being one: link them.")
            )
    if "title" in changes:
        new["title"] = _clean_title(changes["title"])
    if "category" in changes:
        new["category"] = _category(changes["category"])
    if "impact" in changes:
        new["impact"] = _int_choice(changes["impact"], Impact, "impact")
    if "urgency" in changes:
        new["urgency"] = _int_choice(changes["urgency"], Urgency, "urgency")
    if "team" in changes:
        new["team"] = _team(changes["team"])
    if "assignee" in changes:
        new["assignee"] = _agent(actor, changes["assignee"])
    return new


def _apply_changes(ticket: Ticket, actor: User, new: dict[str, Any], *, at) -> list[str]:
    changed: list[str] = []
    for field, value in new.items():
        old = getattr(ticket, field)
        if old == value:
            continue
        setattr(ticket, field, value)
        changed.append(field)
        timeline.record(
            ticket,
            actor=actor,
            type=EventType.FIELD,
            at=at,
            public=field in ("kind", "title", "category"),
            field=field,
            old=_display(field, old),
            new=_display(field, value),
        )
    if {"impact", "urgency"} & set(changed) and not ticket.priority_overridden:
        priority = compute_priority(ticket.impact, ticket.urgency)
        if priority != ticket.priority:
            timeline.record(
                ticket, actor=actor, type=EventType.FIELD, at=at, public=False, field="priority",
                old=str(ticket.priority), new=str(priority),
            )  # fmt: skip
            ticket.priority = priority
            changed.append("priority")
    if "assignee" in changed and not workflow.has_own_lifecycle(ticket.kind):
        # A change's owner does not move it along its own lifecycle.
        status = workflow.status_after_assignment(
            ticket.status, ticket.assignee.pk if ticket.assignee else None
        )
        if status != ticket.status:
            timeline.record(
                ticket, actor=actor, type=EventType.STATUS, at=at, field="status",
                old=ticket.status, new=status,
            )  # fmt: skip
            ticket.status = status
            changed.append("status")
    if "title" in changed:
        timeline.index_text(ticket, ticket.title, public=True)
    return changed


# --- priority override ------------------------------------------------------------------------


def ticket_priority_set(
    *, actor: User, ticket_id: int, version: int | None, priority: int | None, reason: str = ""
) -> Ticket:
    """Set the priority directly, with a mandatory reason, instead of the impact x urgency
    matrix; `priority=None` goes back to the matrix (recomputed now). While overridden,
    impact and urgency edits leave the priority alone. The change and its reason are an
    internal timeline entry; subscribers hear "priority" changed (SLA re-matches its policy)."""
    _require_agent(actor)
    reason = clean_text(reason or "").replace("\r", " ").replace("\n", " ").strip()
    if priority is not None:
        try:
            priority = int(priority)
        except (TypeError, ValueError):
            priority = -1
        priority = _choice(
            priority, Priority.values, "priority", _("Choose a priority from 1 to 5.")
        )
        if not reason:
            raise ValidationFailed.field("reason", _("Say why the priority is overridden."))
    if len(reason) > PRIORITY_REASON_MAX:
        raise ValidationFailed.field(
            "reason", _("Keep the reason under %(max)d characters.") % {"max": PRIORITY_REASON_MAX}
        )
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        if priority is None:
            if not ticket.priority_overridden:
                return ticket  # already following the matrix
            new, overridden, reason = compute_priority(ticket.impact, ticket.urgency), False, ""
        else:
            if (ticket.priority_overridden, ticket.priority, ticket.priority_reason) == (
                True, priority, reason,
            ):  # fmt: skip
                return ticket
            new, overridden = priority, True
        now = clock.now()
        timeline.record(
            ticket, actor=actor, type=EventType.FIELD, at=now, public=False, field="priority",
            old=str(ticket.priority), new=str(new),
            body=reason,  # empty: back to the matrix
        )  # fmt: skip
        ticket.priority, ticket.priority_overridden, ticket.priority_reason = (
            new,
            overridden,
            reason,
        )
        ticket.updated_at = now
        ticket.version += 1
        ticket.save()
        ticket_update_publish(
            actor=actor, ticket=ticket, fields=["priority"], old_status=ticket.status
        )
    return ticket


# --- transitions --------------------------------------------------------------------------------


def ticket_transition(
    *,
    actor: User,
    ticket_id: int,
    to: str,
    version: int | None = None,
    resolution_code: str = "",
    resolution_notes: str = "",
    pending_reason: str = "",
    comment: str = "",
    duplicate_of: int | str | None = None,
) -> Ticket:
    """Move a ticket along its workflow. Resolving needs a resolution code and a note (and,
    resolving as a duplicate, which ticket it duplicates: `duplicate_of`, an id or number,
    linked "duplicate of"); pending needs a reason; requesters may only confirm (-> closed)
    or reopen."""
    if to not in Status.values:
        raise ValidationFailed.field("to", _("Unknown status."))
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        check_version(ticket.version, version, stale=STALE)
        # Decision: an organisation manager *sees* the tickets of their organisation, but
        # confirming or reopening speaks for the person who asked, so only the requester
        # may do it. The manager gets 403 (they can see the ticket, so 404 would lie).
        if not actor.is_agent and ticket.requester_id != actor.pk:
            raise Forbidden(_("Only the requester can confirm or reopen this ticket."))
        if workflow.has_own_lifecycle(ticket.kind):
            raise ValidationFailed.field(
                "to", _("A change moves along its own lifecycle: use the change's page.")
            )
        if not workflow.can_transition(ticket.status, to, is_agent=actor.is_agent):
            raise ValidationFailed.field(
                "to",
                _("A ticket cannot go from “%(from)s” to “%(to)s”.")
                % {"from": Status(ticket.status).label, "to": Status(to).label},
            )
        if to == Status.ASSIGNED and ticket.assignee_id is None:
            raise ValidationFailed.field("to", _("Choose an assignee first."))
        now = clock.now()
        reopening = workflow.is_reopen(ticket.status, to)
        if reopening and not actor.is_agent:
            # The reopen period limits requesters (DeskSettings.reopen_days); agents may
            # reopen at any time, e.g. when a fix turns out not to hold.
            if not workflow.within_reopen_period(
                ticket.resolved_at, now, DeskSettings.current().reopen_days
            ):
                raise ValidationFailed.field(
                    "to", _("The reopen period is over; please open a new ticket.")
                )
            to = workflow.reopen_status(ticket.assignee_id)
        old_status = ticket.status
        if to == Status.RESOLVED:
            codes = set(
                ResolutionCode.objects.filter(is_active=True).values_list("code", flat=True)
            )
            errors = {}
            if resolution_code not in codes:
                errors["resolution_code"] = [_("Choose a resolution code.")]
            notes = clean_text(resolution_notes)
            if not notes:
                errors["resolution_notes"] = [_("Describe the resolution.")]
            original = None
            if resolution_code == DUPLICATE_CODE:
                original, problem = _duplicate_original(actor, ticket, duplicate_of)
                if problem:
                    errors["duplicate_of"] = [problem]
            if errors:
                raise ValidationFailed(errors=errors)
            if original is not None:
                _link_duplicate(actor, ticket, original, now)
            ticket.resolution_code = resolution_code
            ticket.resolution_notes = notes
            ticket.resolved_at = now
        if to == Status.PENDING:
            ticket.pending_reason = _choice(
                pending_reason,
                PendingReason.values,
                "pending_reason",
                _("Choose why it is pending."),
            )
        elif ticket.pending_reason:
            ticket.pending_reason = ""
        if to == Status.CLOSED:
            ticket.closed_at = now
        if reopening:
            ticket.resolved_at = None
            ticket.closed_at = None
            ticket.resolution_code = ""
            ticket.resolution_notes = ""
        ticket.status = to
        timeline.record(
            ticket, actor=actor, type=EventType.STATUS, at=now, field="status",
            old=old_status, new=to, body=ticket.resolution_notes if to == Status.RESOLVED else "",
        )  # fmt: skip
        said: TicketEvent | None = None
        if comment.strip():
            body = _clean_body(comment, "comment", required=True)
            said = timeline.record(ticket, actor=actor, type=EventType.COMMENT, at=now, body=body)
            timeline.index_text(ticket, body, public=True)
        ticket.updated_at = now
        ticket.version += 1
        ticket.save()
        events.publish(
            TicketStatusChanged(
                ticket_id=ticket.pk,
                actor_id=actor.pk,
                old=old_status,
                new=to,
                comment_id=said.pk if said else None,
            )
        )
    return ticket


@dataclass(frozen=True)
class TransitionMany:
    """What `ticket_transition_many` did: the tickets moved, and those it left alone with why
    (the message the single path would have refused them with)."""

    moved: list[int]
    refused: dict[int, str]


# Moves `ticket_transition_many` makes: no resolution or pending reason to give, no comment.
BATCH_TARGETS = frozenset(Status.values) - {Status.RESOLVED, Status.PENDING}


def ticket_transition_many(
    *, actor: User, ticket_ids: Sequence[int], to: str, comment: str = ""
) -> TransitionMany:
    """`ticket_transition` (as an agent, without a comment) of many tickets at once, with the
    same effects on each: one locked read, the workflow's guards per ticket (a ticket they
    refuse is left out and reported), one UPDATE, the timeline entries in one INSERT, and
    TicketStatusChanged published for all of them at once (core.events.publish_many: each
    subscriber with a batch form does one pass). For the time-rule sweep (closing resolved
    tickets after N days); a move needing details (resolved, pending) goes one at a time.
    `comment`: the same public reply given with each move (one INSERT, one search UPDATE)."""
    if to not in BATCH_TARGETS:
        raise ValueError(f"ticket_transition_many cannot move tickets to {to!r}")
    _require_agent(actor)
    body = _clean_body(comment, "comment", required=True) if comment.strip() else ""
    ids = list(dict.fromkeys(ticket_ids))
    refused: dict[int, str] = {}
    if not ids:
        return TransitionMany([], refused)
    with transaction.atomic():
        rows = {
            t.pk: t
            for t in tickets_visible_to(actor)
            .select_for_update()
            .filter(pk__in=ids)
            .only("status", "kind", "assignee_id")
        }
        olds: dict[str, list[int]] = {}
        for pk in ids:
            ticket = rows.get(pk)
            if ticket is None:
                refused[pk] = str(NotFound().first_message())
            elif workflow.has_own_lifecycle(ticket.kind):
                refused[pk] = _("A change moves along its own lifecycle: use the change's page.")
            elif not workflow.can_transition(ticket.status, to, is_agent=True):
                refused[pk] = _("A ticket cannot go from “%(from)s” to “%(to)s”.") % {
                    "from": Status(ticket.status).label,
                    "to": Status(to).label,
                }
            elif to == Status.ASSIGNED and ticket.assignee_id is None:
                refused[pk] = _("Choose an assignee first.")
            else:
                olds.setdefault(ticket.status, []).append(pk)
        moved = [pk for pk in ids if pk not in refused]
        if not moved:
            return TransitionMany([], refused)
        now = clock.now()
        for old, pks in olds.items():
            changes: dict[str, Any] = {
                "status": to, "pending_reason": "", "updated_at": now,
                "version": models.F("version") + 1,
            }  # fmt: skip
            if workflow.is_reopen(old, to):
                changes.update(resolved_at=None, closed_at=None, resolution_code="",
                               resolution_notes="")  # fmt: skip
            if to == Status.CLOSED:
                changes["closed_at"] = now
            Ticket.objects.filter(pk__in=pks).update(**changes)
        timeline.record_many(
            timeline.Row(pk, EventType.STATUS, actor.pk, now, True, "status", rows[pk].status, to)
            for pk in moved
        )
        said: list[int | None] = [None] * len(moved)
        if body:
            said = list(
                timeline.record_returning(
                    [timeline.Row(pk, EventType.COMMENT, actor.pk, now, True, body=body)
                     for pk in moved]
                )
            )  # fmt: skip
            timeline.index_text_many(moved, body, public=True)
        events.publish_many(
            [
                TicketStatusChanged(
                    ticket_id=pk, actor_id=actor.pk, old=rows[pk].status, new=to, comment_id=c
                )
                for pk, c in zip(moved, said, strict=True)
            ]
        )
    return TransitionMany(moved, refused)


DUPLICATE_CODE = "duplicate"


def _duplicate_original(
    actor: User, ticket: Ticket, original: int | str | None
) -> tuple[Ticket | None, str]:
    """The ticket `ticket` duplicates, or why it cannot be that one."""
    from .selectors import ticket_get

    if original is None or original == "":
        return None, _("Say which ticket this one duplicates.")
    try:
        found = ticket_get(actor, original)
    except NotFound:
        return None, _("No such ticket.")
    if found.pk == ticket.pk:
        return None, _("A ticket cannot duplicate itself.")
    return found, ""


def _link_duplicate(actor: User, ticket: Ticket, original: Ticket, at) -> None:
    """Link "duplicate of" unless the two tickets are linked already (one link per pair)."""
    pair = Q(from_ticket=ticket, to_ticket=original) | Q(from_ticket=original, to_ticket=ticket)
    if TicketLink.objects.filter(pair).exists():
        return
    link = TicketLink.objects.create(
        from_ticket=ticket, to_ticket=original, link_type=LinkType.DUPLICATE_OF,
        created_by=actor, created_at=at,
    )  # fmt: skip
    _link_events(link, actor, at, added=True)
    events.publish(TicketLinked(ticket_id=ticket.pk, other_id=original.pk, link_id=link.pk))


# --- replies and notes --------------------------------------------------------------------------


def comment_add(
    *,
    actor: User,
    ticket_id: int,
    body: str,
    public: bool = True,
    attachments: Sequence[UploadedFile] = (),
    on_behalf_of: str = "",
) -> TicketEvent:
    """A public reply or (agents only) an internal note, with optional attachments.
    Attachments of an internal note are internal too. `on_behalf_of`: the address of the
    person the (system) actor writes for (mail intake): their message follows the requester's
    rule (it may reopen the ticket), is not the desk's response, and is not mailed back to
    them."""
    on_behalf_of = on_behalf_of.strip().lower() if public else ""
    for upload in attachments:
        check_upload(upload)
    if not public and not actor.is_agent:
        raise Forbidden(_("Only agents can write internal notes."))
    body = _clean_body(body, "body", required=not attachments)
    with transaction.atomic(), cleanup_on_error() as written:
        ticket = _locked_ticket(actor, ticket_id)
        now = clock.now()
        reopened_from = None
        route = _requester_route(actor, ticket, now, on_behalf=bool(on_behalf_of))
        if route == workflow.ReplyRoute.REOPEN:
            reopened_from = _reopen_for_reply(ticket, actor, now, author=on_behalf_of)
        event = timeline.record(
            ticket,
            actor=actor,
            type=EventType.COMMENT if public else EventType.NOTE,
            at=now,
            public=public,
            body=body,
        )
        _store_files(
            ticket, attachments, actor=actor, at=now, public=public, event=event, written=written
        )
        timeline.index_text(ticket, body, public=public)
        # Agents follow what they write on; a note's mentions (of agents who may see the
        # ticket: selectors.mentions_in) are told and follow too. Public replies mention no one.
        mentioned = () if public else tuple(sorted(mentions_in(ticket, body).told - {actor.pk}))
        if actor.is_agent and not on_behalf_of:
            _follow_quietly(ticket.pk, [actor.pk, *mentioned], at=now)
        ticket.updated_at = now
        if reopened_from is None:
            ticket.save(update_fields=["updated_at"])
        else:
            ticket.save()
            events.publish(
                TicketStatusChanged(
                    ticket_id=ticket.pk,
                    actor_id=actor.pk,
                    old=reopened_from,
                    new=ticket.status,
                    by_reply=True,
                )
            )
        events.publish(
            TicketCommented(
                ticket_id=ticket.pk,
                event_id=event.pk,
                actor_id=actor.pk,
                public=public,
                by_agent=actor.is_agent and not on_behalf_of,
                requester_id=ticket.requester_id,
                mentioned=mentioned,
                author_email=on_behalf_of,
                reopened=reopened_from is not None,
            )
        )
    return event


@dataclass(frozen=True)
class ReplyResult:
    """Where a requester's reply landed: `ticket` is the follow-up when `follow_up_of` is set."""

    event: TicketEvent
    ticket: Ticket
    follow_up_of: Ticket | None = None


def requester_reply_add(
    *, actor: User, ticket_id: int, body: str, attachments: Sequence[UploadedFile] = ()
) -> ReplyResult:
    """A public reply from the portal or the API, by the policy of every channel
    (workflow.requester_reply): it joins the ticket, reopens it first (resolved, within the
    reopen period), or, on a ticket over for good, opens a follow-up ticket linked to it. Only
    the requester may open the follow-up (they are its requester); anyone else gets 409."""
    try:
        event = comment_add(
            actor=actor, ticket_id=ticket_id, body=body, public=True, attachments=attachments
        )
        return ReplyResult(event=event, ticket=event.ticket)
    except TicketFinished:
        old = one_or_none(tickets_visible_to(actor).filter(pk=ticket_id))
        if old is None or old.requester_id != actor.pk:
            raise
    return _follow_up(actor, old, body, attachments)


def _follow_up(
    actor: User, old: Ticket, body: str, attachments: Sequence[UploadedFile]
) -> ReplyResult:
    with transaction.atomic():
        ticket = ticket_create(
            actor=actor,
            title=old.title,
            description=body,
            kind=old.kind if old.kind in REQUESTER_KINDS else Kind.INCIDENT,
            category_id=old.category_id,
            attachments=attachments,
        )
        link = TicketLink.objects.create(
            from_ticket=ticket, to_ticket=old, link_type=LinkType.FOLLOW_UP_OF,
            created_by=actor, created_at=clock.now(),
        )  # fmt: skip
        _link_events(link, actor, link.created_at, added=True)
        event = ticket.events.order_by("id").first()
        assert event is not None
    events.publish(TicketLinked(ticket_id=ticket.pk, other_id=old.pk, link_id=link.pk))
    return ReplyResult(event=event, ticket=ticket, follow_up_of=old)


def attachment_add(
    *, actor: User, ticket_id: int, file: UploadedFile, public: bool = True
) -> Attachment:
    check_upload(file)
    if not public and not actor.is_agent:
        raise Forbidden(_("Only agents can add internal attachments."))
    with transaction.atomic(), cleanup_on_error() as written:
        ticket = _locked_ticket(actor, ticket_id)
        now = clock.now()
        if not actor.is_agent and not workflow.accepts_requester_message(ticket.status):
            _requester_route(actor, ticket, now)  # refused (409) with the way out
        event = timeline.record(
            ticket, actor=actor, type=EventType.ATTACHMENT, at=now, public=public,
            new=safe_filename(file.name or ""),
        )  # fmt: skip
        (attachment,) = _store_files(
            ticket, [file], actor=actor, at=now, public=public, event=event, written=written
        )
        ticket.updated_at = now
        ticket.save(update_fields=["updated_at"])
        events.publish(
            TicketAttachmentAdded(
                ticket_id=ticket.pk, attachment_id=attachment.pk, actor_id=actor.pk, public=public
            )
        )
    return attachment


# --- bulk ---------------------------------------------------------------------------------------


@dataclass
class BulkResult:
    done: list[int]
    failed: dict[int, str]


def bulk_update(*, actor: User, ticket_ids: Sequence[int], changes: dict[str, Any]) -> BulkResult:
    """Apply the same field changes to each ticket; each ticket is its own transaction."""
    _require_agent(actor)
    result = BulkResult(done=[], failed={})
    for ticket_id in ticket_ids:
        try:
            ticket_update(actor=actor, ticket_id=ticket_id, version=None, changes=changes)
            result.done.append(ticket_id)
        except DomainError as exc:
            result.failed[ticket_id] = exc.first_message()
    return result


def bulk_transition(
    *, actor: User, ticket_ids: Sequence[int], to: str, **details: Any
) -> BulkResult:
    _require_agent(actor)
    result = BulkResult(done=[], failed={})
    for ticket_id in ticket_ids:
        try:
            ticket_transition(actor=actor, ticket_id=ticket_id, to=to, **details)
            result.done.append(ticket_id)
        except DomainError as exc:
            result.failed[ticket_id] = exc.first_message()
    return result


# --- links --------------------------------------------------------------------------------------


def _other_ticket(actor: User, other: int | str) -> Ticket:
    """The ticket to link to, by id or number, among those the actor may see."""
    from .selectors import ticket_get

    try:
        return ticket_get(actor, other)
    except NotFound:
        raise ValidationFailed.field("other", _("No such ticket.")) from None


def ticket_link_add(
    *, actor: User, ticket_id: int, other: int | str, link_type: str = LinkType.RELATED
) -> TicketLink:
    """Link ticket `ticket_id` to `other` (an id or a number such as INC-000123). Agents link
    tickets they can both see; the link is recorded in both timelines."""
    _require_agent(actor)
    link_type = _choice(
        link_type, [v for v, _l in LINKABLE_TYPES], "link_type", _("Unknown link type.")
    )
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        target = _other_ticket(actor, other)
        if target.pk == ticket.pk:
            raise ValidationFailed.field("other", _("A ticket cannot be linked to itself."))
        pair = Q(from_ticket=ticket, to_ticket=target) | Q(from_ticket=target, to_ticket=ticket)
        if TicketLink.objects.filter(pair).exists():
            raise ValidationFailed.field("other", _("These tickets are already linked."))
        now = clock.now()
        link = TicketLink.objects.create(
            from_ticket=ticket, to_ticket=target, link_type=link_type, created_by=actor,
            created_at=now,
        )  # fmt: skip
        _link_events(link, actor, now, added=True)
    events.publish(TicketLinked(ticket_id=ticket.pk, other_id=target.pk, link_id=link.pk))
    return link


def ticket_link_remove(*, actor: User, ticket_id: int, link_id: int) -> None:
    """Remove a link of ticket `ticket_id` (either direction)."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        link = (
            TicketLink.objects.select_related("from_ticket", "to_ticket")
            .filter(Q(from_ticket=ticket) | Q(to_ticket=ticket), pk=link_id)
            .first()
        )
        if link is None:
            raise NotFound()
        _link_events(link, actor, clock.now(), added=False)
        link.delete()


def _link_events(link: TicketLink, actor: User, at, *, added: bool) -> None:
    """An internal timeline entry on each side ("Caused by CHG-000004" / "Caused INC-000123"):
    field "link" reads forward, "link_inverse" backward; the value is "<type> <number>"."""
    sides = (
        (link.from_ticket, link.to_ticket, "link"),
        (link.to_ticket, link.from_ticket, "link_inverse"),
    )
    for ticket, other, field in sides:
        value = f"{link.link_type} {other.number}"
        timeline.record(
            ticket, actor=actor, type=EventType.LINK, at=at, public=False, field=field,
            old="" if added else value, new=value if added else "",
        )  # fmt: skip


# --- merge --------------------------------------------------------------------------------------


def ticket_merge(
    *, actor: User, ticket_id: int, into: int | str, version: int | None = None
) -> Ticket:
    """Merge ticket `ticket_id` (the source) into `into` (an id or a number): the source's
    timeline (its opening entry with its description), attachments and links move to the
    target, and the source is closed (resolution "duplicate") with a `merged_into`
    link and a public reply telling its requester where the conversation continues. Mail
    replying to the source's thread then lands in the target (mail threading follows the
    link). Answers the target."""
    from .selectors import ticket_get

    _require_agent(actor)
    with transaction.atomic():
        source = _locked_ticket(actor, ticket_id)
        check_version(source.version, version, stale=STALE)
        try:
            target = ticket_get(actor, into)
        except NotFound:
            raise ValidationFailed.field("into", _("No such ticket.")) from None
        if target.pk == source.pk:
            raise ValidationFailed.field("into", _("A ticket cannot be merged into itself."))
        target = _locked_ticket(actor, target.pk)
        _check_mergeable(source, target)
        now = clock.now()
        old_status = source.status
        _move_links(source, target)
        timeline.move_entries(source, target.pk)
        Attachment.objects.filter(ticket=source).update(ticket=target)
        followers = TicketFollower.objects.filter(ticket=source).values_list("user_id", flat=True)
        _follow_quietly(target.pk, list(followers), at=now)  # they follow the conversation
        _move_participants(source.pk, target.pk, at=now)  # so do the people in copy
        told = _("This request was merged into %(number)s: the conversation continues there.") % {
            "number": target.number
        }
        source.status = Status.CLOSED
        source.pending_reason = ""
        source.resolution_code = DUPLICATE_CODE
        source.resolution_notes = told
        source.resolved_at = source.resolved_at or now
        source.closed_at = now
        timeline.record(
            source, actor=actor, type=EventType.STATUS, at=now, field="status",
            old=old_status, new=Status.CLOSED,
        )  # fmt: skip
        reply = timeline.record(source, actor=actor, type=EventType.COMMENT, at=now, body=told)
        link = TicketLink.objects.create(
            from_ticket=source, to_ticket=target, link_type=LinkType.MERGED_INTO,
            created_by=actor, created_at=now,
        )  # fmt: skip
        _link_events(link, actor, now, added=True)
        for ticket in (source, target):
            ticket.updated_at = now
            ticket.version += 1
            ticket.save()
        # The source's requester hears of it like any reply given with a transition (mail).
        events.publish(
            TicketStatusChanged(
                ticket_id=source.pk, actor_id=actor.pk, old=old_status, new=Status.CLOSED,
                comment_id=reply.pk,
            )
        )  # fmt: skip
        events.publish(TicketMerged(source_id=source.pk, target_id=target.pk, actor_id=actor.pk))
    return target


def _check_mergeable(source: Ticket, target: Ticket) -> None:
    if workflow.has_own_lifecycle(source.kind) or workflow.has_own_lifecycle(target.kind):
        raise ValidationFailed.field("into", _("Changes cannot be merged: link them instead."))
    if TicketLink.objects.filter(from_ticket=source, link_type=LinkType.MERGED_INTO).exists():
        raise ValidationFailed.field("into", _("This ticket was already merged."))
    if not target.is_open:
        raise ValidationFailed.field(
            "into",
            _("%(number)s is finished: reopen it before merging into it.")
            % {"number": target.number},
        )


def _move_links(source: Ticket, target: Ticket) -> list[int]:
    """Re-point the source's links at the target. A link between the two becomes pointless
    (the merge link replaces it) and a pair the target already has keeps the target's link
    (one link per pair, as ticket_link_add keeps it). Answers the tickets now linked."""
    linked = set(
        TicketLink.objects.filter(from_ticket=target).values_list("to_ticket_id", flat=True)
    ) | set(TicketLink.objects.filter(to_ticket=target).values_list("from_ticket_id", flat=True))
    moved: list[int] = []
    links = TicketLink.objects.filter(Q(from_ticket=source) | Q(to_ticket=source)).order_by("pk")
    for link in links:
        outgoing = link.from_ticket_id == source.pk
        other = link.to_ticket_id if outgoing else link.from_ticket_id
        if other == target.pk or other in linked:
            link.delete()
            continue
        if outgoing:
            link.from_ticket = target
        else:
            link.to_ticket = target
        link.save(update_fields=["from_ticket", "to_ticket"])
        linked.add(other)
        moved.append(other)
    return moved


# --- split --------------------------------------------------------------------------------------


def ticket_split(*, actor: User, ticket_id: int, event_id: int, title: str = "") -> Ticket:
    """Open a new ticket from one reply or note of ticket `ticket_id` (a second problem
    raised in the same thread): its text becomes the new ticket's description and its files
    move there; the new ticket is for the reply's author when a requester wrote it (else the
    ticket's requester), in the same team and category, linked "related" to the original.
    The reply itself stays where it was said."""
    from .selectors import timeline_for

    _require_agent(actor)
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        if workflow.has_own_lifecycle(ticket.kind):
            raise ValidationFailed.field("event_id", _("A change's replies cannot be split."))
        event = (
            timeline_for(actor, ticket)
            .filter(pk=id_field(event_id, field="event_id", message=_("Unknown reply.")) or 0)
            .filter(type__in=[EventType.COMMENT, EventType.NOTE])
            .select_related("actor")
            .first()
        )
        if event is None:
            raise ValidationFailed.field("event_id", _("Choose a reply or a note of this ticket."))
        author = event.actor
        requester = (
            author
            if author is not None and author.is_active and not author.is_agent
            else ticket.requester
        )
        first_line = next((line for line in event.body.splitlines() if line.strip()), "")
        title = (
            title.strip()
            or first_line[:TITLE_MAX]
            or _("Split from %(number)s") % {"number": ticket.number}
        )
        new = ticket_create(
            actor=actor,
            title=title,
            description=event.body,
            kind=ticket.kind,
            category_id=ticket.category_id,
            impact=ticket.impact,
            urgency=ticket.urgency,
            requester_id=requester.pk,
            team_id=ticket.team_id,
            channel=ticket.channel,
        )
        Attachment.objects.filter(event_id=event.pk).update(ticket=new, event=None)
        ticket_link_add(actor=actor, ticket_id=new.pk, other=ticket.pk)
        timeline.record(
            ticket, actor=actor, type=EventType.NOTE, at=clock.now(), public=False,
            body=_("Split into %(number)s.") % {"number": new.number},
        )  # fmt: skip
    return new


# --- followers ----------------------------------------------------------------------------------


def _follow_quietly(ticket_id: int, user_ids: Sequence[int], *, at) -> None:
    """Automatic follows (a reply, a mention): no timeline entry, no error if already there."""
    rows = [TicketFollower(ticket_id=ticket_id, user_id=pk, created_at=at) for pk in user_ids]
    TicketFollower.objects.bulk_create(rows, ignore_conflicts=True)


def ticket_follow(*, actor: User, ticket_id: int) -> bool:
    """The agent follows the ticket (notifications' `ticket_activity`); recorded in the
    timeline, internal. Answers False if they already did (nothing written)."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        if TicketFollower.objects.filter(ticket=ticket, user=actor).exists():
            return False
        now = clock.now()
        TicketFollower.objects.create(ticket=ticket, user=actor, created_at=now)
        timeline.record(
            ticket, actor=actor, type=EventType.FIELD, at=now, public=False,
            field="followers", new=actor.display_name,
        )  # fmt: skip
    return True


def ticket_unfollow(*, actor: User, ticket_id: int) -> bool:
    """The agent stops following; answers False if they did not follow (nothing written)."""
    _require_agent(actor)
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        deleted, _rows = TicketFollower.objects.filter(ticket=ticket, user=actor).delete()
        if not deleted:
            return False
        timeline.record(
            ticket, actor=actor, type=EventType.FIELD, at=clock.now(), public=False,
            field="followers", old=actor.display_name,
        )  # fmt: skip
    return True


# --- saved views --------------------------------------------------------------------------------

# The queue's filters a saved view may keep: never a search text (a view is a queue whose
# count is one cheap aggregate) nor a page cursor.
SAVED_VIEW_KEYS = frozenset(
    {"view", "kind", "status", "priority", "team", "assignee", "category", "organization", "sort"}
)


def saved_view_keys() -> frozenset[str]:
    """What a saved view may keep: the queue's own filters and other domains' (panels)."""
    return SAVED_VIEW_KEYS | {extra.name for extra in panels.queue_filters()}


def _view_name(name: str) -> str:
    name = clean_text(name or "").strip()
    if not name:
        raise ValidationFailed.field("name", _("Give the view a name."))
    if len(name) > 60:
        raise ValidationFailed.field("name", _("Use at most 60 characters."))
    return name


def _view_query(query: str) -> str:
    pairs = parse_qsl(query or "", keep_blank_values=False)
    if len(query or "") > 500 or any(key not in saved_view_keys() for key, _v in pairs):
        raise ValidationFailed.field("query", _("These filters cannot be saved as a view."))
    return urlencode(pairs)


def _own_view(actor: User, view_id: int) -> SavedView:
    from .selectors import saved_view_get

    return saved_view_get(actor, view_id)  # NotFound for another's view and a missing one


def _check_name_free(actor: User, name: str, *, but: int | None = None) -> None:
    taken = SavedView.objects.filter(owner=actor, name__iexact=name)
    if but is not None:
        taken = taken.exclude(pk=but)
    if taken.exists():
        raise ValidationFailed.field("name", _("You already have a view with this name."))


def saved_view_create(*, actor: User, name: str, query: str) -> SavedView:
    """Save the queue's current filters (`query`, already checked by the queue's filter form)
    as one of the agent's views, last in their list; at most SAVED_VIEWS_MAX each."""
    _require_agent(actor)
    name, query = _view_name(name), _view_query(query)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one save at a time
        views = SavedView.objects.filter(owner=actor)
        if views.count() >= SAVED_VIEWS_MAX:
            raise ValidationFailed.field(
                "name",
                _("You can keep at most %(n)d views: delete one first.") % {"n": SAVED_VIEWS_MAX},
            )
        _check_name_free(actor, name)
        last = views.aggregate(last=models.Max("position"))["last"]
        return SavedView.objects.create(
            owner=actor,
            name=name,
            query=query,
            position=0 if last is None else last + 1,
            created_at=clock.now(),
        )


def saved_view_rename(*, actor: User, view_id: int, name: str) -> SavedView:
    _require_agent(actor)
    name = _view_name(name)
    with transaction.atomic():
        view = _own_view(actor, view_id)
        _check_name_free(actor, name, but=view.pk)
        view.name = name
        view.save(update_fields=["name"])
    return view


def saved_view_delete(*, actor: User, view_id: int) -> None:
    _require_agent(actor)
    _own_view(actor, view_id).delete()


def saved_view_move(*, actor: User, view_id: int, up: bool) -> None:
    """Swap the view with its neighbour above (`up`) or below; nothing at either end."""
    _require_agent(actor)
    with transaction.atomic():
        moved = _own_view(actor, view_id)
        views = list(SavedView.objects.select_for_update().filter(owner=actor))
        index = next(i for i, v in enumerate(views) if v.pk == moved.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(views):
            return
        views[index], views[other] = views[other], views[index]
        for position, view in enumerate(views):
            view.position = position
        SavedView.objects.bulk_update(views, ["position"])


# --- participants (people in copy) ---------------------------------------------------------------

PARTICIPANTS_MAX = 20  # per ticket: a copy list, not a mailing list


def _normal_address(email: str) -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    address = (email or "").strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationFailed.field("email", _("Enter a valid e-mail address.")) from None
    if len(address) > 254:
        raise ValidationFailed.field("email", _("Enter a valid e-mail address."))
    return address


def _user_by_address(address: str) -> User | None:
    from django.db.models.functions import Upper

    # UPPER(email): the user_email_upper index (iexact would be a LIKE on SQLite).
    return (
        User.objects.annotate(email_upper=Upper("email"))
        .filter(email_upper=address.upper())
        .order_by("-is_active", "pk")
        .first()
    )


def _participant_rows(ticket_id: int, people: Sequence[tuple[str, int | None]], *, by, at) -> int:
    """Insert (address, user id) rows the ticket lacks, within PARTICIPANTS_MAX; answers how
    many were new. No timeline entry (the callers record what a person did)."""
    have = set(
        TicketParticipant.objects.filter(ticket_id=ticket_id).values_list("email", flat=True)
    )
    room = PARTICIPANTS_MAX - len(have)
    rows = []
    for address, user_id in people:
        if address in have or room <= 0:
            continue
        have.add(address)
        room -= 1
        rows.append(
            TicketParticipant(
                ticket_id=ticket_id, email=address, user_id=user_id, added_by_id=by, created_at=at
            )
        )
    TicketParticipant.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def participants_add_quietly(
    *, ticket_id: int, addresses: Sequence[str], added_by: User | None = None
) -> int:
    """People in copy of incoming mail (mail intake; the caller has dropped our own and
    machine addresses): no timeline entry, addresses over the limit dropped. Agents who may
    see the ticket follow it instead (they read it in the desk, internal notes included);
    other agents are left out. Answers how many were put in copy."""
    from django.db.models.functions import Upper

    from .selectors import who_sees

    clean = list(dict.fromkeys(a.strip().lower() for a in addresses if a and "@" in a))
    if not clean:
        return 0
    known = list(
        User.objects.annotate(email_upper=Upper("email"))
        .filter(email_upper__in=[a.upper() for a in clean], is_active=True)
        .order_by("pk")
        .values_list("email_upper", "pk", "role")
    )
    users = {email: pk for email, pk, _role in reversed(known)}  # the oldest account wins
    agents = {pk for _e, pk, role in known if role != Role.REQUESTER}
    ticket = Ticket.objects.get(pk=ticket_id)
    now = clock.now()
    if agents:
        _follow_quietly(ticket_id, sorted(who_sees(ticket, agents, internal=True)), at=now)
    people = [(a, users.get(a.upper())) for a in clean if users.get(a.upper()) not in agents]
    by = added_by.pk if added_by is not None else None
    return _participant_rows(ticket_id, people, by=by, at=now)


def _move_participants(source_id: int, target_id: int, *, at) -> None:
    rows = TicketParticipant.objects.filter(ticket_id=source_id).values_list("email", "user_id")
    _participant_rows(target_id, list(rows), by=None, at=at)


def participant_add(*, actor: User, ticket_id: int, email: str) -> TicketParticipant:
    """Put someone in copy of the ticket (public timeline entry). Agents may add any address.
    A requester may add only a colleague: an active user of their own organisation (an
    address the desk does not know, or of someone else's organisation, is refused: they
    must not be able to send the desk's mail to strangers)."""
    address = _normal_address(email)
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        user = _user_by_address(address)
        if not actor.is_agent:
            if user is None or not user.is_active:
                raise ValidationFailed.field(
                    "email", _("Nobody with this address works in your organisation.")
                )
            if actor.organization_id is None or user.organization_id != actor.organization_id:
                raise ValidationFailed.field(
                    "email", _("You can only add colleagues of your own organisation.")
                )
        if address == (ticket.requester.email or "").lower():
            raise ValidationFailed.field("email", _("This is the ticket's requester."))
        found = TicketParticipant.objects.filter(ticket=ticket, email=address).first()
        if found is not None:
            return found
        if TicketParticipant.objects.filter(ticket=ticket).count() >= PARTICIPANTS_MAX:
            raise ValidationFailed.field(
                "email",
                _("A ticket can have at most %(max)d people in copy.") % {"max": PARTICIPANTS_MAX},
            )
        now = clock.now()
        participant = TicketParticipant.objects.create(
            ticket=ticket, email=address, user=user, added_by=actor, created_at=now
        )
        timeline.record(
            ticket, actor=actor, type=EventType.FIELD, at=now, field="participants", new=address
        )
    return participant


def participant_remove(*, actor: User, ticket_id: int, participant_id: int) -> None:
    """Take someone out of copy (public timeline entry): agents, and the requesters who see
    the ticket. 404 if they were not in copy."""
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        participant = TicketParticipant.objects.filter(ticket=ticket, pk=participant_id).first()
        if participant is None:
            raise NotFound()
        participant.delete()
        timeline.record(
            ticket, actor=actor, type=EventType.FIELD, at=clock.now(), field="participants",
            old=participant.email,
        )  # fmt: skip
