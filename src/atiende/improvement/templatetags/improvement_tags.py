"""Display filters of the improvement pages (no queries)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def plain_number(value: Any) -> str:
    """A stored decimal without its trailing zeros, in the reader's number format; — if none."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).normalize()
    exponent = number.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return number_format(number, decimal_pos=places, use_l10n=True)


def _side(values: Any, index: int) -> str:
    if isinstance(values, list | tuple) and len(values) == 2:
        value = values[index]
        return "—" if value in (None, "", []) else str(value)
    return str(values)


@register.filter
def change_old(values: Any) -> str:
    return _side(values, 0)


@register.filter
def change_new(values: Any) -> str:
    return _side(values, 1)
