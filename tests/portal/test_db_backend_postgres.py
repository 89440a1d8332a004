"""portal.db_backend: BEGIN, COMMIT and queued audit events ride with real statements, and nothing is lost.

What the server last received from our session is read from a second
connection (``pg_stat_activity``), so the tests see what crossed the wire.
"""

from __future__ import annotations

import threading
import time

import psycopg2
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from portal import audit
from portal.models import AuditChainHead, AuditEvent, User
from sellers.models import Seller
from sellers.services import seller as seller_services
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

IDLE = psycopg2.extensions.TRANSACTION_STATUS_IDLE


@pytest.fixture
def observer():
    """A second session that reads what ours sent last, and whether it is in a transaction."""
    params = {k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory",)}
    params.pop("connection_factory", None)
    other = psycopg2.connect(**params)
    other.autocommit = True

    def last_sent() -> tuple[str, str]:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT state, query FROM pg_stat_activity WHERE pid = %s", [connection.connection.get_backend_pid()]
            )
            return cursor.fetchone()

    yield last_sent
    other.close()


def _event(target, reason="test"):
    audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=target, reason=reason)


def test_begin_rides_with_the_first_statement_and_an_empty_block_sends_nothing(observer):
    user = UserFactory()
    connection.ensure_connection()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(first_name="Ada")
        state, query = observer()
        assert state == "idle in transaction"
        assert query.startswith("BEGIN;UPDATE ")
    assert observer()[0] == "idle"
    before = observer()[1]
    with transaction.atomic():
        pass
    assert observer()[1] == before  # no BEGIN, no COMMIT
    assert connection.connection.get_transaction_status() == IDLE


def test_an_audited_change_sends_its_event_with_the_commit(observer):
    user = UserFactory()
    events = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        User.objects.filter(pk=user.pk).update(first_name="Grace")
        _event(user)
    state, query = observer()
    # the session's last string began with the event and ended the transaction: the COMMIT came with it
    assert state == "idle" and query.startswith("SELECT * FROM hallmark_audit_append(")
    (logged,) = [q["sql"] for q in captured.captured_queries if "hallmark_audit_append" in q["sql"]]
    assert logged.startswith("/* with the commit */")  # counted as a statement, sent with the COMMIT
    assert AuditEvent.objects.count() == events + 1
    assert audit.verify_chain().ok


def test_a_service_records_its_event_once_committed():
    seller = Seller.objects.create(legal_name="Ride Ltd", country="GB", contact_email="r@example.com", status="active")
    seller_services.seller_suspend(seller=seller, actor=None, reason="Counterfeit stock.")
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.target_id) == ("seller.seller.suspended", str(seller.pk))
    assert audit.verify_chain().ok


def test_a_queued_event_waits_for_the_commit_but_a_read_of_the_audit_tables_sees_it(observer):
    user = UserFactory()
    with transaction.atomic():
        _event(user)
        User.objects.filter(pk=user.pk).update(first_name="Ada")
        assert observer()[1].startswith("BEGIN;UPDATE ")  # the event did not ride with the update
        assert AuditEvent.objects.filter(target_id=str(user.pk)).exists()
        assert observer()[1].startswith("SELECT * FROM hallmark_audit_append(")


def test_an_event_sent_inside_a_savepoint_that_rolls_back_is_sent_again_with_the_commit():
    user = UserFactory()
    with transaction.atomic():
        _event(user, reason="outer")
        with pytest.raises(RuntimeError), transaction.atomic():
            assert AuditEvent.objects.filter(reason="outer").exists()  # sent now, after the savepoint
            raise RuntimeError("undo the inner block, and with it the event's first sending")
    assert list(AuditEvent.objects.filter(target_id=str(user.pk)).values_list("reason", flat=True)) == ["outer"]
    assert audit.verify_chain().ok


def test_the_chain_lock_is_taken_last_so_an_event_never_waits_in_a_deadlock():
    """One transaction records, then waits for a row the other holds while that one records and commits."""
    user = UserFactory()
    holding, recorded = threading.Event(), threading.Event()
    errors = []

    def holder():
        try:
            with transaction.atomic():
                User.objects.select_for_update().get(pk=user.pk)
                holding.set()
                recorded.wait(5)
                time.sleep(0.3)  # the other is now waiting for this row
                _event(user, reason="holder")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def waiter():
        try:
            holding.wait(5)
            with transaction.atomic():
                _event(user, reason="waiter")
                recorded.set()
                User.objects.select_for_update().get(pk=user.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    reasons = set(AuditEvent.objects.filter(target_id=str(user.pk)).values_list("reason", flat=True))
    assert reasons == {"holder", "waiter"}
    assert audit.verify_chain().ok


def test_a_rollback_discards_queued_events_with_the_change():
    user = UserFactory()
    events = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(first_name="Gone")
        _event(user)
        raise RuntimeError("undo")
    assert AuditEvent.objects.count() == events
    assert User.objects.get(pk=user.pk).first_name != "Gone"
    assert connection.connection.get_transaction_status() == IDLE


def test_a_savepoint_rollback_drops_only_what_was_queued_after_it():
    user = UserFactory()
    with transaction.atomic():
        _event(user, reason="kept")
        with pytest.raises(RuntimeError), transaction.atomic():
            _event(user, reason="dropped")
            raise RuntimeError("undo the inner block")
        _event(user, reason="kept too")
    reasons = list(AuditEvent.objects.filter(target_id=str(user.pk)).order_by("seq").values_list("reason", flat=True))
    assert reasons == ["kept", "kept too"]
    assert audit.verify_chain().ok


def test_an_event_queued_before_a_failed_statement_in_a_savepoint_survives_it():
    user = UserFactory()
    with transaction.atomic():
        _event(user, reason="before")
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")
    assert AuditEvent.objects.filter(target_id=str(user.pk), reason="before").exists()


def test_a_queued_statement_that_fails_fails_the_transaction_and_its_change():
    user = UserFactory()
    with pytest.raises(DatabaseError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(first_name="Half")
        connection.send_with_commit("SELECT 1 / %s", [0])
    assert User.objects.get(pk=user.pk).first_name != "Half"
    assert connection.connection.get_transaction_status() == IDLE


def test_a_statement_that_never_reached_the_server_keeps_the_queue():
    user = UserFactory()
    with transaction.atomic():
        _event(user, reason="queued")
        with pytest.raises((IndexError, TypeError)), connection.cursor() as cursor:
            cursor.execute("SELECT %s, %s", [1])  # a binding error, raised before sending
    assert AuditEvent.objects.filter(target_id=str(user.pk), reason="queued").exists()


def test_queueing_outside_a_transaction_is_refused():
    with pytest.raises(transaction.TransactionManagementError):
        connection.send_with_commit("SELECT 1", None)


def test_manual_transactions_begin_again_after_each_commit_and_rollback():
    transaction.set_autocommit(False)
    try:
        kept = User.objects.create(username="kept")
        transaction.commit()
        User.objects.create(username="undone")
        transaction.rollback()
        assert connection.connection.get_transaction_status() == IDLE
    finally:
        transaction.set_autocommit(True)
    assert User.objects.filter(username__in=["kept", "undone"]).get() == kept


def test_a_server_side_cursor_opens_the_transaction_and_sees_its_rows():
    with transaction.atomic():
        names = [u.username for u in User.objects.order_by("pk").iterator(chunk_size=2)]
        made = User.objects.create(username="inside")
        assert "inside" in [u.username for u in User.objects.iterator(chunk_size=2)]
        assert connection.connection.get_transaction_status() != IDLE
    assert "inside" not in names and User.objects.filter(pk=made.pk).exists()


def test_an_append_with_no_chain_head_creates_it_and_links_to_the_newest_event():
    first = UserFactory()
    _event(first)
    newest = AuditEvent.objects.latest("seq")
    AuditChainHead.objects.all().delete()
    _event(first, reason="after the head was lost")
    latest = AuditEvent.objects.latest("seq")
    assert latest.seq == newest.seq + 1 and latest.prev_hash == newest.hash
    assert AuditChainHead.objects.get().seq == latest.seq
    assert audit.verify_chain().ok


def test_an_isolation_level_option_is_refused(settings):
    from portal.db_backend.base import DatabaseWrapper

    wrapper = DatabaseWrapper({**connection.settings_dict, "OPTIONS": {"isolation_level": 3}}, alias="other")
    with pytest.raises(ImproperlyConfigured, match="sends BEGIN itself"):
        wrapper.get_connection_params()


def test_the_system_check_names_a_postgresql_database_on_djangos_own_backend():
    from django.db.backends.postgresql.base import DatabaseWrapper as Stock

    from portal.checks import engine_errors, postgresql_through_our_backend

    assert postgresql_through_our_backend(None) == []
    stock = Stock({**connection.settings_dict, "ENGINE": "django.db.backends.postgresql"}, alias="stock")
    (error,) = engine_errors({"default": connection, "stock": stock})
    assert error.id == "portal.E001" and "'stock'" in error.msg
