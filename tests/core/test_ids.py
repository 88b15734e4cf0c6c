"""One id parser, one bound (BigAutoField's): what a URL, a form and a JSON body may name."""

import pytest

from atiende.core.errors import ValidationFailed
from atiende.core.ids import MAX_ID, id_field, parse_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), ("42", 42), (" 42 ", 42), (MAX_ID, MAX_ID), (str(MAX_ID), MAX_ID)],
)
def test_ids_that_can_name_a_row(value, expected):
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [0, -3, "0", "-3", MAX_ID + 1, str(MAX_ID + 1), "9" * 30, 2**70, True, 1.0, "1.5",
     "12abc", "", "١٢", "+5", None, [], {}],
)  # fmt: skip
def test_anything_else_is_no_id(value):
    assert parse_id(value) is None


def test_an_id_field_is_optional_and_a_bad_one_is_a_field_error():
    assert id_field(None, field="team", message="Unknown team.") is None
    assert id_field("", field="team", message="Unknown team.") is None
    assert id_field("7", field="team", message="Unknown team.") == 7
    with pytest.raises(ValidationFailed) as failure:
        id_field(2**63, field="team", message="Unknown team.")
    assert failure.value.errors == {"team": ["Unknown team."]}
