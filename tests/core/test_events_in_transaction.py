"""core.events: the in-transaction phase (used by the mail outbox) runs inside the publishing
transaction; the after-commit phase is unchanged."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.db import transaction

from atiende.core import events
from atiende.notifications.models import Notification


@dataclass(frozen=True)
class Order:
    n: int


@dataclass(frozen=True)
class Write:
    user_id: int


@dataclass(frozen=True)
class Fail:
    n: int


@dataclass(frozen=True)
class Separate:
    pass


@pytest.fixture
def registered():
    added: list[tuple[type, object]] = []

    def add(event: type, handler, *, in_transaction: bool):
        events.subscribe(event, in_transaction=in_transaction)(handler)
        added.append((event, handler))
        return handler

    yield add
    for event, handler in added:
        events.unsubscribe(event, handler)


@pytest.mark.django_db(transaction=True)
def test_in_transaction_handlers_run_inside_the_transaction_and_before_commit(registered):
    order: list[str] = []
    registered(
        Order,
        lambda e: order.append(f"in:{transaction.get_connection().in_atomic_block}"),
        in_transaction=True,
    )
    registered(Order, lambda e: order.append("after"), in_transaction=False)
    with transaction.atomic():
        events.publish(Order(n=1))
        assert order == ["in:True"]
    assert order == ["in:True", "after"]


@pytest.mark.django_db(transaction=True)
def test_in_transaction_writes_roll_back_with_the_change(registered, agent):
    def write(event: Write) -> None:
        Notification.objects.create(
            user_id=event.user_id, verb="sla_warning", created_at="2026-01-01T00:00Z"
        )

    registered(Write, write, in_transaction=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish(Write(user_id=agent.pk))
        assert Notification.objects.count() == 1  # written in the same transaction
        raise RuntimeError("the change fails")
    assert Notification.objects.count() == 0
    with transaction.atomic():
        events.publish(Write(user_id=agent.pk))
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_in_transaction_failure_undoes_the_change_and_skips_after_commit(registered, agent):
    after: list[Fail] = []

    def fail(event: Fail) -> None:
        raise ValueError("cannot queue")

    registered(Fail, fail, in_transaction=True)
    registered(Fail, after.append, in_transaction=False)
    with pytest.raises(ValueError), transaction.atomic():
        Notification.objects.create(
            user_id=agent.pk, verb="sla_warning", created_at="2026-01-01T00:00Z"
        )
        events.publish(Fail(n=1))
    assert Notification.objects.count() == 0
    assert after == []


def test_the_phases_have_separate_registries(registered):
    def handler(event: Separate) -> None:
        pass

    registered(Separate, handler, in_transaction=True)
    assert events.transaction_subscribers(Separate) == [handler]
    assert events.subscribers(Separate) == []
    events.subscribe(Separate, in_transaction=True)(handler)  # idempotent
    assert events.transaction_subscribers(Separate) == [handler]
