"""The Reports page's form (GET): metric x dimension x period, and the filters."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from atiende.accounts.models import Team
from atiende.core import clock
from atiende.tickets.models import Channel, Kind, Priority

from .metrics import DIMENSIONS, METRICS

MAX_DAYS = 2 * 366


def _blank(label, choices) -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class ReportForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"), required=False)
    dimension = forms.ChoiceField(label=_("Split by"), required=False)
    start = forms.DateField(
        label=pgettext_lazy("start of a period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("end of a period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    team = forms.TypedChoiceField(label=_("Team"), required=False, coerce=int, empty_value=None)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), required=False, coerce=int, empty_value=None
    )
    # Carried by drill-downs and links (no picker on the page).
    agent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    category = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    organization = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    item = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "report_%s")
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields
        f["metric"].choices = [(m.name, m.label) for m in METRICS.values()]
        f["dimension"].choices = list(DIMENSIONS.items())
        f["team"].choices = _blank(
            _("Any team"), list(Team.objects.order_by("name").values_list("pk", "name"))
        )
        f["channel"].choices = _blank(_("Any channel"), Channel.choices)
        f["kind"].choices = _blank(_("Any kind"), Kind.choices)
        f["priority"].choices = _blank(
            _("Any priority"), [(p.value, f"P{p.value} · {p.label}") for p in Priority]
        )

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())
        today = timezone.localdate(clock.now())
        end: date = data.get("end") or today
        start: date = data.get("start") or end - timedelta(days=29)
        if end < start:
            self.add_error("end", _("The end must be after the start."))
        elif (end - start).days > MAX_DAYS:
            self.add_error("end", _("Ask for %(days)d days at most.") % {"days": MAX_DAYS})
        data["start"], data["end"] = start, end
        data["metric"] = data.get("metric") or "created"
        data["dimension"] = data.get("dimension") or "team"
        return data

    def period_bounds(self) -> tuple[datetime, datetime]:
        """From the start of the first day to the start of the day after the last, in the
        reader's time zone."""
        tz = timezone.get_current_timezone()
        start = datetime.combine(self.cleaned_data["start"], time.min, tzinfo=tz)
        end = datetime.combine(self.cleaned_data["end"] + timedelta(days=1), time.min, tzinfo=tz)
        return start, end

    def filters(self) -> dict[str, Any]:
        names = ("team", "agent", "category", "organization", "item", "channel", "kind", "priority")
        return {
            n: self.cleaned_data.get(n) for n in names if self.cleaned_data.get(n) not in (None, "")
        }


class SaveReportForm(forms.Form):
    """Name the report on the page (and have it e-mailed): the report itself comes from the
    page's query (ReportForm)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    frequency = forms.ChoiceField(label=_("E-mail it to me"), required=False)

    def __init__(self, *args, **kwargs):
        from .models import Frequency

        kwargs.setdefault("auto_id", "save_%s")
        super().__init__(*args, **kwargs)
        self.fields["frequency"].choices = [("", _("No e-mail")), *Frequency.choices]  # type: ignore[attr-defined]
