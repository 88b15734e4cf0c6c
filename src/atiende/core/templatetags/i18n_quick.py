"""`{% load i18n %}` with a quicker `{% translate "literal" %}`: Django's library otherwise.

Installed under the label `i18n` (settings.TEMPLATES "libraries"), so templates keep writing
`{% load i18n %}` and `{% translate "Tickets" %}`. Django's tag makes a lazy translation of
the literal on every render and then turns it into text through the value-rendering path
(localisation, escaping checks on a lazy object); a desk ticket page holds some ninety of them
(docs/performance.md). For a plain literal (no filters; its context, if any, a literal too)
the answer is the same `gettext`/`pgettext` of the same message id, marked safe as Django
marks it (translations of template literals are not escaped), with the same restored percent
signs; anything else is Django's node as it is.
"""

from __future__ import annotations

from django import template
from django.templatetags import i18n as django_i18n
from django.templatetags.i18n import TranslateNode
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext, pgettext

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class QuickTranslateNode(TranslateNode):
    msgid: str
    msgctxt: str | None

    def render(self, context: template.Context) -> str:
        ctxt = self.msgctxt
        value = gettext(self.msgid) if ctxt is None else pgettext(ctxt, self.msgid)
        is_safe = isinstance(value, SafeData)
        value = value.replace("%%", "%")
        value = mark_safe(value) if is_safe else value  # noqa: S308 - as Django's node
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _quick(node: TranslateNode) -> TranslateNode:
    expression = node.filter_expression
    var = expression.var
    if node.noop or expression.filters or not isinstance(var, template.Variable):
        return node
    if var.lookups is not None or not isinstance(var.literal, str):
        return node  # a variable, or a number
    msgctxt = None
    if node.message_context is not None:
        if node.message_context.is_var or node.message_context.filters:  # type: ignore[attr-defined]
            return node
        msgctxt = node.message_context.var
        if not isinstance(msgctxt, str):
            return node
    # As Variable.resolve does for a translated literal: percent signs doubled, still safe.
    msgid = var.literal.replace("%", "%%")
    node.__class__ = QuickTranslateNode
    literal_safe = isinstance(var.literal, SafeData)  # a template's own text: always
    node.msgid = mark_safe(msgid) if literal_safe else msgid  # type: ignore[attr-defined]  # noqa: S308
    node.msgctxt = msgctxt  # type: ignore[attr-defined]
    return node


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: template.base.Parser, token: template.base.Token) -> TranslateNode:
    return _quick(django_i18n.do_translate(parser, token))


__all__ = ["QuickTranslateNode", "do_translate", "register"]
