"""Forms of the agent desk. They only parse and shape input; tickets.actions validates the
domain rules and decides. Option lists come from `DeskChoices`, which runs each look-up once
per request however many forms show it."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from atiende.accounts import selectors as accounts_selectors
from atiende.accounts.models import Organization, User
from atiende.core.widgets import Options, QuickSelect

from .. import panels
from ..models import Impact, Kind, PendingReason, Priority, Status, Urgency
from ..selectors import SORTS, category_options, resolution_code_options

BULK_MAX = 500
UNASSIGNED = "none"

VIEWS = {
    "mine": _("My open tickets"),
    "unassigned": _("My teams' unassigned"),
    "open": _("All open tickets I may see"),
    "recent": _("Recently updated"),
    "breaching": _("Breaching soon"),
}
SORT_LABELS = {
    "-updated": _("Recently updated first"),
    "updated": _("Least recently updated first"),
    "-created": _("Newest first"),
    "created": _("Oldest first"),
    "priority": _("Highest priority first"),
    "-priority": _("Lowest priority first"),
}


class DeskChoices:
    """Option lists for the desk forms, each loaded at most once (one query each)."""

    def __init__(self, user: User):
        self.user = user

    @cached_property
    def teams(self) -> list[tuple[int, str]]:
        return accounts_selectors.team_choices(self.user)

    @cached_property
    def agents(self) -> list[tuple[int, str]]:
        return accounts_selectors.agent_choices(self.user)

    @cached_property
    def agent_teams(self) -> dict[int, list[int | str]]:
        """Each agent's team ids ("*": sees every ticket): the assignee list follows the team."""
        return accounts_selectors.agent_team_ids(self.user)

    def assignee_select(self, team_field_id: str, choices) -> TeamFollowingSelect:
        """The assignee select that follows the team select `team_field_id` (pickers.js):
        members of the chosen team only, as the action requires (tickets.actions)."""
        return TeamFollowingSelect(
            choices=choices, teams=self.agent_teams, attrs={"data-follows-team": team_field_id}
        )

    @cached_property
    def categories(self) -> list[tuple[int, str]]:
        return [(c.pk, c.label()) for c in category_options()]

    @cached_property
    def organisations(self) -> list[tuple[int, str]]:
        return list(Organization.objects.order_by("name").values_list("id", "name"))

    @cached_property
    def resolution_codes(self) -> list[tuple[str, str]]:
        return [(c.code, c.label()) for c in resolution_code_options()]


def _with_blank(blank_label, choices) -> Options:
    return Options([("", blank_label), *choices])


def _id_choice(label) -> forms.TypedChoiceField:
    """An optional choice of a row by id; the options are set per request."""
    return forms.TypedChoiceField(
        label=label, coerce=int, empty_value=None, required=False, widget=QuickSelect
    )


def _text_choice(label) -> forms.TypedChoiceField:
    """An optional choice of a text value (another domain's, e.g. a tag); options per request."""
    return forms.TypedChoiceField(label=label, empty_value=None, required=False, widget=QuickSelect)


def _upload_help_text() -> str:
    return gettext("You can choose several files, up to %(mb)d MB each.") % {
        "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
    }


_upload_help = lazy(_upload_help_text, str)  # translated when shown, not at import


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files under one field name."""

    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.help_text = _upload_help()

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class IdListField(forms.Field):
    """The ticket ids ticked in a list (checkboxes named ticket_ids)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one ticket."),
        "invalid": _("The selection is not valid; reload the page and try again."),
        "too_many": _("Select at most %(max)d tickets at once."),
    }

    def to_python(self, value) -> list[int]:
        ids: list[int] = []
        for item in value or []:
            try:
                ids.append(int(item))
            except (TypeError, ValueError) as exc:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return list(dict.fromkeys(ids))

    def validate(self, value) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(value) > BULK_MAX:
            raise ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": BULK_MAX}
            )


# --- queue --------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """The queue's view, filters, search and sort (GET). Every field is optional."""

    view = forms.ChoiceField(label=_("View"), required=False, choices=list(VIEWS.items()))
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), required=False, coerce=int, empty_value=None
    )
    team = _id_choice(_("Team"))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    category = _id_choice(_("Category"))
    organization = _id_choice(_("Organisation"))
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, choices: DeskChoices, **kwargs):
        kwargs.setdefault("auto_id", "filter_%s")
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields  # choice fields, filled in per request
        f["kind"].choices = _with_blank(_("Any kind"), Kind.choices)
        f["status"].choices = _with_blank(_("Default for the view"), Status.choices)
        f["priority"].choices = _with_blank(
            _("Any priority"), [(p.value, f"P{p.value} · {p.label}") for p in Priority]
        )
        f["team"].choices = _with_blank(_("Any team"), choices.teams)
        f["assignee"].choices = [
            ("", _("Anyone")),
            (UNASSIGNED, _("Unassigned")),
            *[(str(pk), name) for pk, name in choices.agents],
        ]
        f["category"].choices = _with_blank(_("Any category"), choices.categories)
        f["organization"].choices = _with_blank(_("Any organisation"), choices.organisations)
        f["sort"].choices = [(key, SORT_LABELS[key]) for key in SORTS]
        # Other domains' filters (tickets.panels.register_queue_filter).
        for extra in panels.queue_filters():
            f[extra.name] = _id_choice(extra.label) if extra.by_id else _text_choice(extra.label)
            f[extra.name].choices = _with_blank(extra.blank, extra.choices())

    def extra_filters(self) -> list:
        """The bound fields of other domains' filters, for the template."""
        return [self[extra.name] for extra in panels.queue_filters()]

    def valid_data(self) -> dict[str, Any]:
        """The cleaned values of the fields that are valid; invalid ones are left out."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if k not in self.errors}


class BulkForm(forms.Form):
    """One form for both bulk actions; the pressed button (`action`) says which applies."""

    ticket_ids = IdListField(label=_("Tickets"))
    action = forms.ChoiceField(
        choices=[("assign", _("Assign")), ("status", _("Change status"))],
        error_messages={"required": _("Choose an action.")},
    )
    assignee = forms.ChoiceField(label=_("Assign to agent"), required=False)
    team = _id_choice(_("Move to team"))
    status = forms.ChoiceField(label=_("New status"), required=False)
    resolution_code = forms.ChoiceField(label=_("Resolution code"), required=False)
    resolution_notes = forms.CharField(
        label=_("Resolution note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pending_reason = forms.ChoiceField(label=_("Pending reason"), required=False)

    def __init__(self, *args, choices: DeskChoices, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields  # choice fields, filled in per request
        f["assignee"].choices = [
            ("", _("Keep the assignee")),
            (UNASSIGNED, _("Nobody (unassign)")),
            *[(str(pk), name) for pk, name in choices.agents],
        ]
        f["assignee"].widget = choices.assignee_select("bulk_team", f["assignee"].choices)
        f["team"].choices = _with_blank(_("Keep the team"), choices.teams)
        f["status"].choices = _with_blank(_("Choose a status"), Status.choices)
        f["resolution_code"].choices = _with_blank(_("Choose…"), choices.resolution_codes)
        f["pending_reason"].choices = _with_blank(_("Choose…"), PendingReason.choices)

    def clean(self):
        data = cast(dict[str, Any], super().clean())  # the stubs allow None; Django's never is
        action = data.get("action")
        if action == "assign" and not data.get("assignee") and data.get("team") is None:
            self.add_error("assignee", _("Choose an agent or a team to assign to."))
        if action == "status":
            status = data.get("status")
            if not status:
                self.add_error("status", _("Choose the new status."))
            elif status == Status.RESOLVED:
                if not data.get("resolution_code"):
                    self.add_error("resolution_code", _("Choose a resolution code."))
                if not (data.get("resolution_notes") or "").strip():
                    self.add_error("resolution_notes", _("Describe the resolution."))
            elif status == Status.PENDING and not data.get("pending_reason"):
                self.add_error("pending_reason", _("Choose why it is pending."))
        return data

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        assignee = self.cleaned_data.get("assignee")
        if assignee == UNASSIGNED:
            changes["assignee"] = None
        elif assignee:
            changes["assignee"] = int(assignee)
        if self.cleaned_data.get("team") is not None:
            changes["team"] = self.cleaned_data["team"]
        return changes

    def transition_details(self) -> dict[str, str]:
        data = self.cleaned_data
        details = {}
        if data["status"] == Status.RESOLVED:
            details["resolution_code"] = data["resolution_code"]
            details["resolution_notes"] = data["resolution_notes"]
        if data["status"] == Status.PENDING:
            details["pending_reason"] = data["pending_reason"]
        return details


# --- ticket page --------------------------------------------------------------------------------


class TicketFieldsForm(forms.Form):
    """The side panel: classification and routing. Only the fields the agent changed are
    sent to the action, together with the version the form was rendered from."""

    EDITABLE = ("kind", "category", "impact", "urgency", "team", "assignee")

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    category = _id_choice(_("Category"))
    impact = forms.TypedChoiceField(label=_("Impact"), choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(label=_("Urgency"), choices=Urgency.choices, coerce=int)
    team = _id_choice(_("Team"))
    assignee = _id_choice(_("Assignee"))

    def __init__(self, *args, choices: DeskChoices, ticket=None, **kwargs):
        kwargs.setdefault("auto_id", "fields_%s")
        if ticket is not None:
            kwargs.setdefault("initial", self.initial_for(ticket))
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields  # choice fields, filled in per request
        f["category"].choices = _with_blank(_("No category"), choices.categories)
        f["team"].choices = _with_blank(_("No team"), choices.teams)
        f["assignee"].choices = _with_blank(_("Unassigned"), choices.agents)
        f["assignee"].widget = choices.assignee_select("fields_team", f["assignee"].choices)

    @staticmethod
    def initial_for(ticket) -> dict[str, Any]:
        return {
            "version": ticket.version,
            "kind": ticket.kind,
            "category": ticket.category_id,
            "impact": ticket.impact,
            "urgency": ticket.urgency,
            "team": ticket.team_id,
            "assignee": ticket.assignee_id,
        }

    def changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in self.changed_data if name in self.EDITABLE
        }

    def describe_changes(self) -> list[tuple[str, str]]:
        """(label, chosen value) of each change, to show what a conflict kept from saving."""
        described = []
        for name, value in self.changes().items():
            field = self[name]
            choices = getattr(field.field, "choices", ())
            shown = dict(choices).get(value, value) if value is not None else "—"
            described.append((str(field.label), str(shown or "—")))
        return described


class TransitionForm(forms.Form):
    """Move the ticket to another status; the action enforces what each status needs."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    to = forms.ChoiceField(choices=Status.choices, widget=forms.HiddenInput)
    resolution_code = forms.ChoiceField(label=_("Resolution code"), required=False)
    resolution_notes = forms.CharField(
        label=_("Resolution note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the requester."),
    )
    pending_reason = forms.ChoiceField(label=_("Pending reason"), required=False)
    comment = forms.CharField(
        label=_("Public reply (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    duplicate_of = forms.CharField(
        label=_("Duplicate of"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "INC-000123"}),
        help_text=_("With the resolution “Duplicate”: the number of the original ticket."),
    )

    def __init__(self, *args, choices: DeskChoices, **kwargs):
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields  # choice fields, filled in per request
        f["resolution_code"].choices = _with_blank(_("Choose…"), choices.resolution_codes)
        f["pending_reason"].choices = _with_blank(_("Choose…"), PendingReason.choices)


class ReplyForm(forms.Form):
    VISIBILITY = [("public", _("Public reply")), ("internal", _("Internal note"))]

    visibility = forms.ChoiceField(
        label=_("Who can read it"), choices=VISIBILITY, widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,
        # data-mentions: the note's @mention autocomplete (web/static/atiende/mentions.js).
        widget=forms.Textarea(attrs={"rows": 5, "data-mentions": ""}),
        help_text=_("Markdown is supported."),
    )
    attachments = MultipleFileField(label=_("Attach files"))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "reply_%s")
        kwargs.setdefault("initial", {"visibility": "public"})
        super().__init__(*args, **kwargs)

    @property
    def is_public(self) -> bool:
        return self.cleaned_data.get("visibility") == "public"


class TeamFollowingSelect(QuickSelect):
    """The assignee select: each agent's option says their teams (data-teams), so pickers.js
    lists only the members of the team chosen in the select named by `data-follows-team`."""

    def __init__(self, *args, teams: dict[int, list[int | str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = teams or {}

    def option_attrs(self, value) -> dict[str, str]:
        if not str(value).isdigit():
            return {}
        return {"data-teams": " ".join(str(i) for i in self.teams.get(int(str(value)), []))}


class PersonPickerField(forms.CharField):
    """A person chosen with the type-ahead picker (enhanced by pickers.js): the page
    lists nobody up front (there may be 100,000 people); the browser's own list fills from
    GET /api/v1/people as the agent types. What comes back is an id or an e-mail address
    (typed by hand without script), answered as the person's id."""

    def __init__(self, *, datalist: str, **kwargs):
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"list": datalist, "autocomplete": "off", "data-people-picker": datalist}
        )

    def clean(self, value) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        person = accounts_selectors.person_by_reference(text)
        if person is None:
            raise forms.ValidationError(_("No such person: type a name and choose from the list."))
        return person.pk


class NewTicketForm(forms.Form):
    requester = PersonPickerField(
        label=_("Requester"),
        datalist="new_requester_options",
        help_text=_("The person the ticket is opened for: type a name or an e-mail address."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.INCIDENT)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown is supported."),
    )
    category = _id_choice(_("Category"))
    impact = forms.TypedChoiceField(
        label=_("Impact"), choices=Impact.choices, coerce=int, initial=Impact.LOW
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.LOW
    )
    team = _id_choice(_("Team"))
    assignee = _id_choice(_("Assignee"))
    attachments = MultipleFileField(label=_("Attach files"))

    def __init__(self, *args, choices: DeskChoices, **kwargs):
        kwargs.setdefault("auto_id", "new_%s")
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields  # choice fields, filled in per request
        f["requester"].widget.attrs["data-source"] = reverse("api:people_search")
        f["category"].choices = _with_blank(_("No category"), choices.categories)
        f["team"].choices = _with_blank(_("From the category"), choices.teams)
        f["team"].help_text = _("Left empty, the category decides the team.")
        f["assignee"].choices = _with_blank(_("Unassigned"), choices.agents)
        f["assignee"].widget = TeamFollowingSelect(
            choices=f["assignee"].choices,
            teams=choices.agent_teams,
            attrs={"data-follows-team": "new_team"},
        )
