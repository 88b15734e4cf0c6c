"""A <select> written straight from its choices, for the long pickers of the desk.

Django builds a dictionary per option (`create_option`, with its attributes copied) before a
template or core.form_renderer writes it; the desk's category, team and assignee pickers hold
a hundred options and more on every ticket page and queue. `QuickSelect` writes the markup
Django's select.html and select_option.html write, in one pass over the choices, with the same
selection rule (the first option matching the value) and escaping. A subclass adds per-option
attributes with `option_attrs`. Multiple selects and subclasses with templates of their own go
through Django's path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django import forms
from django.utils.choices import BaseChoiceIterator
from django.utils.safestring import SafeString, mark_safe

from .form_renderer import attrs_markup, escape_text, shown_text


class Options(BaseChoiceIterator):
    """Choices already in Django's normal form ((value, label) pairs, no nesting beyond
    groups). Setting a field's or widget's choices walks every option through
    `normalize_choices` each time (a form sets them three times: field, widget, copy); a
    choice iterator is taken as it is, so a picker of a hundred options is not walked again."""

    def __init__(self, pairs: Sequence[tuple[Any, Any]]) -> None:
        self.pairs = list(pairs)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


class QuickSelect(forms.Select):
    def option_attrs(self, value: Any) -> dict[str, Any]:
        """Extra attributes of the option of `value` (none by default)."""
        return {}

    def create_option(  # type: ignore[no-untyped-def]
        self, name, value, label, selected, index, subindex=None, attrs=None
    ):
        """Django's path (a subclass's own template) gets the same extra attributes."""
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["attrs"].update(self.option_attrs(value))
        return option

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        if self.allow_multiple_selected or self.template_name != forms.Select.template_name:
            return super().render(name, value, attrs, renderer)
        wanted = self.format_value(value)
        final_attrs = self.build_attrs(self.attrs, attrs)
        parts = [f'<select name="{shown_text(name)}"{attrs_markup(final_attrs)}>']
        chosen = False
        for group_value, group_label in self.choices:
            if isinstance(group_label, list | tuple):
                parts.append(f'<optgroup label="{shown_text(group_value)}">')
                options = group_label
            else:
                options = [(group_value, group_label)]
            for option_value, label in options:
                text = "" if option_value is None else str(option_value)
                extra = self.option_attrs(option_value)
                if not chosen and text in wanted:
                    chosen = True
                    extra = {**extra, "selected": True}
                parts.append(
                    f'<option value="{escape_text(text)}"{attrs_markup(extra)}>'
                    f"{shown_text(label)}</option>"
                )
            if isinstance(group_label, list | tuple):
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every value is escaped
