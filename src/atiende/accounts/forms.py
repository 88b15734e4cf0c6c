"""Forms of the account pages and sign-in. They shape input; accounts.actions decides."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .actions import MAX_TOKEN_DAYS
from .models import DEFAULT_TOKEN_SCOPES, TokenScope

LANGUAGE_CHOICES = [
    ("", _("Same as my browser")),
    ("en", "English"),
    ("es", "Español"),
]


@cache
def time_zone_choices() -> list[tuple[str, Any]]:
    """The IANA time zones (from tzdata) for a <select>: UTC first, then one group per
    region ("America", "Europe"...), each zone shown without its region and with spaces
    ("America/Argentina/Buenos_Aires" -> "Argentina/Buenos Aires"). Shared by every time
    zone picker (account preferences, SLA calendars); legacy aliases without a region
    ("EST5EDT", "GMT") are left out."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(zoneinfo.available_timezones()):
        region, sep, place = name.partition("/")
        if sep:
            groups.setdefault(region, []).append((name, place.replace("_", " ")))
    return [("UTC", "UTC"), *groups.items()]


@cache
def time_zone_names() -> frozenset[str]:
    """Every value time_zone_choices() offers."""
    names = {"UTC"}
    for _region, zones in time_zone_choices()[1:]:
        names.update(name for name, _label in zones)
    return frozenset(names)


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=time_zone_choices,
        help_text=_("Dates and times are shown in this time zone."),
    )
    email_notifications = forms.BooleanField(
        label=_("Send me e-mail about my tickets"),
        required=False,
        help_text=_("Acknowledgements, replies, resolutions and, for agents, SLA alerts."),
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. “Monitoring script”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=TokenScope.choices,
        initial=list(DEFAULT_TOKEN_SCOPES),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Read: only look (GET). Read and write: everything you can do."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        help_text=_("Leave empty for a token that never expires."),
    )


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "That username and password do not match. Check them (capital letters count) "
            "and try again."
        ),
        "inactive": _("This account is disabled. Ask your administrator."),
    }
