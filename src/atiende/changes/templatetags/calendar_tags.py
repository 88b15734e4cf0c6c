"""Display helpers of the change calendar and the CAB agenda.

A month grid shows up to a few hundred entries: each is rendered by one `cal_entry` call
(format_html) rather than an included template, which costs several times more per entry.
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


def _pattern_url(pattern: str, number: str) -> str:
    from ..calendar.views import NUMBER_PLACEHOLDER

    return pattern.replace(NUMBER_PLACEHOLDER, number)


@register.filter
def change_link(number: str, pattern: str) -> str:
    """The URL of change `number` from a pattern reversed once per page (see calendar.views)."""
    return _pattern_url(pattern, number)


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None


@register.filter
def spans_days(entry) -> bool:
    """Whether a change ends on a later local day than it starts."""
    return timezone.localtime(entry.end).date() != timezone.localtime(entry.start).date()


@register.simple_tag
def cal_entry(entry, pattern: str, day=None, until: bool = False) -> SafeString:
    """One change in a month or week cell of `day`: a link with its start time (or "…" and
    its end when it began on an earlier day), number and title; its status and a conflict
    in the tooltip, the conflict also as text for screen readers. With `until` (the week) the
    end time is inside the chip too ("22:00 - 00:00 (27 Nov)").

    The time and number make the first line and the title the second, so a narrow month cell
    still shows the start of the title (ellipsised by CSS); the whole title stays in the link
    text (its accessible name) and in its tooltip."""
    classes = f"cal-entry type-{entry.change_type} st-{entry.status}"
    title = f"{entry.number} {entry.title} · {entry.status_label}"
    mark: SafeString = mark_safe("")
    if entry.has_conflict:
        classes += " has-conflict"
        title += " · " + _("conflict")
        mark = format_html(
            '<span class="cal-conflict-mark" aria-hidden="true">⚠</span>'
            '<span class="visually-hidden">{} </span>',
            _("Conflict:"),
        )
    start = timezone.localtime(entry.start)
    if day is not None and start.date() < day:
        when = format_html(
            '<span class="cal-time" title="{}">…{}</span> ',
            _("Continues from an earlier day"),
            timezone.localtime(entry.end).strftime("%H:%M"),
        )
    elif until:
        end = timezone.localtime(entry.end)
        end_text = end.strftime("%H:%M")
        if end.date() != start.date():
            end_text += f" ({date_format(end, 'j M')})"
        when = format_html(
            '<span class="cal-time">{}<span class="cal-until"> – {}</span></span> ',
            start.strftime("%H:%M"),
            end_text,
        )
    else:
        when = format_html('<span class="cal-time">{}</span> ', start.strftime("%H:%M"))
    return format_html(
        '<a class="{}" href="{}" title="{}"><span class="cal-line">{}{}<span class="cal-number">{}'
        '</span></span> <span class="cal-title">{}</span></a>',
        classes,
        _pattern_url(pattern, entry.number),
        title,
        mark,
        when,
        entry.number,
        entry.title,
    )
