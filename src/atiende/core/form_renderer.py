"""Django's form renderer with the commonest widgets written in Python.

Django renders every widget through templates, a <select> through three per option (select,
select_option, attrs): a ticket page with a category, team and assignee list of about 120
options spent 15 ms of its 25 ms of template time there (docs/performance.md). This renderer
writes the same markup for selects, inputs and text areas directly, with the same escaping
and localisation, and hands every other widget to Django's templates.

A project or app that overrides one of these templates keeps its override: the fast path for
a template is taken only while it and the templates it includes are Django's own.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

WIDGETS = "django/forms/widgets/"
ATTRS = WIDGETS + "attrs.html"
INPUT = WIDGETS + "input.html"
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"
TEXTAREA = WIDGETS + "textarea.html"
MULTIPLE = WIDGETS + "multiple_input.html"
INPUT_OPTION = WIDGETS + "input_option.html"
CLEARABLE_FILE = WIDGETS + "clearable_file_input.html"
# One radio button or check box alone (`{{ radio.tag }}` in a template: BoundWidget.tag).
OPTIONS = (WIDGETS + "radio_option.html", WIDGETS + "checkbox_option.html")
# Radio buttons and check boxes: a <div> of labelled inputs (multiple_input.html).
CHOICE_LISTS = {
    WIDGETS + "radio.html": WIDGETS + "radio_option.html",
    WIDGETS + "checkbox_select.html": WIDGETS + "checkbox_option.html",
}
# Django's templates that are nothing but {% include "django/forms/widgets/input.html" %}.
INPUT_ALIASES = tuple(
    WIDGETS + name
    for name in (
        "text.html", "hidden.html", "number.html", "email.html", "url.html", "password.html",
        "search.html", "tel.html", "date.html", "datetime.html", "time.html", "color.html",
        "checkbox.html", "file.html",
    )
)  # fmt: skip


def escape_text(value: Any) -> str:
    """conditional_escape without its lazy-string wrapper: the same text (Django's `escape` is
    html.escape), at a third of the cost on a page of a few hundred options."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def shown_text(value: Any) -> str:
    """{{ value }}: localised, then escaped unless already safe."""
    return escape_text(value if isinstance(value, str) else localize(value))


def attrs_markup(attrs: dict[str, Any]) -> str:
    """As attrs.html: False drops the attribute, True writes its name alone."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {name}" if value is True else f' {name}="{escape_text(value)}"')
    return "".join(out)


def render_input(widget: dict[str, Any]) -> SafeString:
    """The markup of input.html."""
    value = widget["value"]
    shown = "" if value is None else f' value="{escape_text(value)}"'
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<input type="{shown_text(widget["type"])}" name="{shown_text(widget["name"])}"{shown}'
        f"{attrs_markup(widget['attrs'])}>"
    )


def render_textarea(widget: dict[str, Any]) -> SafeString:
    """The markup of textarea.html (the newline after the tag is part of it)."""
    value = shown_text(widget["value"]) if widget["value"] else ""
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<textarea name="{shown_text(widget["name"])}"{attrs_markup(widget["attrs"])}>\n{value}</textarea>'
    )


def render_select(widget: dict[str, Any]) -> SafeString | None:
    """The markup of select.html, or None when an option has a template of its own."""
    parts = [f'<select name="{shown_text(widget["name"])}"{attrs_markup(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{shown_text(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None
            parts.append(
                f'<option value="{escape_text(option["value"])}"'
                f"{attrs_markup(option['attrs'])}>{shown_text(option['label'])}</option>"
            )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every value is escaped


def render_option(widget: dict[str, Any]) -> SafeString:
    """The markup of radio_option.html and checkbox_option.html (input_option.html): one
    input, in its label when `wrap_label` (the renderer strips the templates' last newline)."""
    markup: str = render_input(widget)
    if widget.get("wrap_label"):
        label_for = widget["attrs"].get("id")
        opening = f'<label for="{shown_text(label_for)}">' if label_for else "<label>"
        markup = f"{opening}{markup}\n {shown_text(widget['label'])}</label>"
    return mark_safe(markup)  # noqa: S308 - every value is escaped


def render_clearable_file(widget: dict[str, Any]) -> SafeString | None:
    """The markup of clearable_file_input.html for a new file (no current one to clear)."""
    if widget.get("is_initial"):
        return None
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<input type="{shown_text(widget["type"])}" name="{shown_text(widget["name"])}"'
        f"{attrs_markup(widget['attrs'])}>"
    )


def render_choice_list(widget: dict[str, Any]) -> SafeString | None:
    """The markup of radio.html and checkbox_select.html (multiple_input.html, each option
    through input_option.html), or None when an option has a template of another kind."""
    attrs = widget["attrs"]
    head = f' id="{shown_text(attrs["id"])}"' if attrs.get("id") else ""
    if attrs.get("class"):
        head += f' class="{shown_text(attrs["class"])}"'
    parts = [f"<div{head}>"]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{shown_text(group_name)}</label>")
        for option in options:
            if CHOICE_LISTS.get(widget["template_name"]) != option["template_name"]:
                return None
            markup: str = render_input(option)
            if option.get("wrap_label"):
                label_for = option["attrs"].get("id")
                opening = f'<label for="{shown_text(label_for)}">' if label_for else "<label>"
                markup = f"{opening}{markup}\n {shown_text(option['label'])}</label>"
            parts.append(f"<div>\n    {markup}\n</div>")
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


# template -> (writer, the templates its markup comes from)
_WRITERS: dict[str, tuple[Callable[[dict[str, Any]], SafeString | None], tuple[str, ...]]] = {
    SELECT: (render_select, (SELECT, OPTION, ATTRS)),
    TEXTAREA: (render_textarea, (TEXTAREA, ATTRS)),
    INPUT: (render_input, (INPUT, ATTRS)),
    CLEARABLE_FILE: (render_clearable_file, (CLEARABLE_FILE, ATTRS)),
    **{name: (render_option, (name, INPUT_OPTION, INPUT, ATTRS)) for name in OPTIONS},
    **{
        name: (render_choice_list, (name, MULTIPLE, option, INPUT_OPTION, INPUT, ATTRS))
        for name, option in CHOICE_LISTS.items()
    },
    **{name: (render_input, (name, INPUT, ATTRS)) for name in INPUT_ALIASES},
}


class FormRenderer(DjangoTemplates):
    """settings.FORM_RENDERER: Django's widget templates, the common ones written in Python."""

    def __init__(self) -> None:
        self._own: dict[str, bool] = {}

    def _is_djangos(self, names: tuple[str, ...]) -> bool:
        """Whether every template named is the one Django ships (not overridden)."""
        for name in names:
            if name not in self._own:
                origin = self.get_template(name).template.origin.name.replace("\\", "/")
                self._own[name] = origin.endswith(f"django/forms/templates/{name}")
            if not self._own[name]:
                return False
        return True

    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        writer = _WRITERS.get(template_name)
        if writer is not None and self._is_djangos(writer[1]):
            html = writer[0](context["widget"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)
