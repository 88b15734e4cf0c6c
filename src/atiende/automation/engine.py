"""The rule engine: does a rule's conditions hold for a ticket (`holds`), what would its
actions do (`describe`), and doing them (`run_rules`, `apply`) through the tickets' own
actions as the system user, so workflow guards, the timeline, events and notifications
happen exactly as for a person.

Loop protection (docs/automation.md): a chain of rules started by one change is tracked in a
context variable. A rule acts at most once per ticket in a chain (its own changes never
re-trigger it, nor does a later event of the same chain), and a chain stops at MAX_DEPTH
rules triggered by rules, with a timeline note saying which rule did not run and why."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from atiende.accounts.actions import system_actor
from atiende.accounts.models import User
from atiende.core import clock
from atiende.core.errors import DomainError
from atiende.core.memo import ProcessMemo
from atiende.tickets import timeline
from atiende.tickets.models import EventType, Ticket

from .models import EVENT_TRIGGERS, Rule
from .schema import (
    CONDITION_FIELDS,
    ME,
    SETTABLE_FIELDS,
    Action,
    ActionType,
    Condition,
    Op,
    RuleSpec,
    ValueKind,
)

log = logging.getLogger(__name__)

# How many rules may be triggered by rules, one after the other, from one change.
MAX_DEPTH = 5
TRACE_FIELD = "automation"
MACRO_FIELD = "macro"


# --- the rules, kept in memory --------------------------------------------------------------


@dataclass(frozen=True)
class LoadedRule:
    id: int
    name: str
    spec: RuleSpec

    @property
    def source(self) -> Source:
        return Source(kind=Source.RULE, id=self.id, name=self.name)


@dataclass(frozen=True)
class Source:
    """Who the actions come from: a rule (done as the system user) or a macro (done as the
    person who applied it). Named in the timeline's trace and in a priority override's reason."""

    RULE = "rule"
    MACRO = "macro"

    kind: str
    id: int
    name: str

    @property
    def reason(self) -> str:
        if self.kind == Source.MACRO:
            return _("Macro “%(name)s”") % {"name": self.name}
        return _("Automation rule “%(rule)s”") % {"rule": self.name}

    @property
    def trace_field(self) -> str:
        return MACRO_FIELD if self.kind == Source.MACRO else TRACE_FIELD


def _load_rules() -> dict[str, tuple[LoadedRule, ...]]:
    found: dict[str, list[LoadedRule]] = {t: [] for t in EVENT_TRIGGERS}
    rows = Rule.objects.filter(enabled=True, trigger__in=EVENT_TRIGGERS).order_by("position", "id")
    for rule in rows.only("id", "name", "trigger", "conditions", "actions"):
        try:
            found[rule.trigger].append(LoadedRule(rule.pk, rule.name, rule.spec))
        except DomainError:  # a rule made invalid by later changes is skipped, never fatal
            log.warning("automation: rule %s is not valid any more", rule.pk)
    return {trigger: tuple(rules) for trigger, rules in found.items()}


# Each worker process keeps the enabled rules; saving a rule forgets this process's copy at
# once, other processes read the change within `seconds`.
event_rules = ProcessMemo(_load_rules, seconds=10)


# --- facts about a ticket -------------------------------------------------------------------


class Facts:
    """What conditions read about one ticket at one moment; the costly parts (a comment's
    text, affected services) are read only if a condition asks, or given preloaded (dry run)."""

    def __init__(
        self,
        ticket: Ticket,
        *,
        at: datetime,
        changed: Sequence[str] = (),
        comment_id: int | None = None,
        comment_text: str | None = None,
        service_ids: set[int] | None = None,
        request: tuple[int | None, dict[str, Any]] | None = None,
    ) -> None:
        self.ticket = ticket
        self.at = at
        self.changed = frozenset(changed)
        self._comment_id = comment_id
        if comment_text is not None:
            self.__dict__["comment_text"] = comment_text
        if service_ids is not None:
            self.__dict__["service_ids"] = service_ids
        if request is not None:
            self.__dict__["request"] = request

    @cached_property
    def comment_text(self) -> str:
        if self._comment_id is None:
            return ""
        body = self.ticket.events.filter(pk=self._comment_id).values_list("body", flat=True)
        return next(iter(body), "")

    @cached_property
    def service_ids(self) -> set[int]:
        from atiende.cmdb.models import TicketItem

        return set(
            TicketItem.objects.filter(ticket_id=self.ticket.pk).values_list("item_id", flat=True)
        )

    @cached_property
    def request(self) -> tuple[int | None, dict[str, Any]]:
        """The catalogue item requested and the answers by field key ((None, {}) for a
        ticket not opened from the catalogue)."""
        from atiende.catalogue.models import RequestAnswers

        row = RequestAnswers.objects.filter(ticket_id=self.ticket.pk).values_list(
            "item_id", "values"
        )
        found = next(iter(row), None)
        return (found[0], found[1] or {}) if found else (None, {})


def answer_texts(value: Any) -> list[str]:
    """An answer as the texts a condition compares (a multiple choice: each option; yes/no:
    "yes" or "no"; nothing answered: none)."""
    if value is None or value == "":
        return []
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    if isinstance(value, list | tuple):
        return [t for v in value for t in answer_texts(v)]
    return [str(value).casefold()]


def _calendars() -> dict[int, Any]:
    from atiende.sla.models import BusinessCalendar

    return {c.pk: c.to_calendar() for c in BusinessCalendar.objects.all()}


calendars = ProcessMemo(_calendars, seconds=60)


def _ids(condition: Condition) -> frozenset[int]:
    return frozenset(int(v) for v in condition.values)


def holds(condition: Condition, facts: Facts) -> bool:
    spec = CONDITION_FIELDS[condition.field]
    ticket = facts.ticket
    op = condition.op
    if spec.kind == ValueKind.CHOICE:
        found = str(getattr(ticket, condition.field)) in condition.values
        return found if op == Op.IN else not found
    if spec.kind == ValueKind.FIELDS:
        found = bool(facts.changed & set(condition.values))
        return found if op == Op.IN else not found
    if spec.kind == ValueKind.REF:
        if condition.field == "service":
            have = facts.service_ids
        elif condition.field == "catalogue_item":
            item_id = facts.request[0]
            have = set() if item_id is None else {item_id}
        else:
            value = getattr(ticket, f"{condition.field}_id")
            have = set() if value is None else {value}
        if op == Op.EMPTY:
            return not have
        if op == Op.NOT_EMPTY:
            return bool(have)
        found = bool(have & _ids(condition))
        return found if op == Op.IN else not found
    if spec.kind == ValueKind.TEXT:
        if condition.field == "comment":
            text = facts.comment_text
        else:
            text = getattr(ticket, condition.field) or ""
        text = text.casefold()
        found = any(v.casefold() in text for v in condition.values)
        return found if op == Op.CONTAINS else not found
    if spec.kind == ValueKind.ANSWER:
        answers = answer_texts(facts.request[1].get(condition.key))
        wanted = [v.casefold() for v in condition.values]
        if op in (Op.EQUALS, Op.NOT_EQUALS):
            found = any(a == w for a in answers for w in wanted)
            return found if op == Op.EQUALS else not found
        found = any(w in a for a in answers for w in wanted)
        return found if op == Op.CONTAINS else not found
    if spec.kind == ValueKind.CALENDAR:
        calendar = calendars.get().get(int(condition.values[0]))
        is_open = bool(calendar is not None and calendar.is_open(facts.at))
        return is_open if op == Op.OPEN else not is_open
    return False  # pragma: no cover - every kind handled above


def all_hold(spec: RuleSpec, facts: Facts) -> bool:
    return all(holds(c, facts) for c in spec.conditions)


# --- what an action does, in words --------------------------------------------------------------


def describe(action: Action) -> str:
    """One line of the timeline trace and the dry run, in the reader's language."""
    from atiende.tickets.models import Status
    from atiende.tickets.timeline import value_label

    t = action.type
    if t == ActionType.SET_FIELD:
        label = SETTABLE_FIELDS[action.field]
        if action.field in ("priority", "impact", "urgency"):
            value = value_label(action.field, action.value)
        else:
            value = _ref_name(action.field, action.value)
        return _("Set %(field)s to %(value)s") % {"field": label, "value": value}
    if t == ActionType.SET_STATUS:
        return _("Change the status to %(status)s") % {"status": Status(action.value).label}
    if t == ActionType.ADD_TAG:
        return _("Add the tag “%(tag)s”") % {"tag": action.value}
    if t == ActionType.ADD_NOTE:
        return _("Add an internal note")
    if t == ActionType.REPLY:
        return _("Reply to the requester")
    if t == ActionType.REPLY_CANNED:
        return _("Reply with “%(title)s”") % {"title": _ref_name("canned", action.value)}
    if t == ActionType.NOTIFY:
        whom = {
            "assignee": _("the assignee"),
            "team": _("the team"),
            "requester": _("the requester"),
        }.get(action.value) or _ref_name("agent", action.value)
        return _("Notify %(whom)s") % {"whom": whom}
    if t == ActionType.FOLLOW:
        if action.value == ME:
            return _("Follow the ticket")
        return _("Make %(agent)s follow") % {"agent": _ref_name("agent", action.value)}
    if t == ActionType.LINK_PROBLEM:
        return _("Link to %(number)s") % {"number": _ref_name("problem", action.value)}
    if t == ActionType.WEBHOOK:
        return _("Call the webhook “%(name)s”") % {"name": _ref_name("webhook", action.value)}
    return str(t)  # pragma: no cover


def _ref_name(kind: str, value: str) -> str:
    from . import selectors

    if value == "":
        return "—"
    return selectors.ref_names(kind, [value]).get(value, f"#{value}")


# --- doing it ---------------------------------------------------------------------------------


class ActionFailed(Exception):
    """An action that cannot be done for a reason of its own (a gone canned response or
    agent), besides the DomainErrors of the tickets' actions."""


def perform(action: Action, *, by: Source, ticket_id: int, actor: User) -> None:
    """Do one action on a ticket as `actor`, through the tickets' own actions (their access
    checks, workflow guards, timeline, events): the one executor of rules (actor the system
    user) and macros (the person applying it). A refusal raises a DomainError or
    ActionFailed; the caller's transaction decides what is undone."""
    from atiende.tickets import actions as ticket_actions

    t = action.type
    if t == ActionType.SET_FIELD:
        if action.field == "priority":
            ticket_actions.ticket_priority_set(
                actor=actor, ticket_id=ticket_id, version=None, priority=int(action.value),
                reason=by.reason,
            )  # fmt: skip
        else:
            ticket_actions.ticket_update(
                actor=actor, ticket_id=ticket_id, version=None,
                changes={action.field: action.value or None},
            )  # fmt: skip
    elif t == ActionType.SET_STATUS:
        from atiende.tickets.models import Status

        current = Ticket.objects.filter(pk=ticket_id).values_list("status", flat=True).first()
        if current == action.value:
            return
        resolving = action.value == Status.RESOLVED
        ticket_actions.ticket_transition(
            actor=actor,
            ticket_id=ticket_id,
            to=action.value,
            resolution_code=action.field if resolving else "",
            resolution_notes=action.text if resolving else "",
            pending_reason=action.field if action.value == Status.PENDING else "",
            comment="" if resolving else action.text,
        )
    elif t == ActionType.ADD_NOTE:
        ticket_actions.comment_add(actor=actor, ticket_id=ticket_id, body=action.text, public=False)
    elif t in (ActionType.REPLY_CANNED, ActionType.REPLY):
        from atiende.canned import placeholders

        text = action.text
        if t == ActionType.REPLY_CANNED:
            text = _canned_text(action, by=by, actor=actor)
        ticket = Ticket.objects.select_related("requester").get(pk=ticket_id)
        body = placeholders.render(text, ticket=ticket, agent=actor)
        ticket_actions.comment_add(actor=actor, ticket_id=ticket_id, body=body, public=True)
    elif t == ActionType.NOTIFY:
        _notify(action, by=by, ticket_id=ticket_id)
    elif t == ActionType.FOLLOW:
        if action.value == ME and by.kind == Source.MACRO:
            agent: User | None = actor
        else:
            agent = User.objects.filter(pk=int(action.value), is_active=True).first()
        if agent is None or not agent.is_agent:
            raise ActionFailed(_("The agent to follow is not active any more."))
        ticket_actions.ticket_follow(actor=agent, ticket_id=ticket_id)
    elif t == ActionType.LINK_PROBLEM:
        from django.db.models import Q

        from atiende.tickets.models import LinkType, TicketLink

        pair = Q(from_ticket_id=ticket_id, to_ticket_id=int(action.value)) | Q(
            from_ticket_id=int(action.value), to_ticket_id=ticket_id
        )
        if not TicketLink.objects.filter(pair).exists():
            ticket_actions.ticket_link_add(
                actor=actor, ticket_id=ticket_id, other=int(action.value),
                link_type=LinkType.CAUSED_BY,
            )  # fmt: skip
    elif t == ActionType.ADD_TAG:
        from .actions import tag_add

        tag_add(actor=actor, ticket_id=ticket_id, name=action.value)
    elif t == ActionType.WEBHOOK:
        from atiende.webhooks.subscribers import enqueue_to

        if not enqueue_to(
            int(action.value), "automation.rule", ticket_id=ticket_id, actor_id=actor.pk,
            data={"rule": {"id": by.id, "name": by.name}},
        ):  # fmt: skip
            raise ActionFailed(_("The webhook is off, gone, or may not see this ticket."))


def _canned_text(action: Action, *, by: Source, actor: User) -> str:
    """A canned response's text: for a rule any shared one; for a macro one the person
    applying it may use (their own, their teams', everyone's)."""
    from atiende.canned.models import CannedResponse
    from atiende.canned.selectors import responses_visible_to

    rows = CannedResponse.objects.all()
    if by.kind == Source.MACRO:
        rows = responses_visible_to(actor)
    canned = rows.filter(pk=int(action.value)).only("body").first()
    if canned is None:
        raise ActionFailed(_("The canned response no longer exists."))
    return canned.body


def _notify(action: Action, *, by: Source, ticket_id: int) -> None:
    from atiende.accounts.models import TeamMembership
    from atiende.notifications.actions import notify

    ticket = Ticket.objects.only("number", "assignee_id", "team_id", "requester_id").get(
        pk=ticket_id
    )
    if action.value == "assignee":
        users = [ticket.assignee_id] if ticket.assignee_id else []
    elif action.value == "requester":
        users = [ticket.requester_id]
    elif action.value == "team" and ticket.team_id is not None:
        users = list(
            TeamMembership.objects.filter(team_id=ticket.team_id, user__is_active=True).values_list(
                "user_id", flat=True
            )
        )
    elif action.value.isdigit():
        users = [int(action.value)]
    else:
        users = []
    params = {"number": ticket.number, "rule": by.name, "message": action.text}
    notify(user_ids=users, verb="automation_notice", ticket_id=ticket_id, params=params)


def trace(
    ticket_id: int, *, bot: User, rule_name: str, lines: Iterable[str], field: str = TRACE_FIELD
) -> None:
    """The timeline's note of which rule (or macro: `field` MACRO_FIELD, `bot` the person)
    did what (internal), the rule or macro named in the entry."""
    timeline.record(
        ticket_id, actor=bot, type=EventType.FIELD, at=clock.now(), public=False,
        field=field, new=rule_name, body="\n".join(lines),
    )  # fmt: skip


def apply(rule: LoadedRule, ticket_id: int, *, bot: User | None = None) -> list[str]:
    """Do the rule's actions on the ticket, all or none (one savepoint), and trace them.
    A refused action (a workflow guard, a gone agent) undoes the rule's other actions and
    is traced instead; the change that triggered the rule stands. Answers the lines traced."""
    bot = bot or system_actor()
    lines = [describe(a) for a in rule.spec.actions]
    try:
        with transaction.atomic():
            for action in rule.spec.actions:
                perform(action, by=rule.source, ticket_id=ticket_id, actor=bot)
    except (DomainError, ActionFailed) as exc:
        message = exc.first_message() if isinstance(exc, DomainError) else str(exc)
        lines = [_("Did nothing: %(why)s") % {"why": message}]
    except Exception:  # a rule must never break the change that triggered it
        log.exception("automation: rule %s failed on ticket %s", rule.id, ticket_id)
        lines = [_("Did nothing: an unexpected error (see the server log).")]
    trace(ticket_id, bot=bot, rule_name=rule.name, lines=lines)
    return lines


# Actions done for a whole batch of a time rule's tickets at once (a few queries for the
# batch, whatever its size), with the same effects as `perform` on each: notices and tags.
# Others (status, fields, replies...) go through the tickets' actions one ticket at a time.
BATCHED = frozenset({ActionType.NOTIFY, ActionType.ADD_TAG})


def apply_many(rule: LoadedRule, ticket_ids: Sequence[int], *, bot: User) -> dict[int, list[str]]:
    """`apply` on each ticket (the time-rule sweep, the tickets locked by the caller): when
    every action of the rule is BATCHED, done for all the tickets at once, with one timeline
    trace per ticket all the same (one INSERT); otherwise, or if the batch fails, one ticket
    at a time. Answers the lines traced per ticket."""
    ids = list(dict.fromkeys(ticket_ids))
    if not ids:
        return {}
    if batchable(rule.spec):
        try:
            with transaction.atomic():
                if all(a.type in BATCHED for a in rule.spec.actions):
                    return _apply_batched(rule, ids, bot=bot)
                return _transition_batched(rule, ids, bot=bot)
        except Exception:  # each ticket on its own then: a refusal is traced per ticket
            log.exception("automation: rule %s failed on a batch, one at a time", rule.id)
    return {pk: apply(rule, pk, bot=bot) for pk in ids}


def batchable(spec: RuleSpec) -> bool:
    """Can `apply_many` do the rule's actions for a whole batch at once: notices and tags,
    or a lone status move needing no details (closing resolved tickets, with a reply)."""
    from atiende.tickets.actions import BATCH_TARGETS

    if all(a.type in BATCHED for a in spec.actions):
        return True
    return (
        len(spec.actions) == 1
        and spec.actions[0].type == ActionType.SET_STATUS
        and spec.actions[0].value in BATCH_TARGETS
    )


def _transition_batched(rule: LoadedRule, ids: list[int], *, bot: User) -> dict[int, list[str]]:
    """`apply` of a lone set_status action (`perform`) on many tickets: those already in the
    status are left as they are, the others moved by tickets.actions.ticket_transition_many
    (one pass of each subscriber for the batch); a ticket the workflow refuses is traced with
    why, as `apply` does. One INSERT of the traces."""
    from atiende.tickets.actions import ticket_transition_many

    action = rule.spec.actions[0]
    lines = [describe(action)]
    current = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "status"))
    moving = [pk for pk in ids if current.get(pk) != action.value]
    result = ticket_transition_many(actor=bot, ticket_ids=moving, to=action.value,
                                    comment=action.text)  # fmt: skip
    traced = {
        pk: [_("Did nothing: %(why)s") % {"why": result.refused[pk]}]
        if pk in result.refused
        else lines
        for pk in ids
    }
    now = clock.now()
    timeline.record_many(
        timeline.Row(pk, EventType.FIELD, bot.pk, now, False, TRACE_FIELD, "", rule.name,
                     "\n".join(traced[pk]))
        for pk in ids
    )  # fmt: skip
    return traced


def _apply_batched(rule: LoadedRule, ids: list[int], *, bot: User) -> dict[int, list[str]]:
    from .actions import tags_add_many

    lines = [describe(a) for a in rule.spec.actions]
    now = clock.now()
    tickets = list(
        Ticket.objects.filter(pk__in=ids).only("number", "assignee_id", "team_id", "requester_id")
    )
    for action in rule.spec.actions:
        if action.type == ActionType.NOTIFY:
            _notify_many(action, by=rule.source, tickets=tickets, at=now)
        else:
            tags_add_many(actor=bot, ticket_ids=[t.pk for t in tickets], name=action.value, at=now)
    body = "\n".join(lines)
    timeline.record_many(
        timeline.Row(t.pk, EventType.FIELD, bot.pk, now, False, TRACE_FIELD, "", rule.name, body)
        for t in tickets
    )
    return {t.pk: lines for t in tickets}


def _notify_many(action: Action, *, by: Source, tickets: list[Ticket], at: datetime) -> None:
    """`_notify` for many tickets: the same people (team members read in one query), one
    INSERT of every notice."""
    from atiende.accounts.models import TeamMembership
    from atiende.notifications.actions import notify_many

    members: dict[int, list[int]] = {}
    if action.value == "team":
        rows = TeamMembership.objects.filter(
            team_id__in={t.team_id for t in tickets if t.team_id}, user__is_active=True
        ).values_list("team_id", "user_id")
        for team_id, user_id in rows:
            members.setdefault(team_id, []).append(user_id)
    notices = []
    for ticket in tickets:
        if action.value == "assignee":
            users = [ticket.assignee_id] if ticket.assignee_id else []
        elif action.value == "requester":
            users = [ticket.requester_id]
        elif action.value == "team":
            users = members.get(ticket.team_id or 0, [])
        elif action.value.isdigit():
            users = [int(action.value)]
        else:
            users = []
        params = {"number": ticket.number, "rule": by.name, "message": action.text}
        notices += [
            (user_id, ticket.pk, "automation_notice", params, at, None)
            for user_id in dict.fromkeys(users)
        ]
    if notices:
        notify_many(notices)


# --- event rules: chains and loop protection ---------------------------------------------------


@dataclass
class Chain:
    """One chain of rules, started by one change: shared by every level of it."""

    fired: set[tuple[int, int]] = field(default_factory=set)  # (rule id, ticket id)
    halted: bool = False  # the depth limit was reached: nothing more runs in this chain


# (the chain, how many rules deep we are in it); None outside any rule.
_chain: ContextVar[tuple[Chain, int] | None] = ContextVar("automation_chain", default=None)


def run_rules(
    trigger: str,
    ticket_id: int,
    *,
    ticket: Ticket | None = None,
    changed: Sequence[str] = (),
    comment_id: int | None = None,
) -> list[int]:
    """Run the enabled rules of `trigger` on a ticket, in order: each whose conditions hold
    on the ticket as it is then (earlier rules' changes included) acts. Answers the ids of
    the rules that acted."""
    rules = event_rules.get().get(trigger, ())
    if not rules:
        return []
    chain, depth = _chain.get() or (Chain(), 0)
    acted: list[int] = []
    facts: Facts | None = None
    for rule in rules:
        if chain.halted:
            break
        if (rule.id, ticket_id) in chain.fired:
            continue
        if facts is None:
            current = ticket if ticket is not None and not acted else _ticket(ticket_id)
            if current is None:
                return acted
            facts = Facts(current, at=clock.now(), changed=changed, comment_id=comment_id)
        if not all_hold(rule.spec, facts):
            continue
        bot = system_actor()
        if depth >= MAX_DEPTH:
            chain.halted = True
            why = _(
                "Stopped: rules triggered one another %(depth)d times in a row (the limit), "
                "so the rule “%(rule)s” and any after it did not run."
            ) % {"depth": MAX_DEPTH, "rule": rule.name}
            trace(ticket_id, bot=bot, rule_name=rule.name, lines=[why])
            break
        chain.fired.add((rule.id, ticket_id))
        token = _chain.set((chain, depth + 1))
        try:
            apply(rule, ticket_id, bot=bot)
        finally:
            _chain.reset(token)
        acted.append(rule.id)
        facts = None  # the next rule sees the ticket as this one left it
    return acted


def _ticket(ticket_id: int) -> Ticket | None:
    return Ticket.objects.filter(pk=ticket_id).first()
