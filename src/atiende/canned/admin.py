"""Team and everyone's canned responses are configuration: managers keep them here, and
every change is in the audit log. Personal responses belong to their owner alone (the desk's
"My canned responses" page) and are not listed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from atiende.audit.admin import AuditedAdmin

from .models import CannedResponse, Scope


class SharedResponseForm(forms.ModelForm):
    class Meta:
        model = CannedResponse
        fields = ["title", "language", "scope", "team", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope: Any = self.fields["scope"]  # a ChoiceField
        scope.choices = [
            (Scope.TEAM, Scope.TEAM.label),
            (Scope.GLOBAL, Scope.GLOBAL.label),
        ]

    def clean(self):
        data = super().clean() or {}
        scope, team = data.get("scope"), data.get("team")
        if scope == Scope.TEAM and team is None:
            self.add_error("team", _("Choose the team that shares this response."))
        if scope == Scope.GLOBAL and team is not None:
            self.add_error("team", _("A response for everyone has no team."))
        return data


@admin.register(CannedResponse)
class CannedResponseAdmin(AuditedAdmin):
    form = SharedResponseForm
    list_display = ["title", "scope", "team", "language", "updated_at"]
    list_filter = ["scope", "language", "team"]
    search_fields = ["title", "body"]
    list_select_related = ["team"]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(scope=Scope.PERSONAL)
