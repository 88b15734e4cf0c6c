"""The SQLite backend queues writers in the kernel (flock) instead of SQLite's sleeping
busy handler: a second writer waits exactly until the first one commits or rolls back."""

from __future__ import annotations

import fcntl
import os
import threading
import time

from django.db import connection

from atiende.core.sqlite.base import DatabaseWrapper


def _wrapper(path) -> DatabaseWrapper:
    settings = dict(connection.settings_dict)
    settings.update(NAME=str(path), OPTIONS={"transaction_mode": "IMMEDIATE", "timeout": 20})
    return DatabaseWrapper(settings, alias="writers-test")


def _second_writer_waits_for(end_first, tmp_path) -> None:
    first = _wrapper(tmp_path / "q.sqlite3")
    first.cursor().execute("CREATE TABLE t (n INTEGER)")
    first.set_autocommit(True)
    first._start_transaction_under_autocommit()
    first.cursor().execute("INSERT INTO t VALUES (1)")
    entered, errors = [], []

    def write():  # another connection, as another process or thread would have
        second = _wrapper(tmp_path / "q.sqlite3")
        try:
            second.ensure_connection()
            second._start_transaction_under_autocommit()
            entered.append(time.monotonic())
            second.cursor().execute("INSERT INTO t VALUES (2)")
            second._commit()
        except Exception as exc:  # reported by the assertions below
            errors.append(exc)
        finally:
            second.close()

    thread = threading.Thread(target=write)
    thread.start()
    time.sleep(0.3)
    assert _queue_taken(tmp_path)  # the kernel queue, held for the whole transaction
    assert entered == []  # queued behind the first writer, not failing, not sleeping past it
    ended = time.monotonic()
    end_first(first)
    thread.join(5)
    assert not errors and entered and entered[0] >= ended
    assert not _queue_taken(tmp_path)  # both left the queue
    first.close()


def _queue_taken(tmp_path) -> bool:
    fd = os.open(tmp_path / "q.sqlite3.writers", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def test_a_second_writer_enters_when_the_first_commits(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():  # a database of its own, not the test database
        _second_writer_waits_for(lambda conn: conn._commit(), tmp_path)


def test_a_second_writer_enters_when_the_first_rolls_back(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        _second_writer_waits_for(lambda conn: conn._rollback(), tmp_path)
