"""The requests of a catalogue item as CSV (the managers' export of the answers as data):
one line per request the reader sees, one column per question of the form."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet

from atiende.core.spreadsheet import Echo, safe_cell

from .models import FormField, RequestAnswers

FIXED = ["number", "created_at", "status", "requester", "organisation"]


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("name", ""))
    return "" if value is None else str(value)


def export_requests(rows: QuerySet[RequestAnswers], fields: Sequence[FormField]) -> Iterator[str]:
    """Lines of the CSV of `rows` (already access-scoped), oldest first, streamed."""
    writer = csv.writer(Echo())
    keys = [spec.key for spec in fields]
    yield "\ufeff" + writer.writerow([*FIXED, *keys])
    ordered = rows.select_related("ticket__requester", "ticket__organization").order_by("ticket_id")
    for row in ordered.iterator(chunk_size=2000):
        ticket = row.ticket
        yield writer.writerow(
            [
                ticket.number,
                ticket.created_at.isoformat(),
                ticket.status,
                safe_cell(ticket.requester.display_name),
                safe_cell(ticket.organization.name if ticket.organization else ""),
                *[safe_cell(_cell(row.values.get(key))) for key in keys],
            ]
        )
