"""core.errors and core.events: the contracts other domains build on."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Happened:
    n: int


@pytest.mark.django_db(transaction=True)
def test_publish_delivers_after_commit_only():
    from django.db import transaction

    received = []
    handler = events.subscribe(Happened)(received.append)
    try:
        with transaction.atomic():
            events.publish(Happened(n=1))
            assert received == []
        assert received == [Happened(n=1)]
        try:
            with transaction.atomic():
                events.publish(Happened(n=2))
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
        assert received == [Happened(n=1)]
    finally:
        events.unsubscribe(Happened, handler)


def test_subscribe_is_idempotent_and_keyed_by_class():
    @dataclass(frozen=True)
    class Other:
        pass

    def handler(event):
        pass

    events.subscribe(Happened)(handler)
    events.subscribe(Happened)(handler)
    try:
        assert events.subscribers(Happened) == [handler]
        assert events.subscribers(Other) == []
    finally:
        events.unsubscribe(Happened, handler)
    assert events.subscribers(Happened) == []


def test_clock_is_aware_utc():
    from atiende.core import clock

    now = clock.now()
    assert now.tzinfo is not None and now.utcoffset().total_seconds() == 0
