"""The ticket timeline's entries written in Python: the markup tickets/_timeline.html wrote
per event, the same text, links and escaping, without a template walk per event.

The timeline is most of a ticket page's markup (an entry per reply, note and field change),
and Django's templates resolve every variable and tag of every entry through their generic
machinery: about a fifth of the desk ticket page's template time (docs/performance.md).
This writes each entry with f-strings: everything that comes from a person or a record (names,
bodies, file names, field values) is escaped exactly as the template's autoescaping did
(`escape_text`), Markdown bodies are the sanitiser's safe output as before, and another
domain's event types (SLA, assignment) still render through the template they registered
(tickets.panels.register_timeline_entry). What the reader may see is decided before, by
selectors.timeline_for: requesters never receive internal events or internal files.
"""

from __future__ import annotations

from typing import Any

from django.template import Context
from django.template.defaultfilters import date as date_filter
from django.templatetags.tz import localtime
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from atiende.core.form_renderer import escape_text
from atiende.core.sanitize import render_markdown
from atiende.core.templatetags.urls import remembered_reverse

from . import panels, selectors, timeline


def timeline_entries(context: Context, events: Any) -> SafeString:
    """Every entry of `events` (the <li>s inside the timeline's <ol>)."""
    if not events:
        return mark_safe("")
    writer = _Writer(context)
    return mark_safe("".join(writer.entry(event) for event in events))  # noqa: S308


class _Writer:
    """One timeline's entries: what is the same for all of them is looked up once."""

    def __init__(self, context: Context) -> None:
        self.context = context
        request = context.get("request")
        self.viewer = getattr(request, "user", None)
        self.ticket = context.get("ticket")
        self.split_allowed = bool(context.get("split_allowed"))
        self._names: dict[int | None, str] = {}
        self._csrf: str | None = None
        self.internal = escape_text(_("Internal"))

    # --- pieces -------------------------------------------------------------------------------

    def name(self, event) -> str:
        """{% person_name event.actor %}, escaped."""
        key = event.actor_id
        if key not in self._names:
            self._names[key] = escape_text(
                selectors.name_for(event.actor, self.viewer) or _("System")
            )
        return self._names[key]

    def time(self, event) -> str:
        created = event.created_at
        iso = escape_text(date_filter(created, "c"))
        shown = escape_text(date_filter(localtime(created), "DATETIME_FORMAT"))
        return f'<time datetime="{iso}">{shown}</time>'

    def url(self, view_name: str, *args: Any) -> str:
        return escape_text(remembered_reverse(self.context, view_name, *args))

    def preview(self, file) -> str:
        """tickets/_image_preview.html."""
        alt = _("Preview of %(name)s") % {"name": escape_text(file.filename)}
        return (
            f'<a class="attachment-preview" href="{self.url("attachment", file.pk)}">'
            f'<img src="{self.url("attachment_preview", file.pk)}" alt="{alt}" loading="lazy"></a>'
        )

    def csrf_input(self) -> str:
        """{% csrf_token %} (the request's token: the same in every form of the page)."""
        if self._csrf is None:
            token = self.context.get("csrf_token")
            self._csrf = ""
            if token and token != "NOTPROVIDED":
                self._csrf = format_html(
                    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token
                )
        return self._csrf

    # --- entries ------------------------------------------------------------------------------

    def entry(self, event) -> str:
        kind = event.type
        if kind in ("comment", "note", "created"):
            return self.message(event)
        if kind == "attachment":
            return self.attached(event)
        registered = panels.timeline_entry(kind)
        if registered:
            return self.registered(event, registered)
        if kind == "link":
            return self.link(event)
        return self.change(event)

    def message(self, event) -> str:
        merged = event.field == "merged_from"
        if merged:
            number = escape_text(event.new_value)
            opened = _("opened %(number)s, merged into this ticket") % {"number": number}
            said = f"<span>{opened}</span>"
        elif event.type == "created":
            opened = escape_text(_("opened the ticket"))
            said = f"<span>{opened}</span>"
        elif event.type == "note":
            internal_note = escape_text(_("Internal note"))
            said = f'<span class="tag-internal">{internal_note}</span>'
        else:
            replied = escape_text(_("replied"))
            said = f"<span>{replied}</span>"
        body = ""
        if merged or event.type != "created":
            if event.body:
                body = f'<div class="body">{render_markdown(event.body)}</div>'
        elif self.ticket is not None and self.ticket.description:
            body = f'<div class="body">{render_markdown(self.ticket.description)}</div>'
        files = list(event.attachments.all())
        listed = ""
        if files:
            items = "".join(
                f'<li><a href="{self.url("attachment", f.pk)}">📎 {escape_text(f.filename)}</a> '
                f'<span class="muted">({escape_text(_filesize(f.size))})</span>'
                f"{self.preview(f) if f.previewable else ''}</li>"
                for f in files
            )
            listed = f'\n      <ul class="attachments">\n        {items}\n      </ul>'
        split = ""
        if self.split_allowed and event.type != "created" and self.ticket is not None:
            confirm = escape_text(_("Open a new ticket from this reply?"))
            label = escape_text(_("Split into a new ticket"))
            action = self.url("desk:ticket_split", self.ticket.number, event.pk)
            split = (
                f'\n      <form method="post" action="{action}" class="inline-form split-form" '
                f'data-confirm="{confirm}">\n        {self.csrf_input()}<button type="submit" '
                f'class="link">{label}</button>\n      </form>'
            )
        note = "" if event.public else " note"
        return (
            f'\n  <li id="event-{event.pk}">\n    <article class="entry{note}">\n'
            f'      <div class="meta">\n        <strong>{self.name(event)}</strong>\n'
            f"        {said}\n        {self.time(event)}\n      </div>\n"
            f"      {body}{listed}{split}\n    </article>\n  </li>"
        )

    def attached(self, event) -> str:
        files = "".join(
            f'<a href="{self.url("attachment", f.pk)}">{escape_text(f.filename)}</a>'
            f"{self.preview(f) if f.previewable else ''}"
            for f in event.attachments.all()
        )
        internal = "" if event.public else f'<span class="tag-internal">{self.internal}</span>'
        attached = escape_text(_("attached"))
        return (
            f'\n  <li class="change" id="event-{event.pk}">\n'
            f"    <strong>{self.name(event)}</strong> {attached}\n"
            f"    {files}\n    {internal}\n    · {self.time(event)}\n  </li>"
        )

    def link(self, event) -> str:
        from .templatetags.tickets_tags import link_text

        if event.new_value:
            linked = escape_text(_("linked this ticket"))
            what = f"{linked}: <ins>{escape_text(link_text(event.field, event.new_value))}</ins>"
        else:
            removed = escape_text(_("removed the link"))
            what = f"{removed}: <del>{escape_text(link_text(event.field, event.old_value))}</del>"
        return (
            f'\n  <li class="change" id="event-{event.pk}">\n'
            f"    <strong>{self.name(event)}</strong>\n    {what}\n"
            f'    <span class="tag-internal">{self.internal}</span>\n'
            f"    · {self.time(event)}\n  </li>"
        )

    def change(self, event) -> str:
        field = escape_text(timeline.field_label(event.field))
        old = escape_text(timeline.value_label(event.field, event.old_value))
        new = escape_text(timeline.value_label(event.field, event.new_value))
        note = ""
        if event.body:
            note = f'\n    <div class="change-note">{render_markdown(event.body)}</div>'
        changed = _("changed %(field)s") % {"field": field}
        return (
            f'\n  <li class="change" id="event-{event.pk}">\n'
            f"    <strong>{self.name(event)}</strong>\n"
            f"    {changed}:\n"
            f"    <del>{old}</del> → <ins>{new}</ins>\n"
            f"    · {self.time(event)}{note}\n  </li>"
        )

    def registered(self, event, template_name: str) -> str:
        """Another domain's entry, through its own template (as `{% include %}` did)."""
        from django.template import engines

        engine = self.context.template.engine if self.context.template else None
        if engine is None:
            engine = engines["django"].engine  # type: ignore[attr-defined]
        template = engine.get_template(template_name)
        with self.context.push(event=event):
            return template.render(self.context)


def _filesize(size: int) -> str:
    from .templatetags.tickets_tags import filesize

    return filesize(size)
