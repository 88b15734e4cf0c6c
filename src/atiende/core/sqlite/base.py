"""Django's SQLite backend with writers queued fairly across processes.

Every transaction starts with BEGIN IMMEDIATE (settings.py), so writers never fail on lock
upgrade. But a writer that finds the lock taken *polls* for it: SQLite's busy handler
sleeps 1, 2, 5, 10 … 100 ms between tries, so under load the lock sits free while
waiters sleep, and an unlucky one starves (ticket creation with three `atiende serve`
workers: 180/s, with requests waiting up to 1.3 s). Here each transaction first takes an
exclusive `flock` on a file beside the database: the kernel queues the waiters and wakes
the next one the moment the lock is released. SQLite's own locking stays as it was (for
autocommit writes and for processes that do not use this backend).
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _queue_fd: int | None = None

    def _start_transaction_under_autocommit(self) -> None:
        if self._queue_fd is None and not self.is_in_memory_db():
            path = f"{self.settings_dict['NAME']}.writers"
            self._queue_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if self._queue_fd is not None:
            fcntl.flock(self._queue_fd, fcntl.LOCK_EX)
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._leave_queue()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._leave_queue()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._leave_queue()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._leave_queue()
            if self._queue_fd is not None:
                os.close(self._queue_fd)
                self._queue_fd = None

    def _leave_queue(self) -> None:
        if self._queue_fd is not None:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
