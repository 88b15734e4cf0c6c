"""What a rule says, as typed values: conditions and actions are frozen dataclasses, parsed
and checked here from the rows a form, the API or the database hands over. Nobody writes
free JSON: the UI builds rows with pickers, the API takes typed schemas, and both go through
`parse_conditions` / `parse_actions`, the one validation (errors name the row and the field,
e.g. `conditions.1.values`).

Stored form (Rule.conditions / Rule.actions): the list of `as_dict()` of each row."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Choices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atiende.core.errors import ValidationFailed
from atiende.core.ids import parse_id
from atiende.tickets.models import Channel, Impact, Kind, PendingReason, Priority, Status, Urgency

CONDITIONS_MAX = 20
ACTIONS_MAX = 10
VALUES_MAX = 50
TEXT_MAX = 5000


class Op(StrEnum):
    IN = "in"  # the value is one of
    NOT_IN = "not_in"
    EMPTY = "empty"
    NOT_EMPTY = "not_empty"
    CONTAINS = "contains"  # case-insensitive, any of the words/phrases given
    NOT_CONTAINS = "not_contains"
    OPEN = "open"  # the business calendar is open now
    CLOSED = "closed"
    EQUALS = "equals"  # an answer is one of the values (case-insensitive)
    NOT_EQUALS = "not_equals"


OP_LABELS = {
    Op.IN: gettext_lazy("is one of"),
    Op.NOT_IN: gettext_lazy("is not one of"),
    Op.EMPTY: gettext_lazy("is empty"),
    Op.NOT_EMPTY: gettext_lazy("is set"),
    Op.CONTAINS: gettext_lazy("contains"),
    Op.NOT_CONTAINS: gettext_lazy("does not contain"),
    Op.OPEN: gettext_lazy("within business hours of"),
    Op.CLOSED: gettext_lazy("outside business hours of"),
    Op.EQUALS: gettext_lazy("equals one of"),
    Op.NOT_EQUALS: gettext_lazy("equals none of"),
}


class ValueKind(StrEnum):
    CHOICE = "choice"  # codes of a TextChoices/IntegerChoices
    REF = "ref"  # ids of rows (teams, people, categories, organisations, services)
    TEXT = "text"
    CALENDAR = "calendar"  # one business calendar's id
    FIELDS = "fields"  # names of ticket fields (what an update changed)
    ANSWER = "answer"  # the answer to a catalogue request form's field (Condition.key)


CHOICE_OPS = (Op.IN, Op.NOT_IN)
REF_OPS = (Op.IN, Op.NOT_IN, Op.EMPTY, Op.NOT_EMPTY)
TEXT_OPS = (Op.CONTAINS, Op.NOT_CONTAINS)
CALENDAR_OPS = (Op.OPEN, Op.CLOSED)
ANSWER_OPS = (Op.EQUALS, Op.NOT_EQUALS, Op.CONTAINS, Op.NOT_CONTAINS)
# A request form field's key (catalogue.FormField.key: a slug of at most 40 characters).
ANSWER_KEY = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: Any  # lazy text
    kind: ValueKind
    ops: tuple[Op, ...]
    choices: type[Choices] | None = None


CHANGEABLE_FIELDS = ("kind", "title", "category", "impact", "urgency", "priority", "team",
                     "assignee", "status")  # fmt: skip

CONDITION_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec("kind", gettext_lazy("Kind"), ValueKind.CHOICE, CHOICE_OPS, Kind),
        FieldSpec("status", gettext_lazy("Status"), ValueKind.CHOICE, CHOICE_OPS, Status),
        FieldSpec("channel", gettext_lazy("Channel"), ValueKind.CHOICE, CHOICE_OPS, Channel),
        FieldSpec("priority", gettext_lazy("Priority"), ValueKind.CHOICE, CHOICE_OPS, Priority),
        FieldSpec("impact", gettext_lazy("Impact"), ValueKind.CHOICE, CHOICE_OPS, Impact),
        FieldSpec("urgency", gettext_lazy("Urgency"), ValueKind.CHOICE, CHOICE_OPS, Urgency),
        FieldSpec("team", gettext_lazy("Team"), ValueKind.REF, REF_OPS),
        FieldSpec("assignee", gettext_lazy("Assignee"), ValueKind.REF, REF_OPS),
        FieldSpec("category", gettext_lazy("Category"), ValueKind.REF, REF_OPS),
        FieldSpec("organization", gettext_lazy("Requester's organisation"), ValueKind.REF, REF_OPS),
        FieldSpec("requester", gettext_lazy("Requester"), ValueKind.REF, REF_OPS),
        FieldSpec("service", gettext_lazy("Affected service or CI"), ValueKind.REF, REF_OPS),
        FieldSpec("title", gettext_lazy("Title"), ValueKind.TEXT, TEXT_OPS),
        FieldSpec("description", gettext_lazy("Description"), ValueKind.TEXT, TEXT_OPS),
        FieldSpec("comment", gettext_lazy("Text of the reply or note"), ValueKind.TEXT, TEXT_OPS),
        FieldSpec("time", gettext_lazy("Time of day"), ValueKind.CALENDAR, CALENDAR_OPS),
        FieldSpec("changed", gettext_lazy("Fields changed"), ValueKind.FIELDS, CHOICE_OPS),
        FieldSpec(
            "catalogue_item", gettext_lazy("Catalogue item requested"), ValueKind.REF, REF_OPS
        ),
        FieldSpec(
            "answer", gettext_lazy("Answer to a request form field"), ValueKind.ANSWER, ANSWER_OPS
        ),
    )
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: Op
    values: tuple[str, ...] = ()
    key: str = ""  # answer: the request form field's key

    def as_dict(self) -> dict[str, Any]:
        found = {"field": self.field, "op": str(self.op), "values": list(self.values)}
        if self.key:
            found["key"] = self.key
        return found


class ActionType(StrEnum):
    SET_FIELD = "set_field"  # field in SETTABLE_FIELDS, value an id or a code
    SET_STATUS = "set_status"  # value a status; resolution code/notes or pending reason
    ADD_TAG = "add_tag"  # value the tag
    ADD_NOTE = "add_note"  # text (internal)
    REPLY_CANNED = "reply_canned"  # value a canned response's id (public reply)
    REPLY = "reply"  # text: a public reply (placeholders filled in)
    NOTIFY = "notify"  # value: "assignee", "team" or a user's id; text the message
    FOLLOW = "follow"  # value an agent's id
    LINK_PROBLEM = "link_problem"  # value a problem ticket's id or number
    WEBHOOK = "webhook"  # value a webhook's id


ACTION_LABELS = {
    ActionType.SET_FIELD: gettext_lazy("Set a field"),
    ActionType.SET_STATUS: gettext_lazy("Change the status"),
    ActionType.ADD_TAG: gettext_lazy("Add a tag"),
    ActionType.ADD_NOTE: gettext_lazy("Add an internal note"),
    ActionType.REPLY_CANNED: gettext_lazy("Reply with a canned response"),
    ActionType.REPLY: gettext_lazy("Reply with this text"),
    ActionType.NOTIFY: gettext_lazy("Notify people"),
    ActionType.FOLLOW: gettext_lazy("Make an agent follow"),
    ActionType.LINK_PROBLEM: gettext_lazy("Link to a problem"),
    ActionType.WEBHOOK: gettext_lazy("Call a webhook"),
}

SETTABLE_FIELDS: dict[str, Any] = {
    "team": gettext_lazy("Team"),
    "assignee": gettext_lazy("Assignee"),
    "category": gettext_lazy("Category"),
    "priority": gettext_lazy("Priority"),
    "impact": gettext_lazy("Impact"),
    "urgency": gettext_lazy("Urgency"),
}
NOTIFY_ROLES = ("assignee", "team", "requester")
TAG_MAX = 40
# A macro's follow action may name "me": whoever applies the macro.
ME = "me"
# What a macro may do (a person applies it, as themselves): no notices, links or webhooks.
MACRO_ACTIONS = (ActionType.SET_FIELD, ActionType.SET_STATUS, ActionType.REPLY_CANNED,
                 ActionType.REPLY, ActionType.ADD_NOTE, ActionType.ADD_TAG,
                 ActionType.FOLLOW)  # fmt: skip


@dataclass(frozen=True)
class Action:
    type: ActionType
    field: str = ""  # set_field: which; set_status: resolution code or pending reason
    value: str = ""
    text: str = ""  # a note, a message, resolution notes

    def as_dict(self) -> dict[str, Any]:
        return {"type": str(self.type), "field": self.field, "value": self.value,
                "text": self.text}  # fmt: skip


@dataclass(frozen=True)
class RuleSpec:
    conditions: tuple[Condition, ...] = ()
    actions: tuple[Action, ...] = field(default=())

    def changed_fields(self) -> frozenset[str]:
        return frozenset(a.field for a in self.actions if a.type == ActionType.SET_FIELD)


# --- parsing ------------------------------------------------------------------------------------


def _rows(data: Any, name: str, most: int) -> list[Mapping[str, Any]]:
    if data is None:
        return []
    if not isinstance(data, list | tuple) or not all(isinstance(r, Mapping) for r in data):
        raise ValidationFailed.field(name, _("Send a list of rows."))
    if len(data) > most:
        raise ValidationFailed.field(name, _("At most %(n)d rows.") % {"n": most})
    return list(data)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list | tuple):
        return ("\x00",)  # refused below
    return tuple(str(v).strip() for v in value if str(v).strip())


def parse_conditions(
    data: Any, *, exists: Callable[[str, Iterable[int]], set[int]] | None = None
) -> tuple[Condition, ...]:
    """Rows `{field, op, values}` into Conditions, or a ValidationFailed naming each bad
    row's field (`conditions.<n>.<field>`). `exists(kind, ids)` answers which referenced ids
    exist (the actions module passes one that asks the database; stored rules skip it)."""
    errors: dict[str, list[str]] = {}
    parsed: list[Condition] = []
    for n, row in enumerate(_rows(data, "conditions", CONDITIONS_MAX)):
        where = f"conditions.{n}"
        spec = CONDITION_FIELDS.get(str(row.get("field", "")))
        if spec is None:
            errors[f"{where}.field"] = [_("Choose what to look at.")]
            continue
        try:
            op = Op(str(row.get("op", "")))
        except ValueError:
            op = None
        if op not in spec.ops:
            errors[f"{where}.op"] = [_("Choose how to compare.")]
            continue
        key = ""
        if spec.kind == ValueKind.ANSWER:
            key = str(row.get("key") or "").strip()
            if not ANSWER_KEY.match(key):
                errors[f"{where}.key"] = [_("Give the key of a request form field.")]
                continue
        values = _strings(row.get("values"))
        problem = _check_values(spec, op, values, exists)
        if problem:
            errors[f"{where}.values"] = [problem]
            continue
        parsed.append(Condition(field=spec.name, op=op, values=values, key=key))
    if errors:
        raise ValidationFailed(errors=errors)
    return tuple(parsed)


def _check_values(
    spec: FieldSpec,
    op: Op,
    values: tuple[str, ...],
    exists: Callable[[str, Iterable[int]], set[int]] | None,
) -> str:
    if op in (Op.EMPTY, Op.NOT_EMPTY):
        return _("Leave the value empty.") if values else ""
    if not values:
        return _("Choose at least one value.")
    if len(values) > VALUES_MAX:
        return _("At most %(n)d values.") % {"n": VALUES_MAX}
    if spec.kind == ValueKind.CHOICE:
        allowed = {str(v) for v in spec.choices.values} if spec.choices else set()
        return "" if set(values) <= allowed else _("Choose values from the list.")
    if spec.kind == ValueKind.FIELDS:
        return "" if set(values) <= set(CHANGEABLE_FIELDS) else _("Choose fields from the list.")
    if spec.kind in (ValueKind.TEXT, ValueKind.ANSWER):
        return (
            "" if all(len(v) <= 200 for v in values) else _("Keep each text under 200 characters.")
        )
    ids = [parse_id(v) for v in values]
    if None in ids or (spec.kind == ValueKind.CALENDAR and len(ids) != 1):
        return _("Choose values from the list.")
    if exists is not None:
        found = exists(spec.name, [i for i in ids if i is not None])
        if len(found) != len(set(ids)):
            return _("Some of the chosen values no longer exist.")
    return ""


def parse_actions(
    data: Any,
    *,
    exists: Callable[[str, Iterable[int]], set[int]] | None = None,
    allowed: Iterable[ActionType] | None = None,
) -> tuple[Action, ...]:
    """Rows `{type, field, value, text}` into Actions (errors as `actions.<n>.<field>`); at
    least one action. The same `exists` as parse_conditions checks referenced rows.
    `allowed`: the action types this owner may use (a macro's: MACRO_ACTIONS, where a follow
    may also name ME, the person applying it); every type when None."""
    kinds = frozenset(allowed) if allowed is not None else frozenset(ActionType)
    macro = allowed is not None
    errors: dict[str, list[str]] = {}
    parsed: list[Action] = []
    rows = _rows(data, "actions", ACTIONS_MAX)
    if not rows:
        raise ValidationFailed.field("actions", _("Add at least one action."))
    for n, row in enumerate(rows):
        where = f"actions.{n}"
        try:
            kind = ActionType(str(row.get("type", "")))
        except ValueError:
            kind = None
        if kind is None or kind not in kinds:
            errors[f"{where}.type"] = [_("Choose an action.")]
            continue
        action = Action(
            type=kind,
            field=str(row.get("field") or "").strip(),
            value=str(row.get("value") or "").strip(),
            text=str(row.get("text") or "").strip(),
        )
        problem = _check_action(action, exists, me=macro)
        if problem:
            errors[f"{where}.{problem[0]}"] = [problem[1]]
            continue
        parsed.append(action)
    if errors:
        raise ValidationFailed(errors=errors)
    return tuple(parsed)


def _ref_ok(kind: str, value: str, exists: Callable[[str, Iterable[int]], set[int]] | None) -> bool:
    pk = parse_id(value)
    if pk is None:
        return False
    return exists is None or pk in exists(kind, [pk])


def _check_action(
    action: Action, exists: Callable[[str, Iterable[int]], set[int]] | None, *, me: bool = False
) -> tuple[str, str] | None:
    t = action.type
    if len(action.text) > TEXT_MAX:
        return "text", _("This text is too long.")
    if t == ActionType.SET_FIELD:
        if action.field not in SETTABLE_FIELDS:
            return "field", _("Choose a field.")
        enum = {"priority": Priority, "impact": Impact, "urgency": Urgency}.get(action.field)
        if enum is not None:
            if action.value not in {str(v) for v in enum.values}:
                return "value", _("Choose a value from the list.")
        elif action.value == "" and action.field in ("assignee", "category"):
            return None  # clears it
        elif not _ref_ok(action.field, action.value, exists):
            return "value", _("Choose a value from the list.")
        return None
    if t == ActionType.SET_STATUS:
        if action.value not in {s.value for s in Status if s.value not in ("assigned",)}:
            return "value", _("Choose a status.")
        if action.value == Status.RESOLVED:
            if not action.field:
                return "field", _("Choose a resolution code.")
            if not action.text:
                return "text", _("Describe the resolution.")
        if action.value == Status.PENDING and action.field not in PendingReason.values:
            return "field", _("Choose why it is pending.")
        return None
    if t == ActionType.ADD_TAG:
        if not action.value or len(action.value) > TAG_MAX:
            return "value", _("Give a tag of at most %(n)d characters.") % {"n": TAG_MAX}
        return None
    if t == ActionType.ADD_NOTE:
        return None if action.text else ("text", _("Write the note."))
    if t == ActionType.REPLY:
        return None if action.text else ("text", _("Write the reply."))
    if t == ActionType.REPLY_CANNED:
        ok = _ref_ok("canned", action.value, exists)
        return None if ok else ("value", _("Choose a canned response."))
    if t == ActionType.NOTIFY:
        if action.value not in NOTIFY_ROLES and not _ref_ok("agent", action.value, exists):
            return "value", _("Choose whom to notify.")
        return None if action.text else ("text", _("Write the message."))
    if t == ActionType.FOLLOW:
        if me and action.value == ME:
            return None
        return None if _ref_ok("agent", action.value, exists) else ("value", _("Choose an agent."))
    if t == ActionType.LINK_PROBLEM:
        ok = _ref_ok("problem", action.value, exists)
        return None if ok else ("value", _("Choose a problem."))
    if t == ActionType.WEBHOOK:
        ok = _ref_ok("webhook", action.value, exists)
        return None if ok else ("value", _("Choose a webhook."))
    return "type", _("Choose an action.")  # pragma: no cover - every type handled above


def stored(conditions: Iterable[Condition], actions: Iterable[Action]) -> tuple[list, list]:
    return [c.as_dict() for c in conditions], [a.as_dict() for a in actions]


def load(conditions: Any, actions: Any) -> RuleSpec:
    """A stored rule's spec (already validated when saved; no database checks)."""
    return RuleSpec(
        conditions=parse_conditions(conditions), actions=parse_actions(actions) if actions else ()
    )


__all__ = ["Action", "ActionType", "Condition", "Op", "RuleSpec", "asdict"]
