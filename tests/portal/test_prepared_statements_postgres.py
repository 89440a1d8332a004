"""portal.db.fetch_prepared: prepared once per session, the same rows as the plain query, and never stuck."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext, isolate_apps

from portal.db import fetch_prepared
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SQL = "SELECT id, username FROM portal_user WHERE id = %s OR username = %s ORDER BY id"


def _prepared_names() -> set[str]:
    """The session's prepared statements, without the digest of their text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name.rsplit("_", 1)[0] for (name,) in cursor.fetchall()}


def _plain(params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(SQL, params)
        return cursor.fetchall()


def test_the_first_call_prepares_later_calls_only_execute_and_rows_match_the_plain_query():
    first, second = UserFactory(), UserFactory()
    params = [first.pk, second.username]
    rows = fetch_prepared("test_users", SQL, params)
    assert rows == _plain(params) == [(first.pk, first.username), (second.pk, second.username)]
    assert "hallmark_test_users" in _prepared_names()
    with CaptureQueriesContext(connection) as sent:
        assert fetch_prepared("test_users", SQL, [second.pk, "nobody"]) == [(second.pk, second.username)]
    (only,) = [q["sql"] for q in sent.captured_queries]
    assert only.startswith("EXECUTE hallmark_test_users_") and only.endswith(f" ({second.pk}, 'nobody')")


def test_a_session_that_lost_the_statement_prepares_it_again_outside_a_transaction():
    user = UserFactory()
    fetch_prepared("test_users", SQL, [user.pk, ""])
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a pooler's DISCARD ALL would
    assert fetch_prepared("test_users", SQL, [user.pk, ""]) == [(user.pk, user.username)]
    assert "hallmark_test_users" in _prepared_names()


def test_inside_a_transaction_a_lost_statement_is_an_error_not_a_silent_retry():
    user = UserFactory()
    fetch_prepared("test_users", SQL, [user.pk, ""])
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_prepared("test_users", SQL, [user.pk, ""])
    # the next call, outside the failed transaction, recovers
    assert fetch_prepared("test_users", SQL, [user.pk, ""]) == [(user.pk, user.username)]


def test_a_new_connection_starts_with_nothing_prepared():
    user = UserFactory()
    fetch_prepared("test_users", SQL, [user.pk, ""])
    connection.close()
    assert fetch_prepared("test_users", SQL, [user.pk, ""]) == [(user.pk, user.username)]


def test_a_statement_a_rollback_left_prepared_is_reused_not_prepared_twice():
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        fetch_prepared("test_users", SQL, [user.pk, ""])
        raise RuntimeError("roll back")
    connection._hallmark_prepared = None  # our record lost; the session still has it
    assert fetch_prepared("test_users", SQL, [user.pk, ""]) == [(user.pk, user.username)]


def test_with_server_side_state_off_the_query_is_sent_as_text():
    user = UserFactory()
    connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] = True
    try:
        with CaptureQueriesContext(connection) as sent:
            assert fetch_prepared("test_text", SQL, [user.pk, ""]) == [(user.pk, user.username)]
    finally:
        del connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"]
    assert "EXECUTE" not in sent.captured_queries[0]["sql"]
    assert "hallmark_test_text" not in _prepared_names()


def test_bad_names_and_stray_percent_signs_are_refused():
    with pytest.raises(ValueError, match="name"):
        fetch_prepared("Drop Table", SQL, [1, ""])
    with pytest.raises(ValueError, match="placeholders"):
        fetch_prepared("test_percent", "SELECT username FROM portal_user WHERE username LIKE 'a%%' AND id = %s", [1])


def test_a_changed_query_under_the_same_name_is_a_new_statement_not_the_old_one():
    assert fetch_prepared("test_version", "SELECT 'old' WHERE %s > 0", [1]) == [("old",)]
    connection._hallmark_prepared = None  # a session that outlived a deploy: our record is gone, its statement not
    assert fetch_prepared("test_version", "SELECT 'new', %s::int", [1]) == [("new", 1)]


def test_a_migration_that_changes_a_returned_column_does_not_break_the_statement():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE hallmark_test_prepared (id int PRIMARY KEY, label varchar(10))")
        cursor.execute("INSERT INTO hallmark_test_prepared VALUES (1, 'short')")
    try:
        sql = "SELECT label FROM hallmark_test_prepared WHERE id = %s"
        assert fetch_prepared("test_migrated", sql, [1]) == [("short",)]
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE hallmark_test_prepared ALTER label TYPE text")
        assert fetch_prepared("test_migrated", sql, [1]) == [("short",)]
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE hallmark_test_prepared")


@isolate_apps("tests")
def test_insert_prepared_refuses_a_model_whose_insert_is_not_plain_values():
    from django.db import models
    from django.db.models.functions import Now

    from portal.db import _insert_sql

    class Stamped(models.Model):
        at = models.DateTimeField(db_default=Now())

        class Meta:
            app_label = "tests"

    class Parent(models.Model):
        class Meta:
            app_label = "tests"

    class Child(Parent):
        class Meta:
            app_label = "tests"

    with pytest.raises(ValueError, match="at are filled by the database"):
        _insert_sql(Stamped, with_pk=False)
    with pytest.raises(ValueError, match="parent table"):
        _insert_sql(Child, with_pk=False)
