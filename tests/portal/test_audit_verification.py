"""Whole-chain walks in the background, and the verification page that builds on the newest one."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.audit import verification
from portal.audit.models import AuditEvent, AuditVerification
from portal.tasks import verify_audit_chain
from tests.helpers import login_staff
from tests.portal.audit_seed import auditor, seed_history, tamper

pytestmark = pytest.mark.django_db


def test_the_scheduled_walk_stores_the_whole_chains_state_and_records_itself():
    events = seed_history(6)
    assert verify_audit_chain() is True
    walk = AuditVerification.objects.get()
    head = AuditEvent.objects.order_by("-seq").first()
    assert (walk.status, walk.ok, walk.last_seq, walk.head_hash) == ("done", True, head.seq - 1, head.prev_hash)
    assert walk.count == walk.last_seq >= events[-1].seq
    recorded = AuditEvent.objects.filter(action="portal.audit.verified").get()
    assert recorded.actor is None and recorded.changes["how"] == "background walk"
    # running the same walk again changes nothing
    verification.verification_run(verification_id=walk.pk)
    assert AuditEvent.objects.filter(action="portal.audit.verified").count() == 1


def test_the_page_checks_live_only_what_came_after_the_newest_walk(client):
    seed_history(5)
    verify_audit_chain()
    walk = AuditVerification.objects.get()
    later = seed_history(3)
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_verify"))
    result, check = response.context["result"], response.context["check"]
    assert result.ok and check.full_walk == walk
    assert f"from #{walk.last_seq + 1} walked just now" in check.how
    assert result.first_seq == 1 and result.last_seq > later[-1].seq
    assert result.count == result.last_seq
    assert "walked just now, starting at that walk" in response.content.decode()


def test_a_change_after_the_walk_is_caught_by_the_page_and_one_before_it_by_the_next_walk(client):
    before = seed_history(5)
    verify_audit_chain()
    after = seed_history(4)
    tamper(after[1], reason="edited after the walk")
    login_staff(client, auditor())
    result = client.get(reverse("admin:audit_verify")).context["result"]
    assert not result.ok and result.broken_seq == after[1].seq

    tamper(before[2], reason="edited before the walk")
    assert verify_audit_chain() is False
    newest = AuditVerification.objects.order_by("-requested_at").first()
    assert (newest.ok, newest.broken_seq) == (False, before[2].seq)
    # from now on the page reports that break, whatever it could check live
    response = client.get(reverse("admin:audit_verify"))
    result = response.context["result"]
    assert not result.ok and result.broken_seq == before[2].seq
    assert "found by the background walk" in response.context["check"].how
    assert f"the chain breaks at event #{before[2].seq}" in response.content.decode()


def test_a_chain_too_long_to_walk_live_queues_a_background_walk(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    seed_history(8)
    monkeypatch.setattr(verification, "LIVE_LIMIT", 5)
    login_staff(client, auditor())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("admin:audit_verify"))
    assert response.status_code == 200 and response.context["result"] is None
    assert "Verifying in the background" in response.content.decode()
    walk = AuditVerification.objects.get()
    assert walk.status == "done" and walk.ok  # eager here; a worker in production
    assert walk.count == walk.last_seq == AuditEvent.objects.count() - 1  # the walk's own event came after
    # the next visit builds on that walk
    response = client.get(reverse("admin:audit_verify"))
    assert response.context["result"].ok and response.context["check"].full_walk == walk


def test_a_walk_already_under_way_is_not_queued_twice():
    first = verification.verification_request(enqueue=False)
    assert verification.verification_request(enqueue=False) == first
    assert AuditVerification.objects.count() == 1


def test_a_walk_goes_in_pieces_each_continuing_from_the_last(monkeypatch, django_capture_on_commit_callbacks):
    seed_history(8)
    monkeypatch.setattr(verification, "PIECE", 3)
    with django_capture_on_commit_callbacks(execute=True) as pieces:
        walk = verification.verification_request()
    walk.refresh_from_db()
    total = AuditEvent.objects.filter(action="portal.audit.verified").get().seq - 1
    assert (walk.status, walk.ok, walk.count, walk.last_seq) == ("done", True, total, total)
    assert len(pieces) == total // 3 + 1  # one task run per piece, the last one finding the end


def test_a_walk_that_stalled_too_often_is_superseded():
    from datetime import timedelta

    from django.utils import timezone

    lost = verification.verification_request(enqueue=False)
    AuditVerification.objects.filter(pk=lost.pk).update(
        status="running", progressed_at=timezone.now() - timedelta(hours=1), resends=verification.MAX_RESENDS
    )
    fresh = verification.verification_request(enqueue=False)
    assert fresh != lost
    lost.refresh_from_db()
    assert lost.status == "failed" and "superseded" in lost.error


def test_a_walk_over_an_empty_chain_then_events_written_after_it(client):
    verify_audit_chain()
    assert AuditVerification.objects.get().count == 0
    seed_history(3)
    login_staff(client, auditor())
    result = client.get(reverse("admin:audit_verify")).context["result"]
    assert result.ok and result.first_seq == 1 and result.count == result.last_seq


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_piece_that_fails_marks_the_walk_failed_with_its_error():
    """A real database failure mid-walk: another session holds the events table, our reads time out."""
    from django.db import OperationalError, connection, connections

    seed_history(4)
    walk = verification.verification_request(enqueue=False)
    holder = connections.create_connection("default")
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE portal_auditevent IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        with pytest.raises(OperationalError, match="lock timeout"):
            verification.verification_run(verification_id=walk.pk)
    finally:
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    walk.refresh_from_db()
    assert walk.status == "failed" and "lock timeout" in walk.error
    # and the next request starts a fresh walk instead of waiting on the failed one
    assert verification.verification_request(enqueue=False) != walk


def test_a_stalled_walk_is_sent_again_from_where_it_stood(monkeypatch, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    seed_history(8)
    monkeypatch.setattr(verification, "PIECE", 4)
    walk = verification.verification_request(enqueue=False)
    verification.verification_run(verification_id=walk.pk)  # one piece; its follower is lost (never sent here)
    walk.refresh_from_db()
    assert walk.status == "running" and walk.last_seq == 4
    AuditVerification.objects.filter(pk=walk.pk).update(progressed_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert verification.verification_request(enqueue=False) == walk  # sent again, not replaced
    walk.refresh_from_db()
    assert (walk.status, walk.resends, walk.ok) == ("done", 1, True)
    assert walk.count == walk.last_seq


def test_an_ipv4_compatible_address_verifies_on_sqlite_too():
    from portal import audit, context

    token = context.set_current(context.RequestContext(request_id="r", ip="::1.2.3.4"))
    try:
        audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target_type="portal.user", target_id=1)
    finally:
        context.reset(token)
    assert audit.verify_chain().ok
