"""`{% load i18n %}` is core/templatetags/i18n_quick.py: its `{% translate "literal" %}`
writes what Django's tag writes, in both languages, with contexts, percent signs, `as`,
autoescape off, and leaves every other form to Django's node."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.templatetags.i18n import TranslateNode
from django.utils import translation

from atiende.core.templatetags import i18n_quick
from atiende.core.templatetags.i18n_quick import QuickTranslateNode

SOURCES = [
    '{% translate "Tickets" %}',
    '{% trans "Sign out" %}',
    "{% translate 'Knowledge base' %}",
    '{% translate "E-mail" context "navigation" %}',
    '{% translate "Nothing & <nobody>" %}',
    '{% translate "100% done %%s" %}',
    '{% translate "Tickets" as t %}[{{ t }}]',
    '{% translate "Macros" context "no such context" %}',
    '{% autoescape off %}{% translate "Tickets" %}{% endautoescape %}',
    '{% translate "Tickets"|upper %}',
    "{% translate word %}",
    "{% translate word context ctx %}",
    '{% translate "Tickets" noop %}',
]


def _render(engine: Engine, source: str, language: str) -> str:
    context = Context({"word": "Tickets <b>", "ctx": "navigation"})
    with translation.override(language):
        return engine.from_string("{% load i18n %}" + source).render(context)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("language", ["en", "es"])
def test_same_output_as_djangos_tag(source, language):
    ours = engines["django"].engine
    assert ours.template_libraries["i18n"] is i18n_quick.register
    djangos = Engine(libraries={"i18n": "django.templatetags.i18n"})
    assert _render(ours, source, language) == _render(djangos, source, language)


def test_only_plain_literals_take_the_quick_path():
    engine = engines["django"].engine
    nodes = engine.from_string(
        '{% load i18n %}{% translate "Tickets" %}{% translate word %}{% translate "x" noop %}'
    ).nodelist.get_nodes_by_type(TranslateNode)
    assert [type(node) is QuickTranslateNode for node in nodes] == [True, False, False]
