"""`{% field form.title %}`: one labelled form field with its help text and errors.

A template builtin (settings.TEMPLATES), so every template has it without `{% load %}`. Written
in Python rather than as an included template: a ticket page draws fourteen fields, and an
include per field cost it about 1.5 ms (docs/performance.md). Django links the help text and
the errors to the input with aria-describedby/aria-invalid; the ids below are the ones it uses.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(name="field")
def field(bound: BoundField, **options: str) -> SafeString:
    """The field's markup; `class="grow"` adds a class to its wrapper."""
    classes = "field"
    if bound.errors:
        classes += " has-error"
    if options.get("class"):
        classes += f" {options['class']}"
    required = (
        mark_safe(' <span class="required" aria-hidden="true">*</span>')
        if bound.field.required
        else ""
    )
    help_text = (
        format_html('<p class="help" id="{}_helptext">{}</p>', bound.auto_id, bound.help_text)
        if bound.help_text
        else ""
    )
    errors = (
        format_html(
            '<ul class="errorlist" id="{}_error">{}</ul>',
            bound.auto_id,
            format_html_join("", "<li>{}</li>", ((error,) for error in bound.errors)),
        )
        if bound.errors
        else ""
    )
    return format_html(
        '<div class="{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}{}\n</div>',
        classes,
        bound.id_for_label,
        bound.label,
        required,
        bound,
        help_text,
        errors,
    )


__all__ = ["field"]
