from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import NAME_MAX, URL_MAX
from .payloads import EVENT_TYPES


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    url = forms.CharField(
        label=_("Target URL"),
        max_length=URL_MAX,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text=_("http or https. Private and internal addresses are refused."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(k, v) for k, v in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    include_internal = forms.BooleanField(
        label=_("Include internal notes"),
        required=False,
        help_text=_("Off: the receiver never gets internal notes."),
    )


class WebhookEditForm(WebhookForm):
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("Turning it on again sends what was queued while it was off, in order."),
    )
