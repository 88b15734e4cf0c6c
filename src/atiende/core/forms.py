"""A domain error shown on a Django form: the one way views do it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms

from .dates import check_year, parse_moment
from .errors import DomainError, NotFound, ValidationFailed


def apply_domain_error(
    form: forms.BaseForm, exc: DomainError, rename: dict[str, str] | None = None
) -> None:
    """Field errors on their fields (`rename` maps an action's field name to the form's,
    e.g. {"file": "attachments"}); errors about fields the form does not have, or a bare
    detail, on top of the form. A NotFound is no form error: it is raised again, and the
    middleware answers 404 (denied looks like missing, on forms too)."""
    if isinstance(exc, NotFound):
        raise exc
    rename = rename or {}
    placed = False
    for name, messages in exc.errors.items():
        field = rename.get(name, name)
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.detail)


class MomentField(forms.DateTimeField):
    """A date and time on a form, read like the API reads one (core.dates.parse_moment):
    naive in the user's time zone, a date alone the start of that day (`end_of_day`: its
    last instant), years 1900..2999; anything else a form error, never a 500."""

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, (list, tuple)):  # a split widget's parts
            value = " ".join(str(v) for v in value if v)
        try:
            return parse_moment(value, field="value", end_of_day=self.end_of_day)
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.first_message(), code="invalid") from None


class DayField(forms.DateField):
    """A day (a calendar page's date) within the years core.dates allows: its neighbours
    (the weeks around it, the previous and next month) must exist too."""

    def to_python(self, value: Any) -> date | None:
        day = super().to_python(value)
        if day is not None:
            try:
                check_year(day.year, "value")
            except ValidationFailed as exc:
                raise forms.ValidationError(exc.first_message(), code="invalid") from None
        return day
