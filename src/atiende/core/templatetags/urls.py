"""`{% url %}` with its answers remembered: Django's tag, reversing each distinct URL once.

A template builtin (settings.TEMPLATES) that replaces Django's own `url` tag, so templates keep
writing `{% url 'desk:queue' %}`. Reversing walks the URL patterns on every call (about 30 µs);
a desk page reverses some thirty URLs, most of them the same on every page (the top bar's),
which cost its render about a millisecond (docs/performance.md). The answer of `reverse`
depends only on the arguments, the current application, the URL configuration and the script
prefix, which are all in the key. Anything unusual (an unhashable argument, a failed match,
`as var`) is left to Django's tag as it is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


@lru_cache(maxsize=4096)
def _reversed(
    prefix: str, urlconf: Any, view_name: str, args: tuple, kwargs: tuple, current_app: str | None
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


def _current_app(context: template.Context) -> str | None:
    request = getattr(context, "request", None)
    current_app = getattr(request, "current_app", None)
    if current_app is None:
        current_app = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return current_app


def remembered_reverse(context: template.Context, view_name: str, *args: Any) -> str:
    """`{% url view_name *args %}` for markup written in Python (not escaped: escape it)."""
    return _reversed(get_script_prefix(), get_urlconf(), view_name, args, (), _current_app(context))


class RememberedURLNode(URLNode):
    def render(self, context: template.Context) -> str:
        if self.asvar:
            return super().render(context)
        current_app = _current_app(context)
        try:
            url = _reversed(
                get_script_prefix(),
                get_urlconf(),
                self.view_name.resolve(context),
                tuple(arg.resolve(context) for arg in self.args),
                tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items())),
                current_app,
            )
        except Exception:  # unhashable, no match...: Django's tag, with its own errors
            return super().render(context)
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> URLNode:
    node = django_url(parser, token)
    node.__class__ = RememberedURLNode
    return node


__all__ = ["remembered_reverse", "url"]
