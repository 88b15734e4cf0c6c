"""`atiende backup` and `atiende restore`: one archive holds a consistent snapshot of the
database and the files its rows name (attachments), taken while the desk keeps serving.

The archive is a tar file (gzip unless its name ends in `.tar`):

    manifest.json       first: format, versions, database, counts, migrations (archive.py)
    database.sqlite3    SQLite: a copy made with SQLite's online backup API (sqlite.py)
    database.pgdump     PostgreSQL: `pg_dump --format=custom` (postgresql.py)
    media/<name>        every file a row of the snapshot names, under its storage name
    SHA256SUMS          last: the checksum of every other member (`sha256sum -c` format)

Order, and why every attachment row in the snapshot has its file in the archive: an action
writes an attachment's file *before* its row commits (tickets.actions._store_files, inside
the transaction; the file is deleted again if the transaction fails), and a committed
attachment's file is never changed or deleted afterwards. So the database snapshot is taken
first, and the files are then read from the list of names in that snapshot: every one was
complete on disk before its row committed, hence before the snapshot. Copying the files
first would miss those of rows that commit between the copy and the snapshot. Files of
transactions still open at the snapshot are not in it and are left out, so the archive has
no half-written files either.

Exit codes (both commands; atiende.cli prints the message):
    0  done
    1  failed (database, disk or pg_dump/pg_restore error); `backup` leaves no archive behind
    3  the archive cannot be used: unreadable, corrupt, not an Atiende backup, made by newer
       code (migrations this code does not have) or from the other kind of database
    4  refused: the restore target is not empty, or the backup's output file exists
    5  a PostgreSQL client program is missing, or too old for the server or the archive
    6  `backup` wrote the archive, but files named by the database were missing from storage
       (listed under "missing_files" in its manifest)
"""

from .archive import BackupError, ExitCode
from .commands import BackupResult, RestoreResult, backup, default_output, restore

__all__ = [
    "BackupError",
    "BackupResult",
    "ExitCode",
    "RestoreResult",
    "backup",
    "default_output",
    "restore",
]
