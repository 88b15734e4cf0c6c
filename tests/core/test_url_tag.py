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
    urls._reversed_each.cache_clear()
    with mock.patch.object(urls, "reverse", wraps=reverse) as spy:
        for view in ("desk:queue", "desk:queue", "desk:new", "desk:queue"):
            _render("{% url view %}", view=view)
    assert spy.call_count == 2


def test_a_route_of_one_text_parameter_is_reversed_once_for_every_argument():
    urls._reversed_each.cache_clear()
    urls._one_arg_shape.cache_clear()
    with mock.patch.object(urls, "reverse", wraps=reverse) as spy:
        for number in ("INC-1", "INC-1", "INC-2", "REQ-000123", 77, "a_b"):
            url = _render("{% url 'desk:ticket_reply' number %}", number=number)
            assert url == reverse("desk:ticket_reply", args=[number])
    assert spy.call_count == 1  # the placeholder's


def _every_name(resolver, namespace=""):
    for name in resolver.reverse_dict:
        if isinstance(name, str):
            yield namespace + name
    for ns, (_prefix, inner) in resolver.namespace_dict.items():
        yield from _every_name(inner, f"{namespace}{ns}:")


@pytest.mark.parametrize(
    "argument", ["INC-000042", "42", 42, "a-b_C", "x y", "a/b", "é", "50%", "", "0"]
)
def test_every_route_of_the_project_answers_what_reverse_answers(argument):
    """The quick path (one text parameter) or Django's: the same URL or the same error, for
    every named route, arguments that need quoting or match no converter included."""
    from django.urls import get_resolver

    for name in sorted(set(_every_name(get_resolver()))):
        try:
            expected = reverse(name, args=[argument])
        except NoReverseMatch:
            expected = None
        try:
            ours = urls._reversed("/", None, name, (argument,), (), None)
        except NoReverseMatch:
            ours = None
        assert ours == expected, name


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
