"""The details card's "Override priority": a priority chosen by the agent, with a reason,
instead of impact x urgency; an empty priority goes back to the matrix. The action decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..actions import PRIORITY_REASON_MAX
from ..models import Priority


class PriorityForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("Back to impact × urgency")), *Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=PRIORITY_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required. Internal: the requester never sees it."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "priority_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean() or {}
        if data.get("priority") is not None and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the priority is overridden."))
        return data
