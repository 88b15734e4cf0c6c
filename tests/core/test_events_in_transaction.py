"""core.events: the in-transaction phase (used by the mail outbox) runs inside the publishing
transaction; the after-commit phase is unchanged."""

from __future__ import annotations

import pytest
from django.db import transaction

from atiende.core import events
from atiende.notifications.models import Notification


@pytest.fixture
def registered():
    added: list[tuple[str, object, bool]] = []

    def add(event: str, handler, *, in_transaction: bool):
        events.subscribe(event, in_transaction=in_transaction)(handler)
        added.append((event, handler, in_transaction))
        return handler

    yield add
    for event, handler, in_transaction in added:
        registry = events._in_transaction if in_transaction else events._subscribers
        registry[event].remove(handler)


@pytest.mark.django_db(transaction=True)
def test_in_transaction_handlers_run_inside_the_transaction_and_before_commit(registered):
    order: list[str] = []
    registered(
        "test.tx.order",
        lambda **p: order.append(f"in:{transaction.get_connection().in_atomic_block}"),
        in_transaction=True,
    )
    registered("test.tx.order", lambda **p: order.append("after"), in_transaction=False)
    with transaction.atomic():
        events.publish("test.tx.order", n=1)
        assert order == ["in:True"]
    assert order == ["in:True", "after"]


@pytest.mark.django_db(transaction=True)
def test_in_transaction_writes_roll_back_with_the_change(registered, agent):
    def write(*, user_id: int) -> None:
        Notification.objects.create(
            user_id=user_id, verb="sla_warning", created_at="2026-01-01T00:00Z"
        )

    registered("test.tx.write", write, in_transaction=True)
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("test.tx.write", user_id=agent.pk)
        assert Notification.objects.count() == 1  # written in the same transaction
        raise RuntimeError("the change fails")
    assert Notification.objects.count() == 0
    with transaction.atomic():
        events.publish("test.tx.write", user_id=agent.pk)
    assert Notification.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_in_transaction_failure_undoes_the_change_and_skips_after_commit(registered, agent):
    after: list[dict] = []

    def fail(**payload) -> None:
        raise ValueError("cannot queue")

    registered("test.tx.fail", fail, in_transaction=True)
    registered("test.tx.fail", lambda **p: after.append(p), in_transaction=False)
    with pytest.raises(ValueError), transaction.atomic():
        Notification.objects.create(
            user_id=agent.pk, verb="sla_warning", created_at="2026-01-01T00:00Z"
        )
        events.publish("test.tx.fail", n=1)
    assert Notification.objects.count() == 0
    assert after == []


def test_the_phases_have_separate_registries(registered):
    def handler(**payload) -> None:
        pass

    registered("test.tx.sep", handler, in_transaction=True)
    assert events.transaction_subscribers("test.tx.sep") == [handler]
    assert events.subscribers("test.tx.sep") == []
    events.subscribe("test.tx.sep", in_transaction=True)(handler)  # idempotent
    assert events.transaction_subscribers("test.tx.sep") == [handler]
