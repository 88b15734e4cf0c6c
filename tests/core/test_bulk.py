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


def test_insert_instance_saves_like_save_and_reads_the_id_back(db):
    from atiende.accounts.models import ApiToken

    user = AgentFactory()
    token = ApiToken(user=user, name="ci", prefix="atd_x", digest="d" * 64)
    assert bulk.insert_instance(token) is True
    assert token.pk is not None and not token._state.adding
    stored = ApiToken.objects.get(pk=token.pk)
    # auto_now_add filled in as save() would, and the same value on the instance
    assert stored.created_at == token.created_at is not None
    assert (stored.user_id, stored.name, stored.revoked_at) == (user.pk, "ci", None)


def test_insert_instance_leaves_an_existing_row_alone_on_conflict(db):
    from atiende.accounts.models import ApiToken

    user = AgentFactory()
    first = ApiToken(user=user, name="first", prefix="atd_x", digest="e" * 64)
    bulk.insert_instance(first)
    second = ApiToken(user=user, name="second", prefix="atd_x", digest="e" * 64)
    assert bulk.insert_instance(second, unless_conflict_on="digest") is False
    assert second.pk is None
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["first"]
