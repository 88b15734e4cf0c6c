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
    # "Send and resolve": resolving needs a code and a note shown to the requester; a public
    # reply sent with it is that note unless another one is written.
    resolution_code = forms.ChoiceField(label=_("Resolution code"), required=False)
    resolution_notes = forms.CharField(
        label=_("Resolution note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the requester. Left empty, the public reply is the note."),
    )

    def __init__(
        self,
        *args,
        targets: list[tuple[str, str]] = (),  # type: ignore[assignment]
        resolution_codes: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        f: dict[str, Any] = self.fields
        f["then"].choices = [("", _("Keep the status"))] + [
            (value, _("Set “%(status)s”") % {"status": label})
            if value != Status.RESOLVED
            else (value, _("Resolve"))
            for value, label in targets
        ]
        f["pending_reason"].choices = _with_blank(_("Choose…"), PendingReason.choices)
        f["resolution_code"].choices = _with_blank(_("Choose…"), resolution_codes)

    def clean(self):
        data = super().clean() or {}
        if data.get("then") == Status.PENDING and not data.get("pending_reason"):
            self.add_error("pending_reason", _("Say what the ticket is waiting for."))
        if data.get("then") == Status.RESOLVED:
            if not data.get("resolution_code"):
                self.add_error("resolution_code", _("Choose a resolution code."))
            if not (data.get("resolution_notes") or "").strip() and not self.is_public:
                self.add_error(
                    "resolution_notes",
                    _("Describe the resolution: an internal note is not shown to the requester."),
                )
        return data

    def resolution_note(self) -> str:
        """The note resolving shows the requester: the one written, else the public reply."""
        data = self.cleaned_data
        if (data.get("resolution_notes") or "").strip():
            return data["resolution_notes"]
        return data.get("body", "") if self.is_public else ""

    @classmethod
    def refreshed(
        cls, form: ComposerForm, *, version: int, seen: int, targets, resolution_codes=()
    ) -> ComposerForm:
        """The same draft, now based on the current ticket: sending it again is the agent's
        decision after reading what changed. (Files cannot be carried over.)"""
        data = form.data.copy()  # type: ignore[attr-defined]  # a QueryDict
        data["version"], data["seen"] = str(version), str(seen)
        refreshed = cls(data, targets=targets, resolution_codes=resolution_codes)
        refreshed.is_valid()
        return refreshed
