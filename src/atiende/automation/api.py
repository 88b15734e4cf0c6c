"""Automation rules over the API (managers and administrators; docs/automation.md): list,
create, read, change, enable or disable, reorder, delete, and the dry run. Conditions and
actions are typed rows (never free JSON), checked by the same schema as the desk's pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.core.api import Id, InputSchema, errors
from atiende.core.errors import Forbidden

from . import actions, schema, selectors
from .actions import WAIT_MAX
from .models import NAME_MAX, Rule, Trigger, WaitUnit

router = Router(tags=["automation"])

TriggerName = Trigger
ConditionField = Literal[
    "kind", "status", "channel", "priority", "impact", "urgency", "team", "assignee",
    "category", "organization", "requester", "service", "title", "description", "comment",
    "time", "changed",
]  # fmt: skip
OpName = schema.Op
ActionName = schema.ActionType
UnitName = WaitUnit


class ConditionIn(InputSchema):
    field: ConditionField = Field(description="What to look at (docs/automation.md).")
    op: OpName
    values: list[str] = Field(
        default_factory=list,
        max_length=schema.VALUES_MAX,
        description="Codes, ids or words, by field; empty for `empty`/`not_empty`.",
    )


class ActionIn(InputSchema):
    type: ActionName
    field: str = Field("", max_length=40, description="set_field: which field; set_status: "
                       "the resolution code or the pending reason.")  # fmt: skip
    value: str = Field("", max_length=200, description="An id, a code, a status or a tag.")
    text: str = Field("", max_length=schema.TEXT_MAX, description="A note, a message, notes.")


class RuleIn(InputSchema):
    name: str = Field(max_length=NAME_MAX)
    trigger: TriggerName
    enabled: bool = True
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=schema.CONDITIONS_MAX)
    actions: list[ActionIn] = Field(min_length=1, max_length=schema.ACTIONS_MAX)
    wait: int | None = Field(None, ge=1, le=WAIT_MAX, description="Time rules only.")
    wait_unit: UnitName = WaitUnit.DAYS
    calendar: Id | None = Field(None, description="Business calendar (business days).")


class RulePatch(InputSchema):
    name: str | None = Field(None, max_length=NAME_MAX)
    trigger: TriggerName | None = None
    enabled: bool | None = None
    conditions: list[ConditionIn] | None = Field(None, max_length=schema.CONDITIONS_MAX)
    actions: list[ActionIn] | None = Field(None, max_length=schema.ACTIONS_MAX)
    wait: int | None = Field(None, ge=1, le=WAIT_MAX)
    wait_unit: UnitName | None = None
    calendar: Id | None = None
    version: int | None = Field(None, description="The version read; a stale one is a 409.")


class MoveIn(InputSchema):
    up: bool = Field(description="Run earlier (true) or later (false) than its neighbour.")


class ConditionOut(Schema):
    field: str
    op: str
    values: list[str]


class ActionOut(Schema):
    type: str
    field: str
    value: str
    text: str


class RuleOut(Schema):
    id: int
    name: str
    trigger: str
    position: int
    enabled: bool
    conditions: list[ConditionOut]
    actions: list[ActionOut]
    wait: int | None
    wait_unit: str
    calendar: int | None
    version: int
    created_at: datetime
    updated_at: datetime


class DryRunHitOut(Schema):
    ticket_id: int
    number: str
    title: str
    actions: list[str] = Field(description="What the rule would do, in words.")


class DryRunOut(Schema):
    looked_at: int = Field(description="How many tickets were checked.")
    matched: int
    hits: list[DryRunHitOut]


def _require_manager(request) -> None:
    if not request.user.is_manager:
        raise Forbidden(_("Only managers can change automation rules."))


def rule_data(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "trigger": rule.trigger,
        "position": rule.position,
        "enabled": rule.enabled,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "wait": rule.wait,
        "wait_unit": rule.wait_unit,
        "calendar": rule.calendar_id,
        "version": rule.version,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def _data(payload: Schema, base: Rule | None = None) -> dict[str, Any]:
    sent = payload.dict(exclude_unset=True)
    data = actions_input(base) if base is not None else {}
    data.update({k: v for k, v in sent.items() if k != "version"})
    return data


def actions_input(rule: Rule) -> dict[str, Any]:
    return {
        "name": rule.name, "trigger": rule.trigger, "enabled": rule.enabled,
        "conditions": rule.conditions, "actions": rule.actions, "wait": rule.wait,
        "wait_unit": rule.wait_unit, "calendar": rule.calendar_id,
    }  # fmt: skip


@router.get(
    "/automation/rules",
    response={200: list[RuleOut], **errors(401, 403)},
    url_name="automation_rule_list",
    summary="Automation rules, by trigger and in the order they run",
)
def rule_list(request):
    _require_manager(request)
    return [rule_data(r) for r in selectors.rules_for(request.user)]


@router.post(
    "/automation/rules",
    response={201: RuleOut, **errors(401, 403, 422)},
    url_name="automation_rule_create",
    summary="Create a rule (last of its trigger)",
)
def rule_create(request, payload: RuleIn):
    rule = actions.rule_create(actor=request.user, data=_data(payload))
    return Reply(201, rule_data(rule))


@router.get(
    "/automation/rules/{rule_id}",
    response={200: RuleOut, **errors(401, 404, 422)},
    url_name="automation_rule_detail",
    summary="A rule",
)
def rule_detail(request, rule_id: Id):
    return rule_data(selectors.rule_get(request.user, rule_id))


@router.patch(
    "/automation/rules/{rule_id}",
    response={200: RuleOut, **errors(401, 404, 409, 422)},
    url_name="automation_rule_update",
    summary="Change a rule (the fields sent); `enabled` turns it on or off",
)
def rule_update(request, rule_id: Id, payload: RulePatch):
    current = selectors.rule_get(request.user, rule_id)
    rule = actions.rule_update(
        actor=request.user,
        rule_id=current.pk,
        data=_data(payload, current),
        version=payload.version,
    )
    return rule_data(rule)


@router.post(
    "/automation/rules/{rule_id}/move",
    response={200: RuleOut, **errors(401, 404, 422)},
    url_name="automation_rule_move",
    summary="Run the rule one place earlier or later",
)
def rule_move(request, rule_id: Id, payload: MoveIn):
    return rule_data(actions.rule_move(actor=request.user, rule_id=rule_id, up=payload.up))


@router.delete(
    "/automation/rules/{rule_id}",
    response={204: None, **errors(401, 404, 422)},
    url_name="automation_rule_delete",
    summary="Delete a rule (the timeline keeps what it did)",
)
def rule_delete(request, rule_id: Id):
    actions.rule_delete(actor=request.user, rule_id=rule_id)
    return Reply(204, None)


@router.post(
    "/automation/dry-run",
    response={200: DryRunOut, **errors(401, 403, 422)},
    url_name="automation_dry_run",
    summary="What a rule would have done to the last 1,000 tickets (writes nothing)",
)
def dry_run(request, payload: RuleIn):
    found = actions.dry_run(actor=request.user, data=_data(payload))
    hits = [
        {"ticket_id": h.ticket.pk, "number": h.ticket.number, "title": h.ticket.title,
         "actions": list(h.lines)}
        for h in found.hits
    ]  # fmt: skip
    return {"looked_at": found.looked_at, "matched": len(hits), "hits": hits}
