"""PostgreSQL through Django's own backend and psycopg 3: what portal/settings.py asks of it works."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from portal.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_a_query_run_often_on_one_connection_is_prepared_by_psycopg():
    """server_side_binding with prepare_threshold: the plan is made once, then only executed."""
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    for _ in range(threshold + 1):
        list(User.objects.filter(username="nobody-prepared").values_list("pk"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("nobody" not in text and '"portal_user"."username" = $1' in text for text in prepared), prepared


def test_isolation_level_is_honoured():
    """A custom backend used to refuse OPTIONS['isolation_level']; Django's applies it to each transaction."""
    from psycopg import IsolationLevel

    options = {**connection.settings_dict["OPTIONS"], "isolation_level": IsolationLevel.SERIALIZABLE}
    serializable = DatabaseWrapper({**connection.settings_dict, "OPTIONS": options}, alias="serializable")
    try:
        serializable.set_autocommit(False)
        with serializable.cursor() as cursor:
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone()[0] == "serializable"
        serializable.rollback()
    finally:
        serializable.close()
