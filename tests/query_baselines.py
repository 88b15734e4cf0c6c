"""Recorded query counts of the main pages, per database (tests/query_baselines.json).

`with query_baseline("desk queue"): client.get(...)` fails when the number of statements
differs from the one recorded for this database vendor, and prints every statement, so a
new query (or one saved) is seen in review with its SQL. When the change is intended,
re-record and commit the JSON:

    ATIENDE_UPDATE_QUERY_BASELINES=1 pytest tests/test_query_baselines.py
    ATIENDE_UPDATE_QUERY_BASELINES=1 ATIENDE_DATABASE_URL=postgres://… pytest tests/test_query_baselines.py

(one database at a time: each run rewrites the file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

FILE = Path(__file__).with_name("query_baselines.json")
UPDATE_VARIABLE = "ATIENDE_UPDATE_QUERY_BASELINES"
VENDORS = ("postgresql", "sqlite")


def load() -> dict[str, dict[str, int]]:
    return json.loads(FILE.read_text()) if FILE.exists() else {}


def _record(name: str, count: int) -> None:
    baselines = load()
    baselines.setdefault(name, {})[connection.vendor] = count
    FILE.write_text(json.dumps(baselines, indent=2, sort_keys=True) + "\n")


def _report(name: str, count: int, recorded: int | None, queries: list[dict]) -> str:
    expected = "nothing recorded" if recorded is None else f"{recorded} recorded"
    lines = [
        f"{name}: {count} queries on {connection.vendor}, {expected} in {FILE.name}.",
        f"If intended, re-record: {UPDATE_VARIABLE}=1 pytest {Path(__file__).parent.name}/"
        "test_query_baselines.py (on each database) and commit the file. The statements:",
    ]
    lines += [f"{i:3}. {query['sql']}" for i, query in enumerate(queries, 1)]
    return "\n".join(lines)


@contextmanager
def query_baseline(name: str) -> Iterator[CaptureQueriesContext]:
    """Count the statements of the block against the baseline `name` for this database."""
    with CaptureQueriesContext(connection) as captured:
        yield captured
    count = len(captured.captured_queries)
    if os.environ.get(UPDATE_VARIABLE) == "1":
        _record(name, count)
        return
    recorded = load().get(name, {}).get(connection.vendor)
    if recorded != count:
        pytest.fail(_report(name, count, recorded, captured.captured_queries), pytrace=False)
