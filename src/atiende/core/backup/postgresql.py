"""PostgreSQL: pg_dump inside an exported snapshot, pg_restore in one transaction.

The manifest's facts and pg_dump read the same snapshot: this process opens a REPEATABLE
READ transaction, exports its snapshot, reads the facts, and runs `pg_dump --snapshot` while
the transaction stays open. The desk goes on writing meanwhile (pg_dump takes only
ACCESS SHARE locks).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.db import connection, transaction
from psycopg.conninfo import make_conninfo

from . import facts
from .archive import BackupError, ExitCode, Facts

MEMBER = "database.pgdump"
# libpq connection settings that may come in OPTIONS (from ATIENDE_DATABASE_URL's query).
LIBPQ_OPTIONS = {"sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "options",
                 "application_name", "connect_timeout", "target_session_attrs", "passfile",
                 "service", "channel_binding", "gssencmode"}  # fmt: skip


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            ExitCode.PROGRAM,
            f"`{name}` was not found on PATH. Install the PostgreSQL client programs "
            "(Debian/Ubuntu: apt-get install postgresql-client) of the server's version or newer.",
        )
    return path


def program_major(path: str) -> int:
    """The major version of a PostgreSQL client program ("pg_dump (PostgreSQL) 15.20" -> 15)."""
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    found = re.search(r"\)\s+(\d+)", out)
    if found is None:
        raise BackupError(ExitCode.PROGRAM, f"Cannot tell the version of {path}: {out!r}")
    return int(found.group(1))


def server_major() -> int:
    return connection.pg_version // 10000  # type: ignore[attr-defined]


def _libpq() -> tuple[str, dict[str, str]]:
    """Connection string and environment for the client programs; the password goes in the
    environment, never on a command line other users can read."""
    s = connection.settings_dict
    params = {"dbname": s["NAME"], "host": s["HOST"], "port": s["PORT"], "user": s["USER"]}
    params.update({k: v for k, v in s.get("OPTIONS", {}).items() if k in LIBPQ_OPTIONS})
    conninfo = make_conninfo(**{k: str(v) for k, v in params.items() if v not in (None, "")})
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return conninfo, env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        detail = done.stderr.strip() or f"exit code {done.returncode}"
        raise BackupError(ExitCode.FAILED, f"{what} failed: {detail}")


def snapshot(staging: Path) -> tuple[Path, Facts]:
    pg_dump = _program("pg_dump")
    dump_major, server = program_major(pg_dump), server_major()
    if dump_major < server:
        raise BackupError(
            ExitCode.PROGRAM,
            f"pg_dump {dump_major} cannot dump a PostgreSQL {server} server: install "
            f"postgresql-client-{server} (or newer) and put its pg_dump first on PATH.",
        )
    dump = staging / MEMBER
    conninfo, env = _libpq()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot_id = cursor.fetchone()[0]

        def query(sql: str) -> list:
            cursor.execute(sql)
            return cursor.fetchall()

        found = facts.read(query, connection.ops.quote_name)
        _run(
            [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot_id}",
             f"--file={dump}", f"--dbname={conninfo}"],
            env, "pg_dump",
        )  # fmt: skip
    found.database = {
        "vendor": "postgresql",
        "member": MEMBER,
        "server_major": server,
        "pg_dump_major": dump_major,
    }
    return dump, found


def check_restorable(manifest: dict) -> None:
    database = manifest["database"]
    restore_major = program_major(_program("pg_restore"))
    if restore_major < int(database["pg_dump_major"]):
        raise BackupError(
            ExitCode.PROGRAM,
            f"The archive was made by pg_dump {database['pg_dump_major']}; pg_restore "
            f"{restore_major} cannot read it: install postgresql-client-"
            f"{database['pg_dump_major']} or newer.",
        )
    if server_major() < int(database["server_major"]):
        raise BackupError(
            ExitCode.PROGRAM,
            f"The backup comes from PostgreSQL {database['server_major']}; this server is "
            f"{server_major()}. Restore into PostgreSQL {database['server_major']} or newer.",
        )


def target_problem() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')"
            " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            " AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%'"
        )
        count = cursor.fetchone()[0]
    name = connection.settings_dict["NAME"]
    return f"the database {name} has {count} tables, sequences or views" if count else None


def place(staged: Path, manifest: dict) -> None:
    conninfo, env = _libpq()
    _run(
        [_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
         "--single-transaction", f"--dbname={conninfo}", str(staged)],
        env, "pg_restore",
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # pg_restore leaves the planner without statistics
