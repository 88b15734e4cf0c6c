"""XLSX exports beside the CSV ones: the same rows, text never a formula, dates in the
reader's time zone, streamed in chunks with memory that does not grow with the rows
(openpyxl's write-only mode)."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from atiende.reports.views import _xlsx

from .dataset import build

pytestmark = pytest.mark.usefixtures("desk_default_team", "office_policy")

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def data(committed, requester, agent, other_team):
    return build(committed=committed, requester=requester, agent=agent, other_team=other_team)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def workbook(answer):
    assert answer.streaming
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(b"".join(answer.streaming_content)), read_only=True)


def test_the_report_as_a_workbook(data, manager, team):
    answer = client_for(manager).get(
        reverse("reports:xlsx"), {"metric": "created", "dimension": "team", **MARCH}
    )
    assert 'filename="report-created.xlsx"' in answer["Content-Disposition"]
    rows = list(workbook(answer).active.values)
    assert rows[0][:5] == ("key", "label", "value", "count", "previous")
    assert rows[1][:5] == (team.pk, team.name, 4, 4, 1)


def test_the_facts_as_a_workbook_with_local_dates(data, manager, settings):
    client = client_for(manager)
    manager.time_zone = "Europe/Madrid"
    manager.save()
    rows = list(workbook(client.get(reverse("reports:facts_xlsx"), MARCH)).active.values)
    assert rows[0][:3] == ("number", "kind", "channel")
    assert len(rows) == 1 + 5
    t1 = next(r for r in rows if r[0] == data["t1"].number)
    created = t1[rows[0].index("created_at")]
    assert (created.hour, created.minute) == (10, 0)  # 09:00 UTC is 10:00 in Madrid


def test_text_is_never_a_formula_and_bad_input_is_a_400(manager):
    book = load_workbook(io.BytesIO(b"".join(_xlsx([['=HYPERLINK("x")', "a\x07b", 3]], "t"))))
    cells = next(iter(book.active.iter_rows()))
    assert cells[0].value == '=HYPERLINK("x")' and cells[0].data_type == "s"
    assert cells[1].value == "ab" and cells[2].value == 3
    answer = client_for(manager).get(reverse("reports:facts_xlsx"), {"start": "nonsense"})
    assert answer.status_code == 400


def test_memory_does_not_grow_with_the_rows():
    """Peak Python memory writing 2,000 and 8,000 rows of ticket-fact width: the same within
    a margin (write-only cells go to a temporary file), far below the rows' own size."""
    row = ["INC-000001", "incident", "web", 3, "open", 1, 2, 3, None, None, None, None, None,
           0, 0, 1, 3600, 3600, None, None, "met", "running"]  # fmt: skip

    def peak(n: int) -> int:
        tracemalloc.start()
        size = 0
        for chunk in _xlsx(([*row[:1], *row[1:]] for _ in range(n)), "facts"):
            size += len(chunk)
        _current, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert size > 0
        return top

    small, large = peak(2000), peak(8000)
    assert large < small * 1.5 + 512 * 1024, (small, large)
