"""Ids at the boundary: one parser and one bound for every id a client or a form sends.

Every table's key is a BigAutoField, so an id is a whole number in 1..MAX_ID. A larger
number would crash the database driver; a negative, a float or "12abc" can never name a row.
Where an id comes from decides the answer to a bad one: in a URL path the resource cannot
exist (404, `parse_id` returning None); in a body, a form or a query parameter it is a field
the client got wrong (422, `id_field` raising ValidationFailed).
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ValidationFailed

MAX_ID = 2**63 - 1  # the largest BigAutoField value
_DIGITS = re.compile(r"[0-9]{1,19}")  # ASCII only: int() would also read "١٢"


def parse_id(value: Any) -> int | None:
    """`value` as a primary key, or None when it cannot be one. Takes an int (not a bool) or
    a string of ASCII digits, surrounding spaces allowed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if 0 < number <= MAX_ID else None


def id_field(value: Any, *, field: str, message: str) -> int | None:
    """An optional id from a form or a JSON body: None when empty (None or ""), the id when
    it can be one, else a field error with `message` (e.g. "Unknown team.")."""
    if value is None or value == "":
        return None
    number = parse_id(value)
    if number is None:
        raise ValidationFailed.field(field, message)
    return number
