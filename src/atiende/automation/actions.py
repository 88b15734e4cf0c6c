"""Every write of automation: rules (managers and administrators), the time-rule sweep, the
dry run (which writes nothing, but shares the sweep's and the engine's code so that what it
shows is what a real run does), macros (kept by their owners, applied by a person as
themselves) and tickets' tags."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.accounts.actions import system_actor
from atiende.accounts.models import User
from atiende.audit.actions import record_change, snapshot
from atiende.audit.models import Action as AuditAction
from atiende.core import clock
from atiende.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from atiende.core.ids import id_field
from atiende.core.queries import one_or_none
from atiende.core.sanitize import clean_text
from atiende.core.versions import check_version
from atiende.tickets import timeline
from atiende.tickets.actions import STALE as TICKET_STALE
from atiende.tickets.actions import BulkResult
from atiende.tickets.models import EventType, Ticket
from atiende.tickets.selectors import tickets_visible_to

from . import engine, schema, selectors
from .models import NAME_MAX, Macro, MacroScope, Rule, RuleRun, TicketTag, Trigger, WaitUnit

STALE = gettext_lazy(
    "This rule was changed by someone else (version %(current)d, you had %(yours)d)."
)
WAIT_MAX = 10_000
DRY_RUN_TICKETS = 1000
SWEEP_BATCH = 500
# Tickets claimed and acted on in one transaction when the rule's actions go one ticket at a
# time (a status change and its subscribers): their rows stay locked until it commits, so a
# person editing one of them waits a second or two at most.
SWEEP_CHUNK = 25


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
    keys = {c.key for c in out.get("conditions", ()) if c.key}
    missing = keys - selectors.answer_keys_exist(keys) if keys else set()
    for n, condition in enumerate(out.get("conditions", ())):
        if condition.key in missing:
            errors[f"conditions.{n}.key"] = [_("No request form has a field with this key.")]
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


def _business_cutoff(calendar: Any, now: datetime, days: int) -> datetime | None:
    """The instant before which a ticket last touched has `days` business days behind it at
    `now` (the calendar open at all on `days` days after the day it was touched, up to now):
    midnight, in the calendar's zone, of the `days`-th latest open day. The count only grows
    the earlier the touch, so this one bound replaces a count per ticket (a ticket touched
    years ago would walk years of calendar). None: the calendar was not open that often in
    the last ten years (nothing is due)."""
    span = days * 2 + 14
    while span <= 3660 + days * 2 + 14:
        first = now - timedelta(days=span)
        first_day = first.astimezone(calendar.zone).date()
        found = {
            opened.astimezone(calendar.zone).date()
            for opened, _closed in calendar.open_periods(first, now)
        }
        found.discard(first_day)  # that day's periods may be cut by the window
        if len(found) >= days:
            day = sorted(found, reverse=True)[days - 1]
            return datetime.combine(day, time.min, tzinfo=calendar.zone)
        span *= 4
    return None


def _cutoff(rule: Rule, now: datetime) -> Q | None:
    """How long untouched, as a filter on updated_at (business days included); None when
    nothing can be due."""
    q = Q(updated_at__lte=now - _wall_wait(rule))
    if rule.wait_unit == WaitUnit.BUSINESS_DAYS:
        calendar = engine.calendars.get().get(rule.calendar_id or 0)
        bound = _business_cutoff(calendar, now, rule.wait or 0) if calendar else None
        if bound is None:
            return None
        q &= Q(updated_at__lt=bound)
    return q


def _candidates(rule: Rule, now: datetime) -> QuerySet[Ticket] | None:
    """Tickets untouched long enough matching the conditions the database answers: with a
    status (or team, assignee...) condition, a range on the matching index
    (ticket_status_recent and friends: status, updated_at), oldest first."""
    untouched = _cutoff(rule, now)
    if untouched is None:
        return None
    tickets = Ticket.objects.filter(untouched)
    for condition in rule.spec.conditions:
        q = _as_q(condition)
        if q is not None:
            tickets = tickets.filter(q)
    return tickets


def due_tickets(
    rule: Rule,
    now: datetime,
    *,
    limit: int = SWEEP_BATCH,
    after: tuple[datetime, int] | None = None,
) -> QuerySet[Ticket]:
    """The tickets the time rule is due on, oldest first, `limit` at a time (`after`: the
    last (updated_at, id) of the previous batch): one indexed query, not acted on for this
    period yet (the anti-join on rule_run_once)."""
    tickets = _candidates(rule, now)
    if tickets is None:
        return Ticket.objects.none()
    done = RuleRun.objects.filter(rule=rule, ticket=OuterRef("pk"), period=OuterRef("updated_at"))
    tickets = tickets.filter(~Exists(done))
    if after is not None:
        at, pk = after
        tickets = tickets.filter(Q(updated_at__gt=at) | Q(updated_at=at, id__gt=pk))
    return tickets.order_by("updated_at", "id")[:limit]


def is_due(rule: Rule, ticket: Ticket, now: datetime) -> bool:
    """The checks the query could not make: text and time-of-day conditions."""
    facts = engine.Facts(ticket, at=now)
    return all(engine.holds(c, facts) for c in rule.spec.conditions if _as_q(c) is None)


@dataclass
class SweepResult:
    acted: int = 0
    skipped: int = 0  # held or claimed by another worker, or changed meanwhile
    failed: list[str] = field(default_factory=list)


def sweep_time_rules(*, now: datetime | None = None) -> SweepResult:
    """Run every enabled time rule on all its due tickets, each exactly once per ticket and
    period, however many workers sweep at once. Batch by batch (SWEEP_BATCH tickets, one
    query each, going on from the last one seen, so tickets a text condition leaves alone
    never hold the sweep up), each chunk in one transaction: its tickets locked first,
    passing over those another transaction holds (FOR UPDATE SKIP LOCKED on PostgreSQL: a
    second worker goes on to the next tickets instead of waiting), then the locked ones'
    RuleRun rows (unique on rule, ticket, period) inserted at once, conflicts skipped: the
    claim stays the guarantee of once, the lock only keeps workers out of each other's way."""
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
        batched = engine.batchable(spec)
        after = None
        while True:
            batch = list(due_tickets(rule, now, after=after))
            if not batch:
                break
            after = (batch[-1].updated_at, batch[-1].pk)
            due = [t for t in batch if is_due(rule, t, now)]
            step = SWEEP_BATCH if batched else SWEEP_CHUNK
            for n in range(0, len(due), step):
                acted = _run_batch(loaded, due[n : n + step], now, bot)
                result.acted += acted
                result.skipped += len(due[n : n + step]) - acted
            if len(batch) < SWEEP_BATCH:
                break
    return result


CLAIM = "claim:"


def _run_batch(rule: engine.LoadedRule, tickets: list[Ticket], now: datetime, bot: User) -> int:
    """Lock the tickets no other transaction holds, claim those (one INSERT, conflicts
    skipped), act on those this worker claimed whose period is still current, each rule's
    actions in a savepoint (engine.apply: a refusal undoes that ticket's actions only,
    traced), and record the outcomes; one transaction. Answers how many tickets were acted
    on."""
    periods = {t.pk: t.updated_at for t in tickets}
    token = CLAIM + uuid.uuid4().hex
    with transaction.atomic():
        # Locked first, in id order, without waiting: a ticket another worker holds is being
        # acted on by it (its claim is not committed yet; claiming it too would wait for that
        # commit, and the workers would take turns instead of sharing the work), one a person
        # holds is being changed (a new period). Touched since found (updated_at later than
        # every period): acted on meanwhile, nothing to lock. SQLite ignores the lock (one
        # writer at a time anyway).
        free = (
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(periods), updated_at__lte=max(periods.values()))
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        locked = list(free)
        RuleRun.objects.bulk_create(
            [RuleRun(rule_id=rule.id, ticket_id=pk, period=periods[pk], at=now, outcome=token)
             for pk in locked],
            ignore_conflicts=True,
        )  # fmt: skip
        # Ours (the others were claimed by another worker, committed before we locked them),
        # and still untouched since they were found: a ticket changed meanwhile has a new
        # period.
        ours = Ticket.objects.filter(
            Exists(RuleRun.objects.filter(rule_id=rule.id, ticket=OuterRef("pk"), outcome=token)),
            pk__in=locked,
        )
        claimed = list(ours.order_by("pk").values_list("pk", "updated_at"))
        current = [pk for pk, at in claimed if at == periods[pk]]
        outcomes: dict[str, list[int]] = {
            "changed": [pk for pk, at in claimed if at != periods[pk]]
        }
        for pk, lines in engine.apply_many(rule, current, bot=bot).items():
            outcomes.setdefault("\n".join(lines)[:500], []).append(pk)
        for outcome, ids in outcomes.items():
            if ids:
                RuleRun.objects.filter(rule_id=rule.id, ticket_id__in=ids, outcome=token).update(
                    outcome=outcome
                )
    return len(current)


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
    recent = Ticket.objects.select_related("team", "assignee", "requester")
    if cleaned["trigger"] == Trigger.SUBMITTED:  # requests from the catalogue only
        recent = recent.filter(catalogue_answers__isnull=False)
    tickets = list(recent.order_by("-updated_at", "-id")[:limit])
    fields = {c.field for c in spec.conditions}
    services = _services(tickets) if "service" in fields else None
    comments = _last_comments(tickets) if "comment" in fields else {}
    requests = _requests(tickets) if fields & {"catalogue_item", "answer"} else None
    hits = []
    for ticket in tickets:
        facts = engine.Facts(
            ticket,
            at=ticket.created_at
            if cleaned["trigger"] in (Trigger.CREATED, Trigger.SUBMITTED)
            else ticket.updated_at,
            comment_text=comments.get(ticket.pk, ""),
            service_ids=services.get(ticket.pk, set()) if services is not None else None,
            request=requests.get(ticket.pk, (None, {})) if requests is not None else None,
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
        tickets = _candidates(rule, now)
        if tickets is None:
            return []
        return list(tickets.order_by("updated_at", "id")[:limit])
    return list(due_tickets(rule, now, limit=limit))


def _services(tickets: list[Ticket]) -> dict[int, set[int]]:
    from atiende.cmdb.models import TicketItem

    found: dict[int, set[int]] = {}
    rows = TicketItem.objects.filter(ticket_id__in=[t.pk for t in tickets])
    for ticket_id, item_id in rows.values_list("ticket_id", "item_id"):
        found.setdefault(ticket_id, set()).add(item_id)
    return found


def _requests(tickets: list[Ticket]) -> dict[int, tuple[int | None, dict[str, Any]]]:
    """Each catalogue request's item and answers (one query over the page of tickets)."""
    from atiende.catalogue.models import RequestAnswers

    rows = RequestAnswers.objects.filter(ticket_id__in=[t.pk for t in tickets])
    return {pk: (item, values or {}) for pk, item, values in
            rows.values_list("ticket_id", "item_id", "values")}  # fmt: skip


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


# --- tags ---------------------------------------------------------------------------------------


def _tag_name(name: str) -> str:
    tag = clean_text(str(name or "")).replace("\n", " ").strip()
    if not tag or len(tag) > schema.TAG_MAX:
        raise ValidationFailed.field(
            "tag", _("Give a tag of at most %(n)d characters.") % {"n": schema.TAG_MAX}
        )
    return tag


def _locked_ticket(actor: User, ticket_id: int) -> Ticket:
    ticket = one_or_none(tickets_visible_to(actor).select_for_update().filter(pk=ticket_id))
    if ticket is None:
        raise NotFound()
    return ticket


def _require_agent(actor: User) -> None:
    if not actor.is_active or not actor.is_agent:
        raise Forbidden(_("Only agents can do this."))


def tag_add(*, actor: User, ticket_id: int, name: str) -> bool:
    """Tag a ticket the agent sees (internal timeline entry "Tags"). Answers False if it had
    the tag already (nothing written). Rules and macros add tags through this too."""
    _require_agent(actor)
    tag = _tag_name(name)
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        now = clock.now()
        _row, created = TicketTag.objects.get_or_create(
            ticket_id=ticket.pk, name=tag, defaults={"created_at": now}
        )
        if created:
            timeline.record(
                ticket, actor=actor, type=EventType.FIELD, at=now, public=False, field="tags",
                new=tag,
            )  # fmt: skip
            transaction.on_commit(selectors.tag_name_memo.forget)
    return created


def tags_add_many(*, actor: User, ticket_ids: Sequence[int], name: str, at: datetime) -> int:
    """`tag_add` on many tickets a time rule's sweep holds locked (engine.apply_many): one
    INSERT of the tags, one of the timeline entries of the tickets that did not have it."""
    _require_agent(actor)
    tag = _tag_name(name)
    had = set(
        TicketTag.objects.filter(ticket_id__in=ticket_ids, name=tag).values_list(
            "ticket_id", flat=True
        )
    )
    new = [pk for pk in dict.fromkeys(ticket_ids) if pk not in had]
    TicketTag.objects.bulk_create([TicketTag(ticket_id=pk, name=tag, created_at=at) for pk in new])
    timeline.record_many(
        timeline.Row(pk, EventType.FIELD, actor.pk, at, False, "tags", "", tag) for pk in new
    )
    if new:
        transaction.on_commit(selectors.tag_name_memo.forget)
    return len(new)


def tag_remove(*, actor: User, ticket_id: int, name: str) -> bool:
    """Take a tag off a ticket the agent sees; False if it did not have it."""
    _require_agent(actor)
    tag = str(name or "").strip()
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        deleted, _rows = TicketTag.objects.filter(ticket_id=ticket.pk, name=tag).delete()
        if deleted:
            timeline.record(
                ticket, actor=actor, type=EventType.FIELD, at=clock.now(), public=False,
                field="tags", old=tag,
            )  # fmt: skip
    return bool(deleted)


# --- macros -------------------------------------------------------------------------------------

MACRO_STALE = gettext_lazy(
    "This macro was changed by someone else (version %(current)d, you had %(yours)d)."
)


def _macro_exists(actor: User, scope: str, team_id: int | None):
    """The `exists` of a macro's actions: the rules' one, except for canned responses, which
    are those the macro's users may all use (a personal macro: any its owner sees; a team's:
    that team's and everyone's; everyone's: everyone's)."""
    from atiende.canned.models import Scope as CannedScope
    from atiende.canned.selectors import responses_visible_to

    def exists(kind: str, ids: Iterable[int]) -> set[int]:
        if kind != "canned":
            return selectors.existing(kind, ids)
        rows = responses_visible_to(actor)
        if scope == MacroScope.GLOBAL:
            rows = rows.filter(scope=CannedScope.GLOBAL)
        elif scope == MacroScope.TEAM:
            rows = rows.filter(
                Q(scope=CannedScope.GLOBAL) | Q(scope=CannedScope.TEAM, team_id=team_id)
            )
        return set(rows.filter(pk__in=list(ids)).values_list("pk", flat=True))

    return exists


def _macro_cleaned(
    actor: User, data: Mapping[str, Any], *, macro: Macro | None = None
) -> dict[str, Any]:
    """The macro's fields from `data` (a form's or the API's), checked; errors by field. A
    scope (or team) the actor may not keep is a 403."""
    from atiende.accounts.models import Team

    _require_agent(actor)
    errors: dict[str, list[str]] = {}
    scope = str(data.get("scope") or MacroScope.PERSONAL)
    if scope not in MacroScope.values:
        raise ValidationFailed.field("scope", _("Choose who may use the macro."))
    team_id = None
    if scope == MacroScope.TEAM:
        team_id = id_field(data.get("team"), field="team", message=_("Unknown team."))
        if team_id is None or not Team.objects.filter(pk=team_id).exists():
            raise ValidationFailed.field("team", _("Choose the team."))
    owner_id = actor.pk if scope == MacroScope.PERSONAL else None
    if macro is not None and scope == MacroScope.PERSONAL and macro.scope == scope:
        owner_id = macro.owner_id
    if not selectors.can_keep(actor, scope=scope, team_id=team_id, owner_id=owner_id):
        raise Forbidden(_("You may not keep macros shared this way."))
    name = clean_text(str(data.get("name") or "")).replace("\n", " ").strip()
    if not name:
        errors["name"] = [_("Give the macro a name.")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("Use at most %(n)d characters.") % {"n": NAME_MAX}]
    elif (
        Macro.objects.filter(scope=scope, name__iexact=name)
        .filter(Q(owner_id=owner_id) if owner_id else Q(owner__isnull=True))
        .filter(Q(team_id=team_id) if team_id else Q(team__isnull=True))
        .exclude(pk=macro.pk if macro else 0)
        .exists()
    ):
        errors["name"] = [_("Another macro shared this way has this name.")]
    try:
        parsed = schema.parse_actions(
            data.get("actions"),
            exists=_macro_exists(actor, scope, team_id),
            allowed=schema.MACRO_ACTIONS,
        )
    except ValidationFailed as exc:
        errors.update(exc.errors)
        parsed = ()
    if errors:
        raise ValidationFailed(errors=errors)
    return {
        "name": name,
        "scope": scope,
        "team_id": team_id,
        "owner_id": owner_id,
        "actions": [a.as_dict() for a in parsed],
    }


def _macro_store(macro: Macro, cleaned: dict[str, Any]) -> None:
    for key, value in cleaned.items():
        setattr(macro, key, value)
    macro.__dict__.pop("spec", None)


def macro_create(*, actor: User, data: Mapping[str, Any]) -> Macro:
    """A new macro. `data`: name, scope (personal, team, global), team (a team macro's),
    actions (rows of schema.Action, of schema.MACRO_ACTIONS)."""
    cleaned = _macro_cleaned(actor, data)
    with transaction.atomic():
        now = clock.now()
        macro = Macro(created_by=actor, created_at=now, updated_at=now)
        _macro_store(macro, cleaned)
        macro.save()
        record_change(actor=actor, action=AuditAction.CREATED, obj=macro)
    return macro


def macro_update(
    *, actor: User, macro_id: int, data: Mapping[str, Any], version: Any = None
) -> Macro:
    selectors.macro_kept(actor, macro_id)  # others: 404, as for a missing macro
    with transaction.atomic():
        macro = Macro.objects.select_for_update().get(pk=macro_id)
        check_version(macro.version, version, stale=MACRO_STALE)
        cleaned = _macro_cleaned(actor, data, macro=macro)
        before = snapshot(macro)
        _macro_store(macro, cleaned)
        macro.updated_at = clock.now()
        macro.version += 1
        macro.save()
        record_change(actor=actor, action=AuditAction.UPDATED, obj=macro, before=before)
    return macro


def macro_delete(*, actor: User, macro_id: int) -> None:
    selectors.macro_kept(actor, macro_id)  # others: 404
    with transaction.atomic():
        macro = Macro.objects.select_for_update().get(pk=macro_id)
        record_change(actor=actor, action=AuditAction.DELETED, obj=macro)
        macro.delete()


@dataclass(frozen=True)
class MacroApplied:
    ticket: Ticket  # as the macro left it (its new version)
    lines: tuple[str, ...]  # what was done, in words


def _apply_one(actor: User, macro: Macro, ticket_id: int, version: Any) -> MacroApplied:
    source = engine.Source(kind=engine.Source.MACRO, id=macro.pk, name=macro.name)
    spec = macro.spec
    with transaction.atomic():
        ticket = _locked_ticket(actor, ticket_id)
        check_version(ticket.version, version, stale=TICKET_STALE)
        for action in spec:
            try:
                engine.perform(action, by=source, ticket_id=ticket.pk, actor=actor)
            except engine.ActionFailed as exc:
                raise ValidationFailed(str(exc)) from exc
        lines = tuple(engine.describe(a) for a in spec)
        engine.trace(
            ticket.pk, bot=actor, rule_name=macro.name, lines=lines, field=engine.MACRO_FIELD
        )
        ticket.refresh_from_db()
    return MacroApplied(ticket=ticket, lines=lines)


def macro_apply(*, actor: User, macro_id: int, ticket_id: int, version: Any) -> MacroApplied:
    """Apply a macro to a ticket as `actor`: each action through the tickets' own actions
    with the actor's permissions and the workflow's guards, the actor the author of its
    replies and changes, one timeline entry naming the macro. All or nothing: one refused
    action undoes the others (the DomainError is raised). `version` is the ticket version
    the actor's page read: a stale one is a Conflict (409); None does not check."""
    macro = selectors.macro_get(actor, macro_id)  # one they may not use (requesters: any): 404
    return _apply_one(actor, macro, ticket_id, version)


def macro_apply_many(*, actor: User, macro_id: int, ticket_ids: Sequence[int]) -> BulkResult:
    """The desk queue's bulk "Apply macro": each ticket on its own, all or nothing per ticket,
    as tickets.actions.bulk_update reports (done, and why each other one failed)."""
    macro = selectors.macro_get(actor, macro_id)  # requesters see none: 404
    result = BulkResult(done=[], failed={})
    for ticket_id in ticket_ids:
        try:
            _apply_one(actor, macro, ticket_id, None)
            result.done.append(ticket_id)
        except DomainError as exc:
            result.failed[ticket_id] = exc.first_message()
    return result
