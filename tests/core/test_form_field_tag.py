"""{% field form.x %} writes one labelled field: label, required mark, the widget, help text
and errors with the ids Django's aria-describedby points at."""

from __future__ import annotations

from django import forms
from django.template import engines


class Sample(forms.Form):
    title = forms.CharField(label="Title <b>", help_text="Say it <i>short</i>", max_length=5)
    note = forms.CharField(required=False)


def _render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_label_required_mark_help_and_widget():
    html = _render("{% field form.title %}", form=Sample())
    assert '<div class="field">' in html
    assert '<label for="id_title">Title &lt;b&gt; <span class="required"' in html
    assert 'id="id_title_helptext">Say it &lt;i&gt;short&lt;/i&gt;</p>' in html
    assert 'aria-describedby="id_title_helptext"' in html
    assert 'name="title"' in html


def test_errors_are_listed_and_marked():
    form = Sample(data={"title": "far too long <script>"})
    assert not form.is_valid()
    html = _render('{% field form.title class="grow" %}', form=form)
    assert '<div class="field has-error grow">' in html
    assert '<ul class="errorlist" id="id_title_error"><li>' in html
    assert 'aria-invalid="true"' in html and "<script>" not in html


def test_an_optional_field_has_no_required_mark():
    assert 'class="required"' not in _render("{% field form.note %}", form=Sample())
