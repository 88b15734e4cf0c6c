"""core/form_renderer.py writes the select, input and text-area markup in Python. It must be
the markup Django's own templates write, escaping included, or forms would change under
everyone's feet; and an overridden template must still win."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template import Context, Engine
from django.utils.safestring import mark_safe

from atiende.core.form_renderer import FormRenderer

EVIL = '"><script>alert(1)</script>&amp;'


class Sample(forms.Form):
    plain = forms.CharField(initial=EVIL, help_text="Help")
    hidden = forms.CharField(widget=forms.HiddenInput, initial=EVIL)
    number = forms.IntegerField(initial=1234567)
    flag = forms.BooleanField(required=False, initial=True)
    when = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial=EVIL)
    empty_text = forms.CharField(widget=forms.Textarea, required=False)
    choice = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("a", EVIL),
            ("Group <b>", [("b", "B & b"), ("c", mark_safe("<em>C</em>"))]),
            (3, 1234),
        ],
        initial="b",
    )
    many = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y"), ("z", "Z")],
        initial=["x", "z"],
        widget=forms.SelectMultiple(attrs={"data-follows": EVIL, "disabled": False}),
    )
    pick = forms.ChoiceField(
        choices=[("a", EVIL), ("b", "B")], initial="b", widget=forms.RadioSelect
    )
    grouped_pick = forms.ChoiceField(
        choices=[("Group <b>", [("b", "B & b"), ("c", "C")]), ("d", "D")],
        widget=forms.RadioSelect(attrs={"class": "inline <x>"}),
    )
    boxes = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", EVIL)], initial=["y"], widget=forms.CheckboxSelectMultiple
    )
    upload = forms.FileField(required=False, widget=forms.ClearableFileInput(attrs={"x": EVIL}))


def _normalise(html: str) -> str:
    """Django's templates leave newlines and indentation between tags; the rest must match."""
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("name", [name for name in Sample.base_fields])
def test_every_widget_is_written_as_djangos_templates_write_it(name, settings):
    ours = Sample(renderer=FormRenderer())[name]
    django = Sample(renderer=DjangoTemplates())[name]
    assert _normalise(str(ours)) == _normalise(str(django))


@pytest.mark.parametrize("name", ["pick", "grouped_pick", "boxes"])
def test_one_option_alone_is_written_as_djangos_templates_write_it(name):
    """`{% for radio in form.field %}{{ radio.tag }}` renders each option's own template."""
    ours = Sample(renderer=FormRenderer())[name]
    django = Sample(renderer=DjangoTemplates())[name]
    for mine, theirs in zip(ours, django, strict=True):
        assert str(mine.tag()) == str(theirs.tag())
        assert str(mine.tag(wrap_label=True)) == str(theirs.tag(wrap_label=True))
        assert "<script>" not in str(mine.tag(wrap_label=True))


def test_what_a_person_typed_is_escaped():
    html = str(Sample(renderer=FormRenderer())["choice"]) + str(
        Sample(renderer=FormRenderer())["text"]
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<em>C</em>" in html  # a label marked safe by the code stays as it is


def test_an_overridden_template_is_still_used(tmp_path):
    override = tmp_path / "django" / "forms" / "widgets"
    override.mkdir(parents=True)
    (override / "select.html").write_text('<select class="overridden" name="{{ widget.name }}">')
    engine = Engine(dirs=[str(tmp_path)])

    class WithOverride(FormRenderer):
        """As if a project's templates came before Django's for the select."""

        def get_template(self, template_name):
            if template_name == "django/forms/widgets/select.html":
                return _Wrapped(engine.get_template(template_name))
            return super().get_template(template_name)

    assert 'class="overridden"' in str(Sample(renderer=WithOverride())["choice"])


class _Wrapped:
    """A template shaped as the renderer's backend templates are (.template, .render)."""

    def __init__(self, template):
        self.template = template

    def render(self, context=None, request=None):
        return self.template.render(Context(context or {}))


def test_the_project_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FormRenderer)


class Pickers(forms.Form):
    plain = forms.TypedChoiceField(
        coerce=int,
        required=False,
        choices=[("", "—"), (1, EVIL), (2, "Dos"), (2, "Dos again"), (None, "none")],
        initial=2,
    )
    grouped = forms.ChoiceField(
        choices=[("Group <b>", [("b", "B & b"), ("c", mark_safe("<em>C</em>"))]), ("d", 1234)],
        initial="c",
    )
    unchosen = forms.ChoiceField(choices=[("x", "X")], required=False)


@pytest.mark.parametrize("name", list(Pickers.base_fields))
def test_quick_select_writes_djangos_select(name):
    from atiende.core.widgets import QuickSelect

    quick = Pickers()
    quick.fields[name].widget = QuickSelect(choices=quick.fields[name].choices)
    django = Pickers(renderer=DjangoTemplates())
    assert _normalise(str(quick[name])) == _normalise(str(django[name]))
    assert "<script>" not in str(quick[name])


def test_quick_select_options_carry_their_extra_attributes():
    from atiende.core.widgets import QuickSelect

    class Tagged(QuickSelect):
        def option_attrs(self, value):
            return {"data-v": f"<{value}>"} if value else {}

    html = Tagged(choices=[("", "—"), (7, "Seven")]).render("who", 7)
    assert '<option value="7" data-v="&lt;7&gt;" selected>Seven</option>' in html
    assert '<option value="">—</option>' in html
