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

import re
from functools import lru_cache
from typing import Any

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_resolver, get_script_prefix, get_urlconf, reverse
from django.urls.converters import PathConverter, SlugConverter, StringConverter
from django.urls.resolvers import get_ns_resolver
from django.utils.html import conditional_escape

register = template.Library()


def _reversed(
    prefix: str, urlconf: Any, view_name: str, args: tuple, kwargs: tuple, current_app: str | None
) -> str:
    if len(args) == 1 and not kwargs:
        text = args[0] if isinstance(args[0], str) else None
        if type(args[0]) is int:
            text = str(args[0])
        if text is not None and _PLAIN.fullmatch(text):
            shape = _one_arg_shape(prefix, urlconf, view_name, current_app)
            if shape is not None:
                return shape[0] + text + shape[1]
    return _reversed_each(prefix, urlconf, view_name, args, kwargs, current_app)


@lru_cache(maxsize=4096)
def _reversed_each(
    prefix: str, urlconf: Any, view_name: str, args: tuple, kwargs: tuple, current_app: str | None
) -> str:
    return reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)


# A page's per-ticket URLs ({% url 'desk:ticket_reply' ticket.number %}: some twenty on a
# ticket page) differ from one ticket to the next, so remembering each answer does not help
# them. For a name with a single route whose one parameter takes any text (str, slug and path
# converters) and an argument of letters, digits, "-" and "_" (which such a converter accepts
# and URL quoting leaves as it is), the answer is the route's own URL with the argument in
# place of the parameter: reversed once with a placeholder, then cut around it.
_PLAIN = re.compile(r"[-A-Za-z0-9_]+")
_PLACEHOLDER = "zQ9-_placeholder-Zq"
_ANY_TEXT = (StringConverter, SlugConverter, PathConverter)


@lru_cache(maxsize=1024)
def _one_arg_shape(
    prefix: str, urlconf: Any, view_name: str, current_app: str | None
) -> tuple[str, str] | None:
    resolver = _resolver_for(urlconf, view_name, current_app)
    if resolver is None:
        return None
    entries = resolver.reverse_dict.getlist(view_name.rsplit(":", 1)[-1])
    if len(entries) != 1:
        return None
    possibilities, _pattern, defaults, converters = entries[0]
    if len(possibilities) != 1 or defaults:
        return None
    _result, params = possibilities[0]
    if len(params) != 1 or type(converters.get(params[0])) not in _ANY_TEXT:
        return None
    try:
        url = reverse(view_name, args=[_PLACEHOLDER], current_app=current_app)
    except NoReverseMatch:
        return None
    if url.count(_PLACEHOLDER) != 1:
        return None
    before, after = url.split(_PLACEHOLDER)
    return before, after


def _resolver_for(urlconf: Any, view_name: str, current_app: str | None) -> Any:
    """The resolver `reverse` ends with for `view_name` (django.urls.base.reverse's walk
    through the namespaces, as it is), or None where that walk fails."""
    resolver = get_resolver(urlconf)
    *path, _view = view_name.split(":")
    current_path = current_app.split(":")[::-1] if current_app else None
    ns_pattern = ""
    ns_converters: dict[str, Any] = {}
    for ns in path:
        current_ns = current_path.pop() if current_path else None
        app_list = resolver.app_dict.get(ns)
        if app_list is not None:
            if current_ns and current_ns in app_list:
                ns = current_ns
            elif ns not in app_list:
                ns = app_list[0]
        if ns != current_ns:
            current_path = None
        if ns not in resolver.namespace_dict:
            return None
        extra, resolver = resolver.namespace_dict[ns]
        ns_pattern += extra
        ns_converters.update(resolver.pattern.converters)
    if ns_pattern:
        resolver = get_ns_resolver(ns_pattern, resolver, tuple(ns_converters.items()))
    return resolver


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
