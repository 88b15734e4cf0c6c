"""Every write of the improvement domain: the daily trend scan's bookkeeping, a person's
handling of a trend (acknowledge, dismiss, open a problem) and the register's items.
Keyword-only, one transaction each, access checked here; audit entries for the register
and the trends' handling (audit.record_change), timeline entries for tickets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from atiende.accounts.models import User
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action
from atiende.cmdb import actions as cmdb_actions
from atiende.core import clock
from atiende.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from atiende.core.ids import id_field
from atiende.core.sanitize import clean_text
from atiende.core.versions import check_version
from atiende.tickets import actions as ticket_actions
from atiende.tickets import timeline
from atiende.tickets.models import EventType, Kind, LinkType, Ticket
from atiende.tickets.selectors import ticket_get, tickets_visible_to

from . import selectors, trends
from .metrics import BY_KEY
from .models import (
    ACTIVE_TREND_STATUSES,
    MANAGER_STATUSES,
    Dimension,
    ImprovementItem,
    ItemPriority,
    ItemStatus,
    Trend,
    TrendStatus,
)

# The problem ticket's timeline names the trend it came from ("Emerging trend: Printers").
TREND_FIELD = "trend"
# A problem links at most this many incidents (the newest); the rest stay on the trend page.
MAX_LINKED_INCIDENTS = 100
STALE = _("Someone else changed this improvement; reload and try again.")


# --- the daily scan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    created: int
    updated: int
    skipped: int


def trends_record(*, now: dt.datetime | None = None) -> ScanResult:
    """Run the rule (trends.detect) and store what it found. Idempotent: a key with a trend
    still waiting for someone (new, acknowledged) gets that trend's numbers updated, never a
    second row (a partial unique constraint guarantees it under concurrent runs); a key whose
    trend was handled (problem opened, dismissed) within the last window is not raised again."""
    now = now or clock.now()
    windows, found = trends.detect(now)
    created = updated = skipped = 0
    recently = now - dt.timedelta(days=trends.WINDOW_DAYS)
    with transaction.atomic():
        active = {
            (t.dimension, t.key): t
            for t in Trend.objects.select_for_update().filter(status__in=ACTIVE_TREND_STATUSES)
        }
        handled = set(
            Trend.objects.filter(
                status__in=[TrendStatus.PROBLEM_OPENED, TrendStatus.DISMISSED],
                handled_at__gte=recently,
            ).values_list("dimension", "key")
        )
        for candidate in found:
            numbers = {
                "label": candidate.label[:200],
                "window_start": windows.window_start,
                "window_end": windows.window_end,
                "window_days": trends.WINDOW_DAYS,
                "observed": candidate.verdict.observed,
                "expected": candidate.verdict.expected,
                "score": candidate.verdict.score,
            }
            pair = (candidate.dimension, candidate.key)
            if pair in active:
                trend = active[pair]
                if all(getattr(trend, k) == v for k, v in numbers.items()):
                    skipped += 1
                    continue
                Trend.objects.filter(pk=trend.pk).update(
                    **numbers, updated_at=now, version=F("version") + 1
                )
                updated += 1
            elif pair in handled:
                skipped += 1
            else:
                try:
                    with transaction.atomic():  # a concurrent scan may have created it
                        Trend.objects.create(
                            dimension=candidate.dimension, key=candidate.key, **numbers,
                            detected_at=now, updated_at=now,
                        )  # fmt: skip
                except IntegrityError:
                    skipped += 1
                else:
                    created += 1
    return ScanResult(created=created, updated=updated, skipped=skipped)


# --- handling a trend -------------------------------------------------------------------------------


def _locked_trend(actor: User, trend_id: int) -> Trend:
    selectors.require_agent(actor)
    trend = Trend.objects.select_for_update().filter(pk=trend_id).first()
    if trend is None:
        raise NotFound()
    return trend


def _handled(trend: Trend, actor: User, status: str, now: dt.datetime, **more: Any) -> None:
    before = snapshot(trend)
    trend.status = status
    trend.handled_by = actor
    trend.handled_at = now
    trend.updated_at = now
    trend.version += 1
    for key, value in more.items():
        setattr(trend, key, value)
    trend.save()
    record_change(actor=actor, action=Action.UPDATED, obj=trend, before=before)


def trend_acknowledge(*, actor: User, trend_id: int) -> Trend:
    """Someone is looking at it. Only a new trend can be acknowledged (twice is a no-op)."""
    with transaction.atomic():
        trend = _locked_trend(actor, trend_id)
        if trend.status == TrendStatus.ACKNOWLEDGED:
            return trend
        if trend.status != TrendStatus.NEW:
            raise Conflict(_("This trend has already been handled."), current_version=trend.version)
        _handled(trend, actor, TrendStatus.ACKNOWLEDGED, clock.now())
    return trend


def trend_dismiss(*, actor: User, trend_id: int, reason: str) -> Trend:
    """Not a real trend (a known outage, a reorganisation of categories...): the reason is
    required and kept."""
    reason = clean_text(reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("Say why this trend is dismissed."))
    if len(reason) > 500:
        raise ValidationFailed.field("reason", _("At most 500 characters."))
    with transaction.atomic():
        trend = _locked_trend(actor, trend_id)
        if trend.status not in ACTIVE_TREND_STATUSES:
            raise Conflict(_("This trend has already been handled."), current_version=trend.version)
        _handled(trend, actor, TrendStatus.DISMISSED, clock.now(), dismiss_reason=reason)
    return trend


@dataclass(frozen=True)
class ProblemOpened:
    problem: Ticket
    linked: int
    created: bool  # False when the trend's problem already existed (a second click)


def trend_open_problem(*, actor: User, trend_id: int) -> ProblemOpened:
    """Open a problem ticket for the trend and link the incidents behind it (those the actor
    may see, the newest MAX_LINKED_INCIDENTS) to it as "caused by" the problem, all in one
    transaction. The trend row is locked first, so a double click opens one problem: the
    second answers the first's."""
    with transaction.atomic():
        trend = _locked_trend(actor, trend_id)
        if trend.problem_id is not None:
            problem = tickets_visible_to(actor).filter(pk=trend.problem_id).first()
            if problem is None:
                raise Conflict(
                    _("A problem was already opened for this trend."),
                    current_version=trend.version,
                )
            return ProblemOpened(problem=problem, linked=0, created=False)
        if trend.status == TrendStatus.DISMISSED:
            raise Conflict(_("This trend was dismissed."), current_version=trend.version)
        incidents = selectors.trend_incidents(actor, trend, limit=MAX_LINKED_INCIDENTS)
        if not incidents:
            raise ValidationFailed.field(
                "incidents", _("None of the incidents behind this trend is visible to you.")
            )
        what = f"{trend.get_dimension_display()}: {trend.label}"
        description = _(
            "Opened from an emerging trend. %(what)s: %(observed)d incidents in the %(days)d "
            "days from %(start)s to %(end)s, against %(expected).1f expected from the "
            "previous %(baseline)d days."
        ) % {
            "what": what,
            "observed": trend.observed,
            "days": trend.window_days,
            "start": trend.window_start.date().isoformat(),
            "end": (trend.window_end - dt.timedelta(seconds=1)).date().isoformat(),
            "expected": trend.expected,
            "baseline": trends.BASELINE_DAYS,
        }
        problem = ticket_actions.ticket_create(
            actor=actor,
            kind=Kind.PROBLEM,
            title=_("Recurring incidents: %(what)s") % {"what": what},
            description=description,
            category_id=trend.key if trend.dimension == Dimension.CATEGORY else None,
            team_id=incidents[0].team_id if incidents[0].team_id else None,
        )
        now = clock.now()
        timeline.record(
            problem, actor=actor, type=EventType.FIELD, at=now, public=False,
            field=TREND_FIELD, new=what,
        )  # fmt: skip
        if trend.dimension != Dimension.CATEGORY:
            cmdb_actions.ticket_items_set(actor=actor, ticket_id=problem.pk, add=[trend.key])
        for incident in incidents:
            ticket_actions.ticket_link_add(
                actor=actor, ticket_id=incident.pk, other=problem.pk, link_type=LinkType.CAUSED_BY
            )
        _handled(trend, actor, TrendStatus.PROBLEM_OPENED, now, problem=problem)
    return ProblemOpened(problem=problem, linked=len(incidents), created=True)


# --- the register ------------------------------------------------------------------------------------

FIELDS = (
    "title",
    "description",
    "owner",
    "status",
    "priority",
    "expected_benefit",
    "metric",
    "baseline_value",
    "baseline_start",
    "baseline_end",
    "current_value",
    "measured_at",
    "tickets",
    "trends",
)
MAX_LINKS = 50


def _title(value: Any) -> str:
    title = clean_text(str(value or "")).strip()
    if not title:
        raise ValidationFailed.field("title", _("A title is required."))
    if len(title) > 200:
        raise ValidationFailed.field("title", _("At most 200 characters."))
    return title


def _text(field: str) -> Any:
    def clean(value: Any) -> str:
        text = clean_text(str(value or "")).strip()
        if len(text) > 20_000:
            raise ValidationFailed.field(field, _("At most 20,000 characters."))
        return text

    return clean


def _owner(value: Any) -> User | None:
    pk = id_field(value, field="owner", message=_("Choose an agent."))
    if pk is None:
        return None
    owner = User.objects.filter(pk=pk, is_active=True).first()
    if owner is None or not owner.is_agent:
        raise ValidationFailed.field("owner", _("Choose an agent."))
    return owner


def _choice(field: str, choices: Iterable[Any], *, blank: bool = False) -> Any:
    allowed = {str(c) for c in choices}

    def clean(value: Any) -> Any:
        text = "" if value is None else str(value).strip()
        if blank and not text:
            return ""
        if text not in allowed:
            raise ValidationFailed.field(field, _("Unknown value."))
        return text

    return clean


def _priority(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed.field("priority", _("Unknown value.")) from None
    if number not in ItemPriority.values:
        raise ValidationFailed.field("priority", _("Unknown value."))
    return number


def _number(field: str) -> Any:
    def clean(value: Any) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValidationFailed.field(field, _("Enter a number.")) from None
        if not number.is_finite() or abs(number) >= Decimal(10) ** 10:
            raise ValidationFailed.field(field, _("Enter a number below 10,000,000,000."))
        return number.quantize(Decimal("0.0001"))

    return clean


def _date(field: str) -> Any:
    def clean(value: Any) -> dt.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed.field(field, _("Enter a date (YYYY-MM-DD).")) from None
        if not 1900 <= day.year <= 2999:
            raise ValidationFailed.field(field, _("Enter a date (YYYY-MM-DD)."))
        return day

    return clean


def _moment(value: Any) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value
    from atiende.core.dates import parse_moment

    return parse_moment(value, field="measured_at")


def _tickets(actor: User, value: Any) -> list[Ticket]:
    refs = value.replace(",", " ").split() if isinstance(value, str) else list(value or [])
    if len(refs) > MAX_LINKS:
        raise ValidationFailed.field("tickets", _("At most 50 tickets."))
    found: dict[int, Ticket] = {}
    for ref in refs:
        try:
            ticket = ticket_get(actor, ref)
        except NotFound:
            raise ValidationFailed.field(
                "tickets", _("No such ticket: %(ref)s") % {"ref": str(ref)[:40]}
            ) from None
        found[ticket.pk] = ticket
    return list(found.values())


def _trends(value: Any) -> list[Trend]:
    refs = list(value or [])
    if len(refs) > MAX_LINKS:
        raise ValidationFailed.field("trends", _("At most 50 trends."))
    ids = {id_field(ref, field="trends", message=_("No such trend.")) for ref in refs}
    ids.discard(None)
    found = list(Trend.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise ValidationFailed.field("trends", _("No such trend."))
    return found


def _clean(actor: User, values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValidationFailed(errors={k: [_("This field cannot be changed.")] for k in unknown})
    cleaners: dict[str, Any] = {
        "title": _title,
        "description": _text("description"),
        "expected_benefit": _text("expected_benefit"),
        "owner": _owner,
        "status": _choice("status", ItemStatus.values),
        "priority": _priority,
        "metric": _choice("metric", BY_KEY, blank=True),
        "baseline_value": _number("baseline_value"),
        "current_value": _number("current_value"),
        "baseline_start": _date("baseline_start"),
        "baseline_end": _date("baseline_end"),
        "measured_at": _moment,
        "tickets": lambda v: _tickets(actor, v),
        "trends": _trends,
    }
    cleaned: dict[str, Any] = {}
    problems: dict[str, list[str]] = {}
    for key, value in values.items():
        try:
            cleaned[key] = cleaners[key](value)
        except ValidationFailed as exc:
            for field, messages in (exc.errors or {key: [exc.first_message()]}).items():
                problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationFailed(errors=problems)
    return cleaned


def _check_item(item: ImprovementItem) -> None:
    if item.baseline_start and item.baseline_end and item.baseline_end < item.baseline_start:
        raise ValidationFailed.field(
            "baseline_end", _("The period must end on or after its start.")
        )


def _check_status(actor: User, old: str | None, new: str) -> None:
    if new != old and new in MANAGER_STATUSES and not actor.is_manager:
        raise Forbidden(_("Only managers approve or reject improvements."))


def _links_snapshot(tickets: list[Ticket] | None, trends_: list[Trend] | None) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    if tickets is not None:
        shown["tickets"] = sorted(t.number for t in tickets)
    if trends_ is not None:
        shown["trends"] = sorted(str(t.pk) for t in trends_)
    return shown


def item_create(*, actor: User, **values: Any) -> ImprovementItem:
    """Add an item to the register (agents). A manager's decision (approved, rejected) cannot
    be where an agent's item starts."""
    selectors.require_agent(actor)
    if "title" not in values:
        values = {**values, "title": ""}
    cleaned = _clean(actor, values)
    tickets = cleaned.pop("tickets", None)
    trends_ = cleaned.pop("trends", None)
    _check_status(actor, None, cleaned.get("status", ItemStatus.PROPOSED))
    now = clock.now()
    item = ImprovementItem(**cleaned, created_by=actor, created_at=now, updated_at=now)
    _check_item(item)
    with transaction.atomic():
        item.save()
        if tickets:
            item.tickets.set(tickets)
        if trends_:
            item.trends.set(trends_)
        after = {**snapshot(item), **_links_snapshot(tickets, trends_)}
        record_change(actor=actor, action=Action.CREATED, obj=item, after=after)
    return item


def item_update(
    *, actor: User, item_id: int, changes: Mapping[str, Any], version: Any = None
) -> ImprovementItem:
    """Change fields of an item; `version` (the one read) detects a concurrent edit.
    `tickets` and `trends`, when given, replace the links (tickets the actor cannot see stay
    linked: an agent never removes what they cannot see)."""
    selectors.require_agent(actor)
    cleaned = _clean(actor, changes)
    tickets = cleaned.pop("tickets", None)
    trends_ = cleaned.pop("trends", None)
    with transaction.atomic():
        item = ImprovementItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise NotFound()
        check_version(item.version, version, stale=STALE)
        if "status" in cleaned:
            _check_status(actor, item.status, cleaned["status"])
        before_links: dict[str, Any] = {}
        after_links: dict[str, Any] = {}
        if tickets is not None:
            current = list(item.tickets.all().only("pk", "number"))
            seen = set(
                tickets_visible_to(actor)
                .filter(pk__in=[t.pk for t in current])
                .values_list("pk", flat=True)
            )
            hidden = [t for t in current if t.pk not in seen]
            before_links.update(_links_snapshot(current, None))
            tickets = list({t.pk: t for t in [*hidden, *tickets]}.values())
            after_links.update(_links_snapshot(tickets, None))
        if trends_ is not None:
            before_links.update(_links_snapshot(None, list(item.trends.all())))
            after_links.update(_links_snapshot(None, trends_))
        before = {**snapshot(item), **before_links}
        for key, value in cleaned.items():
            setattr(item, key, value)
        _check_item(item)
        after = {**snapshot(item), **after_links}
        if before == after:
            return item
        item.updated_at = clock.now()
        item.version += 1
        item.save()
        if tickets is not None:
            item.tickets.set(tickets)
        if trends_ is not None:
            item.trends.set(trends_)
        record_change(actor=actor, action=Action.UPDATED, obj=item, before=before, after=after)
    return item


def item_delete(*, actor: User, item_id: int, version: Any = None) -> None:
    """Remove an item from the register (managers)."""
    selectors.require_agent(actor)
    if not actor.is_manager:
        raise Forbidden(_("Only managers delete improvements."))
    with transaction.atomic():
        item = ImprovementItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            raise NotFound()
        check_version(item.version, version, stale=STALE)
        record_change(actor=actor, action=Action.DELETED, obj=item, before=snapshot(item))
        item.delete()
