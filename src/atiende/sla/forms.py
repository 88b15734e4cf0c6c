"""Admin form fields for SLA configuration an IT manager can fill in without JSON: opening
hours as a weekday grid, kinds/priorities/pausing statuses as checkboxes, targets in hours and
minutes, and a time zone picker. They read and write the values the models store; the
models' validators (models.py) still decide, as for the API."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from atiende.accounts.forms import time_zone_choices, time_zone_names
from atiende.tickets.models import Kind, Priority, Status

from .calendar import WeeklyHours
from .models import TARGET_MAX_MINUTES

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Django's own weekday names (its catalogue): a project entry for "Monday" would also change
# how every date in the product is written ("lunes" in running text, not "Lunes").
DAY_LABELS = tuple(capfirst(WEEKDAYS[day]) for day in range(7))
INTERVALS = 2  # columns shown; a day stored with more shows as many as it has
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")

# One day's intervals as the grid holds them: [[from, to], ...] of "HH:MM" texts ("" empty).
Grid = list[list[list[str]]]


def _grid_of(hours: Any) -> Grid | None:
    """The stored JSON as a grid, or None if it cannot be read (then shown as text)."""
    try:
        weekly = WeeklyHours.parse(hours or {})
    except (ValueError, TypeError, AttributeError):
        return None
    return [
        [
            [start.strftime("%H:%M"), "00:00" if end is None else end.strftime("%H:%M")]
            for start, end in day
        ]
        for day in weekly.days
    ]


def compact(weekly: WeeklyHours) -> dict[str, str]:
    """{"mon-fri": "09:00-17:00"}: consecutive days with the same hours share a key."""
    texts = [WeeklyHours.from_mapping({0: day}).to_strings().get("mon", "") for day in weekly.days]
    result: dict[str, str] = {}
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and texts[j + 1] == texts[i]:
            j += 1
        if texts[i]:
            result[DAYS[i] if i == j else f"{DAYS[i]}-{DAYS[j]}"] = texts[i]
        i = j + 1
    return result


class WeeklyHoursWidget(forms.Widget):
    """Seven rows (Monday first), each with from/to time inputs per interval. No script:
    an empty row is a closed day; "to 00:00" means until midnight."""

    template_name = "sla/widgets/weekly_hours.html"

    def value_from_datadict(self, data, files, name) -> Grid:
        grid: Grid = []
        for day in DAYS:
            intervals, i = [], 0
            while f"{name}_{day}_{i}_from" in data or i < INTERVALS:
                start = data.get(f"{name}_{day}_{i}_from", "")
                end = data.get(f"{name}_{day}_{i}_to", "")
                intervals.append([str(start).strip(), str(end).strip()])
                i += 1
                if i > 24:  # more would be nonsense, and bounds the loop
                    break
            grid.append(intervals)
        return grid

    def value_omitted_from_data(self, data, files, name) -> bool:
        return not any(key.startswith(f"{name}_") for key in data)

    def get_context(self, name, value, attrs) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        grid = value if isinstance(value, list) else _grid_of(value)
        columns = max([INTERVALS, *(len(day) for day in grid or [])])
        rows = []
        for index, day in enumerate(DAYS):
            given = grid[index] if grid else []
            cells = [
                {
                    "from_name": f"{name}_{day}_{i}_from",
                    "to_name": f"{name}_{day}_{i}_to",
                    "from": given[i][0] if i < len(given) else "",
                    "to": given[i][1] if i < len(given) else "",
                }
                for i in range(columns)
            ]
            rows.append({"label": DAY_LABELS[index], "cells": cells})
        context["widget"].update(rows=rows, columns=range(1, columns + 1))
        return context


def _time_text(text: str, *, end: bool) -> str:
    match = _TIME.match(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValidationError(_("“%(value)s” is not a time like 09:00."), params={"value": text})
    value = f"{int(match[1]):02d}:{match[2]}"
    return "24:00" if end and value == "00:00" else value


class WeeklyHoursField(forms.Field):
    """The grid in, the model's JSON out ({"mon-fri": "09:00-17:00"}), compact."""

    widget = WeeklyHoursWidget
    default_error_messages = {
        "half": _("%(day)s: give both the opening and the closing time."),
    }

    def to_python(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):  # the initial JSON (has_changed)
            return value
        mapping: dict[str, str] = {}
        for day, label, intervals in zip(DAYS, DAY_LABELS, value or [], strict=False):
            parts = []
            for start, end in intervals:
                if not start and not end:
                    continue
                if not (start and end):
                    raise ValidationError(
                        self.error_messages["half"], code="half", params={"day": label}
                    )
                parts.append(f"{_time_text(start, end=False)}-{_time_text(end, end=True)}")
            if parts:
                mapping[day] = ", ".join(parts)
        try:
            weekly = WeeklyHours.parse(mapping)
        except ValueError as exc:
            raise ValidationError(
                _("Invalid opening hours: %(error)s"), params={"error": exc}
            ) from exc
        return compact(weekly)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return not same_hours(initial, self.to_python(data))
        except ValidationError:
            return True


def same_hours(a: Any, b: Any) -> bool:
    """Whether two stored values mean the same week ({"mon-fri": ...} == five keys)."""
    try:
        return WeeklyHours.parse(a or {}) == WeeklyHours.parse(b or {})
    except (ValueError, TypeError, AttributeError):
        return False


class TimeZoneField(forms.ChoiceField):
    """A <select> of the IANA zones grouped by region (accounts.forms.time_zone_choices)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=time_zone_choices, **kwargs)

    def keep(self, current: str) -> None:
        """Offer a zone saved before the picker existed (e.g. "EST5EDT") so it re-saves."""
        if current and current not in time_zone_names():
            self.choices = [(current, current), *time_zone_choices()]


def checkboxes(choices, *, coerce=str, label=None, help_text="") -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(
        choices=choices,
        coerce=coerce,
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.CheckboxSelectMultiple,
    )


class DurationWidget(forms.MultiWidget):
    """Hours and minutes, two number inputs."""

    template_name = "sla/widgets/duration.html"

    def __init__(self, attrs=None) -> None:
        super().__init__(
            {
                "hours": forms.NumberInput(attrs={"min": 0, "class": "vIntegerField"}),
                "minutes": forms.NumberInput(attrs={"min": 0, "max": 59, "class": "vIntegerField"}),
            },
            attrs,
        )

    def decompress(self, value):
        if value in (None, ""):
            return [None, None]
        return list(divmod(int(value), 60))


class MinutesField(forms.MultiValueField):
    """Hours + minutes in, the model's whole minutes out."""

    widget = DurationWidget

    def __init__(self, *, required: bool = True, **kwargs: Any) -> None:
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        fields = (
            forms.IntegerField(min_value=0, max_value=TARGET_MAX_MINUTES // 60, required=False),
            forms.IntegerField(min_value=0, max_value=59, required=False),
        )
        super().__init__(fields, required=required, require_all_fields=False, **kwargs)

    def compress(self, data_list) -> int | None:
        if not data_list or all(v in (None, "") for v in data_list):
            return None
        hours, minutes = ((v or 0) for v in data_list)
        return hours * 60 + minutes


def _same_list(initial: Any, new: list) -> bool:
    try:
        return isinstance(initial, list) and sorted(initial) == sorted(new)
    except TypeError:  # a legacy list mixing "1" and 2: saved anew, normalised
        return False


class BusinessCalendarForm(forms.ModelForm):
    time_zone = TimeZoneField(label=capfirst(_("time zone")))
    hours = WeeklyHoursField(
        label=capfirst(_("weekly hours")),
        required=False,
        help_text=_(
            "Local time. Leave a day empty when closed; “until 00:00” means until midnight. "
            "Ignored when open 24x7."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        zone = self.fields["time_zone"]
        if isinstance(zone, TimeZoneField):
            zone.keep(self.instance.time_zone if self.instance.pk else "")

    def clean_hours(self) -> Any:
        """The stored value when the grid means the same week: re-saving changes nothing."""
        hours = self.cleaned_data["hours"]
        stored = self.instance.hours if self.instance.pk else None
        return stored if stored is not None and same_hours(stored, hours) else hours


class SlaPolicyForm(forms.ModelForm):
    kinds = checkboxes(
        Kind.choices, label=capfirst(_("kinds")), help_text=_("None ticked: any kind.")
    )
    priorities = checkboxes(
        Priority.choices,
        coerce=int,
        label=capfirst(_("priorities")),
        help_text=_("None ticked: any."),
    )
    pause_statuses = checkboxes(
        Status.choices,
        label=capfirst(_("pausing statuses")),
        help_text=_("The clocks stop while a ticket is in one of these."),
    )

    def _kept(self, name: str) -> Any:
        """The stored list when the same values are ticked (its order and types kept)."""
        new = self.cleaned_data[name]
        stored = getattr(self.instance, name) if self.instance.pk else None
        return stored if _same_list(stored, new) else new

    def clean_kinds(self) -> Any:
        return self._kept("kinds")

    def clean_priorities(self) -> Any:
        return self._kept("priorities")

    def clean_pause_statuses(self) -> Any:
        return self._kept("pause_statuses")


class SlaTargetForm(forms.ModelForm):
    first_response_minutes = MinutesField(label=capfirst(_("first response")))
    resolution_minutes = MinutesField(label=capfirst(_("resolution")))
    next_response_minutes = MinutesField(
        label=capfirst(_("next response")),
        required=False,
        help_text=_("After each public reply of the requester; empty for none."),
    )
