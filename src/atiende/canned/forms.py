from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BODY_MAX, TITLE_MAX, Language


class PersonalResponseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Placeholders: {{requester.first_name}}, {{requester.name}}, {{ticket.number}}, "
            "{{ticket.title}}, {{agent.first_name}}, {{agent.name}}."
        ),
    )
