"""SQLite: the snapshot with SQLite's online backup API, the restore as one file rename.

The desk's database runs in WAL mode (settings.py). `Connection.backup` in one step
(pages=-1) copies the database inside one read transaction, so the copy is the database as
of one instant while writers go on committing to the WAL: readers and the writer do not
block each other in WAL mode.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

from django.conf import settings

from . import facts
from .archive import BackupError, ExitCode, Facts

MEMBER = "database.sqlite3"


def database_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot(staging: Path) -> tuple[Path, Facts]:
    source_path = database_path()
    if not source_path.is_file():
        raise BackupError(ExitCode.FAILED, f"There is no database at {source_path} to back up.")
    copy = staging / MEMBER
    with (
        closing(sqlite3.connect(source_path, timeout=60)) as source,
        closing(sqlite3.connect(copy)) as target,
    ):
        source.backup(target)  # pages=-1: all at once, one consistent read
    with closing(sqlite3.connect(copy)) as target:
        # One self-contained file (no -wal beside it); the desk turns WAL on again on connect.
        target.execute("PRAGMA journal_mode=DELETE")
        check = target.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(ExitCode.FAILED, f"The database copy fails its check: {check}")
        found = facts.read(lambda sql: target.execute(sql).fetchall(), _quote)
    found.database = {
        "vendor": "sqlite",
        "member": MEMBER,
        "sqlite_version": sqlite3.sqlite_version,
    }
    return copy, found


def check_restorable(manifest: dict) -> None:
    """Nothing to check: any SQLite 3 reads a SQLite 3 file."""


def target_problem() -> str | None:
    path = database_path()
    if not path.exists():
        return None
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)) as db:
            tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type='table'")
            count = tables.fetchone()[0]
    except sqlite3.Error as exc:
        return f"{path} exists and is not an empty SQLite database ({exc})"
    return f"the database {path} has {count} tables" if count else None


def place(staged: Path, manifest: dict) -> None:
    path = database_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # The target is empty (checked), so a leftover WAL of it holds nothing; it must not be
    # replayed into the restored file.
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    incoming = path.with_name(path.name + ".restoring")
    shutil.move(staged, incoming)
    os.replace(incoming, path)
