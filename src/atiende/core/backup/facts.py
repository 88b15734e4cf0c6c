"""What a snapshot holds, read inside it with the snapshot's own connection: counts for the
manifest, the migrations applied, and the storage names of every file its rows name.

Tables come from the model registry (no import of the domain apps: core sits below them).
Every model's file fields count, not only attachments, so a file-bearing model added later
is backed up without a change here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import apps
from django.db import models

from .archive import Facts

COUNTED = {"tickets": "tickets.Ticket", "events": "tickets.TicketEvent",
           "attachments": "tickets.Attachment"}  # fmt: skip

Query = Callable[[str], Sequence[Sequence[Any]]]


def file_columns() -> list[tuple[str, str]]:
    """(table, column) of every file field of an installed, managed model."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        for field in meta.concrete_fields:
            if isinstance(field, models.FileField):
                found.append((meta.db_table, field.column))
    return sorted(found)


def read(query: Query, quote: Callable[[str], str]) -> Facts:
    counts = {}
    for key, label in COUNTED.items():
        table = apps.get_model(label)._meta.db_table
        counts[key] = int(query(f"SELECT count(*) FROM {quote(table)}")[0][0])  # noqa: S608
    migrations: dict[str, list[str]] = {}
    for app, name in query("SELECT app, name FROM django_migrations ORDER BY app, name"):
        migrations.setdefault(str(app), []).append(str(name))
    files: set[str] = set()
    for table, column in file_columns():
        col = quote(column)
        rows = query(f"SELECT {col} FROM {quote(table)} WHERE {col} <> ''")  # noqa: S608
        files.update(str(row[0]) for row in rows if row[0])
    return Facts(counts=counts, migrations=migrations, files=sorted(files))
