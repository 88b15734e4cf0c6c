"""One version check: a stale write is a 409 with the current version, never lost."""

import pytest

from atiende.core.errors import Conflict, ValidationFailed
from atiende.core.versions import check_version


def test_no_version_means_no_check_and_the_right_one_passes():
    check_version(3, None)
    check_version(3, 3)
    check_version(3, "3")


def test_a_stale_version_is_a_conflict_with_the_current_one():
    with pytest.raises(Conflict) as conflict:
        check_version(4, 3, stale="Changed (version %(current)d, you had %(yours)d).")
    assert conflict.value.current_version == 4
    assert conflict.value.detail == "Changed (version 4, you had 3)."


def test_the_default_message_names_both_versions():
    with pytest.raises(Conflict) as conflict:
        check_version(4, "2")
    assert "4" in conflict.value.detail and "2" in conflict.value.detail


@pytest.mark.parametrize("sent", ["abc", "", [], True, "1.5"])
def test_a_version_that_is_not_a_number_is_a_field_error(sent):
    with pytest.raises(ValidationFailed) as failure:
        check_version(1, sent)
    assert "version" in failure.value.errors
