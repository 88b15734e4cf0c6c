"""The ticket page's composer: a reply or an internal note, optionally moving the ticket to
another status in the same submission ("Send and set pending"). It carries what the page
was read from (version, last event seen) so a message written on a stale view is held back."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import PendingReason, Status
from .desk import ReplyForm, _with_blank


class ComposerForm(ReplyForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    seen = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    then = forms.ChoiceField(label=_("Then"), required=False)
    pending_reason = forms.ChoiceField(label=_("Pending reason"), required=False)

    def __init__(self, *args, targets: list[tuple[str, str]] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields
        f["then"].choices = [("", _("Keep the status"))] + [
            (value, _("Set “%(status)s”") % {"status": label}) for value, label in targets
        ]
        f["pending_reason"].choices = _with_blank(_("Choose…"), PendingReason.choices)

    def clean(self):
        data = super().clean() or {}
        if data.get("then") == Status.PENDING and not data.get("pending_reason"):
            self.add_error("pending_reason", _("Say what the ticket is waiting for."))
        return data

    @classmethod
    def refreshed(cls, form: ComposerForm, *, version: int, seen: int, targets) -> ComposerForm:
        """The same draft, now based on the current ticket: sending it again is the agent's
        decision after reading what changed. (Files cannot be carried over.)"""
        data = form.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        data["version"], data["seen"] = str(version), str(seen)
        refreshed = cls(data, targets=targets)
        refreshed.is_valid()
        return refreshed
