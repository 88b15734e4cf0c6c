"""Reads of the catalogue, scoped to the reader: who may request which item is decided here
and nowhere else (`items_requestable_by`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from atiende.core.errors import NotFound
from atiende.core.i18n import in_language
from atiende.core.ids import parse_id
from atiende.core.memo import ProcessMemo
from atiende.tickets.selectors import visibility

from .models import (
    ApprovalStep,
    CatalogueCategory,
    CatalogueItem,
    FormField,
    FulfilmentTask,
    RequestAnswers,
    TaskStatus,
    TaskTemplate,
)

if TYPE_CHECKING:
    from atiende.accounts.models import User
    from atiende.tickets.models import Ticket

CI_PICKER_LIMIT = 500


def _organisation_rule(actor: User) -> Any:
    """Items open to every organisation, or to the actor's."""
    through = CatalogueItem.organizations.through
    restricted = Exists(through.objects.filter(catalogueitem_id=OuterRef("pk")))
    if actor.organization_id is None:
        return ~restricted
    mine = Exists(
        through.objects.filter(
            catalogueitem_id=OuterRef("pk"), organization_id=actor.organization_id
        )
    )
    return ~restricted | mine  # an expression .filter() takes, like a Q


def may_request(actor: User, item: CatalogueItem) -> bool:
    """The role half of the rule (the organisation half is in the query)."""
    return not item.roles or actor.role in item.roles


def items_requestable_by(actor: User) -> list[CatalogueItem]:
    """The active items of active categories the actor may request, in catalogue order,
    with their category (one query)."""
    if not actor.is_active:
        return []
    items = (
        CatalogueItem.objects.filter(is_active=True, category__is_active=True)
        .filter(_organisation_rule(actor))
        .select_related("category", "service")
        .order_by("category__position", "category__name", "position", "name", "id")
    )
    return [item for item in items if may_request(actor, item)]


def grouped(items: Sequence[CatalogueItem]) -> list[tuple[CatalogueCategory, list[CatalogueItem]]]:
    groups: dict[int, tuple[CatalogueCategory, list[CatalogueItem]]] = {}
    for item in items:
        groups.setdefault(item.category_id, (item.category, []))[1].append(item)
    return list(groups.values())


def _with_fields() -> Prefetch:
    return Prefetch("fields", queryset=FormField.objects.order_by("position", "id"))


def item_for_request(actor: User, item_id: Any) -> CatalogueItem:
    """An item the actor may request, with its form's fields; NotFound otherwise (an item
    they may not request looks like a missing one)."""
    pk = parse_id(item_id)
    if pk is None or not actor.is_active:
        raise NotFound()
    item = (
        CatalogueItem.objects.filter(pk=pk, is_active=True, category__is_active=True)
        .filter(_organisation_rule(actor))
        .select_related("category", "service")
        .prefetch_related(_with_fields())
        .first()
    )
    if item is None or not may_request(actor, item):
        raise NotFound()
    return item


def ci_options(spec: FormField) -> list[tuple[int, str]]:
    """The configuration items a CI field offers (not retired; of its class if it names one)."""
    from atiende.cmdb.models import CiStatus, ConfigurationItem

    items = ConfigurationItem.objects.exclude(status=CiStatus.RETIRED)
    if spec.ci_class:
        items = items.filter(ci_class=spec.ci_class)
    return list(items.order_by("name", "id").values_list("id", "name")[:CI_PICKER_LIMIT])


# --- managers -------------------------------------------------------------------------------


def all_items() -> QuerySet[CatalogueItem]:
    """Every item, for the managers' catalogue page (the caller checked the role)."""
    return CatalogueItem.objects.select_related("category", "service").order_by(
        "category__position", "category__name", "position", "name", "id"
    )


def item_for_manager(actor: User, item_id: Any) -> CatalogueItem:
    pk = parse_id(item_id)
    item = (
        CatalogueItem.objects.filter(pk=pk)
        .select_related("category", "service", "ticket_category")
        .prefetch_related(_with_fields(), "organizations")
        .first()
        if pk is not None and actor.is_manager
        else None
    )
    if item is None:
        raise NotFound()
    return item


def categories() -> list[CatalogueCategory]:
    return list(CatalogueCategory.objects.all())


def active_categories() -> QuerySet[CatalogueCategory]:
    return CatalogueCategory.objects.filter(is_active=True)


def _load_item_names() -> list[tuple[int, str, str]]:
    return list(CatalogueItem.objects.order_by("name", "id").values_list("id", "name", "name_es"))


# Read on every desk queue page (its "Catalogue item" filter) and changed rarely: kept in
# process memory, forgotten when an item is saved (apps.py).
item_names = ProcessMemo(_load_item_names)


def item_choices() -> list[tuple[int, str]]:
    """Every item as a filter option, in the reader's language (no query once loaded)."""
    return [(pk, in_language(name, name_es)) for pk, name, name_es in item_names.get()]


# --- answers --------------------------------------------------------------------------------


def answers_of_tickets(actor: User, tickets: Sequence[Ticket]) -> dict[int, RequestAnswers]:
    """The answers of those tickets the actor sees (one query for a page of them)."""
    ids = [t.pk for t in tickets if t.kind == "request"]
    if not ids:
        return {}
    rows = (
        RequestAnswers.objects.filter(ticket_id__in=ids)
        .filter(visibility(actor, via="ticket__"))
        .select_related("item")
    )
    return {row.ticket_id: row for row in rows}


def answers_get(actor: User, ticket: Ticket) -> RequestAnswers | None:
    return answers_of_tickets(actor, [ticket]).get(ticket.pk)


def requests_of_item(actor: User, item_id: int) -> QuerySet[RequestAnswers]:
    """The answers of an item's requests whose tickets the actor sees (the one rule)."""
    return RequestAnswers.objects.filter(item_id=item_id).filter(visibility(actor, via="ticket__"))


# --- progress: approvals and fulfilment tasks -----------------------------------------------


@dataclass
class Progress:
    """A request's approvals (not the withdrawn ones) and tasks, in order."""

    approvals: list[Any] = field(default_factory=list)
    tasks: list[FulfilmentTask] = field(default_factory=list)

    @property
    def approval_state(self) -> str:
        """`none` (the item asks for none), `pending`, `approved` or `rejected`."""
        if not self.approvals:
            return "none"
        states = {a.status for a in self.approvals}
        if "rejected" in states:
            return "rejected"
        if "pending" in states:
            return "pending"
        return "approved"

    @property
    def tasks_done(self) -> int:
        return sum(t.status == TaskStatus.DONE for t in self.tasks)


def progress_of_tickets(actor: User, tickets: Sequence[Ticket]) -> dict[int, Progress]:
    """The progress of those catalogue requests the actor sees: two queries for a page of
    tickets, none when none is a request."""
    from atiende.changes.models import Approval, ApprovalStatus

    ids = [t.pk for t in tickets if t.kind == "request"]
    if not ids:
        return {}
    found: dict[int, Progress] = {}
    for task in (
        FulfilmentTask.objects.filter(ticket_id__in=ids)
        .filter(visibility(actor, via="ticket__"))
        .select_related("team", "assignee")
        .order_by("ticket_id", "position", "id")
    ):
        found.setdefault(task.ticket_id, Progress()).tasks.append(task)
    for approval in (
        Approval.objects.filter(ticket_id__in=ids)
        .filter(visibility(actor, via="ticket__"))
        .exclude(status=ApprovalStatus.WITHDRAWN)
        .select_related("step", "step__board", "approver")
        .order_by("ticket_id", "created_at", "id")
    ):
        found.setdefault(approval.ticket_id, Progress()).approvals.append(approval)
    return found


def task_choices(actor: User) -> dict[str, list]:
    """The teams and the agents an added task may go to (the desk's task form): the desk's
    own pickers, kept in memory (accounts.selectors), so no query."""
    from atiende.accounts.selectors import agent_choices, team_choices

    return {"teams": team_choices(actor), "agents": agent_choices(actor)}


def progress_get(actor: User, ticket: Ticket) -> Progress:
    return progress_of_tickets(actor, [ticket]).get(ticket.pk) or Progress()


def approval_steps_of(item: CatalogueItem) -> list[ApprovalStep]:
    return list(item.approval_steps.select_related("board").order_by("position", "id"))


def task_templates_of(item: CatalogueItem) -> list[TaskTemplate]:
    return list(item.task_templates.select_related("team").order_by("position", "id"))


def pending_approvals_count(user: Any) -> int:
    """How many approvals wait for `user`'s decision: the portal's "My approvals" entry shows
    only when there are some (one COUNT on the approval_approver_status index)."""
    from atiende.changes.models import Approval, ApprovalStatus

    if user is None or not user.is_authenticated:
        return 0
    return Approval.objects.filter(approver_id=user.pk, status=ApprovalStatus.PENDING).count()
