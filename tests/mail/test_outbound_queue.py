"""outbox.queue writes the whole row, as save() would: its statement lists the model's
columns (core.bulk), so a column added to OutboundMessage or MessageReference is written with
its default instead of breaking every ticket creation; and it costs one round trip on
PostgreSQL, two INSERTs on SQLite, however many columns there are."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from atiende.core import bulk
from atiende.mail.models import Direction, MessageReference, OutboundKind, OutboundMessage
from atiende.mail.outbound import outbox

from ..factories import RequesterFactory, make_ticket


def _stored(model, pk):
    row = model.objects.get(pk=pk)
    return {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}


def test_the_statements_list_every_column_of_the_models(db):
    for model in (OutboundMessage, MessageReference):
        sql, fields = bulk._insert_sql(model, connection.vendor)
        expected = [f.column for f in model._meta.concrete_fields if not f.primary_key]
        assert [f.column for f in fields] == expected
        for column in expected:
            assert connection.ops.quote_name(column) in sql


def test_queue_stores_every_field_as_save_would(db):
    requester = RequesterFactory()
    ticket = make_ticket(requester)
    with CaptureQueriesContext(connection) as queries:
        row = outbox.queue(
            kind=OutboundKind.REPLY,
            ticket_id=ticket.pk,
            recipient_id=requester.pk,
            to_address="ana@example.org",
            params={"text": 'ñ "q"', "n": 1},
            language="es",
        )
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2)
    # Every concrete field, whatever fields the model gains: the instance returned is the row.
    expected = {f.attname: getattr(row, f.attname) for f in OutboundMessage._meta.concrete_fields}
    assert _stored(OutboundMessage, row.pk) == expected
    assert (expected["attempts"], expected["claim"], expected["subject"]) == (0, "", "")
    reference = MessageReference.objects.get(message_id=row.message_id)
    assert (reference.ticket_id, reference.direction) == (ticket.pk, Direction.OUTBOUND)
    assert reference.created_at == row.created_at


def test_a_notice_without_threading_writes_no_reference(db):
    row = outbox.queue(kind=OutboundKind.NOTICE, to_address="x@example.org", thread=False)
    assert OutboundMessage.objects.filter(pk=row.pk).exists()
    assert not MessageReference.objects.filter(message_id=row.message_id).exists()
