"""The MTA gateway through the real command (`atiende mail receive`, a subprocess) with the
exit codes an MTA acts on. The subprocesses use a database of their own, migrated once: on
PostgreSQL runs a second database on the same server, otherwise a SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import make_mail

ATIENDE = str(Path(sys.executable).with_name("atiende"))
FIXTURES = Path(__file__).parent / "fixtures"
SETUP = """
from atiende.mail.models import Mailbox
Mailbox.objects.create(name="soporte", address="soporte@example.com", is_default=True,
                       max_message_bytes=20000)
Mailbox.objects.create(name="cerrado", address="old@example.com", is_active=False)
"""


def _run(env, *args, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(
        [ATIENDE, *args], input=stdin, env=env, capture_output=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["ATIENDE_DATA_DIR"] = str(tmp_path_factory.mktemp("gateway"))
    url = os.environ.get("ATIENDE_DATABASE_URL", "")
    pg_name = None
    if url.startswith("postgres"):
        import psycopg

        base, _sep, name = url.rpartition("/")
        pg_name = f"{name or 'atiende'}_gateway"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}"')
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        env["ATIENDE_DATABASE_URL"] = f"{base}/{pg_name}"
    else:
        env.pop("ATIENDE_DATABASE_URL", None)
    migrated = _run(env, "manage", "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr.decode()
    created = _run(env, "manage", "shell", "-c", SETUP)
    assert created.returncode == 0, created.stderr.decode()

    def query(sql: str) -> list[tuple]:
        if pg_name:
            import psycopg

            with psycopg.connect(env["ATIENDE_DATABASE_URL"]) as conn:
                return list(conn.execute(sql).fetchall())
        db = Path(env["ATIENDE_DATA_DIR"]) / "atiende.sqlite3"
        with sqlite3.connect(db) as conn:
            return list(conn.execute(sql).fetchall())

    yield env, query
    if pg_name:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


def test_accepts_a_message_once_and_duplicates_with_exit_0(gateway):
    env, query = gateway
    raw = make_mail(message_id="<gw-1@client.example.org>", subject="Pantalla azul")
    first = _run(env, "mail", "receive", stdin=raw)
    assert first.returncode == 0, first.stderr.decode()
    again = _run(env, "mail", "receive", "--mailbox", "soporte", stdin=raw)
    assert again.returncode == 0 and b"duplicate" in again.stderr
    assert query("SELECT title, channel FROM tickets_ticket WHERE title = 'Pantalla azul'") == [
        ("Pantalla azul", "email")
    ]
    assert query(
        "SELECT status, source FROM mail_inboundmessage WHERE message_id = 'gw-1@client.example.org'"
    ) == [("processed", "gateway")]


def test_corpus_charsets_and_attachments_through_the_command(gateway):
    env, query = gateway
    for name in ("charset_windows_1252", "attachment_rfc2231_accented"):
        done = _run(env, "mail", "receive", stdin=(FIXTURES / f"{name}.eml").read_bytes())
        assert done.returncode == 0, done.stderr.decode()
    names = [row[0] for row in query("SELECT filename FROM tickets_attachment")]
    assert any("ñ" in n or "é" in n or "á" in n for n in names), names


def test_unknown_mailbox_is_a_permanent_rejection(gateway):
    env, _query = gateway
    assert _run(env, "mail", "receive", "--mailbox", "nope", stdin=make_mail()).returncode == 67
    assert _run(env, "mail", "receive", "--mailbox", "cerrado", stdin=make_mail()).returncode == 67


def test_input_that_is_no_message_is_kept_and_rejected_permanently(gateway):
    env, query = gateway
    for raw in (b"", (FIXTURES / "whitespace_only.eml").read_bytes()):
        assert _run(env, "mail", "receive", stdin=raw).returncode == 65
    # Parseable but unusable (no sender): kept in the failed list for an admin, exit 0.
    done = _run(env, "mail", "receive", stdin=(FIXTURES / "missing_from.eml").read_bytes())
    assert done.returncode == 0 and b"failed" in done.stderr
    assert query("SELECT count(*) FROM mail_inboundmessage WHERE status = 'failed'")[0][0] == 3


NOT_MAIL = {
    "random bytes": bytes(range(256)) * 8,
    "an executable": b"\x7fELF\x02\x01\x01\x00" + bytes(120) + b"\x00\x01" * 64,
    "a picture": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
    "a JSON document": b'{"subject": "hola", "from": "ana@example.org"}\n',
    "a line of text": b"just some text piped by mistake\n",
    "an empty input": b"",
}


@pytest.mark.parametrize("what", NOT_MAIL)
def test_input_that_is_not_mail_exits_65_every_time(gateway, what):
    env, query = gateway
    before = query("SELECT count(*) FROM mail_inboundmessage")[0][0]
    for _attempt in range(2):  # the MTA retrying the same bytes is answered the same way
        done = _run(env, "mail", "receive", stdin=NOT_MAIL[what])
        assert done.returncode == 65, (what, done.returncode, done.stderr.decode())
        assert b"not an e-mail message" in done.stderr
    assert not query("SELECT count(*) FROM tickets_ticket WHERE channel = 'email' AND title = ''")[
        0
    ][0]
    after = query("SELECT count(*) FROM mail_inboundmessage")[0][0]
    assert after - before <= 1  # kept once for an admin (the empty input may be kept already)


def test_oversized_message_is_answered_not_silent(gateway):
    env, query = gateway
    raw = make_mail(message_id="<gw-big@x.org>", sender="big@example.net", body="x" * 50_000)
    done = _run(env, "mail", "receive", stdin=raw)
    assert done.returncode == 0 and b"too_large" in done.stderr
    assert query("SELECT status FROM mail_inboundmessage WHERE message_id = 'gw-big@x.org'") == [
        ("too_large",)
    ]
    assert query("SELECT to_address FROM mail_outboundmessage WHERE kind = 'notice'") == [
        ("big@example.net",)
    ]


def test_database_unavailable_is_a_temporary_failure(gateway, tmp_path):
    env, _query = gateway
    broken = dict(env, ATIENDE_DATABASE_URL="postgres://postgres@127.0.0.1:9/none")
    done = _run(broken, "mail", "receive", stdin=make_mail())
    assert done.returncode == 75, done.stderr.decode()
    assert b"try again later" in done.stderr
