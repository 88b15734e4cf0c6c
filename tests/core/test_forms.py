"""One way to show a domain error on a form; one way to read a date on a form."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django import forms
from django.utils import timezone

from atiende.core.errors import Conflict, NotFound, ValidationFailed
from atiende.core.forms import DayField, MomentField, apply_domain_error


class _Form(forms.Form):
    title = forms.CharField(required=False)
    attachments = forms.CharField(required=False)


def _bound():
    form = _Form({})
    assert form.is_valid()
    return form


def test_field_errors_go_to_their_fields_renamed_and_the_rest_on_top():
    form = _bound()
    exc = ValidationFailed(errors={"title": ["Too long."], "file": ["Empty."], "x": ["Odd."]})
    apply_domain_error(form, exc, rename={"file": "attachments"})
    assert form.errors["title"] == ["Too long."]
    assert form.errors["attachments"] == ["Empty."]
    assert form.non_field_errors() == ["Odd."]


def test_an_error_without_fields_shows_its_detail_on_top():
    form = _bound()
    apply_domain_error(form, Conflict("Changed meanwhile.", current_version=2))
    assert form.non_field_errors() == ["Changed meanwhile."]


def test_not_found_is_never_a_form_error():
    form = _bound()
    with pytest.raises(NotFound):
        apply_domain_error(form, NotFound())
    assert not form.errors


# --- dates on forms: read like the API reads them (core.dates) ---------------------------------


class WindowForm(forms.Form):
    start = MomentField(required=False)
    end = MomentField(required=False, end_of_day=True)
    day = DayField(required=False)


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00", "9999-12-31T23:59", "2026-13-45", "garbage", "9" * 5000]
)
def test_moment_field_refuses_with_a_message_on_the_field(value):
    form = WindowForm({"start": value, "end": value})
    assert not form.is_valid()
    assert form.errors["start"] and form.errors["end"]


def test_moment_field_reads_naive_and_date_alone_in_the_users_time_zone():
    with timezone.override(zoneinfo.ZoneInfo("Europe/Madrid")):
        form = WindowForm({"start": "2026-12-01", "end": "2026-12-01", "day": "2026-12-01"})
        assert form.is_valid(), form.errors
        naive = WindowForm({"start": "2026-07-01T09:00", "end": "2026-07-01 10:00:00"})
        assert naive.is_valid(), naive.errors
    assert form.cleaned_data["start"] == datetime(2026, 11, 30, 23, tzinfo=UTC)
    assert form.cleaned_data["end"] == datetime(2026, 12, 1, 22, 59, 59, 999999, tzinfo=UTC)
    assert naive.cleaned_data["start"] == datetime(2026, 7, 1, 7, tzinfo=UTC)


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
def test_day_field_refuses_years_whose_neighbours_a_page_cannot_compute(value):
    form = WindowForm({"day": value})
    assert not form.is_valid()
    assert "between 1900 and 2999" in form.errors["day"][0]
