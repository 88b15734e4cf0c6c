"""core.errors and core.events: the contracts other domains build on."""

from __future__ import annotations

import pytest

from atiende.core import events
from atiende.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [(DomainError(), 400), (ValidationFailed(), 422), (NotFound(), 404), (Forbidden(), 403),
     (Conflict(current_version=3), 409), (PayloadTooLarge(), 413)],
)  # fmt: skip
def test_status_codes_and_default_messages(error, status):
    assert error.status_code == status
    assert isinstance(error, DomainError)
    assert error.detail and str(error) == error.detail


def test_field_errors_are_lists_of_strings():
    from django.utils.translation import gettext_lazy

    error = ValidationFailed(errors={"title": [gettext_lazy("Required.")]})
    assert error.errors == {"title": ["Required."]}
    assert ValidationFailed.field("to", "No.").errors == {"to": ["No."]}


def test_conflict_carries_the_current_version():
    assert Conflict("changed", current_version=7).current_version == 7


def test_not_found_for_denied_and_missing_reads_the_same():
    assert str(NotFound()) == str(NotFound())


@pytest.mark.django_db(transaction=True)
def test_publish_delivers_after_commit_only():
    from django.db import transaction

    received = []
    handler = events.subscribe("test.core.event")(lambda **payload: received.append(payload))
    try:
        with transaction.atomic():
            events.publish("test.core.event", n=1)
            assert received == []
        assert received == [{"n": 1}]
        try:
            with transaction.atomic():
                events.publish("test.core.event", n=2)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
        assert received == [{"n": 1}]
    finally:
        events._subscribers["test.core.event"].remove(handler)


def test_subscribe_is_idempotent():
    def handler(**payload):
        pass

    events.subscribe("test.core.idem")(handler)
    events.subscribe("test.core.idem")(handler)
    try:
        assert events.subscribers("test.core.idem") == [handler]
    finally:
        events._subscribers["test.core.idem"].clear()


def test_clock_is_aware_utc():
    from atiende.core import clock

    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset().total_seconds() == 0
