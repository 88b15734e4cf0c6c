from django import template

from atiende.core.i18n import in_language

register = template.Library()


@register.filter
def answer_label(row) -> str:
    """A stored answer's question in the reader's language (no query)."""
    return in_language(row.get("label", ""), row.get("label_es", ""))


@register.filter
def answer_display(row) -> str:
    """A stored answer as the reader's language shows it (no query)."""
    return in_language(row.get("display", ""), row.get("display_es", ""))
