"""PostgreSQL, with the transaction's own statements sent next to the work's.

Django's PostgreSQL backend lets psycopg2 open each transaction with a BEGIN
in a round trip of its own and end it with a COMMIT in another. On these
machines a round trip costs about what a short statement does, and an audit
event, appended in a round trip of its own, held the chain's lock until the
client came back with the COMMIT. This backend keeps the driver in autocommit
mode and runs the transaction in SQL instead:

* BEGIN is sent in front of the transaction's first statement, in the same
  string. An atomic block that sends nothing sends no BEGIN either.
* ``send_with_next_statement`` queues a statement (the audit trail's append)
  that goes in front of the connection's next statement, or in front of the
  COMMIT. An audited change then costs no round trip more than the same
  change without its event, and an event recorded last takes and releases
  the chain's lock inside the server, in the COMMIT's round trip.
* COMMIT and ROLLBACK are sent as text; savepoints are SQL already.

What a cursor reports (rows, row count, description) is the last statement's
in the string: the caller's own. What commit and rollback send depends on the
server's transaction status, which libpq keeps from every reply, so asking
for it costs no round trip. A statement that never reached the server (the
status says nothing ran) keeps what was queued in front of it.

The server-side cursors of ``QuerySet.iterator()`` are declared ``WITH HOLD``
also inside a transaction (psycopg2 allows nothing else in autocommit mode);
they live until they are closed or the connection ends.
"""

from __future__ import annotations

import psycopg2.extensions as ext
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.backends.postgresql import base

# What the server reports between statements (psycopg2.extensions.TRANSACTION_STATUS_*).
_IDLE = ext.TRANSACTION_STATUS_IDLE
_NOTHING_RAN = {ext.TRANSACTION_STATUS_IDLE, ext.TRANSACTION_STATUS_INTRANS}


class Connection(ext.connection):
    """A psycopg2 connection that holds what must reach the server before its next statement."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.begin_wanted = False  # Django opened a transaction; BEGIN has not been sent
        self.queued: list[bytes] = []  # bound statements for the next round trip

    def pending(self) -> bytes:
        """What goes in front of the next statement ("" when nothing does)."""
        head = [b"BEGIN"] if self.begin_wanted else []
        return b";".join(head + self.queued) + b";" if head or self.queued else b""

    def sent(self) -> None:
        self.begin_wanted = False
        self.queued = []

    def failed(self, begin_was_wanted: bool) -> None:
        """After an error: keep the queue if nothing reached the server, else the transaction is done for."""
        status = self.get_transaction_status()
        if status in _NOTHING_RAN and (status != _IDLE or begin_was_wanted):
            return  # not sent: a BEGIN still owed (idle) or an open transaction that is still healthy
        self.sent()

    def send_pending(self) -> None:
        """Send the queue in a round trip of its own (before a statement that cannot carry it)."""
        if not (self.begin_wanted or self.queued):
            return
        begin_was_wanted = self.begin_wanted
        try:
            with ext.cursor(self) as cursor:
                cursor.execute(self.pending())
        except Exception:
            self.failed(begin_was_wanted)
            raise
        self.sent()

    def end(self, *, commit: bool) -> None:
        """COMMIT (with the queue in front) or ROLLBACK, if anything was begun."""
        began = self.get_transaction_status() != _IDLE
        queued, self.queued = self.queued, []
        self.begin_wanted = False
        if commit and (began or queued):
            parts = ([] if began else [b"BEGIN"]) + queued + [b"COMMIT"]
        elif began:
            parts = [b"ROLLBACK"]
        else:
            return  # the block sent nothing: nothing to end
        with ext.cursor(self) as cursor:
            cursor.execute(b";".join(parts))


def _text(cursor: ext.cursor, query, params) -> bytes:
    if params is not None:
        return cursor.mogrify(query, params)
    if isinstance(query, bytes):
        return query
    if not isinstance(query, str):  # psycopg2.sql.Composable
        query = query.as_string(cursor)
    return query.encode(ext.encodings[cursor.connection.encoding])


class Cursor(ext.cursor):
    """Sends the connection's queue (BEGIN, queued statements) in front of the statement, in one string."""

    def execute(self, query, params=None):
        conn = self.connection
        if not (conn.begin_wanted or conn.queued):
            return super().execute(query, params)
        if self.name is not None:  # a server-side cursor: psycopg2 wraps the query in DECLARE
            conn.send_pending()
            return super().execute(query, params)
        text = _text(self, query, params)  # binding errors surface before anything is sent
        begin_was_wanted = conn.begin_wanted
        try:
            result = super().execute(conn.pending() + text)
        except Exception:
            conn.failed(begin_was_wanted)
            raise
        conn.sent()
        return result

    # These cannot carry the queue in their string: it goes first, in its own round trip.

    def executemany(self, query, params_seq):
        self.connection.send_pending()
        return super().executemany(query, params_seq)

    def callproc(self, *args, **kwargs):
        self.connection.send_pending()
        return super().callproc(*args, **kwargs)

    def copy_expert(self, *args, **kwargs):
        self.connection.send_pending()
        return super().copy_expert(*args, **kwargs)

    def copy_from(self, *args, **kwargs):
        self.connection.send_pending()
        return super().copy_from(*args, **kwargs)

    def copy_to(self, *args, **kwargs):
        self.connection.send_pending()
        return super().copy_to(*args, **kwargs)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if self.settings_dict["OPTIONS"].get("isolation_level") is not None:
            # BEGIN is sent as plain text, at the session's default isolation level.
            raise ImproperlyConfigured(
                "portal.db_backend sends BEGIN itself: set default_transaction_isolation on the "
                "database or role instead of OPTIONS['isolation_level']."
            )
        return {**params, "connection_factory": Connection, "cursor_factory": Cursor}

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.autocommit = True  # always: transactions are begun and ended in SQL
        return connection

    def _set_autocommit(self, autocommit):
        # Called at an atomic block's start (False) and after its end (True), when the
        # block's COMMIT or ROLLBACK has emptied the queue already.
        self.connection.begin_wanted = not autocommit
        if autocommit:
            self.connection.queued = []

    def _commit(self):
        self._end(commit=True)

    def _rollback(self):
        self._end(commit=False)

    def _end(self, *, commit: bool) -> None:
        if self.connection is None:
            return
        with self.wrap_database_errors:
            try:
                self.connection.end(commit=commit)
            finally:
                # Still in manual transaction mode (autocommit off, no atomic block): the next
                # statement begins the next transaction, as psycopg2 itself would.
                self.connection.begin_wanted = not self.autocommit

    def _savepoint_rollback(self, sid):
        # Whatever is queued was queued after this savepoint was made (making it was a
        # statement, which took the queue along): the rollback would undo it anyway.
        self.connection.queued = []
        super()._savepoint_rollback(sid)

    def send_with_next_statement(self, sql: str, params) -> None:
        """Queue a statement to reach the server with this transaction's next statement or its COMMIT.

        For writes whose result nobody reads (an audit event): they cost no round trip
        of their own. An error in one fails the statement it travels with (or the
        commit), and so the transaction. Only inside a transaction.
        """
        if self.get_autocommit():
            raise transaction.TransactionManagementError("send_with_next_statement needs a transaction")
        self.ensure_connection()
        with self.wrap_database_errors, self.connection.cursor() as cursor:
            text = cursor.mogrify(sql, params)
        self.connection.queued.append(text)
        if self.queries_logged:
            self.queries_log.append({"sql": "/* with the next statement */ " + text.decode(), "time": "0.000"})
