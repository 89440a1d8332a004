"""Named prepared statements for the hottest read queries (PostgreSQL).

PostgreSQL plans every statement that arrives as text, and psycopg2 sends
every query as text. For a short, many-join query asked thousands of times a
second, planning costs more than running it: the brand gate's lookup planned in
about 0.15 ms and ran in 0.04 ms. ``fetch_prepared`` prepares such a query once
per database connection (``PREPARE``) and then only ``EXECUTE``\\s it, so the
plan is made once and reused while the connection lives (``CONN_MAX_AGE``).

A prepared statement belongs to the server session, not to a transaction: a
rollback keeps it. Its name carries a digest of its text, so a session that
outlived a deploy never runs an older version of a query. A schema change makes
PostgreSQL plan it again, unless the columns it returns changed type; then it is
prepared again (outside a transaction; inside one, the error stands). Where
the session between two statements is not guaranteed to be the same one (a
PgBouncer in transaction mode), set ``DISABLE_SERVER_SIDE_CURSORS`` on the
database, as Django already asks for there: the query is then sent as text.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence

from django.db import DatabaseError, connection, models

_PLACEHOLDER = re.compile(r"%s")
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,39}")  # with the prefix and digest, within 63 characters
# Prepare again on: invalid_sql_statement_name (the session lost the statement,
# DISCARD ALL say) and feature_not_supported ("cached plan must not change
# result type", after a migration changed a returned column).
_PREPARE_AGAIN = {"26000", "0A000"}


def fetch_prepared(name: str, sql: str, params: Sequence) -> list[tuple]:
    """The rows of ``sql`` (``%s`` placeholders) with ``params``; prepared once per connection on PostgreSQL.

    ``name`` identifies the query (lower-case letters, digits and ``_``, at most 40);
    a digest of the text is added to it, so a changed text is a new statement.
    Elsewhere, or with prepared statements off, it is an ordinary query.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"a prepared statement's name is lower-case letters, digits and _: {name!r}")
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
            cursor.execute(sql, params)
            return cursor.fetchall()
        statement = f"hallmark_{name}_{hashlib.sha256(sql.encode()).hexdigest()[:12]}"
        execute = f"EXECUTE {statement} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {statement}"
        if statement not in _prepared_here():
            _prepare(cursor, statement, sql)
        try:
            cursor.execute(execute, params)
        except DatabaseError as exc:
            if getattr(exc.__cause__, "pgcode", None) not in _PREPARE_AGAIN or connection.in_atomic_block:
                raise
            # Outside a transaction nothing is lost: drop what the session holds and prepare again.
            _prepared_here().discard(statement)
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [statement])
            if cursor.fetchone() is not None:
                cursor.execute(f"DEALLOCATE {statement}")
            _prepare(cursor, statement, sql)
            cursor.execute(execute, params)
        return cursor.fetchall()


def _prepared_here() -> set[str]:
    """The statements prepared on the connection's current session (a new session starts empty)."""
    raw = connection.connection
    held = getattr(connection, "_hallmark_prepared", None)
    if held is None or held[0] is not raw:
        held = (raw, set())
        connection._hallmark_prepared = held
    return held[1]


def _prepare(cursor, statement: str, sql: str) -> None:
    # The session may hold it already (the connection outlived our record of it).
    cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [statement])
    if cursor.fetchone() is None:
        numbered = iter(range(1, sql.count("%s") + 1))
        text = _PLACEHOLDER.sub(lambda _m: f"${next(numbered)}", sql)
        if "%" in text:
            raise ValueError(f"{statement}: only %s placeholders, no other % (the text is sent without interpolation)")
        cursor.execute(f"PREPARE {statement} AS {text}")
    _prepared_here().add(statement)


def instance_from_columns(model: type[models.Model], values: dict) -> models.Model:
    """A model instance read from some of its columns (by attribute name); the rest load when used."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


def insert_prepared(obj: models.Model, *, name: str) -> models.Model:
    """Insert a new model instance with a prepared statement; set its primary key and return it.

    ``Model.save()`` compiles its INSERT anew on every call (about 0.4 ms of
    Python here); this builds it once per process from the model's own field
    list and sends only the values. Like ``save()`` it runs each field's
    ``pre_save`` (``auto_now`` and the like) and its database preparation. Unlike
    ``save()`` it sends no ``pre_save``/``post_save`` signals, so use it only for
    models no receiver listens to, and it refuses models whose INSERT is not one
    row of plain values (a parent table, generated or database-default columns).
    It writes through the default connection, as ``fetch_prepared`` reads.
    Elsewhere than on PostgreSQL it is ``save()``.
    """
    db = connection
    if db.vendor != "postgresql":
        obj.save(force_insert=True)
        return obj
    pk = obj._meta.pk
    fields, sql = _insert_sql(type(obj), with_pk=getattr(obj, pk.attname) is not None)
    values = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    [(new_pk,)] = fetch_prepared(name, sql, values)
    setattr(obj, pk.attname, new_pk)
    obj._state.adding = False
    obj._state.db = db.alias
    return obj


@functools.cache
def _insert_sql(model: type[models.Model], *, with_pk: bool) -> tuple[list, str]:
    meta = model._meta
    awkward = [f.name for f in meta.concrete_fields if f.generated or f.has_db_default()]
    if meta.parents or awkward:
        raise ValueError(
            f"insert_prepared cannot insert {meta.label}: "
            + ("it has a parent table" if meta.parents else f"{', '.join(awkward)} are filled by the database")
        )
    fields = [f for f in meta.concrete_fields if with_pk or f is not meta.pk]
    quote = connection.ops.quote_name
    # Names from the model's own metadata, quoted; values only as parameters.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {quote(meta.pk.column)}"
    )
    return fields, sql
