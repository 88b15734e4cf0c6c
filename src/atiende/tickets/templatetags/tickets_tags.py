"""Display helpers shared by the desk and the portal."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from atiende.core.sanitize import render_markdown

from .. import panels, selectors, timeline
from ..models import LINK_INVERSE_LABELS, LinkType, PendingReason, Priority, Status

register = template.Library()


@register.simple_tag(takes_context=True)
def person_name(context, person) -> str:
    """A person as the page's viewer may know them (selectors.name_for): requesters see
    agents by first name only. "System" for the desk's own entries."""
    request = context.get("request")
    viewer = getattr(request, "user", None)
    return selectors.name_for(person, viewer) or _("System")


@register.simple_tag(takes_context=True)
def timeline_entries(context, events) -> SafeString:
    """The timeline's entries, written in Python (tickets/timeline_html.py)."""
    from ..timeline_html import timeline_entries as write

    return write(context, events)


@register.filter
def timeline_entry(event_type: str) -> str:
    """The template another domain registered for its timeline events, or ""."""
    return panels.timeline_entry(event_type) or ""


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def field_label(field: str) -> str:
    return timeline.field_label(field)


@register.simple_tag
def field_value(field: str, value: str) -> str:
    """A timeline value in the reader's language: choice codes become their labels."""
    return timeline.value_label(field, value)


def link_label(link_type: str, *, inverse: bool) -> str:
    """How a link reads from one side: "Caused by" forward, "Caused" backward."""
    try:
        kind = LinkType(link_type)
    except ValueError:
        return link_type
    return str(LINK_INVERSE_LABELS[kind] if inverse else kind.label)


@register.simple_tag
def link_text(field: str, value: str) -> str:
    """A link event's value ("caused_by INC-000123") in the reader's language."""
    link_type, _sep, number = value.partition(" ")
    return f"{link_label(link_type, inverse=field == 'link_inverse')} {number}"


@register.simple_tag
def status_badge(status: str) -> SafeString:
    label: str
    try:
        label = str(Status(status).label)
    except ValueError:
        label = status
    return format_html('<span class="badge status-{}">{}</span>', status, label)


@register.simple_tag
def priority_badge(priority: int) -> SafeString:
    try:
        label = Priority(int(priority)).label
    except (ValueError, TypeError):
        return format_html("{}", priority)
    return format_html('<span class="prio prio-{}">P{} · {}</span>', priority, priority, label)


@register.filter
def filesize(size: int) -> str:
    size = int(size or 0)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size:.1f} GB"


# --- Portal: the status in the requester's words ------------------------------------------

REQUESTER_STATUS = {
    Status.NEW: lambda: _("Received"),
    Status.ASSIGNED: lambda: _("A technician has it"),
    Status.IN_PROGRESS: lambda: _("Being worked on"),
    Status.PENDING: lambda: _("Waiting"),
    Status.RESOLVED: lambda: _("Solved: please confirm"),
    Status.CLOSED: lambda: _("Closed"),
    Status.CANCELLED: lambda: _("Cancelled"),
}


@register.simple_tag
def requester_status(ticket) -> SafeString:
    """A status badge in plain words; 'waiting for you' when the desk awaits the requester."""
    if ticket.status == Status.PENDING and ticket.pending_reason == PendingReason.REQUESTER:
        label = _("Waiting for your answer")
    else:
        label = REQUESTER_STATUS.get(ticket.status, lambda: ticket.status)()
    return format_html('<span class="badge status-{}">{}</span>', ticket.status, label)


@register.filter
def time_ago(value) -> str:
    """A compact relative time ("just now", "5 minutes ago", "3 days ago")."""
    from django.utils import timezone
    from django.utils.timesince import timesince

    if not value:
        return ""
    if (timezone.now() - value).total_seconds() < 60:
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(value, depth=1)}
