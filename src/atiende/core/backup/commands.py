"""The two commands: backup (snapshot, then the files it names) and restore (verify all,
refuse anything but an empty target, place, then migrate forward)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from tempfile import TemporaryDirectory
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from atiende.core import clock

from . import archive, postgresql, sqlite
from .archive import BackupError, ExitCode

VENDORS: dict[str, ModuleType] = {"sqlite": sqlite, "postgresql": postgresql}


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]

    @property
    def missing(self) -> list[str]:
        return list(self.manifest["missing_files"])


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    migrated: list[str]  # migrations applied after the restore (the backup was older)


def _vendor() -> ModuleType:
    vendor = VENDORS.get(connection.vendor)
    if vendor is None:
        raise BackupError(ExitCode.FAILED, f"Backups of {connection.vendor} are not supported.")
    return vendor


def _version() -> str:
    try:
        return metadata.version("atiende")
    except metadata.PackageNotFoundError:
        return "unknown"


def default_output(at: dt.datetime | None = None) -> Path:
    stamp = (at or clock.now()).astimezone(dt.UTC).strftime("%Y%m%d-%H%M%SZ")
    return Path(settings.DATA_DIR) / "backups" / f"atiende-{stamp}.tar.gz"


def backup(output: Path | None = None) -> BackupResult:
    vendor = _vendor()
    started = clock.now()
    output = Path(output or default_output(started)).absolute()
    if output.exists():
        raise BackupError(ExitCode.REFUSED, f"{output} already exists: choose another --output.")
    try:
        output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The partial archive lives beside the output (same file system, so the final rename
        # is atomic) and disappears with the directory if anything fails.
        with TemporaryDirectory(dir=output.parent, prefix=".atiende-backup-") as tmp:
            database, found = vendor.snapshot(Path(tmp))
            media = Path(settings.MEDIA_ROOT)
            present = [name for name in found.files if (media / name).is_file()]
            manifest = {
                "format": archive.FORMAT,
                "format_version": archive.FORMAT_VERSION,
                "atiende_version": _version(),
                "created_at": started.astimezone(dt.UTC).isoformat(),
                "database": found.database,
                "counts": found.counts,
                "migrations": found.migrations,
                "files": len(present),
                "missing_files": sorted(set(found.files) - set(present)),
            }
            partial = Path(tmp) / "archive.partial"
            files = [(name, media / name) for name in present]
            archive.write(partial, manifest, database, found.database["member"], files)
            partial.chmod(0o600)  # the whole desk is in it
            os.replace(partial, output)
    except (OSError, DatabaseError, sqlite3.Error) as exc:
        raise BackupError(ExitCode.FAILED, f"Backup failed, nothing written: {exc}") from exc
    return BackupResult(path=output, manifest=manifest)


def restore(path: Path) -> RestoreResult:
    vendor = _vendor()
    path = Path(path)
    if not path.is_file():
        raise BackupError(ExitCode.UNUSABLE_ARCHIVE, f"{path} does not exist or is not a file.")
    reader = archive.Reader(path)
    try:
        manifest = reader.manifest
        _check_compatible(path, manifest, vendor)
        _check_empty(vendor)
        try:
            with TemporaryDirectory(dir=settings.DATA_DIR, prefix=".atiende-restore-") as tmp:
                database, names = reader.extract(Path(tmp))
                _check_empty(vendor)  # nothing may have started using the target meanwhile
                vendor.place(database, manifest)
                _place_media(Path(tmp) / "media", names)
        except (OSError, DatabaseError, sqlite3.Error) as exc:
            raise BackupError(ExitCode.FAILED, f"Restore failed: {exc}") from exc
    finally:
        reader.close()
    return RestoreResult(manifest=manifest, migrated=_migrate())


def _check_compatible(path: Path, manifest: dict[str, Any], vendor: ModuleType) -> None:
    try:
        kind = manifest["database"]["vendor"]
        member = manifest["database"]["member"]
        ours = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    except (KeyError, TypeError, AttributeError):
        raise BackupError(
            ExitCode.UNUSABLE_ARCHIVE, f"{path} has an incomplete manifest."
        ) from None
    if kind != connection.vendor or member != vendor.MEMBER:
        raise BackupError(
            ExitCode.UNUSABLE_ARCHIVE,
            f"{path} is a backup of a {kind} database; this Atiende uses {connection.vendor} "
            "(ATIENDE_DATABASE_URL). Restore it into the same kind of database.",
        )
    newer = sorted(ours - _known_migrations())
    if newer:
        names = ", ".join(f"{app}.{name}" for app, name in newer[:5])
        raise BackupError(
            ExitCode.UNUSABLE_ARCHIVE,
            f"{path} was made by a newer Atiende ({manifest.get('atiende_version')}): this "
            f"version lacks its migrations {names}. Restore it with that version or a later one.",
        )
    vendor.check_restorable(manifest)


def _known_migrations() -> set[tuple[str, str]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update(migration.replaces or [])  # squashed: the old names are known too
    return known


def _check_empty(vendor: ModuleType) -> None:
    problems = []
    database = vendor.target_problem()
    if database:
        problems.append(database)
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(p.name != "lost+found" for p in media.iterdir()):
        problems.append(f"the attachments directory {media} is not empty")
    elif media.exists() and not media.is_dir():
        problems.append(f"{media} (attachments) is not a directory")
    if problems:
        raise BackupError(
            ExitCode.REFUSED,
            "Refusing to restore: " + "; ".join(problems) + ". A restore goes into an empty "
            "database and an empty attachments directory only; nothing was changed.",
        )


def _place_media(staged: Path, names: list[str]) -> None:
    media = Path(settings.MEDIA_ROOT)
    for name in names:
        target = media / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged / name, target)  # a rename, or a copy onto other storage


def _migrate() -> list[str]:
    """An older backup is brought forward to this code's schema (a newer one was refused)."""
    before = set(MigrationRecorder(connection).applied_migrations())
    call_command("migrate", interactive=False, verbosity=0)
    after = set(MigrationRecorder(connection).applied_migrations())
    return [f"{app}.{name}" for app, name in sorted(after - before)]
