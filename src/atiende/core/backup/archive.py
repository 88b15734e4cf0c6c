"""The backup archive: writing it, and reading it back only once every byte is verified."""

from __future__ import annotations

import enum
import hashlib
import io
import json
import os
import tarfile
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

FORMAT = "atiende-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
MEDIA = "media/"
CHUNK = 1024 * 1024


class ExitCode(enum.IntEnum):
    OK = 0
    FAILED = 1
    UNUSABLE_ARCHIVE = 3
    REFUSED = 4
    PROGRAM = 5
    FILES_MISSING = 6


class BackupError(Exception):
    """A backup or restore that cannot go on; `str()` is the message for the operator."""

    def __init__(self, code: ExitCode, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Facts:
    """What the snapshot holds, read inside it: the manifest's counts, migrations and the
    storage names of its files."""

    counts: dict[str, int]
    migrations: dict[str, list[str]]
    files: list[str]
    database: dict[str, Any] = field(default_factory=dict)


class _Hashing:
    """A file read through, hashed on the way into the tar."""

    def __init__(self, raw: IO[bytes]):
        self.raw = raw
        self.sha = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        return data


def compressed(path: Path) -> bool:
    return not path.name.endswith(".tar")


def media_name(member: str) -> str | None:
    """The storage name of a media member, or None if the name could escape the media dir."""
    if not member.startswith(MEDIA):
        return None
    rel = PurePosixPath(member[len(MEDIA) :])
    if rel.is_absolute() or not rel.parts or any(p in ("", ".", "..") for p in rel.parts):
        return None
    return str(rel)


def write(
    path: Path,
    manifest: dict[str, Any],
    database: Path,
    database_member: str,
    files: Iterable[tuple[str, Path]],
) -> None:
    """Write the archive at `path`: manifest, database, the files (storage name, path), sums."""
    sums: list[tuple[str, str]] = []
    mode = "w:gz" if compressed(path) else "w"
    with tarfile.open(path, mode) as tar:  # type: ignore[call-overload]
        body = json.dumps(manifest, indent=2, sort_keys=True).encode()
        sums.append((MANIFEST, _add_bytes(tar, MANIFEST, body)))
        with database.open("rb") as f:
            sums.append((database_member, _add_file(tar, database_member, f)))
        for name, source in files:
            with source.open("rb") as f:
                sums.append((MEDIA + name, _add_file(tar, MEDIA + name, f)))
        listing = "".join(f"{digest}  {member}\n" for member, digest in sums)
        _add_bytes(tar, SUMS, listing.encode())


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> str:
    return _add_file(tar, name, io.BytesIO(data), size=len(data))


def _add_file(tar: tarfile.TarFile, name: str, f: IO[bytes], size: int | None = None) -> str:
    info = tarfile.TarInfo(name)
    info.size = size if size is not None else _size(f)
    info.mode = 0o600
    info.mtime = int(time.time())
    reader = _Hashing(f)
    tar.addfile(info, reader)  # type: ignore[arg-type]
    return reader.sha.hexdigest()


def _size(f: IO[bytes]) -> int:
    return os.fstat(f.fileno()).st_size


def _unusable(archive: Path, reason: str) -> BackupError:
    return BackupError(
        ExitCode.UNUSABLE_ARCHIVE, f"{archive} is not a usable Atiende backup: {reason}."
    )


# Every way a damaged tar or gzip stream shows itself while being read.
READ_ERRORS = (tarfile.TarError, OSError, EOFError, zlib.error, ValueError, UnicodeError)


class Reader:
    """Reads an archive front to back once: the manifest first (so the caller can refuse
    before anything else happens), then every member into a staging directory, each
    checked against SHA256SUMS. Any damage raises BackupError(UNUSABLE_ARCHIVE)."""

    def __init__(self, archive: Path):
        self.archive = archive
        try:
            self.tar = tarfile.open(archive, "r:*")  # noqa: SIM115 - closed by close()
        except READ_ERRORS:
            raise _unusable(archive, "it is not a tar archive, or not a whole one") from None
        try:
            self.manifest, self._manifest_sha = self._read_manifest()
        except BaseException:
            self.tar.close()
            raise

    def close(self) -> None:
        self.tar.close()

    def _read_manifest(self) -> tuple[dict[str, Any], str]:
        try:
            first = self.tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise _unusable(self.archive, f"it does not begin with {MANIFEST}")
            raw = self.tar.extractfile(first)
            body = raw.read() if raw else b""
            manifest = json.loads(body)
        except READ_ERRORS as exc:
            raise _unusable(self.archive, f"its manifest cannot be read ({exc})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise _unusable(self.archive, "its manifest is not an Atiende backup manifest")
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            raise _unusable(
                self.archive,
                f"it has format version {version!r}, this Atiende reads {FORMAT_VERSION}",
            )
        return manifest, hashlib.sha256(body).hexdigest()

    def extract(self, staging: Path) -> tuple[Path, list[str]]:
        """Every member into `staging`, verified; returns the database file and the storage
        names of the media files (under staging / "media")."""
        database_member = self.manifest["database"]["member"]
        seen: dict[str, str] = {MANIFEST: self._manifest_sha}
        sums: dict[str, str] | None = None
        names: list[str] = []
        try:
            while (member := self.tar.next()) is not None:
                if sums is not None:
                    raise _unusable(self.archive, f"{member.name} follows {SUMS}")
                if not member.isfile() or member.name in seen:
                    raise _unusable(self.archive, f"unexpected member {member.name}")
                if member.name == SUMS:
                    sums = _parse_sums(self._read_all(member))
                    continue
                if member.name == database_member:
                    target = staging / database_member
                else:
                    name = media_name(member.name)
                    if name is None:
                        raise _unusable(self.archive, f"unexpected member {member.name}")
                    names.append(name)
                    target = staging / "media" / name
                seen[member.name] = self._copy(member, target)
        except READ_ERRORS as exc:
            raise _unusable(self.archive, f"it is damaged or truncated ({exc})") from None
        if sums is None:
            raise _unusable(self.archive, f"it has no {SUMS} (truncated?)")
        if sums != seen:
            wrong = sorted(n for n in set(sums) | set(seen) if sums.get(n) != seen.get(n))
            raise _unusable(self.archive, "checksums do not match for " + ", ".join(wrong[:5]))
        if database_member not in seen:
            raise _unusable(self.archive, f"it has no {database_member}")
        return staging / database_member, names

    def _read_all(self, member: tarfile.TarInfo) -> bytes:
        f = self.tar.extractfile(member)
        return f.read() if f else b""

    def _copy(self, member: tarfile.TarInfo, target: Path) -> str:
        target.parent.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256()
        source = self.tar.extractfile(member)
        assert source is not None  # a regular file
        with target.open("xb") as out:
            while chunk := source.read(CHUNK):
                sha.update(chunk)
                out.write(chunk)
        return sha.hexdigest()


def _parse_sums(data: bytes) -> dict[str, str]:
    sums = {}
    for line in data.decode().splitlines():
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64:
            raise ValueError(f"bad {SUMS} line {line!r}")
        sums[name] = digest
    return sums
