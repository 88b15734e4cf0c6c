from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from atiende.accounts.models import Language
from atiende.core.forms import MomentField
from atiende.sla.models import BusinessCalendar
from atiende.tickets.models import Category

from .models import CAP_MAX, Mode

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PolicyForm(forms.Form):
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=Mode.choices,
        help_text=_(
            "Round-robin: each available agent in turn. Least loaded: the agent with the "
            "lightest open tickets, weighted by priority. Manual: nobody is chosen."
        ),
    )
    use_skills = forms.BooleanField(
        label=_("Match skills"),
        required=False,
        help_text=_("Only agents whose categories and languages fit the ticket are chosen."),
    )
    respect_working_hours = forms.BooleanField(
        label=_("Respect working hours"),
        required=False,
        help_text=_("Agents with a business calendar are chosen only while it is open."),
    )
    default_cap = forms.IntegerField(
        label=_("Cap per agent"),
        required=False,
        min_value=1,
        max_value=CAP_MAX,
        help_text=_("Most open tickets an agent may hold; empty for no limit."),
    )


class AvailabilityForm(forms.Form):
    available = forms.BooleanField(
        label=_("Available for automatic assignment"),
        required=False,
        help_text=_("Off: no ticket is given to you automatically."),
    )
    away_from = MomentField(label=_("Out of office from"), required=False, widget=DATETIME_WIDGET)
    away_until = MomentField(label=_("Out of office until"), required=False, widget=DATETIME_WIDGET)

    def clean(self):
        data = super().clean() or {}
        start, end = data.get("away_from"), data.get("away_until")
        if start and end and end <= start:
            self.add_error("away_until", _("The end must be after the start."))
        return data


class AgentSettingsForm(AvailabilityForm):
    # A manager's page about someone else: not "given to you".
    available = forms.BooleanField(
        label=_("Available for automatic assignment"),
        required=False,
        help_text=_("Off: no ticket is given to this agent automatically."),
    )
    calendar = forms.ModelChoiceField(
        label=_("Working hours"),
        queryset=BusinessCalendar.objects.all(),
        required=False,
        empty_label="—",
        help_text=_("The business calendar of the agent's working hours; empty: any time."),
    )
    cap = forms.IntegerField(
        label=_("Cap"),
        required=False,
        min_value=1,
        max_value=CAP_MAX,
        help_text=_("Most open tickets; empty: the team's cap."),
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.filter(is_active=True).order_by("full_path"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Categories this agent handles; none: every category."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=Language.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Languages this agent answers in; none: every language."),
    )
