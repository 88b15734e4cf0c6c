from django import template

from atiende.core.i18n import in_language

register = template.Library()


@register.filter
def answer_label(row) -> str:
    """A stored answer's question in the reader's language (no query)."""
    return in_language(row.get("label", ""), row.get("label_es", ""))
