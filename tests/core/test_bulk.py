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


@pytest.fixture
def table_with_a_new_column(transactional_db):
    """A model that has just gained a NOT NULL column with a default (`added`), and a second
    model written with it, created for the test and dropped after it."""
    from django.db import connection, models
    from django.test.utils import isolate_apps

    with isolate_apps("atiende.core"):

        class Row(models.Model):  # noqa: DJ008
            kind = models.CharField(max_length=10)
            created_at = models.DateTimeField()
            added = models.IntegerField(default=3)  # the new column: no caller names it
            label = models.CharField(max_length=10, default="new")

            class Meta:
                app_label = "core"
                db_table = "test_bulk_row"

        class Note(models.Model):  # noqa: DJ008
            row_kind = models.CharField(max_length=10)
            created_at = models.DateTimeField()
            flags = models.JSONField(default=dict)

            class Meta:
                app_label = "core"
                db_table = "test_bulk_note"

        with connection.schema_editor() as editor:
            editor.create_model(Row)
            editor.create_model(Note)
        try:
            yield Row, Note
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(Note)
                editor.delete_model(Row)


def test_a_new_not_null_column_with_a_default_is_written(table_with_a_new_column):
    Row, Note = table_with_a_new_column
    at = clock.now()
    row = Row(kind="ack", created_at=at)
    assert bulk.insert_instance(row, also=[Note(row_kind="ack", created_at=at)]) is True
    assert Row.objects.values_list("id", "kind", "added", "label").get() == (
        row.pk, "ack", 3, "new"
    )  # fmt: skip
    assert Note.objects.values_list("row_kind", "flags").get() == ("ack", {})
    assert Note.objects.get().created_at == Row.objects.get().created_at == at


def test_also_is_skipped_when_the_row_already_exists(db):
    from atiende.accounts.models import ApiToken

    user = AgentFactory()
    bulk.insert_instance(ApiToken(user=user, name="first", prefix="atd_x", digest="f" * 64))
    again = ApiToken(user=user, name="again", prefix="atd_x", digest="f" * 64)
    extra = ApiToken(user=user, name="extra", prefix="atd_y", digest="g" * 64)
    assert bulk.insert_instance(again, unless_conflict_on="digest", also=[extra]) is False
    assert sorted(ApiToken.objects.values_list("name", flat=True)) == ["first"]
