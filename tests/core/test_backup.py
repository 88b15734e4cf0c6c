"""`atiende backup` and `atiende restore` through the real command (subprocesses), on a
database of their own: a SQLite file, or on PostgreSQL (ATIENDE_DATABASE_URL) databases of
their own on the same server. The burst and the dumps run in child Django processes too,
through the domain actions (`burst` and `dump` below)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import servers

ATIENDE = str(Path(sys.executable).with_name("atiende"))
ROOT = Path(__file__).resolve().parents[2]
URL = os.environ.get("ATIENDE_DATABASE_URL", "")
ON_POSTGRES = URL.startswith("postgres")


# --- what the child processes run ----------------------------------------------------------


def _actor():
    from atiende.accounts.actions import user_create
    from atiende.accounts.models import Role, User

    return User.objects.filter(username="burst").first() or user_create(
        username="burst", email="burst@example.org", password="a-long-secret-9", role=Role.ADMIN
    )


def _content(n: int, what: str) -> bytes:
    return hashlib.sha256(f"{what}{n}".encode()).digest() * (40 + n % 7)


def write_tickets(count: int, ack: str | None = None, stop: str | None = None) -> None:
    """Tickets with a reply, each with a file, through the actions; after both commits one
    line per ticket goes to `ack` (what the burst has been told is saved), until `stop`."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from atiende.tickets.actions import comment_add, ticket_create

    actor = _actor()
    out = open(ack, "a") if ack else None  # noqa: SIM115
    n = 0
    while n < count and not (stop and os.path.exists(stop)):
        n += 1
        first, second = _content(n, "screenshot"), _content(n, "log")
        ticket = ticket_create(
            actor=actor, title=f"Burst {n}", description=f"Ticket {n} of the burst",
            attachments=[SimpleUploadedFile(f"screenshot-{n}.png", first)],
        )  # fmt: skip
        comment_add(
            actor=actor, ticket_id=ticket.pk, body=f"Reply to {n}",
            attachments=[SimpleUploadedFile(f"log-{n}.txt", second)],
        )  # fmt: skip
        if out:
            files = sorted(hashlib.sha256(c).hexdigest() for c in (first, second))
            out.write(json.dumps({"number": ticket.number, "files": files}) + "\n")
            out.flush()


def dump() -> dict[str, Any]:
    """Every ticket with its timeline and its files' hashes, keyed by number."""
    from atiende.tickets.models import Ticket

    tickets = {}
    for ticket in Ticket.objects.order_by("pk").prefetch_related("events", "attachments"):
        files = []
        for attachment in ticket.attachments.all():
            with attachment.file.open("rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            files.append([attachment.filename, attachment.size, attachment.public, digest])
        tickets[ticket.number] = {
            "title": ticket.title,
            "description": ticket.description,
            "status": ticket.status,
            "version": ticket.version,
            "events": [
                [e.type, e.body, e.public, e.new_value, e.created_at.isoformat()]
                for e in sorted(ticket.events.all(), key=lambda e: e.pk)
            ],
            "files": files,
        }
    return tickets


# --- desks: a data directory and a database ------------------------------------------------


@dataclass
class Desk:
    env: dict[str, str]
    data: Path
    pg_name: str | None

    @property
    def media(self) -> Path:
        return self.data / "attachments"

    def atiende(self, *args: str | Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [ATIENDE, *map(str, args)], env=self.env, cwd=ROOT, capture_output=True,
            text=True, timeout=180, check=False,
        )  # fmt: skip

    def child(self, code: str) -> Any:
        done = subprocess.run(
            [sys.executable, "-c", f"import django, json\ndjango.setup()\n{code}"],
            env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def dump(self) -> dict[str, Any]:
        return self.child("import tests.core.test_backup as t\nprint(json.dumps(t.dump()))")

    def tables(self) -> int:
        if self.pg_name:
            import psycopg

            with psycopg.connect(self.env["ATIENDE_DATABASE_URL"]) as conn:
                sql = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                return conn.execute(sql).fetchone()[0]
        db = self.data / "atiende.sqlite3"
        if not db.exists():
            return 0
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM sqlite_master WHERE type='table'").fetchone()[
                0
            ]

    def files(self) -> dict[str, str]:
        return {
            str(p.relative_to(self.media)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(self.media.rglob("*"))
            if p.is_file()
        }


def _pg_admin(sql: str) -> None:
    import psycopg

    base = URL.rpartition("/")[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def desks(tmp_path_factory):
    """A factory of desks with empty databases; the PostgreSQL ones are dropped at the end."""
    if ON_POSTGRES:
        servers.program("pg_dump", package="postgresql-client", needed_by="The backup tests")
        servers.program("pg_restore", package="postgresql-client", needed_by="The backup tests")
    made: list[str] = []

    def make(tag: str, template: Desk | None = None) -> Desk:
        """An empty desk, or a copy of `template`'s database (faster than migrating)."""
        data = tmp_path_factory.mktemp(tag)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
        env["DJANGO_SETTINGS_MODULE"] = "atiende.settings"
        env["ATIENDE_DATA_DIR"] = str(data)
        env.pop("ATIENDE_MEDIA_DIR", None)
        env.pop("ATIENDE_BROKER_URL", None)
        pg_name = None
        if ON_POSTGRES:
            base, _sep, name = URL.rpartition("/")
            pg_name = f"{name or 'atiende'}_bk_{tag}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            copy = f' TEMPLATE "{template.pg_name}"' if template else ""
            _pg_admin(f'CREATE DATABASE "{pg_name}"{copy}')
            made.append(pg_name)
            env["ATIENDE_DATABASE_URL"] = f"{base}/{pg_name}"
        else:
            env.pop("ATIENDE_DATABASE_URL", None)
            if template:
                db = template.data / "atiende.sqlite3"
                with sqlite3.connect(db) as conn:  # the WAL into the file, then copy it
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                shutil.copyfile(db, data / "atiende.sqlite3")
        return Desk(env=env, data=data, pg_name=pg_name)

    yield make
    for name in made:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def migrated(desks) -> Desk:
    """A freshly migrated desk the others are copied from; never changed itself."""
    desk = desks("migrated")
    done = desk.atiende("manage", "migrate", "-v0")
    assert done.returncode == 0, done.stderr
    return desk


@pytest.fixture(scope="module")
def source(desks, migrated) -> Desk:
    return desks("source", migrated)


@pytest.fixture(scope="module")
def archive(desks, migrated, tmp_path_factory) -> Path:
    """A backup of a desk with three tickets and their files."""
    source = desks("archived", migrated)
    source.child("import tests.core.test_backup as t\nt.write_tickets(3)\nprint('{}')")
    path = tmp_path_factory.mktemp("archives") / "three.tar.gz"
    done = source.atiende("backup", "--output", path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == str(path)  # the path alone on the last line
    return path


def _lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    text = path.read_text()
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines()]


# --- the tests -----------------------------------------------------------------------------


def test_a_backup_during_a_write_burst_restores_every_acknowledged_ticket(source, desks, tmp_path):
    ack, stop = tmp_path / "acknowledged.jsonl", tmp_path / "stop"
    code = (
        f"import tests.core.test_backup as t\nt.write_tickets(10**6, {str(ack)!r}, {str(stop)!r})"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        env=source.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(_lines(ack)) < 3 and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        before = _lines(ack)  # saved, and said so, before the backup started
        assert len(before) >= 3, writer.stdout.read() if writer.poll() is not None else "slow"
        backed_up = source.atiende("backup", "--output", tmp_path / "burst.tar.gz")
        during = _lines(ack)
    finally:
        stop.touch()
        output, _ = writer.communicate(timeout=60)
    assert writer.returncode == 0, output
    assert backed_up.returncode == 0, backed_up.stderr
    assert len(during) > len(before), "the burst went on writing while the backup ran"

    target = desks("burst_target")
    restored = target.atiende("restore", tmp_path / "burst.tar.gz")
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout

    now, back = source.dump(), target.dump()
    for line in before:
        number = line["number"]
        assert number in back, f"{number} was acknowledged before the backup, and is lost"
        assert back[number] == now[number]  # title, timeline, files with their contents
        assert sorted(f[3] for f in back[number]["files"]) == line["files"]
    # The rest of the snapshot is whole too: what it has of a ticket (its last one may lack
    # the reply committed after the snapshot) is as in the source, files and all.
    with tarfile.open(tmp_path / "burst.tar.gz") as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert len(back) == manifest["counts"]["tickets"]
    assert sum(len(t["files"]) for t in back.values()) == manifest["counts"]["attachments"]
    for number, ticket in back.items():
        assert ticket["files"] == now[number]["files"][: len(ticket["files"])]
        assert ticket["events"] == now[number]["events"][: len(ticket["events"])]


def test_restore_refuses_a_non_empty_target_and_changes_nothing(source, archive, desks):
    before, files = source.dump(), source.files()
    refused = source.atiende("restore", archive)
    assert refused.returncode == 4
    assert "Refusing to restore" in refused.stderr and "has" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert source.dump() == before and source.files() == files

    # An empty database, but attachments already in the media directory: refused too.
    target = desks("media_target")
    (target.media / "tickets").mkdir(parents=True)
    (target.media / "tickets" / "stray.txt").write_text("someone else's")
    refused = target.atiende("restore", archive)
    assert refused.returncode == 4
    assert "attachments directory" in refused.stderr
    assert target.tables() == 0
    assert list(target.files()) == ["tickets/stray.txt"]


def test_backup_does_not_overwrite_an_existing_file(source, tmp_path):
    existing = tmp_path / "mine.tar.gz"
    existing.write_bytes(b"precious")
    done = source.atiende("backup", "--output", existing)
    assert done.returncode == 4
    assert "already exists" in done.stderr
    assert existing.read_bytes() == b"precious"


def _members(path: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(path) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]


def _repack(members: list[tuple[tarfile.TarInfo, bytes]], path: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _tampered(archive: Path, tmp: Path) -> Path:
    """One byte of one attachment changed, its checksum left as it was."""
    members = _members(archive)
    index = next(i for i, (m, _) in enumerate(members) if m.name.startswith("media/"))
    info, data = members[index]
    members[index] = (info, bytes([data[0] ^ 1]) + data[1:])
    return _repack(members, tmp / "tampered.tar.gz")


def _from_newer_code(archive: Path, tmp: Path) -> Path:
    members = _members(archive)
    info, data = members[0]
    manifest = json.loads(data)
    manifest["migrations"]["tickets"].append("9999_from_the_future")
    members[0] = (info, json.dumps(manifest).encode())
    sums = members[-1][1].decode().splitlines()
    digest = hashlib.sha256(members[0][1]).hexdigest()
    sums = [f"{digest}  manifest.json" if s.endswith("  manifest.json") else s for s in sums]
    members[-1] = (members[-1][0], ("\n".join(sums) + "\n").encode())
    return _repack(members, tmp / "newer.tar.gz")


def _truncated(archive: Path, tmp: Path) -> Path:
    path = tmp / "truncated.tar.gz"
    path.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    return path


def _not_a_backup(archive: Path, tmp: Path) -> Path:
    path = tmp / "other.tar"
    with tarfile.open(path, "w") as tar:
        tar.add(__file__, arcname="notes.txt")
    return path


def _garbage(archive: Path, tmp: Path) -> Path:
    path = tmp / "garbage.tar.gz"
    path.write_bytes(os.urandom(4096))
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_garbage, "not a tar archive"),
        (_truncated, "damaged or truncated"),
        (_not_a_backup, "does not begin with manifest.json"),
        (_tampered, "checksums do not match for media/tickets/"),
        (_from_newer_code, "made by a newer Atiende"),
    ],
)
def test_an_unusable_archive_is_refused_with_a_message_and_nothing_restored(
    make, message, archive, desks, tmp_path
):
    target = desks(f"bad_{make.__name__.strip('_')}")
    done = target.atiende("restore", make(archive, tmp_path))
    assert done.returncode == 3, done.stderr
    assert "is not a usable Atiende backup" in done.stderr or "newer" in done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert target.tables() == 0
    assert target.files() == {}


def test_an_older_backup_is_brought_forward_by_migrate(desks, migrated, tmp_path):
    """A backup whose database lacks the newest migration of an app restores, then migrates."""
    old = desks("older", migrated)
    # Back to mail's last-but-one migration (nothing depends on mail's newest one).
    mail_migrations = sorted(
        p.stem for p in (ROOT / "src" / "atiende" / "mail" / "migrations").glob("0*.py")
    )
    done = old.atiende("manage", "migrate", "mail", mail_migrations[-2], "-v0")
    assert done.returncode == 0, done.stderr
    path = tmp_path / "older.tar"  # uncompressed, the other archive flavour
    assert old.atiende("backup", "--output", path).returncode == 0
    target = desks("older_target")
    done = target.atiende("restore", path)
    assert done.returncode == 0, done.stderr
    assert "Brought forward by 1 migrations" in done.stdout
    check = target.atiende("manage", "migrate", "--check")
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_archive_lists_what_it_holds(archive):
    members = _members(archive)
    names = [m.name for m, _ in members]
    manifest = json.loads(members[0][1])
    assert names[0] == "manifest.json" and names[-1] == "SHA256SUMS"
    assert manifest["format"] == "atiende-backup" and manifest["format_version"] == 1
    assert manifest["database"]["vendor"] == ("postgresql" if ON_POSTGRES else "sqlite")
    counts = manifest["counts"]
    assert counts["tickets"] == 3 and counts["attachments"] == 6 and counts["events"] >= 6
    assert "0001_tickets_timeline_attachments" in manifest["migrations"]["tickets"]
    assert manifest["missing_files"] == []
    assert len([n for n in names if n.startswith("media/tickets/")]) == 6
    sums = dict(line.split("  ")[::-1] for line in members[-1][1].decode().splitlines())
    assert sums == {m.name: hashlib.sha256(d).hexdigest() for m, d in members[:-1]}
