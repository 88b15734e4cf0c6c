"""Post an admin change page back as a browser would: every field and inline row of the page
as rendered, with the test's edits on top."""

from __future__ import annotations

from typing import Any

from django import forms


def _add(data: dict[str, Any], form: forms.BaseForm) -> None:
    for name, field in form.fields.items():
        bound = form[name]
        value = bound.value()
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value)
            for suffix, part in zip(widget.widgets_names, parts, strict=True):
                if part is not None:
                    data[bound.html_name + suffix] = str(part)
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif value is not None:
            data[bound.html_name] = str(value)


def page_form_data(response, **edits: Any) -> dict[str, Any]:
    """The POST data of an admin change page's main form and inlines, plus `edits`."""
    data: dict[str, Any] = {}
    _add(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        _add(data, inline.formset.management_form)
        for form in inline.formset.initial_forms:
            _add(data, form)
        data[inline.formset.management_form["TOTAL_FORMS"].html_name] = str(
            len(inline.formset.initial_forms)
        )
    data.update(edits)
    return {k: v for k, v in data.items() if v is not None}


def inline_row(data: dict[str, Any], prefix: str, **fields: Any) -> dict[str, Any]:
    """Append a new row to the inline `prefix` of `data`."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = str(value)
    return data
