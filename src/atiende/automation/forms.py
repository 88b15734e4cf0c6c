"""The rule page's forms: the rule, its condition rows and its action rows, each value picked
from lists (grouped by what it belongs to), never typed as JSON. The rows become the data
`actions.rule_create` takes; checking stays there (schema.parse_*)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from atiende.accounts.selectors import person_by_reference
from atiende.tickets.forms.desk import IdListField, PersonPickerField
from atiende.tickets.models import PendingReason, ResolutionCode, Status

from . import schema, selectors
from .models import NAME_MAX, Rule, Trigger, WaitUnit

CONDITION_ROWS = 3
ACTION_ROWS = 3
BLANK = [("", "—")]


def _value_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Every value a condition can name, grouped by its field; option values "field:value"."""
    groups = []
    for spec in schema.CONDITION_FIELDS.values():
        if spec.kind == schema.ValueKind.CHOICE and spec.choices is not None:
            options = [(str(v), str(label)) for v, label in spec.choices.choices]
        elif spec.kind == schema.ValueKind.FIELDS:
            labels = {n: schema.CONDITION_FIELDS[n].label for n in schema.CHANGEABLE_FIELDS
                      if n in schema.CONDITION_FIELDS}  # fmt: skip
            options = [(n, str(labels.get(n, n))) for n in schema.CHANGEABLE_FIELDS]
        elif spec.name in PEOPLE_CONDITIONS:
            continue  # typed with the people picker (ConditionForm.people)
        elif spec.kind in (schema.ValueKind.REF, schema.ValueKind.CALENDAR):
            options = selectors.options(spec.name)
        else:
            continue
        groups.append((str(spec.label), [(f"{spec.name}:{v}", label) for v, label in options]))
    return groups


# Conditions and actions naming people: typed with the people picker (the type-ahead of the
# new-ticket form, GET /api/v1/people), never listed up front (there may be 100,000 people).
PEOPLE_CONDITIONS = ("assignee", "requester")


def _field_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The set_field values: codes, teams and categories; the assignee is typed in the
    person field ("assignee:" alone clears it)."""
    from atiende.tickets.models import Impact, Priority, Urgency

    choice = {"priority": Priority, "impact": Impact, "urgency": Urgency}
    groups = []
    for name, label in schema.SETTABLE_FIELDS.items():
        if name in choice:
            options = [(str(v), str(lbl)) for v, lbl in choice[name].choices]
        elif name == "assignee":
            options = [("", str(_("Nobody (unassigned)")))]
        else:
            options = selectors.options(name)
        groups.append((str(label), [(f"{name}:{v}", lbl) for v, lbl in options]))
    return groups


def _people_source(agents: bool) -> str:
    url = reverse("api:people_search")
    return f"{url}?agents=true" if agents else url


def person_references(ids: set[int]) -> dict[str, str]:
    """{id: what the people picker shows for it (the e-mail address, else the id)}, one
    query: the initial text of the rows of a saved rule or macro."""
    from atiende.accounts.models import User

    rows = User.objects.filter(pk__in=ids).values_list("pk", "email")
    return {str(pk): email or str(pk) for pk, email in rows}


def _action_value_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    groups = _field_groups()
    statuses = [(s.value, str(s.label)) for s in Status if s.value in _STATUS_TARGETS]
    groups.append((str(_("Status")), [(f"status:{v}", lbl) for v, lbl in statuses]))
    roles = [("assignee", _("the assignee")), ("team", _("the team")),
             ("requester", _("the requester"))]  # fmt: skip
    people = [(f"notify:{v}", str(lbl)) for v, lbl in roles]
    groups.append((str(_("Whom to notify")), people))
    for kind, label in (("canned", _("Canned response")), ("problem", _("Problem")),
                        ("webhook", _("Webhook"))):  # fmt: skip
        groups.append((str(label), [(f"{kind}:{v}", lbl) for v, lbl in selectors.options(kind)]))
    return groups


_STATUS_TARGETS = ("new", "in_progress", "pending", "resolved", "closed", "cancelled")
_ACTION_PREFIX = {
    schema.ActionType.SET_STATUS: "status",
    schema.ActionType.NOTIFY: "notify",
    schema.ActionType.FOLLOW: "follow",
    schema.ActionType.REPLY_CANNED: "canned",
    schema.ActionType.LINK_PROBLEM: "problem",
    schema.ActionType.WEBHOOK: "webhook",
}


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    trigger = forms.ChoiceField(label=_("When"), choices=Trigger.choices)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    wait = forms.IntegerField(
        label=_("Untouched for"),
        required=False,
        min_value=1,
        help_text=_("Time rules only: act on tickets nobody touched for this long."),
    )
    wait_unit = forms.ChoiceField(
        label=_("Unit"), choices=WaitUnit.choices, required=False, initial=WaitUnit.DAYS
    )
    calendar = forms.ChoiceField(label=_("Business calendar"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calendar"].choices = BLANK + selectors.options("time")  # type: ignore[attr-defined]


class ConditionForm(forms.Form):
    field = forms.ChoiceField(label=_("Look at"), required=False)
    op = forms.ChoiceField(
        label=_("Compare"), required=False, choices=BLANK + list(schema.OP_LABELS.items())
    )
    picks = forms.MultipleChoiceField(label=_("Values"), required=False)
    key = forms.ChoiceField(
        label=_("Request form field"),
        required=False,
        help_text=_("For an answer: the field of the catalogue item's form (by its key)."),
    )
    words = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=1000,
        help_text=_("For text and answers: any of these, separated by commas."),
    )

    people = forms.CharField(
        label=_("People"),
        required=False,
        max_length=2000,
        help_text=_(
            "For the assignee or the requester: type a name and choose from the list; "
            "several separated by commas."
        ),
    )

    def __init__(self, *args: Any, groups=(), keys=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = BLANK + [  # type: ignore[attr-defined]
            (name, spec.label) for name, spec in schema.CONDITION_FIELDS.items()
        ]
        self.fields["picks"].choices = list(groups)  # type: ignore[attr-defined]
        self.fields["key"].choices = BLANK + list(keys)  # type: ignore[attr-defined]
        datalist = f"{self.prefix}-people-options"
        self.datalist = datalist
        self.fields["people"].widget.attrs.update(
            {"list": datalist, "autocomplete": "off", "data-people-picker": datalist,
             "data-multiple": "1", "data-source": _people_source(agents=False)}
        )  # fmt: skip

    def clean_people(self) -> list[int]:
        found = []
        for text in (self.cleaned_data.get("people") or "").split(","):
            if not text.strip():
                continue
            person = person_by_reference(text)
            if person is None:
                raise forms.ValidationError(
                    _("No such person: %(text)s. Type a name and choose from the list.")
                    % {"text": text.strip()[:100]}
                )
            found.append(person.pk)
        return found

    def row(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if not data.get("field"):
            return None
        name = data["field"]
        values = [p.split(":", 1)[1] for p in data.get("picks") or () if p.startswith(f"{name}:")]
        kind = schema.CONDITION_FIELDS[name].kind
        if kind in (schema.ValueKind.TEXT, schema.ValueKind.ANSWER):
            values = [w.strip() for w in (data.get("words") or "").split(",") if w.strip()]
        if name in PEOPLE_CONDITIONS:
            values = [str(pk) for pk in data.get("people") or ()]
        row = {"field": name, "op": data.get("op") or "", "values": values}
        if kind == schema.ValueKind.ANSWER:
            row["key"] = data.get("key") or ""
        return row


class ActionForm(forms.Form):
    type = forms.ChoiceField(label=_("Do"), required=False)
    target = forms.ChoiceField(label=_("Value"), required=False)
    detail = forms.ChoiceField(label=_("Resolution code or pending reason"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, max_length=schema.TAG_MAX)
    text = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A note, a reply, a message to the people notified, or resolution notes."),
    )

    person = PersonPickerField(
        label=_("Person"),
        datalist="",
        required=False,
        help_text=_(
            "For setting the assignee, notifying someone or making an agent follow: type a "
            "name and choose from the list."
        ),
    )

    def __init__(self, *args: Any, groups=(), types=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        datalist = f"{self.prefix}-person-options"
        self.datalist = datalist
        self.fields["person"].widget.attrs.update(
            {"list": datalist, "data-people-picker": datalist,
             "data-source": _people_source(agents=True)}
        )  # fmt: skip
        labels = [(t, label) for t, label in schema.ACTION_LABELS.items()
                  if types is None or t in types]  # fmt: skip
        self.fields["type"].choices = BLANK + labels  # type: ignore[attr-defined]
        self.fields["target"].choices = BLANK + list(groups)  # type: ignore[attr-defined]
        codes = [(c.code, c.label()) for c in ResolutionCode.objects.filter(is_active=True)]
        self.fields["detail"].choices = [  # type: ignore[attr-defined]
            *BLANK,
            (str(_("Resolution code")), list(codes)),
            (str(_("Pending reason")), list(PendingReason.choices)),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, person = data.get("type"), data.get("person")
        prefix = (data.get("target") or "").partition(":")[0]
        if person is not None and kind:
            fits = kind in (schema.ActionType.NOTIFY, schema.ActionType.FOLLOW) or (
                kind == schema.ActionType.SET_FIELD and prefix in ("", "assignee")
            )
            if not fits:
                self.add_error(
                    "person", _("A person goes with the assignee, a notice or a follower.")
                )
        return data

    def row(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        kind = data.get("type")
        if not kind:
            return None
        prefix, _sep, value = (data.get("target") or "").partition(":")
        person = data.get("person")
        if person is not None:  # the person typed wins over the list
            if kind == schema.ActionType.SET_FIELD:
                prefix, value = "assignee", str(person)
            elif kind in (schema.ActionType.NOTIFY, schema.ActionType.FOLLOW):
                prefix, value = _ACTION_PREFIX[schema.ActionType(kind)], str(person)
        row = {"type": kind, "field": "", "value": "", "text": data.get("text") or ""}
        if kind == schema.ActionType.SET_FIELD:
            row["field"], row["value"] = prefix, value
            if prefix not in schema.SETTABLE_FIELDS:
                row["field"], row["value"] = "", ""
        elif kind == schema.ActionType.ADD_TAG:
            row["value"] = data.get("tag") or ""
        elif kind == schema.ActionType.SET_STATUS:
            row["value"] = value if prefix == "status" else ""
            row["field"] = data.get("detail") or ""
        elif kind in _ACTION_PREFIX:
            row["value"] = value if prefix == _ACTION_PREFIX[schema.ActionType(kind)] else ""
        return row


ConditionFormSet = formset_factory(ConditionForm, extra=0)
ActionFormSet = formset_factory(ActionForm, extra=0)


def initial_rows(rule: Rule | None) -> tuple[list[dict], list[dict]]:
    """The formsets' initial rows for a rule (and blank ones to add more)."""
    conditions: list[dict] = []
    actions: list[dict] = []
    if rule is not None:
        names = person_references(_person_ids(rule))
        for c in rule.conditions:
            kind = schema.CONDITION_FIELDS[c["field"]].kind
            text = kind in (schema.ValueKind.TEXT, schema.ValueKind.ANSWER)
            people = c["field"] in PEOPLE_CONDITIONS
            conditions.append({
                "field": c["field"], "op": c["op"], "key": c.get("key", ""),
                "picks": [] if text or people else [f"{c['field']}:{v}" for v in c["values"]],
                "words": ", ".join(c["values"]) if text else "",
                "people": ", ".join(names.get(v, v) for v in c["values"]) if people else "",
            })  # fmt: skip
        for a in rule.actions:
            act = schema.ActionType(a["type"])
            target, person = "", ""
            if _names_person(a):
                person = names.get(a["value"], a["value"])
            elif act == schema.ActionType.SET_FIELD:
                target = f"{a['field']}:{a['value']}"
            elif act in _ACTION_PREFIX:
                target = f"{_ACTION_PREFIX[act]}:{a['value']}"
            actions.append({
                "type": a["type"], "target": target, "text": a["text"],
                "tag": a["value"] if act == schema.ActionType.ADD_TAG else "",
                "detail": a["field"] if act == schema.ActionType.SET_STATUS else "",
                "person": person,
            })  # fmt: skip
    conditions += [{}] * CONDITION_ROWS
    actions += [{}] * ACTION_ROWS
    return conditions, actions


def _names_person(action: dict[str, Any]) -> bool:
    """Does this stored action name a person by id (typed in the person field)?"""
    kind, value = action.get("type"), str(action.get("value") or "")
    if not value.isdigit():
        return False
    if kind == schema.ActionType.SET_FIELD:
        return action.get("field") == "assignee"
    return kind in (schema.ActionType.NOTIFY, schema.ActionType.FOLLOW)


def _person_ids(rule: Rule) -> set[int]:
    ids = {int(a["value"]) for a in rule.actions if _names_person(a)}
    for c in rule.conditions:
        if c["field"] in PEOPLE_CONDITIONS:
            ids |= {int(v) for v in c["values"] if str(v).isdigit()}
    return ids


def build(data=None, rule: Rule | None = None):
    """The rule form and its two formsets, bound to `data` or filled from `rule`."""
    conditions, actions = initial_rows(rule)
    condition_groups, action_groups = _value_groups(), _action_value_groups()
    initial = None
    if rule is not None:
        initial = {"name": rule.name, "trigger": rule.trigger, "enabled": rule.enabled,
                   "wait": rule.wait, "wait_unit": rule.wait_unit,
                   "calendar": str(rule.calendar_id or "")}  # fmt: skip
    form = RuleForm(data, initial=initial)
    condition_set = ConditionFormSet(
        data, initial=None if data else conditions, prefix="conditions",
        form_kwargs={"groups": condition_groups, "keys": selectors.answer_keys()},
    )  # fmt: skip
    action_set = ActionFormSet(
        data, initial=None if data else actions, prefix="actions",
        form_kwargs={"groups": action_groups},
    )  # fmt: skip
    return form, condition_set, action_set


def rule_data(form: RuleForm, condition_set, action_set) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["conditions"] = [r for r in (f.row() for f in condition_set.forms) if r is not None]
    data["actions"] = [r for r in (f.row() for f in action_set.forms) if r is not None]
    return data


def place_errors(exc, form: forms.Form, condition_set, action_set) -> None:
    """A refused rule's errors on the rows they name (`conditions.1.values`)."""
    for key, messages in exc.errors.items():
        where, _sep, rest = key.partition(".")
        target: forms.Form = form
        if where in ("conditions", "actions") and rest:
            index = int(rest.split(".")[0])
            rows = [f for f in (condition_set if where == "conditions" else action_set).forms
                    if f.cleaned_data.get("field" if where == "conditions" else "type")]  # fmt: skip
            if index < len(rows):
                target = rows[index]
        for message in messages:
            name = key if key in target.fields else None
            target.add_error(name, message)
    if not exc.errors:
        form.add_error(None, exc.detail)


# --- macros ---------------------------------------------------------------------------------


def _macro_action_groups(actor) -> list[tuple[str, list[tuple[str, str]]]]:
    """The values a macro's action may name: fields, statuses, the canned responses the
    person may use, and whom to make follow ("me" first)."""
    from atiende.canned.selectors import responses_visible_to

    groups = _field_groups()
    statuses = [(s.value, str(s.label)) for s in Status if s.value in _STATUS_TARGETS]
    groups.append((str(_("Status")), [(f"status:{v}", lbl) for v, lbl in statuses]))
    canned = responses_visible_to(actor).order_by("title").values_list("pk", "title")[:2000]
    groups.append((str(_("Canned response")), [(f"canned:{pk}", t) for pk, t in canned]))
    # Another agent: typed in the person field.
    follow = [(f"follow:{schema.ME}", str(_("Me (whoever applies the macro)")))]
    groups.append((str(_("Who follows")), follow))
    return groups


class MacroForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    scope = forms.ChoiceField(label=_("Shared with"))
    team = forms.ChoiceField(
        label=_("Team"), required=False, help_text=_("For a team's macro: its members use it.")
    )

    def __init__(self, *args: Any, actor, **kwargs: Any) -> None:
        from .models import MacroScope

        super().__init__(*args, **kwargs)
        scopes = [(MacroScope.PERSONAL.value, _("Only me"))]
        teams = selectors.led_team_ids(actor)
        if teams:
            scopes.append((MacroScope.TEAM.value, _("A team")))
        if actor.is_manager:
            scopes.append((MacroScope.GLOBAL.value, _("Everyone")))
        self.fields["scope"].choices = scopes  # type: ignore[attr-defined]
        names = dict(selectors.options("team"))
        self.fields["team"].choices = BLANK + [  # type: ignore[attr-defined]
            (str(pk), names.get(str(pk), str(pk))) for pk in teams if str(pk) in names
        ]


def build_macro(actor, data=None, macro=None):
    """The macro form and its action rows, bound to `data` or filled from `macro`."""
    initial = None
    rows: list[dict] = []
    if macro is not None:
        initial = {"name": macro.name, "scope": macro.scope, "team": str(macro.team_id or "")}
        fake = Rule(actions=macro.actions, conditions=[])
        rows = initial_rows(fake)[1][: len(macro.actions)]
        for row in rows:
            if row["type"] == schema.ActionType.REPLY:
                row["target"] = ""
    rows += [{}] * ACTION_ROWS
    form = MacroForm(data, actor=actor, initial=initial)
    action_set = ActionFormSet(
        data, initial=None if data else rows, prefix="actions",
        form_kwargs={"groups": _macro_action_groups(actor), "types": schema.MACRO_ACTIONS},
    )  # fmt: skip
    return form, action_set


def macro_data(form: MacroForm, action_set) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["actions"] = [r for r in (f.row() for f in action_set.forms) if r is not None]
    return data


def place_macro_errors(exc, form: MacroForm, action_set) -> None:
    place_errors(exc, form, [], action_set)


class MacroBulkForm(forms.Form):
    """The queue's bulk "Apply a macro": the ticked tickets and the macro chosen."""

    ticket_ids = IdListField(label=_("Tickets"))
    macro = forms.TypedChoiceField(
        label=_("Macro"),
        coerce=int,
        error_messages={"required": _("Choose a macro."), "invalid_choice": _("Choose a macro.")},
    )

    def __init__(self, *args: Any, actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["macro"].choices = [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in selectors.macro_choices(actor)
        ]
