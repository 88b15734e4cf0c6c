"""Team defaults of notification preferences, set by administrators (audited). A person's own
choices are made on /account/ and are not edited here."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from atiende.audit.admin import AuditedAdmin

from .models import Preference
from .preferences import EVENTS


class TeamDefaultForm(forms.ModelForm):
    event = forms.ChoiceField(
        label=_("event"), choices=[(key, spec.label) for key, spec in EVENTS.items()]
    )

    class Meta:
        model = Preference
        fields = ["team", "event", "channel", "enabled"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].required = True


@admin.register(Preference)
class TeamDefaultAdmin(AuditedAdmin):
    form = TeamDefaultForm
    list_display = ["team", "event_label", "channel", "enabled"]
    list_filter = ["team", "channel", "enabled"]
    list_select_related = ["team"]
    ordering = ["team__name", "event", "channel"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(team__isnull=False)

    @admin.display(description=_("event"), ordering="event")
    def event_label(self, obj: Preference) -> str:
        spec = EVENTS.get(obj.event)
        return str(spec.label) if spec else obj.event
