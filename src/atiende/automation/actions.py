"""Every write of automation: rules (managers and administrators), the time-rule sweep, and
the dry run (which writes nothing, but shares the sweep's and the engine's code so that what
it shows is what a real run does)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.actions import system_actor
from atiende.accounts.models import User
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action as AuditAction
from atiende.core import clock
from atiende.core.errors import DomainError, Forbidden, ValidationFailed
from atiende.core.ids import id_field
from atiende.core.sanitize import clean_text
from atiende.core.versions import check_version
from atiende.tickets.models import Ticket

from . import engine, schema, selectors
from .models import NAME_MAX, Rule, RuleRun, Trigger, WaitUnit

STALE = gettext_lazy(
    "This rule was changed by someone else (version %(current)d, you had %(yours)d)."
)
WAIT_MAX = 10_000
DRY_RUN_TICKETS = 1000
SWEEP_BATCH = 500


def _require_manager(actor: User) -> None:
    if not actor.is_active or not actor.is_manager:
        raise Forbidden(_("Only managers can change automation rules."))


def _cleaned(data: Mapping[str, Any], *, rule: Rule | None = None) -> dict[str, Any]:
    """The rule's fields from `data` (a form's or the API's), checked; errors by field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    name = clean_text(str(data.get("name") or "")).replace("\n", " ").strip()
    if not name:
        errors["name"] = [_("Give the rule a name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Use at most %(n)d characters.") % {"n": NAME_MAX}]
    elif Rule.objects.filter(name__iexact=name).exclude(pk=rule.pk if rule else 0).exists():
        errors["name"] = [_("Another rule has this name.")]
    out["name"] = name
    trigger = str(data.get("trigger") or "")
    if trigger not in Trigger.values:
        errors["trigger"] = [_("Choose when the rule runs.")]
    out["trigger"] = trigger
    out["enabled"] = bool(data.get("enabled", True))
    try:
        out["conditions"] = schema.parse_conditions(
            data.get("conditions") or [], exists=selectors.existing
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        out["actions"] = schema.parse_actions(data.get("actions"), exists=selectors.existing)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    out["wait"], out["wait_unit"], out["calendar_id"] = None, WaitUnit.DAYS, None
    if trigger == Trigger.SCHEDULED:
        try:
            wait = int(data.get("wait") or 0)
        except (TypeError, ValueError):
            wait = 0
        if not 1 <= wait <= WAIT_MAX:
            errors["wait"] = [_("Say after how long (1 to %(n)d).") % {"n": WAIT_MAX}]
        unit = str(data.get("wait_unit") or WaitUnit.DAYS)
        if unit not in WaitUnit.values:
            errors["wait_unit"] = [_("Choose hours, days or business days.")]
        calendar = id_field(data.get("calendar"), field="calendar", message=_("Unknown calendar."))
        if unit == WaitUnit.BUSINESS_DAYS and (
            calendar is None or not selectors.existing("time", [calendar])
        ):
            errors["calendar"] = [_("Choose the business calendar that counts the days.")]
        out["wait"], out["wait_unit"], out["calendar_id"] = wait, unit, calendar
        comments = [c for c in out.get("conditions", ()) if c.field in ("comment", "changed")]
        if comments:
            errors["conditions"] = [_("A time rule has no reply or change to look at.")]
    if errors:
        raise ValidationFailed(errors=errors)
    return out


def _store(rule: Rule, cleaned: dict[str, Any]) -> None:
    rule.name = cleaned["name"]
    rule.trigger = cleaned["trigger"]
    rule.enabled = cleaned["enabled"]
    rule.conditions, rule.actions = schema.stored(cleaned["conditions"], cleaned["actions"])
    rule.wait, rule.wait_unit, rule.calendar_id = (
        cleaned["wait"],
        cleaned["wait_unit"],
        cleaned["calendar_id"],
    )
    rule.__dict__.pop("spec", None)


def _changed() -> None:
    transaction.on_commit(engine.event_rules.forget)
    engine.event_rules.forget()


def rule_create(*, actor: User, data: Mapping[str, Any]) -> Rule:
    """A new rule, last of its trigger. `data`: name, trigger, enabled, conditions (rows of
    schema.Condition), actions (rows of schema.Action), and for time rules wait, wait_unit,
    calendar."""
    _require_manager(actor)
    cleaned = _cleaned(data)
    with transaction.atomic():
        now = clock.now()
        last = Rule.objects.filter(trigger=cleaned["trigger"]).aggregate(m=Max("position"))["m"]
        rule = Rule(created_by=actor, created_at=now, updated_at=now)
        _store(rule, cleaned)
        rule.position = 0 if last is None else last + 1
        rule.save()
        record_change(actor=actor, action=AuditAction.CREATED, obj=rule)
        _changed()
    return rule


def _locked(actor: User, rule_id: int) -> Rule:
    selectors.rule_get(actor, rule_id)  # NotFound for others
    return Rule.objects.select_for_update().get(pk=rule_id)


def rule_update(*, actor: User, rule_id: int, data: Mapping[str, Any], version: Any = None) -> Rule:
    selectors.rule_get(actor, rule_id)  # others: 404, as for a missing rule
    with transaction.atomic():
        rule = _locked(actor, rule_id)
        check_version(rule.version, version, stale=STALE)
        cleaned = _cleaned(data, rule=rule)
        before = snapshot(rule)
        if cleaned["trigger"] != rule.trigger:
            last = Rule.objects.filter(trigger=cleaned["trigger"]).aggregate(m=Max("position"))
            rule.position = 0 if last["m"] is None else last["m"] + 1
        _store(rule, cleaned)
        rule.updated_at = clock.now()
        rule.version += 1
        rule.save()
        record_change(actor=actor, action=AuditAction.UPDATED, obj=rule, before=before)
        _changed()
    return rule


def rule_set_enabled(*, actor: User, rule_id: int, enabled: bool) -> Rule:
    selectors.rule_get(actor, rule_id)  # others: 404, as for a missing rule
    with transaction.atomic():
        rule = _locked(actor, rule_id)
        if rule.enabled != enabled:
            before = snapshot(rule)
            rule.enabled = enabled
            rule.updated_at = clock.now()
            rule.version += 1
            rule.save()
            record_change(actor=actor, action=AuditAction.UPDATED, obj=rule, before=before)
            _changed()
    return rule


def rule_move(*, actor: User, rule_id: int, up: bool) -> Rule:
    """Swap the rule with its neighbour above (`up`) or below among its trigger's rules."""
    selectors.rule_get(actor, rule_id)  # others: 404, as for a missing rule
    with transaction.atomic():
        rule = _locked(actor, rule_id)
        rules = list(
            Rule.objects.select_for_update().filter(trigger=rule.trigger).order_by("position", "id")
        )
        index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
            for position, each in enumerate(rules):
                each.position = position
            Rule.objects.bulk_update(rules, ["position"])
            _changed()
    rule.refresh_from_db()
    return rule


def rule_delete(*, actor: User, rule_id: int) -> None:
    selectors.rule_get(actor, rule_id)  # others: 404, as for a missing rule
    with transaction.atomic():
        rule = _locked(actor, rule_id)
        record_change(actor=actor, action=AuditAction.DELETED, obj=rule)
        rule.delete()
        _changed()


# --- time rules ---------------------------------------------------------------------------------

# Conditions the database answers (the rest are checked on the due tickets only).
_COLUMN = {"kind": "kind", "status": "status", "channel": "channel", "priority": "priority",
           "impact": "impact", "urgency": "urgency", "team": "team_id",
           "assignee": "assignee_id", "category": "category_id",
           "organization": "organization_id", "requester": "requester_id"}  # fmt: skip


def _as_q(condition: schema.Condition) -> Q | None:
    column = _COLUMN.get(condition.field)
    if column is None:
        return None
    op = condition.op
    if op == schema.Op.EMPTY:
        return Q(**{f"{column}__isnull": True})
    if op == schema.Op.NOT_EMPTY:
        return Q(**{f"{column}__isnull": False})
    values: list[Any] = list(condition.values)
    if column.endswith("_id") or condition.field in ("priority", "impact", "urgency"):
        values = [int(v) for v in values]
    q = Q(**{f"{column}__in": values})
    if op == schema.Op.NOT_IN:
        return ~q if not column.endswith("_id") else ~q | Q(**{f"{column}__isnull": True})
    return q


def _wall_wait(rule: Rule) -> timedelta:
    if rule.wait_unit == WaitUnit.HOURS:
        return timedelta(hours=rule.wait or 0)
    return timedelta(days=rule.wait or 0)  # N business days are at least N days


def due_tickets(rule: Rule, now: datetime, *, limit: int = SWEEP_BATCH) -> QuerySet[Ticket]:
    """The tickets the time rule is due on: one indexed query (status or team, then
    updated_at; ticket_status_recent and friends), untouched since before `now - wait`, not
    acted on for this period yet (the anti-join on rule_run_once)."""
    done = RuleRun.objects.filter(rule=rule, ticket=OuterRef("pk"), period=OuterRef("updated_at"))
    tickets = Ticket.objects.filter(updated_at__lte=now - _wall_wait(rule)).filter(~Exists(done))
    for condition in rule.spec.conditions:
        q = _as_q(condition)
        if q is not None:
            tickets = tickets.filter(q)
    return tickets.order_by("updated_at", "id")[:limit]


def _business_days(calendar: Any, start: datetime, end: datetime) -> int:
    """Days after `start`'s day, up to `end`, on which the calendar was open at all."""
    days = set()
    first = start.astimezone(calendar.zone).date()
    for opened, _closed in calendar.open_periods(start, end):
        day = opened.astimezone(calendar.zone).date()
        if day > first:
            days.add(day)
    return len(days)


def is_due(rule: Rule, ticket: Ticket, now: datetime) -> bool:
    """The checks the query could not make: business days, text and calendar conditions."""
    if rule.wait_unit == WaitUnit.BUSINESS_DAYS:
        calendar = engine.calendars.get().get(rule.calendar_id or 0)
        if calendar is None or _business_days(calendar, ticket.updated_at, now) < (rule.wait or 0):
            return False
    facts = engine.Facts(ticket, at=now)
    return all(engine.holds(c, facts) for c in rule.spec.conditions if _as_q(c) is None)


@dataclass
class SweepResult:
    acted: int = 0
    skipped: int = 0  # claimed by another worker, or changed meanwhile
    failed: list[str] = field(default_factory=list)


def sweep_time_rules(*, now: datetime | None = None) -> SweepResult:
    """Run every enabled time rule on its due tickets, each exactly once per ticket and
    period, however many workers sweep at once: the RuleRun row (unique on rule, ticket,
    period) is written first, in the transaction of the rule's actions; a second worker's
    INSERT waits for the first and then fails, and it leaves the ticket alone."""
    now = now or clock.now()
    result = SweepResult()
    bot = system_actor()
    rules = Rule.objects.filter(trigger=Trigger.SCHEDULED, enabled=True).order_by("position", "id")
    for rule in rules:
        try:
            spec = rule.spec
        except DomainError:
            continue
        loaded = engine.LoadedRule(rule.pk, rule.name, spec)
        for ticket in due_tickets(rule, now):
            if not is_due(rule, ticket, now):
                continue
            if _run_once(loaded, ticket, now, bot):
                result.acted += 1
            else:
                result.skipped += 1
    return result


def _run_once(rule: engine.LoadedRule, ticket: Ticket, now: datetime, bot: User) -> bool:
    with transaction.atomic():
        try:
            with transaction.atomic():
                run = RuleRun.objects.create(
                    rule_id=rule.id, ticket_id=ticket.pk, period=ticket.updated_at, at=now
                )
        except IntegrityError:
            return False  # another worker has it
        # The ticket may have moved on since the query: then this period is over.
        still = Ticket.objects.select_for_update().filter(
            pk=ticket.pk, updated_at=ticket.updated_at
        )
        if not still.exists():
            run.outcome = "changed"
            run.save(update_fields=["outcome"])
            return False
        lines = engine.apply(rule, ticket.pk, bot=bot)
        run.outcome = "\n".join(lines)[:500]
        run.save(update_fields=["outcome"])
    return True


# --- dry run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DryRunHit:
    ticket: Ticket
    lines: tuple[str, ...]


@dataclass(frozen=True)
class DryRun:
    looked_at: int
    hits: tuple[DryRunHit, ...]


def dry_run(
    *,
    actor: User,
    data: Mapping[str, Any],
    limit: int = DRY_RUN_TICKETS,
    now: datetime | None = None,
) -> DryRun:
    """What this rule (saved or not: `data` as rule_create takes it) would have done to the
    last `limit` tickets, writing nothing. Event rules: the conditions checked by the
    engine's own `holds` on each ticket as it is now, at the moment of the trigger (its
    creation for "created", its last update otherwise; the last reply or note for
    reply-text conditions). Time rules: exactly the tickets a sweep now would act on (the
    sweep's own query and checks)."""
    _require_manager(actor)
    saved = _ghost(data)
    cleaned = _cleaned({**data, "name": data.get("name") or "dry run"}, rule=saved)
    spec = schema.RuleSpec(conditions=cleaned["conditions"], actions=cleaned["actions"])
    lines = tuple(engine.describe(a) for a in spec.actions)
    now = now or clock.now()
    if cleaned["trigger"] == Trigger.SCHEDULED:
        rule = Rule(pk=saved.pk if saved else None, trigger=Trigger.SCHEDULED)
        _store(rule, cleaned)
        rule.__dict__["spec"] = spec
        due = [t for t in _due_unsaved(rule, now, limit) if is_due(rule, t, now)]
        return DryRun(looked_at=len(due), hits=tuple(DryRunHit(t, lines) for t in due))
    tickets = list(
        Ticket.objects.select_related("team", "assignee", "requester").order_by(
            "-updated_at", "-id"
        )[:limit]
    )
    fields = {c.field for c in spec.conditions}
    services = _services(tickets) if "service" in fields else None
    comments = _last_comments(tickets) if "comment" in fields else {}
    hits = []
    for ticket in tickets:
        facts = engine.Facts(
            ticket,
            at=ticket.created_at if cleaned["trigger"] == Trigger.CREATED else ticket.updated_at,
            comment_text=comments.get(ticket.pk, ""),
            service_ids=services.get(ticket.pk, set()) if services is not None else None,
        )
        if engine.all_hold(spec, facts):
            hits.append(DryRunHit(ticket, lines))
    return DryRun(looked_at=len(tickets), hits=tuple(hits))


def _ghost(data: Mapping[str, Any]) -> Rule | None:
    """The saved rule a dry run stands for (its name is no clash with itself)."""
    pk = id_field(data.get("id"), field="id", message=_("Unknown rule."))
    return Rule.objects.filter(pk=pk).first() if pk else None


def _due_unsaved(rule: Rule, now: datetime, limit: int) -> list[Ticket]:
    if rule.pk is None:  # no runs yet: the anti-join is empty
        tickets = Ticket.objects.filter(updated_at__lte=now - _wall_wait(rule))
        for condition in rule.spec.conditions:
            q = _as_q(condition)
            if q is not None:
                tickets = tickets.filter(q)
        return list(tickets.order_by("updated_at", "id")[:limit])
    return list(due_tickets(rule, now, limit=limit))


def _services(tickets: list[Ticket]) -> dict[int, set[int]]:
    from atiende.cmdb.models import TicketItem

    found: dict[int, set[int]] = {}
    rows = TicketItem.objects.filter(ticket_id__in=[t.pk for t in tickets])
    for ticket_id, item_id in rows.values_list("ticket_id", "item_id"):
        found.setdefault(ticket_id, set()).add(item_id)
    return found


def _last_comments(tickets: list[Ticket]) -> dict[int, str]:
    """Each ticket's last reply or note (one query over the page of tickets)."""
    from django.db.models import OuterRef, Subquery

    from atiende.tickets.models import EventType

    events: Any = Ticket._meta.get_field("events").related_model
    last = (
        events.objects.filter(ticket=OuterRef("pk"), type__in=[EventType.COMMENT, EventType.NOTE])
        .order_by("-created_at", "-id")
        .values("body")[:1]
    )
    rows = Ticket.objects.filter(pk__in=[t.pk for t in tickets]).annotate(last=Subquery(last))
    return {pk: body or "" for pk, body in rows.values_list("pk", "last")}
