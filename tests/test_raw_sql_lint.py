"""scripts/check_raw_sql.py: hand-written SQL only in the places docs/architecture.md allows
("Raw SQL"); run by `make check` and here, so the suite fails on a new site too."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_raw_sql.py"


@pytest.fixture(scope="module")
def lint():
    spec = importlib.util.spec_from_file_location("check_raw_sql", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_sources_keep_raw_sql_to_the_allowed_places(lint):
    assert lint.check(SCRIPT.parent.parent / "src" / "atiende") == []


def test_every_allowed_place_is_documented(lint):
    architecture = (SCRIPT.parent.parent / "docs" / "architecture.md").read_text()
    section = architecture.split("**Raw SQL", 1)[1]
    for place in lint.ALLOWED:
        assert f"`{place}`" in section, place


@pytest.mark.parametrize(
    "source",
    [
        "from django.db import connection\n\nwith connection.cursor() as c:\n    pass\n",
        "from django.db import connections\n\nconnections['default'].cursor()\n",
        "def f(cursor):\n    cursor.execute('DELETE FROM t')\n",
        "from app.models import T\n\nT.objects.raw('SELECT 1')\n",
        "from app.models import T\n\nT.objects.extra(where=['1=1'])\n",
        "from django.db.models.expressions import RawSQL\n",
        "from django.db.models import expressions\n\nexpressions.RawSQL('1', [])\n",
    ],
)
def test_raw_sql_elsewhere_is_reported(lint, tmp_path, source):
    (tmp_path / "tickets").mkdir()
    (tmp_path / "tickets" / "views.py").write_text(source)
    (tmp_path / "tickets" / "search.py").write_text(
        "from django.db.models.expressions import RawSQL\n"
    )
    outside = [p for p in lint.check(tmp_path) if "outside the allowed places" in p]
    assert outside
    assert all("tickets/views.py:" in p for p in outside)


def test_allowed_places_and_migrations_are_not_reported(lint, tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "anything.py").write_text("def f(c):\n    c.execute('SELECT 1')\n")
    (tmp_path / "tickets" / "migrations").mkdir(parents=True)
    (tmp_path / "tickets" / "migrations" / "0002_x.py").write_text(
        "def f(c):\n    c.execute('X')\n"
    )
    (tmp_path / "tickets" / "views.py").write_text(
        "rows = Ticket.objects.filter(id=1)\nrows.update(a=1)\n"
    )
    problems = lint.check(tmp_path)
    # Only the allowed single files that have no SQL in this tree are reported, as stale.
    assert problems and all("has none" in p for p in problems)
    assert not any("core" in p or "migrations" in p or "views.py" in p for p in problems)
