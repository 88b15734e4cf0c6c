"""Admin for service-level configuration: calendars (with a preview of the next working
periods), policies with their targets and escalations, and read-only clocks."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from atiende.audit.admin import AuditedAdmin
from atiende.core import clock as wallclock
from atiende.core.admin import ReadOnlyAdmin

from .forms import BusinessCalendarForm, SlaPolicyForm, SlaTargetForm
from .models import (
    BusinessCalendar,
    CalendarClosure,
    CalendarHoliday,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    SlaTarget,
)

PREVIEW_PERIODS = 10


class CalendarHolidayInline(admin.TabularInline):
    model = CalendarHoliday
    extra = 0


class CalendarClosureInline(admin.TabularInline):
    model = CalendarClosure
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedAdmin):
    form = BusinessCalendarForm
    list_display = ["name", "time_zone", "country", "subdivision", "is_24x7"]
    search_fields = ["name"]
    inlines = [CalendarHolidayInline, CalendarClosureInline]
    readonly_fields = ["preview"]
    fields = ["name", "time_zone", "is_24x7", "hours", "country", "subdivision", "preview"]

    @admin.display(description=_("Next working periods"))
    def preview(self, obj: BusinessCalendar) -> str:
        if obj.pk is None:
            return gettext("Save the calendar to see its next working periods.")
        try:
            calendar = obj.to_calendar()
            periods = calendar.next_open_periods(wallclock.now(), PREVIEW_PERIODS)
        except ValueError as exc:
            return gettext("This calendar cannot be computed: %(error)s") % {"error": exc}
        if not periods:
            return gettext("No working time in the next 200 years.")
        zone = calendar.zone
        return format_html_join(
            "\n",
            "<div>{} – {}</div>",
            (
                (
                    timezone.localtime(start, zone).strftime("%a %Y-%m-%d %H:%M"),
                    timezone.localtime(end, zone).strftime("%a %Y-%m-%d %H:%M %Z"),
                )
                for start, end in periods
            ),
        )


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    form = SlaTargetForm
    extra = 0


class SlaEscalationInline(admin.TabularInline):
    model = SlaEscalation
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedAdmin):
    form = SlaPolicyForm
    list_display = ["name", "position", "is_active", "calendar", "warn_at_percent"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "calendar"]
    filter_horizontal = ["organizations", "categories", "teams"]
    inlines = [SlaTargetInline, SlaEscalationInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Policies are deactivated, never deleted: clocks keep pointing at the policy they
        # ran under, and every process holds the active policies in memory for up to 30 s
        # (clocks.py), where a deleted one would fail the next ticket's clocks.
        return False


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    """Clocks are live data kept by the SLA actions: shown, never edited here."""

    list_display = ["ticket", "kind", "state", "target_minutes", "deadline", "breached_at"]
    list_filter = ["state", "kind"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket"]
