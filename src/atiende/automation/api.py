"""Automation over the API (docs/automation.md). Rules (managers and administrators): list,
create, read, change, enable or disable, reorder, delete, and the dry run. Macros (agents):
list, create, read, change, delete, apply to a ticket (with its version) or to several.
Conditions and actions are typed rows (never free JSON), checked by the same schema as the
desk's pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja import Status as Reply
from pydantic import Field

from atiende.core.api import Id, InputSchema, errors
from atiende.core.errors import Forbidden, ValidationFailed

from . import actions, schema, selectors
from .actions import WAIT_MAX
from .models import NAME_MAX, Macro, MacroScope, Rule, Trigger, WaitUnit

router = Router(tags=["automation"])

TriggerName = Trigger
ConditionField = Literal[
    "kind", "status", "channel", "priority", "impact", "urgency", "team", "assignee",
    "category", "organization", "requester", "service", "title", "description", "comment",
    "time", "changed", "catalogue_item", "answer",
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
    key: str = Field("", max_length=40, description="`answer` only: the request form field's key.")


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
    key: str = ""


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


# --- macros -------------------------------------------------------------------------------------

MacroScopeName = MacroScope
MacroActionName = Literal[
    "set_field", "set_status", "reply_canned", "reply", "add_note", "add_tag", "follow"
]  # fmt: skip


class MacroActionIn(InputSchema):
    type: MacroActionName
    field: str = Field("", max_length=40, description="set_field: which field; set_status: "
                       "the resolution code or the pending reason.")  # fmt: skip
    value: str = Field("", max_length=200, description='An id, a code, a status, a tag, or '
                       '"me" (follow: whoever applies the macro).')  # fmt: skip
    text: str = Field("", max_length=schema.TEXT_MAX, description="A reply, a note, notes.")


class MacroIn(InputSchema):
    name: str = Field(max_length=NAME_MAX)
    scope: MacroScopeName = Field(
        MacroScope.PERSONAL,
        description="personal (only you), team (its members; kept by its leads and "
        "managers), global (everyone; kept by managers).",
    )
    team: Id | None = Field(None, description="The team of a team macro.")
    actions: list[MacroActionIn] = Field(min_length=1, max_length=schema.ACTIONS_MAX)


class MacroPatch(InputSchema):
    name: str | None = Field(None, max_length=NAME_MAX)
    scope: MacroScopeName | None = None
    team: Id | None = None
    actions: list[MacroActionIn] | None = Field(None, max_length=schema.ACTIONS_MAX)
    version: int | None = Field(None, description="The version read; a stale one is a 409.")


class MacroOut(Schema):
    id: int
    name: str
    scope: str
    team: int | None
    owner: int | None
    actions: list[ActionOut]
    can_edit: bool = Field(description="Whether the caller keeps it (may change or delete it).")
    version: int
    created_at: datetime
    updated_at: datetime


class MacroApplyIn(InputSchema):
    version: int | None = Field(
        None, description="The ticket's version the caller read; a stale one is a 409."
    )


class MacroAppliedOut(Schema):
    ticket_id: int
    number: str
    version: int = Field(description="The ticket's version after the macro.")
    done: list[str] = Field(description="What the macro did, in words.")


class MacroManyIn(InputSchema):
    ticket_ids: list[Id] = Field(default_factory=list, max_length=100)


class MacroFailedOut(Schema):
    ticket_id: int
    detail: str


class MacroManyOut(Schema):
    done: list[int]
    failed: list[MacroFailedOut]


def macro_data(macro: Macro, actor) -> dict[str, Any]:
    return {
        "id": macro.pk,
        "name": macro.name,
        "scope": macro.scope,
        "team": macro.team_id,
        "owner": macro.owner_id,
        "actions": macro.actions,
        "can_edit": selectors.can_keep(
            actor, scope=macro.scope, team_id=macro.team_id, owner_id=macro.owner_id
        ),
        "version": macro.version,
        "created_at": macro.created_at,
        "updated_at": macro.updated_at,
    }


@router.get(
    "/automation/macros",
    response={200: list[MacroOut], **errors(401)},
    url_name="automation_macro_list",
    summary="The macros you may apply or keep (yours, your teams', everyone's)",
)
def macro_list(request):
    return [macro_data(m, request.user) for m in selectors.macros_listed_for(request.user)]


@router.post(
    "/automation/macros",
    response={201: MacroOut, **errors(401, 403, 422)},
    url_name="automation_macro_create",
    summary="Create a macro (personal; a team's if you lead it; everyone's if a manager)",
)
def macro_create(request, payload: MacroIn):
    macro = actions.macro_create(actor=request.user, data=payload.dict())
    return Reply(201, macro_data(macro, request.user))


@router.get(
    "/automation/macros/{macro_id}",
    response={200: MacroOut, **errors(401, 404, 422)},
    url_name="automation_macro_detail",
    summary="A macro",
)
def macro_detail(request, macro_id: Id):
    return macro_data(selectors.macro_listed(request.user, macro_id), request.user)


@router.patch(
    "/automation/macros/{macro_id}",
    response={200: MacroOut, **errors(401, 403, 404, 409, 422)},
    url_name="automation_macro_update",
    summary="Change a macro you keep (the fields sent)",
)
def macro_update(request, macro_id: Id, payload: MacroPatch):
    current = selectors.macro_kept(request.user, macro_id)
    data = {"name": current.name, "scope": current.scope, "team": current.team_id,
            "actions": current.actions}  # fmt: skip
    data.update({k: v for k, v in payload.dict(exclude_unset=True).items() if k != "version"})
    macro = actions.macro_update(
        actor=request.user, macro_id=current.pk, data=data, version=payload.version
    )
    return macro_data(macro, request.user)


@router.delete(
    "/automation/macros/{macro_id}",
    response={204: None, **errors(401, 404, 422)},
    url_name="automation_macro_delete",
    summary="Delete a macro you keep (the timelines keep what it did)",
)
def macro_delete(request, macro_id: Id):
    actions.macro_delete(actor=request.user, macro_id=macro_id)
    return Reply(204, None)


@router.post(
    "/tickets/{ticket_id}/macros/{macro_id}",
    response={200: MacroAppliedOut, **errors(401, 403, 404, 409, 422)},
    url_name="automation_macro_apply",
    summary="Apply a macro to a ticket, as you: all of its actions or none",
)
def macro_apply(request, ticket_id: Id, macro_id: Id, payload: MacroApplyIn):
    done = actions.macro_apply(
        actor=request.user, macro_id=macro_id, ticket_id=ticket_id, version=payload.version
    )
    return {"ticket_id": done.ticket.pk, "number": done.ticket.number,
            "version": done.ticket.version, "done": list(done.lines)}  # fmt: skip


@router.post(
    "/automation/macros/{macro_id}/apply",
    response={200: MacroManyOut, **errors(401, 403, 404, 422)},
    url_name="automation_macro_apply_many",
    summary="Apply a macro to several tickets, each all or nothing; says why each failed",
)
def macro_apply_many(request, macro_id: Id, payload: MacroManyIn):
    selectors.macro_get(request.user, macro_id)  # one you may not use: 404
    if not payload.ticket_ids:
        raise ValidationFailed.field("ticket_ids", _("Select at least one ticket."))
    result = actions.macro_apply_many(
        actor=request.user, macro_id=macro_id, ticket_ids=payload.ticket_ids
    )
    failed = [{"ticket_id": pk, "detail": why} for pk, why in result.failed.items()]
    return {"done": result.done, "failed": failed}
