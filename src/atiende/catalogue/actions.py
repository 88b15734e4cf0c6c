"""Every write of the catalogue: submitting a request (a service request ticket opened
through tickets' own action, with its answers), and managers building items and forms."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from atiende.accounts.models import Organization, Role
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.core import clock, events
from atiende.core.errors import Forbidden, NotFound, ValidationFailed
from atiende.core.ids import id_field, parse_id
from atiende.tickets import actions as ticket_actions
from atiende.tickets import timeline
from atiende.tickets.events import TicketStatusChanged
from atiende.tickets.models import (
    OPEN_STATUSES,
    Category,
    Channel,
    EventType,
    Kind,
    PendingReason,
    Status,
    Ticket,
)

from . import forms_engine, plan, selectors
from .events import FulfilmentTaskDone, RequestApprovalsAsked, RequestSubmitted
from .models import (
    CHOICE_TYPES,
    CONTROLLING_TYPES,
    ApprovalStep,
    ApproverSource,
    CatalogueCategory,
    CatalogueItem,
    FieldType,
    FormField,
    FulfilmentTask,
    RequestAnswers,
    StepMode,
    TaskStatus,
    TaskTemplate,
)

if TYPE_CHECKING:
    from atiende.accounts.models import User
    from atiende.changes.models import Approval


# --- submitting -------------------------------------------------------------------------------


def request_submit(
    *,
    actor: User,
    item_id: int,
    answers: Mapping[str, Any],
    files: Mapping[str, Sequence[UploadedFile]] | None = None,
    channel: str = Channel.PORTAL,
) -> Ticket:
    """Request `item`: validate the answers (forms_engine.clean, the one validation), then
    open a service request (REQ-) through tickets.actions.ticket_create, with the files of
    attachment fields attached, and store the answers with it, all in one transaction.
    Nothing is written when an answer is refused."""
    item = selectors.item_for_request(actor, item_id)
    cleaned = forms_engine.clean(list(item.fields.all()), answers, files, actor=actor)
    with transaction.atomic():
        ticket = ticket_actions.ticket_create(
            actor=actor,
            kind=Kind.REQUEST,
            title=item.label()[:200],
            category_id=item.ticket_category_id,
            attachments=cleaned.files,
            channel=channel,
            # Found by the words of the answers, in both languages (labels and options),
            # written with the ticket's search document.
            search_text=" ".join(
                [item.name, item.name_es, cleaned.summary("en"), cleaned.summary("es")]
            ),
        )
        RequestAnswers.objects.create(
            ticket=ticket,
            item=item,
            values=cleaned.values,
            rows=cleaned.rows,
            summary=cleaned.summary(actor.language or None),  # the requester's language
        )
        _start(ticket, item, actor)
        events.publish(RequestSubmitted(ticket_id=ticket.pk, item_id=item.pk, actor_id=actor.pk))
    return ticket


def _start(ticket: Ticket, item: CatalogueItem, actor: User) -> None:
    """A new request's tasks are copied from its item; with approval steps it waits in
    `pending` (reason `approval`, so its SLA clocks pause) while the first ones are asked,
    else its first tasks open now (opened as they are written: one INSERT for the tasks, one
    for their timeline entries)."""
    steps = _steps_of(item.pk)
    tasks = _task_copies(ticket, item)
    if not steps and not tasks:
        return
    now = clock.now()
    old = ticket.status
    if steps:
        FulfilmentTask.objects.bulk_create(tasks)
        ticket.status = Status.PENDING
        ticket.pending_reason = PendingReason.APPROVAL
        _status_event(ticket, actor, old, now)
        for group in plan.groups(steps)[:1]:
            _ask(ticket, group, actor, item, now)
    else:
        opened = _open_group(ticket, plan.groups(tasks)[0], now)
        FulfilmentTask.objects.bulk_create(tasks)
        _record_opened(ticket, opened, actor, now)
    if ticket.status != old:
        ticket.save()
        events.publish(
            TicketStatusChanged(ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=ticket.status)
        )


# --- managers: categories and items -----------------------------------------------------------


def _require_manager(actor: User) -> None:
    if not actor.is_active or not actor.is_manager:
        raise Forbidden(_("Only managers build the catalogue."))


def _required_text(value: Any, field: str, limit: int) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise ValidationFailed.field(field, _("This field is required."))
    if len(text) > limit:
        raise ValidationFailed.field(
            field, _("Enter at most %(limit)d characters.") % {"limit": limit}
        )
    return text


def _optional_text(value: Any, field: str, limit: int) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if len(text) > limit:
        raise ValidationFailed.field(
            field, _("Enter at most %(limit)d characters.") % {"limit": limit}
        )
    return text


def category_save(
    *,
    actor: User,
    category_id: int | None = None,
    name: str,
    name_es: str = "",
    position: int = 0,
    is_active: bool = True,
) -> CatalogueCategory:
    _require_manager(actor)
    name = _required_text(name, "name", 120)
    name_es = _optional_text(name_es, "name_es", 120)
    with transaction.atomic():
        category = (
            CatalogueCategory.objects.select_for_update().filter(pk=category_id).first()
            if category_id
            else CatalogueCategory()
        )
        if category is None:
            raise NotFound()
        if CatalogueCategory.objects.filter(name=name).exclude(pk=category.pk).exists():
            raise ValidationFailed.field("name", _("There is already a category of this name."))
        before = snapshot(category) if category.pk else None
        category.name, category.name_es = name, name_es
        category.position, category.is_active = max(0, int(position or 0)), bool(is_active)
        category.save()
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=category,
            before=before,
        )
    return category


def item_save(
    *,
    actor: User,
    item_id: int | None = None,
    category_id: Any,
    name: str,
    name_es: str = "",
    description: str = "",
    description_es: str = "",
    service_id: Any = None,
    ticket_category_id: Any = None,
    organization_ids: Sequence[Any] = (),
    roles: Sequence[str] = (),
    delivery_days: int | None = None,
    position: int = 0,
    is_active: bool = True,
) -> CatalogueItem:
    """Create (no `item_id`) or edit an item of the catalogue."""
    from atiende.cmdb.models import SERVICE_CLASSES, ConfigurationItem

    _require_manager(actor)
    name = _required_text(name, "name", 120)
    name_es = _optional_text(name_es, "name_es", 120)
    description = _optional_text(description, "description", 5000)
    description_es = _optional_text(description_es, "description_es", 5000)
    category_pk = id_field(category_id, field="category", message=_("Unknown category."))
    category = CatalogueCategory.objects.filter(pk=category_pk).first() if category_pk else None
    if category is None:
        raise ValidationFailed.field("category", _("Choose a category."))
    service_pk = id_field(service_id, field="service", message=_("Unknown service."))
    if (
        service_pk is not None
        and not ConfigurationItem.objects.filter(
            pk=service_pk, ci_class__in=SERVICE_CLASSES
        ).exists()
    ):
        raise ValidationFailed.field("service", _("Choose a service of the CMDB."))
    ticket_category_pk = id_field(
        ticket_category_id, field="ticket_category", message=_("Unknown category.")
    )
    if (
        ticket_category_pk is not None
        and not Category.objects.filter(pk=ticket_category_pk).exists()
    ):
        raise ValidationFailed.field("ticket_category", _("Unknown category."))
    org_ids = [
        id_field(v, field="organizations", message=_("Unknown organisation."))
        for v in organization_ids
    ]
    orgs = list(Organization.objects.filter(pk__in=[i for i in org_ids if i is not None]))
    if len(orgs) != len({i for i in org_ids if i is not None}):
        raise ValidationFailed.field("organizations", _("Unknown organisation."))
    if any(role not in Role.values for role in roles):
        raise ValidationFailed.field("roles", _("Unknown role."))
    if delivery_days is not None and not 0 <= int(delivery_days) <= 3650:
        raise ValidationFailed.field("delivery_days", _("Enter a number of days up to 3650."))
    with transaction.atomic():
        now = clock.now()
        if item_id:
            item = CatalogueItem.objects.select_for_update().filter(pk=item_id).first()
            if item is None:
                raise NotFound()
            before = snapshot(item, m2m=["organizations"])
        else:
            item, before = CatalogueItem(created_at=now), None
        item.category = category
        item.name, item.name_es = name, name_es
        item.description, item.description_es = description, description_es
        item.service_id = service_pk
        item.ticket_category_id = ticket_category_pk
        item.roles = sorted(set(roles))
        item.delivery_days = delivery_days
        item.position, item.is_active = max(0, int(position or 0)), bool(is_active)
        item.updated_at = now
        item.save()
        item.organizations.set(orgs)
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=item,
            before=before,
            after=snapshot(item, m2m=["organizations"]),
        )
    return item


# --- managers: form fields ---------------------------------------------------------------------

KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OPTIONS_MAX = 100


def parse_options(text: str) -> list[dict[str, str]]:
    """Options as managers type them, one a line: "code | English | Spanish", or
    "English | Spanish", or "English" (the code is then made from the English label)."""
    options: list[dict[str, str]] = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not any(parts):
            continue
        if len(parts) >= 3:
            code, en, es = parts[0], parts[1], parts[2]
        elif len(parts) == 2:
            code, en, es = "", parts[0], parts[1]
        else:
            code, en, es = "", parts[0], ""
        code = slugify(code or en).replace("-", "_")[:40]
        if not code or not en:
            raise ValidationFailed.field(
                "choices", _("Each option needs an English label: “%(line)s”.") % {"line": line}
            )
        if any(o["value"] == code for o in options):
            raise ValidationFailed.field(
                "choices", _("Two options have the code “%(code)s”.") % {"code": code}
            )
        options.append({"value": code, "label": en[:200], "label_es": es[:200]})
    if len(options) > OPTIONS_MAX:
        raise ValidationFailed.field(
            "choices", _("Offer at most %(max)d options.") % {"max": OPTIONS_MAX}
        )
    return options


def options_text(options: Sequence[Mapping[str, str]]) -> str:
    """The editor's text of stored options (parse_options reads it back)."""
    return "\n".join(
        f"{o['value']} | {o.get('label', '')} | {o.get('label_es', '')}" for o in options
    )


def _item_locked(actor: User, item_id: int) -> CatalogueItem:
    _require_manager(actor)
    item = CatalogueItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None:
        raise NotFound()
    return item


def field_save(
    *,
    actor: User,
    item_id: int,
    field_id: int | None = None,
    key: str,
    type: str,
    label: str,
    label_es: str = "",
    help_text: str = "",
    help_text_es: str = "",
    required: bool = False,
    default: str = "",
    choices: str = "",
    ci_class: str = "",
    condition_field_id: Any = None,
    condition_values: Sequence[str] = (),
) -> FormField:
    """Add a field at the end of an item's form, or edit one. A condition names an earlier
    field of the same form whose answer is a choice or yes/no, and values among its answers."""
    from atiende.cmdb.models import CiClass

    key = (key or "").strip().lower()
    if not KEY.match(key):
        raise ValidationFailed.field(
            "key", _("Use a lower-case letter, then letters, digits or _ (at most 40).")
        )
    if type not in FieldType.values:
        raise ValidationFailed.field("type", _("Unknown field type."))
    label = _required_text(label, "label", 200)
    label_es = _optional_text(label_es, "label_es", 200)
    help_text = _optional_text(help_text, "help_text", 500)
    help_text_es = _optional_text(help_text_es, "help_text_es", 500)
    default = _optional_text(default, "default", 500)
    options = parse_options(choices) if type in CHOICE_TYPES else []
    if type in CHOICE_TYPES and not options:
        raise ValidationFailed.field("choices", _("Give at least one option."))
    if ci_class and (type != FieldType.CI or ci_class not in CiClass.values):
        raise ValidationFailed.field("ci_class", _("Unknown class."))
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        siblings = list(item.fields.all())
        if field_id:
            spec = next((f for f in siblings if f.pk == field_id), None)
            if spec is None:
                raise NotFound()
            before = snapshot(spec)
        else:
            top = item.fields.aggregate(top=Max("position"))["top"]
            spec, before = FormField(item=item, position=(top or 0) + 1), None
        if any(f.key == key and f.pk != spec.pk for f in siblings):
            raise ValidationFailed.field("key", _("Another field of this form has this key."))
        if spec.pk and type in CONTROLLING_TYPES:
            # The answers that show other questions must stay answers of this one.
            answers = {"yes", "no"} if type == FieldType.YES_NO else {o["value"] for o in options}
            for other in siblings:
                lost = set(other.condition_values) - answers
                if other.condition_field_id == spec.pk and lost:
                    raise ValidationFailed.field(
                        "choices",
                        _("The answer “%(code)s” shows the question “%(key)s”: change that "
                          "question first.") % {"code": sorted(lost)[0], "key": other.key},
                    )  # fmt: skip
        condition_pk = id_field(
            condition_field_id, field="condition_field", message=_("Unknown field.")
        )
        values = [str(v).strip() for v in condition_values if str(v).strip()]
        if condition_pk is not None:
            controller = next((f for f in siblings if f.pk == condition_pk), None)
            if (
                controller is None
                or controller.type not in CONTROLLING_TYPES
                or (spec.pk and controller.position >= spec.position)
                or controller.pk == spec.pk
            ):
                raise ValidationFailed.field(
                    "condition_field",
                    _("Choose an earlier question answered with a choice or yes/no."),
                )
            allowed = (
                {"yes", "no"}
                if controller.type == FieldType.YES_NO
                else {code for code, _label in controller.options()}
            )
            if not values or any(v not in allowed for v in values):
                raise ValidationFailed.field(
                    "condition_values",
                    _("Choose among the answers of that question: %(codes)s.")
                    % {"codes": ", ".join(sorted(allowed))},
                )
        else:
            values = []
        spec.key, spec.type, spec.label, spec.label_es = key, type, label, label_es
        spec.help_text, spec.help_text_es = help_text, help_text_es
        spec.required, spec.default, spec.choices = bool(required), default, options
        spec.ci_class = ci_class if type == FieldType.CI else ""
        spec.condition_field_id, spec.condition_values = condition_pk, values
        spec.save()
        if before is not None and spec.type not in CONTROLLING_TYPES:
            # A question that can no longer show or hide others: its dependents always show.
            FormField.objects.filter(condition_field=spec).update(
                condition_field=None, condition_values=[]
            )
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=spec,
            before=before,
        )
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())
    return spec


def field_delete(*, actor: User, item_id: int, field_id: int) -> None:
    """Remove a question; the questions it showed or hid then always show."""
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        spec = item.fields.filter(pk=field_id).first()
        if spec is None:
            raise NotFound()
        FormField.objects.filter(condition_field=spec).update(
            condition_field=None, condition_values=[]
        )
        record_change(actor=actor, action=Action.DELETED, obj=spec)
        spec.delete()
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())


def field_move(*, actor: User, item_id: int, field_id: int, up: bool) -> None:
    """Move a question one place up or down. A question never moves above the one that
    shows it, nor that one below it (conditions look back)."""
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        specs = list(item.fields.order_by("position", "id"))
        index = next((i for i, f in enumerate(specs) if f.pk == field_id), None)
        if index is None:
            raise NotFound()
        other = index - 1 if up else index + 1
        if not 0 <= other < len(specs):
            return
        first, second = sorted((index, other))
        if specs[second].condition_field_id == specs[first].pk:
            raise ValidationFailed(
                _("A question must stay below the question that shows it."),
            )
        specs[first], specs[second] = specs[second], specs[first]
        for position, spec in enumerate(specs, start=1):
            if spec.position != position:
                spec.position = position
                spec.save(update_fields=["position"])
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())


# --- approvals of a request -------------------------------------------------------------------
# The rows are changes.Approval (the one approval row, decided by changes.actions.
# approval_decide); the catalogue says who is asked, when, and what follows a decision
# (registered as the "request" ApprovalKind in CatalogueConfig.ready()).


def _step_required(step: ApprovalStep) -> int:
    """How many approvals a step needs: one manager, one of the owner team's leads, or N of
    a board (0 = every member asked)."""
    return step.required if step.source == ApproverSource.BOARD else 1


def _step_approvers(step: ApprovalStep, requester: User, item: CatalogueItem) -> list[User]:
    """Who a step asks (active people, never the requester)."""
    from atiende.accounts.models import TeamMembership, User

    if step.source == ApproverSource.MANAGER:
        manager_id = requester.manager_id
        people = list(User.objects.filter(pk=manager_id, is_active=True)) if manager_id else []
    elif step.source == ApproverSource.SERVICE_OWNER:
        team_id = item.service.owner_team_id if item.service_id and item.service else None
        people = (
            [
                m.user
                for m in TeamMembership.objects.filter(
                    team_id=team_id, is_lead=True, user__is_active=True
                ).select_related("user")
            ]
            if team_id is not None
            else []
        )
    else:
        people = [m for m in step.board.members.all() if m.is_active] if step.board else []
    return [p for p in people if p.pk != requester.pk]


def _step_problem(step: ApprovalStep, approvers: Sequence[User]) -> str | None:
    needed = _step_required(step)
    if approvers and len(approvers) >= max(needed, 1):
        return None
    if step.source == ApproverSource.MANAGER:
        return _(
            "This item needs your manager's approval, but no manager is recorded for you: "
            "please ask the service desk."
        )
    if step.source == ApproverSource.SERVICE_OWNER:
        return _(
            "This item needs its service owner's approval, but the service has no owner "
            "team lead: please ask the service desk."
        )
    return _("The board “%(board)s” has too few members who may approve this request.") % {
        "board": step.label()
    }


def _ask(
    ticket: Ticket, steps: Sequence[ApprovalStep], requester: User, item: CatalogueItem, now
) -> list[Approval]:
    """Ask the approvers of a group of steps (one round: they share `now`) and tell them."""
    from atiende.changes.models import Approval
    from atiende.notifications.actions import tell

    rows = []
    for step in steps:
        people = _step_approvers(step, requester, item)
        problem = _step_problem(step, people)
        if problem:
            raise ValidationFailed(problem, errors={"approval": [problem]})
        rows += [
            Approval(ticket=ticket, step=step, board=step.board, approver=person, created_at=now)
            for person in people
        ]
    created = Approval.objects.bulk_create(rows)
    tell(
        verb="request_approval",
        ticket_id=ticket.pk,
        user_ids=[a.approver_id for a in created],
        params={"number": ticket.number, "item": item.name},
    )
    events.publish(
        RequestApprovalsAsked(ticket_id=ticket.pk, approval_ids=tuple(a.pk for a in created))
    )
    return created


def _steps_of(item_id: int) -> list[ApprovalStep]:
    return list(
        ApprovalStep.objects.filter(item_id=item_id)
        .select_related("board")
        .prefetch_related("board__members")
        .order_by("position", "id")
    )


def _withdraw_approvals(ticket: Ticket, now, *, step_ids: Sequence[int] | None = None) -> None:
    """Withdraw the pending approvals of the ticket (or of some steps): nothing is asked of
    those approvers any more; they are told."""
    from atiende.changes.actions import APPROVAL_VERBS
    from atiende.changes.models import Approval, ApprovalStatus
    from atiende.notifications.actions import mark_ticket_read, tell

    pending = Approval.objects.filter(ticket=ticket, status=ApprovalStatus.PENDING)
    if step_ids is not None:
        pending = pending.filter(step_id__in=step_ids)
    approver_ids = sorted(set(pending.values_list("approver_id", flat=True)))
    pending.update(status=ApprovalStatus.WITHDRAWN, decided_at=now)
    if approver_ids:
        mark_ticket_read(user_id=approver_ids, ticket_id=ticket.pk, verbs=APPROVAL_VERBS)
        tell(
            verb="approval_withdrawn", ticket_id=ticket.pk, user_ids=approver_ids,
            params={"number": ticket.number},
        )  # fmt: skip


def _group_state(group: Sequence[ApprovalStep], rows: Sequence[Approval]) -> str:
    """`satisfied`, `rejected`, `waiting` (asked, not decided) or `not_started`, by the
    approval arithmetic of changes.approvals (one rule of approving)."""
    from atiende.changes import approvals as rules
    from atiende.changes.models import ApprovalStatus

    ids = {s.pk for s in group}
    mine = [r for r in rows if r.step_id in ids and r.status != ApprovalStatus.WITHDRAWN]
    if not mine:
        return "not_started"
    steps = {s.pk: s for s in group}
    requirements = rules.requirements(
        rules.Vote(
            policy_id=r.step_id,
            policy_name="",
            board="",
            policy_required=_step_required(steps[r.step_id]),
            status=r.status,
        )
        for r in mine
        if r.step_id is not None
    )
    if rules.rejected(requirements):
        return "rejected"
    started = {r.policy_id for r in requirements}
    if started == ids and rules.satisfied(requirements):
        return "satisfied"
    return "waiting"


def _status_event(ticket: Ticket, actor: User | None, old: str, now, body: str = "") -> None:
    timeline.record(
        ticket, actor=actor, type=EventType.STATUS, at=now, field="status", old=old,
        new=ticket.status, body=body,
    )  # fmt: skip


def _advance_approvals(ticket: Ticket, actor: User, now) -> bool:
    """Start the next group of steps whose approvals are not satisfied yet; answer whether
    every step is satisfied (approval complete)."""
    from atiende.changes.models import Approval

    answers = RequestAnswers.objects.select_related(
        "item", "item__service", "ticket__requester"
    ).get(ticket=ticket)
    rows = list(Approval.objects.filter(ticket=ticket))
    for group in plan.groups(_steps_of(answers.item_id)):
        state = _group_state(group, rows)
        if state == "satisfied":
            continue
        if state == "not_started":
            _ask(ticket, group, answers.ticket.requester, answers.item, now)
        return False
    return True


def _approval_complete(ticket: Ticket, actor: User | None, now) -> list[object]:
    """Every step approved: the request leaves `pending` and its first tasks open."""
    old = ticket.status
    if old == Status.PENDING and ticket.pending_reason == PendingReason.APPROVAL:
        ticket.status = Status.ASSIGNED if ticket.assignee_id else Status.NEW
        ticket.pending_reason = ""
        _status_event(ticket, actor, old, now)
    timeline.record(
        ticket, actor=actor, type=EventType.FIELD, at=now, public=True, field="approval",
        old="pending", new="complete",
    )  # fmt: skip
    return _open_next_tasks(ticket, actor, now)


def _request_after_decision(ticket: Ticket, approval: Approval, actor: User, now) -> list[object]:
    """After an approver decided (changes.actions.approval_decide, in its transaction):
    a rejection ends the request with the reason; an approval may complete its step, start
    the next ones, or complete the approvals (the tasks open)."""
    from atiende.changes.models import ApprovalStatus

    old = ticket.status
    if approval.status == ApprovalStatus.REJECTED:
        _withdraw_approvals(ticket, now)
        said = _end_request(
            ticket, actor, now, code=REJECTED_CODE, notes=approval.comment, public_reason=True
        )
        return [
            TicketStatusChanged(
                ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=ticket.status,
                comment_id=said,
            )
        ]  # fmt: skip
    if approval.step_id is not None:
        _withdraw_satisfied(ticket, now)
        if _advance_approvals(ticket, actor, now):
            return _approval_complete(ticket, actor, now)
    return []


def _withdraw_satisfied(ticket: Ticket, now) -> None:
    """The approvals of a satisfied step that nobody needs any more are withdrawn."""
    from atiende.changes.models import Approval

    rows = list(Approval.objects.filter(ticket=ticket))
    item_id = RequestAnswers.objects.values_list("item_id", flat=True).get(ticket=ticket)
    done = [
        s.pk
        for g in plan.groups(_steps_of(item_id))
        if _group_state(g, rows) == "satisfied"
        for s in g
    ]
    if done and any(r.status == "pending" and r.step_id in done for r in rows):
        _withdraw_approvals(ticket, now, step_ids=done)


REJECTED_CODE = "rejected"
WITHDRAWN_CODE = "withdrawn"


def _end_request(
    ticket: Ticket, actor: User, now, *, code: str, notes: str, public_reason: bool
) -> int | None:
    """Cancel the request (rejected or withdrawn): its pending approvals are withdrawn, its
    tasks cancelled; the reason is a public reply to the requester. Answers the reply's id."""
    from django.utils import translation

    old = ticket.status
    ticket.status = Status.CANCELLED
    ticket.pending_reason = ""
    ticket.resolution_code = code
    ticket.resolution_notes = notes
    _cancel_tasks(ticket, now)
    _status_event(ticket, actor, old, now)
    said = None
    if public_reason and notes:
        with translation.override(ticket.requester.language or None):
            body = _("Your request was not approved: %(reason)s") % {"reason": notes}
        said = timeline.record(ticket, actor=actor, type=EventType.COMMENT, at=now, body=body).pk
    return said


def request_withdraw(*, actor: User, ticket_id: int | str, reason: str = "") -> Ticket:
    """The requester withdraws their catalogue request while it is open (awaiting approval
    or being fulfilled): it is cancelled, its pending approvals withdrawn, its tasks
    cancelled."""
    reason = _optional_text(reason, "reason", 2000)
    with transaction.atomic():
        ticket = _request_locked(actor, ticket_id)
        if ticket.requester_id != actor.pk:
            raise Forbidden(_("Only the requester can withdraw a request."))
        if ticket.status not in OPEN_STATUSES or ticket.status == Status.RESOLVED:
            raise ValidationFailed.field("status", _("This request is no longer open."))
        now = clock.now()
        old = ticket.status
        _withdraw_approvals(ticket, now)
        _end_request(ticket, actor, now, code=WITHDRAWN_CODE, notes=reason, public_reason=False)
        ticket.updated_at = now
        ticket.version += 1
        ticket.save()
        events.publish(
            TicketStatusChanged(ticket_id=ticket.pk, actor_id=actor.pk, old=old, new=ticket.status)
        )
    return ticket


def _request_locked(actor: User, ticket_id: int | str, *, catalogue_only: bool = True) -> Ticket:
    """A catalogue request (or any service request) the actor sees (the tickets' one rule),
    row-locked; 404 else."""
    from atiende.tickets.selectors import tickets_visible_to

    pk = parse_id(ticket_id)
    if pk is None:
        raise NotFound()
    seen = tickets_visible_to(actor).filter(pk=pk, kind=Kind.REQUEST).values("pk")
    rows = Ticket.objects.select_for_update(of=("self",)).filter(pk__in=seen)
    if catalogue_only:
        rows = rows.filter(catalogue_answers__isnull=False)
    ticket = rows.select_related("requester").first()
    if ticket is None:
        raise NotFound()
    return ticket


def approvals_reassign(*, user_id: int) -> int:
    """Someone who was asked left (deactivated): each of their pending request approvals is
    withdrawn and asked instead of another member of the step's board not asked yet, or of
    their own manager for a manager's step (a service owner step asks the owner team's
    other leads). When nobody is left to ask, an internal note says so to the desk. Answers
    how many approvals were asked again."""
    from atiende.accounts.models import User
    from atiende.changes.models import Approval, ApprovalStatus

    asked_again = 0
    pending = list(
        Approval.objects.filter(
            approver_id=user_id, status=ApprovalStatus.PENDING, step__isnull=False
        ).values_list("pk", "ticket_id")
    )
    for approval_id, ticket_id in pending:
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("requester")
                .get(pk=ticket_id)
            )
            approval = (
                Approval.objects.select_for_update(of=("self",))
                .select_related("step", "step__board", "approver")
                .filter(pk=approval_id, status=ApprovalStatus.PENDING)
                .first()
            )
            if approval is None or approval.step is None:
                continue
            now = clock.now()
            step = approval.step
            already = set(
                Approval.objects.filter(ticket=ticket, step=step).values_list(
                    "approver_id", flat=True
                )
            )
            candidates: list[User] = []
            if step.source == ApproverSource.MANAGER:
                boss_id = approval.approver.manager_id
                candidates = (
                    list(User.objects.filter(pk=boss_id, is_active=True)) if boss_id else []
                )
            else:
                item = RequestAnswers.objects.select_related("item__service").get(ticket=ticket)
                candidates = _step_approvers(step, ticket.requester, item.item)
            candidates = [
                c for c in candidates if c.pk not in already and c.pk != ticket.requester_id
            ]
            approval.status = ApprovalStatus.WITHDRAWN
            approval.decided_at = now
            approval.comment = _("The approver left.")
            approval.save()
            if candidates:
                replacement = candidates[0]
                Approval.objects.create(
                    ticket=ticket, step=step, board=step.board, approver=replacement,
                    created_at=now,
                )  # fmt: skip
                _tell_asked(ticket, [replacement.pk])
                timeline.record(
                    ticket, actor=None, type=EventType.FIELD, at=now, public=False,
                    field="approver", old=approval.approver.display_name,
                    new=replacement.display_name,
                )  # fmt: skip
                asked_again += 1
            else:
                timeline.record(
                    ticket, actor=None, type=EventType.NOTE, at=now, public=False,
                    body=_(
                        "%(name)s left and nobody else can approve this step: withdraw the "
                        "request or record an approver."
                    ) % {"name": approval.approver.display_name},
                )  # fmt: skip
    return asked_again


def _tell_asked(ticket: Ticket, user_ids: Sequence[int]) -> None:
    from atiende.notifications.actions import tell

    item_name = (
        RequestAnswers.objects.filter(ticket=ticket).values_list("item__name", flat=True).first()
    )
    tell(
        verb="request_approval",
        ticket_id=ticket.pk,
        user_ids=user_ids,
        params={"number": ticket.number, "item": item_name or ""},
    )


def request_ended(*, ticket_id: int) -> None:
    """A request was cancelled or closed some other way (the desk's transition): nothing is
    asked of its approvers any more and its unfinished tasks are cancelled (idempotent)."""
    from atiende.changes.models import Approval, ApprovalStatus

    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.status not in (Status.CANCELLED, Status.CLOSED):
            return
        now = clock.now()
        if Approval.objects.filter(ticket=ticket, status=ApprovalStatus.PENDING).exists():
            _withdraw_approvals(ticket, now)
        _cancel_tasks(ticket, now)


def with_something_to_end(ticket_ids: Sequence[int]) -> list[int]:
    """Of these tickets, those `request_ended` would change: a pending approval or an
    unfinished task (two indexed queries), in the order given."""
    from atiende.changes.models import Approval, ApprovalStatus

    if not ticket_ids:
        return []
    found = set(
        Approval.objects.filter(ticket_id__in=ticket_ids, status=ApprovalStatus.PENDING)
        .values_list("ticket_id", flat=True)
        .union(
            FulfilmentTask.objects.filter(
                ticket_id__in=ticket_ids, status__in=[TaskStatus.WAITING, TaskStatus.OPEN]
            ).values_list("ticket_id", flat=True)
        )
    )
    return [pk for pk in ticket_ids if pk in found]


# --- fulfilment tasks -------------------------------------------------------------------------


def _task_copies(ticket: Ticket, item: CatalogueItem) -> list[FulfilmentTask]:
    """The request's tasks, copied from its item's templates (not written yet)."""
    return [
        FulfilmentTask(
            ticket=ticket,
            template=t,
            title=t.title,
            title_es=t.title_es,
            team_id=t.team_id,
            position=t.position,
            mode=t.mode,
            target_minutes=t.target_minutes,
        )
        for t in item.task_templates.order_by("position", "id")
    ]


def _task_calendar(ticket: Ticket):
    """The calendar task targets are counted on: that of the request's SLA clock's policy,
    or None (plain time) when it has none."""
    from atiende.sla.models import SlaClock

    clock_row = (
        SlaClock.objects.filter(ticket=ticket, policy__isnull=False)
        .select_related("policy__calendar")
        .first()
    )
    if clock_row is None or clock_row.policy is None:
        return None
    return clock_row.policy.calendar.to_calendar()


def _open_group(ticket: Ticket, group: Sequence[FulfilmentTask], now) -> list[FulfilmentTask]:
    """Open the waiting tasks of `group` in memory (status, opened, due: `target_minutes`
    of business time on the request's calendar, read once for the group); answers them for
    the caller to write."""
    from datetime import timedelta

    opened = [t for t in group if t.status == TaskStatus.WAITING]
    calendar = _task_calendar(ticket) if any(t.target_minutes for t in opened) else None
    for task in opened:
        task.status = TaskStatus.OPEN
        task.opened_at = now
        if task.target_minutes:
            target = timedelta(minutes=task.target_minutes)
            task.due_at = (
                calendar.add_business_time(now, target) if calendar is not None else now + target
            )
    return opened


def _record_opened(
    ticket: Ticket, opened: Sequence[FulfilmentTask], actor: User | None, now
) -> None:
    """One timeline entry per opened task, written at once."""
    actor_id = actor.pk if actor else None
    timeline.record_many(
        timeline.Row(
            ticket_id=ticket.pk,
            type=EventType.FIELD,
            actor_id=actor_id,
            created_at=now,
            public=False,
            field="task",
            new_value=task.title,
        )
        for task in opened
    )


def _cancel_tasks(ticket: Ticket, now) -> None:
    FulfilmentTask.objects.filter(
        ticket=ticket, status__in=[TaskStatus.WAITING, TaskStatus.OPEN]
    ).update(status=TaskStatus.CANCELLED, done_at=now)


def _open_next_tasks(ticket: Ticket, actor: User | None, now) -> list[object]:
    """Open the first group of tasks not finished (in order; a parallel task with the one
    before it). When every task is done the request resolves (`solved`). Answers the status
    event to publish, if the request resolved."""
    tasks = list(FulfilmentTask.objects.filter(ticket=ticket).order_by("position", "id"))
    if not tasks:
        return []
    finished = (TaskStatus.DONE, TaskStatus.CANCELLED)
    for group in plan.groups(tasks):
        if all(t.status in finished for t in group):
            continue
        opened = _open_group(ticket, group, now)
        if opened:
            FulfilmentTask.objects.bulk_update(opened, ["status", "opened_at", "due_at"])
            _record_opened(ticket, opened, actor, now)
        return []
    # Every task is done: the request is fulfilled.
    old = ticket.status
    if old in (Status.RESOLVED, Status.CLOSED, Status.CANCELLED):
        return []
    with_language = ticket.requester.language if ticket.requester_id else None
    from django.utils import translation

    with translation.override(with_language or None):
        notes = _("Every task of your request is done.")
    ticket.status = Status.RESOLVED
    ticket.pending_reason = ""
    ticket.resolution_code = SOLVED_CODE
    ticket.resolution_notes = notes
    ticket.resolved_at = now
    _status_event(ticket, actor, old, now, body=notes)
    return [
        TicketStatusChanged(
            ticket_id=ticket.pk, actor_id=actor.pk if actor else 0, old=old, new=ticket.status
        )
    ]


SOLVED_CODE = "solved"


def _task_locked(actor: User, task_id: int | str) -> tuple[Ticket, FulfilmentTask]:
    """A task of a request the agent sees (the tickets' one rule), its request row-locked."""
    from atiende.tickets.selectors import tickets_visible_to

    if actor is None or not actor.is_active or not actor.is_agent:
        raise NotFound()  # requesters never work tasks: denied looks like missing
    pk = parse_id(task_id)
    found = (
        FulfilmentTask.objects.filter(pk=pk).values_list("ticket_id", flat=True).first()
        if pk is not None
        else None
    )
    if found is None or not tickets_visible_to(actor).filter(pk=found).exists():
        raise NotFound()
    ticket = (
        Ticket.objects.select_for_update(of=("self",)).select_related("requester").get(pk=found)
    )
    assert pk is not None  # found above
    task = FulfilmentTask.objects.select_for_update().get(pk=pk)
    return ticket, task


def task_complete(*, actor: User, task_id: int | str, note: str = "") -> FulfilmentTask:
    """An agent marks an open task done (with an optional internal note); the next tasks
    open, or the request resolves when it was the last."""
    note = _optional_text(note, "note", 2000)
    with transaction.atomic():
        ticket, task = _task_locked(actor, task_id)
        if task.status != TaskStatus.OPEN:
            raise ValidationFailed.field(
                "status",
                _("Only an open task can be completed (this one is “%(status)s”).")
                % {"status": TaskStatus(task.status).label},
            )
        now = clock.now()
        task.status = TaskStatus.DONE
        task.done_at = now
        task.note = note
        if task.assignee_id is None:
            task.assignee = actor
        task.save()
        timeline.record(
            ticket, actor=actor, type=EventType.FIELD, at=now, public=False, field="task",
            old=task.title, new=TaskStatus.DONE, body=note,
        )  # fmt: skip
        published = _open_next_tasks(ticket, actor, now)
        ticket.updated_at = now
        ticket.version += 1
        ticket.save()
        events.publish(FulfilmentTaskDone(ticket_id=ticket.pk, task_id=task.pk, actor_id=actor.pk))
        for event in published:
            events.publish(event)
    return task


def task_add(
    *,
    actor: User,
    ticket_id: int | str,
    title: str,
    team_id: Any,
    assignee_id: Any = None,
    due_at: Any = None,
) -> FulfilmentTask:
    """An agent who may work the request adds a task by hand: it joins the tasks being
    worked (parallel with the open ones: it opens now), or, while approvals are awaited,
    the first tasks (it opens with them). With no unfinished task it opens on its own. The
    request resolves only when every task, this one too, is done."""
    from datetime import datetime

    from atiende.accounts.models import Team, User

    if actor is None or not actor.is_active or not actor.is_agent:
        raise NotFound()  # requesters never work tasks: denied looks like missing
    title = _required_text(title, "title", 200)
    team_pk = id_field(team_id, field="team", message=_("Choose a team."))
    team = Team.objects.filter(pk=team_pk).first() if team_pk is not None else None
    if team is None:
        raise ValidationFailed.field("team", _("Choose a team."))
    assignee = None
    assignee_pk = id_field(assignee_id, field="assignee", message=_("Unknown agent."))
    if assignee_pk is not None:
        assignee = (
            User.objects.filter(pk=assignee_pk, is_active=True).exclude(role=Role.REQUESTER).first()
        )
        if assignee is None:
            raise ValidationFailed.field("assignee", _("Only an active agent can do a task."))
    if due_at in ("", None):
        due_at = None
    elif not isinstance(due_at, datetime) or due_at.tzinfo is None:
        raise ValidationFailed.field("due_at", _("Enter a date and time."))
    with transaction.atomic():
        ticket = _request_locked(actor, ticket_id, catalogue_only=False)
        if ticket.status not in OPEN_STATUSES or ticket.status == Status.RESOLVED:
            raise ValidationFailed.field(
                "status", _("This request is no longer open: reopen it to add a task.")
            )
        now = clock.now()
        tasks = list(FulfilmentTask.objects.filter(ticket=ticket).order_by("position", "id"))
        finished = (TaskStatus.DONE, TaskStatus.CANCELLED)
        current = next(
            (g for g in plan.groups(tasks) if not all(t.status in finished for t in g)), None
        )
        task = FulfilmentTask(
            ticket=ticket, title=title, team=team, assignee=assignee, due_at=due_at,
            mode=StepMode.PARALLEL if current else StepMode.SEQUENCE,
        )  # fmt: skip
        # Placed right after the group being worked (or last), positions renumbered.
        at = tasks.index(current[-1]) + 1 if current else len(tasks)
        ordered = [*tasks[:at], task, *tasks[at:]]
        moved = []
        for position, each in enumerate(ordered, start=1):
            if each.position != position:
                each.position = position
                if each is not task:
                    moved.append(each)
        awaiting = ticket.status == Status.PENDING and (
            ticket.pending_reason == PendingReason.APPROVAL
        )
        if not awaiting and (current is None or any(t.status == TaskStatus.OPEN for t in current)):
            task.status = TaskStatus.OPEN
            task.opened_at = now
        task.save()
        if moved:
            FulfilmentTask.objects.bulk_update(moved, ["position"])
        timeline.record(
            ticket, actor=actor, type=EventType.FIELD, at=now, public=False,
            field="task_added", old="", new=title,
        )  # fmt: skip
        ticket.updated_at = now
        ticket.version += 1
        ticket.save(update_fields=["updated_at", "version"])
    return task


def task_take(*, actor: User, task_id: int | str) -> FulfilmentTask:
    """An agent takes a waiting or open task (becomes its assignee)."""
    with transaction.atomic():
        ticket, task = _task_locked(actor, task_id)
        if task.status in (TaskStatus.DONE, TaskStatus.CANCELLED):
            raise ValidationFailed.field("status", _("This task is finished."))
        if task.assignee_id != actor.pk:
            task.assignee = actor
            task.save(update_fields=["assignee"])
            timeline.record(
                ticket, actor=actor, type=EventType.FIELD, at=clock.now(), public=False,
                field="task_assignee", old=task.title, new=actor.display_name,
            )  # fmt: skip
    return task


# --- managers: approval steps and task templates ----------------------------------------------


def _position(value: Any) -> int:
    try:
        return max(0, min(int(value or 0), 32767))
    except (TypeError, ValueError):
        raise ValidationFailed.field("position", _("Enter a whole number.")) from None


def approval_step_save(
    *,
    actor: User,
    item_id: int,
    step_id: int | None = None,
    source: str,
    mode: str = StepMode.SEQUENCE,
    board_id: int | str | None = None,
    required: int | str = 1,
    position: int | str | None = None,
) -> ApprovalStep:
    """Add or edit an approval step of an item. A board step names a board with enough
    members for the approvals it needs."""
    from atiende.changes.models import Board

    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    if source not in ApproverSource.values:
        errors["source"] = [_("Choose who approves.")]
    if mode not in StepMode.values:
        errors["mode"] = [_("Choose when this step runs.")]
    try:
        needed = int(required or 0)
        if not 0 <= needed <= 100:
            raise ValueError
    except (TypeError, ValueError):
        errors["required"] = [_("Enter a number from 0 to 100.")]
        needed = 1
    board = None
    if source == ApproverSource.BOARD:
        board_pk = parse_id(board_id)
        board = Board.objects.filter(pk=board_pk).first() if board_pk else None
        if board is None:
            errors["board"] = [_("Choose the board whose members approve.")]
        elif needed > board.members.filter(is_active=True).count():
            errors["required"] = [_("The board has fewer members than the approvals needed.")]
    if errors:
        raise ValidationFailed(errors=errors)
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        step = (
            item.approval_steps.filter(pk=step_id).first() if step_id else ApprovalStep(item=item)
        )
        if step is None:
            raise NotFound()
        before = snapshot(step) if step.pk else None
        if position is not None and position != "":
            step.position = _position(position)
        elif not step.pk:
            last = item.approval_steps.aggregate(m=Max("position"))["m"]
            step.position = (last or 0) + 1
        step.source, step.mode, step.board = source, mode, board
        step.required = needed if source == ApproverSource.BOARD else 1
        step.save()
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=step,
            before=before,
        )
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())
    return step


def approval_step_delete(*, actor: User, item_id: int, step_id: int) -> None:
    """Remove an approval step; refused while requests are waiting on it."""
    from atiende.changes.models import Approval, ApprovalStatus

    with transaction.atomic():
        item = _item_locked(actor, item_id)
        step = item.approval_steps.filter(pk=step_id).first()
        if step is None:
            raise NotFound()
        if Approval.objects.filter(step=step, status=ApprovalStatus.PENDING).exists():
            raise ValidationFailed(
                _("Requests are waiting for this step's approval: it cannot be removed now.")
            )
        record_change(actor=actor, action=Action.DELETED, obj=step)
        step.delete()
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())


def task_template_save(
    *,
    actor: User,
    item_id: int,
    template_id: int | None = None,
    title: str,
    title_es: str = "",
    team_id: int | str | None = None,
    mode: str = StepMode.SEQUENCE,
    target_minutes: int | str | None = None,
    position: int | str | None = None,
) -> TaskTemplate:
    """Add or edit a fulfilment task of an item (copied into each new request)."""
    from atiende.accounts.models import Team

    _require_manager(actor)
    errors: dict[str, list[str]] = {}
    try:
        title = _required_text(title, "title", 200)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        title_es = _optional_text(title_es, "title_es", 200)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    team_pk = parse_id(team_id)
    team = Team.objects.filter(pk=team_pk).first() if team_pk else None
    if team is None:
        errors["team"] = [_("Choose the team that does this task.")]
    if mode not in StepMode.values:
        errors["mode"] = [_("Choose when this task runs.")]
    minutes: int | None = None
    if target_minutes not in (None, ""):
        try:
            minutes = int(target_minutes)  # type: ignore[arg-type]
            if not 1 <= minutes <= 525_600:
                raise ValueError
        except (TypeError, ValueError):
            errors["target_minutes"] = [_("Enter minutes from 1 to 525600, or leave empty.")]
    if errors:
        raise ValidationFailed(errors=errors)
    assert team is not None  # checked above
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        template = (
            item.task_templates.filter(pk=template_id).first()
            if template_id
            else TaskTemplate(item=item)
        )
        if template is None:
            raise NotFound()
        before = snapshot(template) if template.pk else None
        if position is not None and position != "":
            template.position = _position(position)
        elif not template.pk:
            last = item.task_templates.aggregate(m=Max("position"))["m"]
            template.position = (last or 0) + 1
        template.title, template.title_es, template.team = title, title_es, team
        template.mode, template.target_minutes = mode, minutes
        template.save()
        record_change(
            actor=actor,
            action=Action.UPDATED if before else Action.CREATED,
            obj=template,
            before=before,
        )
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())
    return template


def task_template_delete(*, actor: User, item_id: int, template_id: int) -> None:
    """Remove a task template (requests already submitted keep their copy)."""
    with transaction.atomic():
        item = _item_locked(actor, item_id)
        template = item.task_templates.filter(pk=template_id).first()
        if template is None:
            raise NotFound()
        record_change(actor=actor, action=Action.DELETED, obj=template)
        template.delete()
        CatalogueItem.objects.filter(pk=item.pk).update(updated_at=clock.now())
