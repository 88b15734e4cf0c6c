"""core/templatetags/urls.py: `{% url %}` answers what Django's tag answers, and reverses each
distinct URL once."""

from __future__ import annotations

from unittest import mock

import pytest
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, reverse

from atiende.core.templatetags import urls


def _render(source: str, **context) -> str:
    engine = Engine(builtins=["atiende.core.templatetags.urls"])
    return Template(source, engine=engine).render(Context(context))


def test_it_answers_what_reverse_answers():
    assert _render("{% url 'desk:queue' %}") == reverse("desk:queue")
    assert _render("{% url 'desk:ticket' number %}", number="INC-7") == reverse(
        "desk:ticket", args=["INC-7"]
    )
    assert _render("{% url 'attachment' attachment_id=5 %}") == reverse(
        "attachment", kwargs={"attachment_id": 5}
    )


def test_each_distinct_url_is_reversed_once():
    urls._reversed.cache_clear()
    with mock.patch.object(urls, "reverse", wraps=reverse) as spy:
        for number in ("INC-1", "INC-1", "INC-2", "INC-1"):
            _render("{% url 'desk:ticket' number %}", number=number)
    assert spy.call_count == 2


def test_as_var_and_errors_behave_as_djangos_tag():
    assert _render("{% url 'desk:queue' as u %}[{{ u }}]") == f"[{reverse('desk:queue')}]"
    assert _render("{% url 'no-such-view' as u %}[{{ u }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        _render("{% url 'no-such-view' %}")
    with pytest.raises(TemplateSyntaxError):
        _render("{% url %}")


def test_an_unhashable_argument_still_reverses():
    assert _render("{% url 'desk:ticket' number %}", number=["INC-9"]).startswith("/desk/")


def test_the_project_uses_it():
    assert isinstance(
        Engine.get_default().from_string("{% url 'desk:queue' %}").nodelist[0],
        urls.RememberedURLNode,
    )
