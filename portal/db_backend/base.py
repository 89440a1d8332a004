"""PostgreSQL, with the transaction's own statements sent next to the work's.

Django's PostgreSQL backend lets psycopg2 open each transaction with a BEGIN
in a round trip of its own and end it with a COMMIT in another, and an audit
event was appended in a round trip of its own, taking the chain's lock in the
middle of the transaction. This backend keeps the driver in autocommit mode
and runs the transaction in SQL instead:

* BEGIN is sent in front of the transaction's first statement, in the same
  string. An atomic block that sends nothing sends no BEGIN either.
* ``send_with_commit`` queues a statement (the audit trail's append) that goes
  in front of the COMMIT. So an audited change costs no round trip more than
  the same change without its event, and the chain's lock is the last lock a
  transaction takes and is held only inside the COMMIT's round trip: no
  transaction waits for another row while holding it, so it can never be
  part of a deadlock (it was: a listing sync appended, then waited for a case
  a concurrent notice held while that notice waited for the chain).
* A statement that reads the audit tables (its text names ``portal_audit…``)
  takes the queue in front of it, so a transaction sees its own events.
* Savepoints: rolling one back drops what was queued after it, and queues
  again what was queued before it but sent after it (the server undid those).
* COMMIT and ROLLBACK are sent as text.

What a cursor reports (rows, row count, description) is the last statement's
in the string: the caller's own. What commit and rollback send depends on the
server's transaction status, which libpq keeps from every reply, so asking
for it costs no round trip. A statement that never reached the server (the
status says nothing ran) leaves the queue as it was.

The server-side cursors of ``QuerySet.iterator()`` are declared ``WITH HOLD``
also inside a transaction (psycopg2 allows nothing else in autocommit mode);
they live until they are closed or the connection ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg2.extensions as ext
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.backends.postgresql import base

# What the server reports between statements (psycopg2.extensions.TRANSACTION_STATUS_*).
_IDLE = ext.TRANSACTION_STATUS_IDLE
_NOTHING_RAN = {ext.TRANSACTION_STATUS_IDLE, ext.TRANSACTION_STATUS_INTRANS}
# A statement whose text names one of these tables sees the queued events first.
_READS_QUEUED = b"portal_audit"


@dataclass
class Queued:
    text: bytes
    sent_at: int | None = None  # the savepoint count when it was sent; None while queued


class Connection(ext.connection):
    """A psycopg2 connection that holds what must reach the server in this transaction."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.begin_wanted = False  # Django opened a transaction; BEGIN has not been sent
        self.queued: list[Queued] = []  # this transaction's statements for the COMMIT, in order
        self.savepoints: dict[str, tuple[int, int]] = {}  # name → (queue length, count) when made
        self.savepoints_made = 0

    def reset(self) -> None:
        self.begin_wanted = False
        self.queued = []
        self.savepoints = {}

    def pending(self, *, with_queue: bool) -> tuple[bytes, list[Queued]]:
        """What goes in front of a statement (b"" when nothing does), and the queued entries in it."""
        head = [b"BEGIN"] if self.begin_wanted else []
        riders = [q for q in self.queued if q.sent_at is None] if with_queue else []
        if not head and not riders:
            return b"", []
        return b";".join(head + [q.text for q in riders]) + b";", riders

    def sent(self, riders: list[Queued]) -> None:
        self.begin_wanted = False
        for q in riders:
            q.sent_at = self.savepoints_made

    def send_before(self, run, riders: list[Queued]):
        """Run ``run()`` (which sends the string with the riders); keep the queue if nothing reached the server."""
        begin_was_wanted = self.begin_wanted
        try:
            result = run()
        except Exception:
            status = self.get_transaction_status()
            if status in _NOTHING_RAN and (status != _IDLE or begin_was_wanted):
                raise  # not sent: a BEGIN still owed (idle) or an open transaction still healthy
            # Sent, in part at least. The transaction now needs a rollback: a whole one
            # drops the queue, one to a savepoint queues again what the server undid.
            self.sent(riders)
            raise
        self.sent(riders)
        return result

    def send_pending(self, *, with_queue: bool = True) -> None:
        """Send BEGIN (and the queue) in a round trip of its own, before a statement that cannot carry them."""
        text, riders = self.pending(with_queue=with_queue)
        if text:
            self.send_before(lambda: ext.cursor(self).execute(text), riders)

    def end(self, *, commit: bool) -> None:
        """COMMIT (with the queue in front) or ROLLBACK, if anything was begun."""
        began = self.get_transaction_status() != _IDLE
        riders = [q.text for q in self.queued if q.sent_at is None]
        self.reset()
        if commit and (began or riders):
            parts = ([] if began else [b"BEGIN"]) + riders + [b"COMMIT"]
        elif began:
            parts = [b"ROLLBACK"]
        else:
            return  # the block sent nothing: nothing to end
        with ext.cursor(self) as cursor:
            cursor.execute(b";".join(parts))

    def savepoint_made(self, sid: str) -> None:
        self.savepoints_made += 1
        self.savepoints[sid] = (len(self.queued), self.savepoints_made)

    def savepoint_released(self, sid: str) -> None:
        self.savepoints.pop(sid, None)  # its entries now belong to the enclosing block

    def savepoint_rolled_back(self, sid: str) -> None:
        length, made = self.savepoints[sid]
        del self.queued[length:]  # queued inside the savepoint: undone with it
        for q in self.queued:
            if q.sent_at is not None and q.sent_at >= made:
                q.sent_at = None  # queued before it, sent after it: the server undid it
        # savepoints made after this one no longer exist on the server
        self.savepoints = {name: mark for name, mark in self.savepoints.items() if mark[1] <= made}


def _text(cursor: ext.cursor, query, params) -> bytes:
    if params is not None:
        return cursor.mogrify(query, params)
    if isinstance(query, bytes):
        return query
    if not isinstance(query, str):  # psycopg2.sql.Composable
        query = query.as_string(cursor)
    return query.encode(ext.encodings[cursor.connection.encoding])


class Cursor(ext.cursor):
    """Sends BEGIN (and, before a read of the audit tables, the queue) in front of the statement, in one string."""

    def execute(self, query, params=None):
        conn = self.connection
        if not (conn.begin_wanted or conn.queued):
            return super().execute(query, params)
        text = _text(self, query, params)  # binding errors surface before anything is sent
        with_queue = _READS_QUEUED in text
        if self.name is not None:  # a server-side cursor: psycopg2 wraps the query in DECLARE
            conn.send_pending(with_queue=with_queue)
            return super().execute(query, params)
        prefix, riders = conn.pending(with_queue=with_queue)
        if not prefix:
            return super().execute(text)
        return conn.send_before(lambda: super(Cursor, self).execute(prefix + text), riders)

    # These cannot carry BEGIN and the queue in their string: those go first, in their own round trip.

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
        if autocommit:
            self.connection.reset()
        else:
            self.connection.begin_wanted = True

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

    def _savepoint(self, sid):
        super()._savepoint(sid)
        self.connection.savepoint_made(sid)  # after: what rode with the SAVEPOINT ran before it

    def _savepoint_commit(self, sid):
        super()._savepoint_commit(sid)
        self.connection.savepoint_released(sid)

    def _savepoint_rollback(self, sid):
        self.connection.savepoint_rolled_back(sid)
        super()._savepoint_rollback(sid)

    def send_with_commit(self, sql: str, params) -> None:
        """Queue a statement to reach the server in front of this transaction's COMMIT.

        For writes whose result nobody reads in the transaction (an audit event):
        they cost no round trip of their own, and the locks they take are the
        transaction's last. A statement that reads the audit tables sees them (they
        go in front of it). An error in one fails the commit, and so the
        transaction. Only inside a transaction.
        """
        if self.get_autocommit():
            raise transaction.TransactionManagementError("send_with_commit needs a transaction")
        self.ensure_connection()
        with self.wrap_database_errors, self.connection.cursor() as cursor:
            text = cursor.mogrify(sql, params)
        self.connection.queued.append(Queued(text))
        if self.queries_logged:
            self.queries_log.append({"sql": "/* with the commit */ " + text.decode(), "time": "0.000"})
