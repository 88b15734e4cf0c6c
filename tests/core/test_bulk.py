"""core.bulk.insert writes every row exactly as given, through either of its paths (one
INSERT for a few rows, COPY for many on PostgreSQL), JSON columns included."""

from __future__ import annotations

import pytest

from atiende.core import bulk, clock
from atiende.notifications.models import Notification

from ..factories import AgentFactory


@pytest.mark.parametrize("count", [1, bulk.COPY_FROM_ROWS - 1, bulk.COPY_FROM_ROWS, 120])
def test_rows_are_written_as_given(db, count):
    user = AgentFactory()
    at = clock.now()
    rows = [(user.pk, "sla.warning", {"n": i, "text": 'ñ \\ \t "q"'}, at) for i in range(count)]
    written = bulk.insert(Notification, ("user_id", "verb", "params", "created_at"), rows)
    assert written == count
    stored = list(Notification.objects.order_by("id").values_list("user_id", "verb", "params"))
    assert stored == [(user.pk, "sla.warning", params) for _u, _v, params, _t in rows]


def test_no_rows_writes_nothing(db):
    assert bulk.insert(Notification, ("user_id", "verb"), []) == 0
    assert not Notification.objects.exists()
