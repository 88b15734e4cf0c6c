"""The shared time zone choices: grouped by region, every zone valid, UTC first."""

from __future__ import annotations

import zoneinfo

from atiende.accounts.forms import PreferencesForm, time_zone_choices, time_zone_names


def test_choices_are_utc_then_groups_by_region():
    choices = time_zone_choices()
    assert choices[0] == ("UTC", "UTC")
    regions = [region for region, _zones in choices[1:]]
    assert regions == sorted(regions)
    assert {"America", "Europe", "Asia"} <= set(regions)
    europe = dict(dict(choices[1:])["Europe"])
    assert europe["Europe/Madrid"] == "Madrid"
    america = dict(dict(choices[1:])["America"])
    assert america["America/Argentina/Buenos_Aires"] == "Argentina/Buenos Aires"


def test_every_offered_zone_exists_and_aliases_without_region_are_left_out():
    names = time_zone_names()
    assert "Europe/Madrid" in names and "UTC" in names
    assert "EST5EDT" not in names
    for name in names:
        zoneinfo.ZoneInfo(name)


def test_preferences_form_accepts_a_grouped_choice_and_refuses_an_unknown_one():
    ok = PreferencesForm({"language": "es", "time_zone": "America/Bogota"})
    assert ok.is_valid(), ok.errors
    bad = PreferencesForm({"language": "es", "time_zone": "Mars/Olympus"})
    assert not bad.is_valid() and "time_zone" in bad.errors
    assert '<optgroup label="Europe">' in str(ok["time_zone"])
