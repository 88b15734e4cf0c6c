"""Django's database sessions, the session row of each request read by a hand-written
statement: the ORM compiling `Session.objects.get(...)` cost more than running it, on every
signed-in request. Same table, same rows, same rule (an expired row is no session); writing
is Django's own. SESSION_ENGINE names this module."""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from .queries import column_list, from_row


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Session | None:
        # The ORM's value for the comparison (SQLite stores naive UTC text).
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_session_sql(), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None  # as Django's: no such (unexpired) session
            return None
        session, _end = from_row(Session, row)
        return session


@cache
def _session_sql() -> str:
    quote = connection.ops.quote_name
    table = quote(Session._meta.db_table)
    # Names from the model, quoted; the key and the time are parameters.
    return (
        f"SELECT {column_list(Session, 's')} FROM {table} s "  # noqa: S608
        f"WHERE s.{quote('session_key')} = %s AND s.{quote('expire_date')} > %s"
    )
