"""Yearly recertification: reminders at 30 and 7 days, suspension 10 days after an unanswered due date."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.roles import Role
from sellers.models import Application, ApplicationCheck, Recertification, Seller
from sellers.services import onboarding as services
from tests.factories import staff
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = pytest.mark.django_db

Req = ApplicationCheck.Requirement


@pytest.fixture
def approved(django_capture_on_commit_callbacks):
    seller, user = seller_with_member(status=Seller.Status.ONBOARDING)
    Application.objects.create(seller=seller)
    officer = staff(Role.VETTING_OFFICER)
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_application(seller, user)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(application=application, actor=user)
        services.application_assign(application=application, actor=officer)
        for requirement in ApplicationCheck.Requirement.values:
            services.application_check(
                application=application, requirement=requirement, status="verified", actor=officer
            )
        services.application_approve(application=application, actor=officer)
    mail.outbox.clear()
    seller.refresh_from_db()
    return seller, user, officer


def _sweep(on, capture):
    with capture(execute=True):
        return services.recertification_sweep(today=on)


def test_reminders_30_and_7_days_before_once_each(approved, django_capture_on_commit_callbacks):
    seller, _user, _officer = approved
    recert = Recertification.objects.get(seller=seller)
    _sweep(recert.due_on - timedelta(days=31), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    _sweep(recert.due_on - timedelta(days=30), django_capture_on_commit_callbacks)
    _sweep(recert.due_on - timedelta(days=29), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and "in 30 days" in mail.outbox[0].body
    _sweep(recert.due_on - timedelta(days=7), django_capture_on_commit_callbacks)
    _sweep(recert.due_on - timedelta(days=6), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2 and "in 7 days" in mail.outbox[1].body
    assert AuditEvent.objects.filter(action="seller.recertification.reminded").count() == 2


def test_suspended_ten_days_after_an_unanswered_due_date_with_a_notice(approved, django_capture_on_commit_callbacks):
    seller, _user, _officer = approved
    recert = Recertification.objects.get(seller=seller)
    _sweep(recert.due_on + timedelta(days=10), django_capture_on_commit_callbacks)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    _sweep(recert.due_on + timedelta(days=11), django_capture_on_commit_callbacks)
    seller.refresh_from_db()
    recert.refresh_from_db()
    assert seller.status == Seller.Status.SUSPENDED and recert.status == Recertification.Status.LAPSED
    assert "recertification was due" in seller.status_reason and "/seller/recertify/" in seller.status_reason
    assert any("suspended" in m.subject.lower() for m in mail.outbox)
    assert AuditEvent.objects.filter(action="seller.seller.suspended").exists()
    # running again changes nothing
    count = AuditEvent.objects.count()
    _sweep(recert.due_on + timedelta(days=12), django_capture_on_commit_callbacks)
    assert AuditEvent.objects.count() == count


def test_recertifying_resubmits_for_review_and_lifts_a_lapse(client, approved, django_capture_on_commit_callbacks):
    seller, user, officer = approved
    recert = Recertification.objects.get(seller=seller)
    _sweep(recert.due_on + timedelta(days=11), django_capture_on_commit_callbacks)
    client.force_login(user)
    assert "Selling is suspended" in client.get(reverse("sellers:status")).content.decode()
    assert client.post(reverse("sellers:recertify")).status_code == 302
    application = seller.applications.get(kind=Application.Kind.RECERTIFICATION)
    assert application.data["business"]["legal_name"] == "Example Trading GmbH"  # pre-filled
    # the seller changes its phone number and must certify again
    r = client.post(
        reverse("sellers:wizard-step", args=["contacts"]),
        {**application.data["contacts"], "phone": "+49 30 901820", "action": "next"},
    )
    assert r.status_code == 302
    client.post(reverse("sellers:wizard-step", args=["certification"]), {"confirm": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("sellers:wizard-step", args=["review"])).status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.snapshot["data"]["contacts"]["phone"] == "+4930901820"
    services.application_assign(application=application, actor=officer)
    for requirement in ApplicationCheck.Requirement.values:
        services.application_check(application=application, requirement=requirement, status="verified", actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, actor=officer)
    seller.refresh_from_db()
    recert.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    assert recert.status == Recertification.Status.COMPLETED
    assert Recertification.objects.filter(seller=seller, status=Recertification.Status.OPEN).count() == 1


def test_the_sweep_task_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"sellers.tasks.recertification_sweep", "sellers.tasks.retention_sweep"} <= tasks
    from portal.celery import app

    assert "sellers.tasks.recertification_sweep" in app.tasks and "sellers.tasks.retention_sweep" in app.tasks


def test_recertification_opens_30_days_before_the_due_date(client, approved):
    seller, user, _officer = approved
    client.force_login(user)
    body = client.get(reverse("sellers:status")).content.decode()
    assert "from 30 days before the due date" in body and 'href="/seller/recertify/"' not in body
    response = client.post(reverse("sellers:recertify"), follow=True)
    assert "Recertification opens 30 days before its due date" in response.content.decode()
    assert not seller.applications.filter(kind=Application.Kind.RECERTIFICATION).exists()
    Recertification.objects.filter(seller=seller).update(due_on=timezone.localdate() + timedelta(days=30))
    assert 'href="/seller/recertify/"' in client.get(reverse("sellers:status")).content.decode()
    assert client.post(reverse("sellers:recertify")).status_code == 302
    assert seller.applications.filter(kind=Application.Kind.RECERTIFICATION).exists()


def test_a_rejected_recertification_leaves_the_due_date_standing(approved, django_capture_on_commit_callbacks):
    seller, user, officer = approved
    recert = Recertification.objects.get(seller=seller)
    Recertification.objects.filter(pk=recert.pk).update(due_on=timezone.localdate() + timedelta(days=5))
    application = services.recertification_start(seller=seller, actor=user)
    application = services.application_certify(application=application, actor=user)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=user)
    recert.refresh_from_db()
    assert recert.status == Recertification.Status.SUBMITTED
    services.application_reject(application=application, actor=officer, reason="The company was dissolved.")
    recert.refresh_from_db()
    assert recert.status == Recertification.Status.OPEN and recert.application_id is None
    _sweep(recert.due_on + timedelta(days=11), django_capture_on_commit_callbacks)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.SUSPENDED


def test_changes_requested_on_a_recertification_and_left_unanswered_suspend(
    approved, django_capture_on_commit_callbacks
):
    seller, user, officer = approved
    recert = Recertification.objects.get(seller=seller)
    Recertification.objects.filter(pk=recert.pk).update(due_on=timezone.localdate() + timedelta(days=5))
    recert.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        application = services.recertification_start(seller=seller, actor=user)
        application = services.application_certify(application=application, actor=user)
        application = services.application_submit(application=application, actor=user)
        services.application_assign(application=application, actor=officer)
        services.application_request_changes(
            application=application, message="Upload a current proof of address.", actor=officer, days=10
        )
    application.refresh_from_db()
    deadline = timezone.localdate(application.changes_due_at)

    # past the due date but within the change deadline: nothing yet
    _sweep(recert.due_on + timedelta(days=1), django_capture_on_commit_callbacks)
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE

    # the change deadline has passed, unanswered: suspended, with the reason
    _sweep(deadline + timedelta(days=1), django_capture_on_commit_callbacks)
    seller.refresh_from_db()
    recert.refresh_from_db()
    assert recert.status == Recertification.Status.LAPSED
    assert seller.status == Seller.Status.SUSPENDED
    assert "did not receive them" in seller.status_reason
    assert any("recertification changes not received" in m.subject for m in mail.outbox)


# --- each change of a recertification is an event on the recertification ---------------------------


def _recert_events(recert, action):
    return list(
        AuditEvent.objects.filter(target_type="sellers.recertification", target_id=str(recert.pk), action=action)
    )


def _submit_recertification(seller, user, capture):
    recert = Recertification.objects.get(seller=seller)
    Recertification.objects.filter(pk=recert.pk).update(due_on=timezone.localdate() + timedelta(days=5))
    application = services.recertification_start(seller=seller, actor=user)
    application = services.application_certify(application=application, actor=user)
    with capture(execute=True):
        application = services.application_submit(application=application, actor=user)
    recert.refresh_from_db()
    return recert, application


def test_submitting_is_recorded_on_the_recertification_and_the_application(
    approved, django_capture_on_commit_callbacks
):
    seller, user, _officer = approved

    recert, application = _submit_recertification(seller, user, django_capture_on_commit_callbacks)

    assert recert.status == Recertification.Status.SUBMITTED
    [event] = _recert_events(recert, "seller.recertification.submitted")
    assert event.actor == user
    assert event.changes == {"status": {"before": "open", "after": "submitted"}}
    submitted = AuditEvent.objects.get(
        action="seller.application.submitted", target_type="sellers.application", target_id=str(application.pk)
    )
    assert submitted.seq < event.seq


@pytest.mark.parametrize("decision", ["reject", "withdraw"])
def test_a_refused_or_withdrawn_answer_reopens_the_recertification_with_its_own_event(
    approved, django_capture_on_commit_callbacks, decision
):
    seller, user, officer = approved
    recert, application = _submit_recertification(seller, user, django_capture_on_commit_callbacks)

    if decision == "reject":
        services.application_reject(application=application, actor=officer, reason="The company was dissolved.")
        actor, application_action = officer, "seller.application.rejected"
    else:
        services.application_withdraw(application=application, actor=user)
        actor, application_action = user, "seller.application.withdrawn"

    recert.refresh_from_db()
    assert recert.status == Recertification.Status.OPEN and recert.application_id is None
    [event] = _recert_events(recert, "seller.recertification.reopened")
    assert event.actor == actor
    assert event.changes == {
        "status": {"before": "submitted", "after": "open"},
        "application": {"before": application.pk, "after": None},
    }
    assert AuditEvent.objects.filter(action=application_action, target_id=str(application.pk)).exists()


def test_a_withdrawn_answer_to_a_lapsed_recertification_keeps_it_lapsed_and_says_so(
    approved, django_capture_on_commit_callbacks
):
    seller, user, _officer = approved
    recert = Recertification.objects.get(seller=seller)
    _sweep(recert.due_on + timedelta(days=11), django_capture_on_commit_callbacks)
    application = services.recertification_start(seller=seller, actor=user)
    application = services.application_certify(application=application, actor=user)
    with django_capture_on_commit_callbacks(execute=True):
        application = services.application_submit(application=application, actor=user)
    recert.refresh_from_db()
    assert recert.status == Recertification.Status.LAPSED  # still suspended until approved
    assert _recert_events(recert, "seller.recertification.submitted") == []

    services.application_withdraw(application=application, actor=user)

    recert.refresh_from_db()
    assert recert.status == Recertification.Status.LAPSED and recert.application_id is None
    assert _recert_events(recert, "seller.recertification.reopened") == []  # nothing was reopened
    [event] = _recert_events(recert, "seller.recertification.answer_detached")
    assert event.changes == {"application": {"before": application.pk, "after": None}}


def test_withdrawing_a_recertification_answer_never_submitted_detaches_it_without_reopening(approved):
    seller, user, _officer = approved
    recert = Recertification.objects.get(seller=seller)
    Recertification.objects.filter(pk=recert.pk).update(due_on=timezone.localdate() + timedelta(days=10))  # window open
    application = services.recertification_start(seller=seller, actor=user)
    recert.refresh_from_db()
    assert recert.status == Recertification.Status.OPEN and recert.application_id == application.pk

    services.application_withdraw(application=application, actor=user)

    recert.refresh_from_db()
    assert recert.status == Recertification.Status.OPEN and recert.application_id is None
    assert _recert_events(recert, "seller.recertification.reopened") == []
    [event] = _recert_events(recert, "seller.recertification.answer_detached")
    assert event.changes == {"application": {"before": application.pk, "after": None}}


def test_lapsing_records_the_status_it_lapsed_from(approved, django_capture_on_commit_callbacks):
    seller, _user, _officer = approved
    recert = Recertification.objects.get(seller=seller)

    _sweep(recert.due_on + timedelta(days=11), django_capture_on_commit_callbacks)

    [event] = _recert_events(recert, "seller.recertification.lapsed")
    assert event.actor is None
    assert event.changes == {"status": {"before": "open", "after": "lapsed"}}


def test_lapsing_with_changes_unanswered_records_it_lapsed_from_submitted(approved, django_capture_on_commit_callbacks):
    seller, user, officer = approved
    recert, application = _submit_recertification(seller, user, django_capture_on_commit_callbacks)
    services.application_assign(application=application, actor=officer)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_changes(application=application, message="Upload a proof.", actor=officer)
    application.refresh_from_db()

    _sweep(timezone.localdate(application.changes_due_at) + timedelta(days=1), django_capture_on_commit_callbacks)

    [event] = _recert_events(recert, "seller.recertification.lapsed")
    assert event.changes == {"status": {"before": "submitted", "after": "lapsed"}}
    assert event.reason == "changes requested and not answered by their deadline"


def test_completion_records_the_status_it_completed_from(approved, django_capture_on_commit_callbacks):
    seller, user, officer = approved
    recert, application = _submit_recertification(seller, user, django_capture_on_commit_callbacks)
    services.application_assign(application=application, actor=officer)
    for requirement in ApplicationCheck.Requirement.values:
        services.application_check(application=application, requirement=requirement, status="verified", actor=officer)

    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(application=application, actor=officer)

    [event] = _recert_events(recert, "seller.recertification.completed")
    assert event.actor == officer
    assert event.changes == {"status": {"before": "submitted", "after": "completed"}}
    assert AuditEvent.objects.filter(action="seller.application.approved", target_id=str(application.pk)).exists()


def test_a_resubmission_names_the_failed_checks_it_reopens(approved, django_capture_on_commit_callbacks):
    seller, user, officer = approved
    _recert, application = _submit_recertification(seller, user, django_capture_on_commit_callbacks)
    services.application_assign(application=application, actor=officer)
    services.application_check(
        application=application, requirement=Req.TAX_ID, status="failed", note="Unreadable.", actor=officer
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.application_request_changes(
            application=application, message="Upload a readable tax id.", actor=officer
        )
        services.application_submit(application=application, actor=user)

    assert ApplicationCheck.objects.get(application=application, requirement=Req.TAX_ID).status == "pending"
    resubmitted = AuditEvent.objects.filter(
        action="seller.application.submitted", target_id=str(application.pk)
    ).latest("seq")
    assert resubmitted.changes == {
        "status": {"before": "changes_requested", "after": "submitted"},
        "checks": {Req.TAX_ID: {"before": "failed", "after": "pending"}},
    }


def test_audit_views_list_the_recertification_events(client, tmp_path, approved, django_capture_on_commit_callbacks):
    from tests.helpers import login_staff
    from tests.portal.audit_seed import auditor

    seller, user, officer = approved
    recert, application = _submit_recertification(seller, user, django_capture_on_commit_callbacks)
    services.application_reject(application=application, actor=officer, reason="The company was dissolved.")
    login_staff(client, auditor())
    wanted = {"seller.recertification.submitted", "seller.recertification.reopened"}

    timeline = client.get(reverse("admin:audit_timeline", args=["sellers.recertification", recert.pk]))
    assert timeline.status_code == 200
    assert wanted <= {e.action for e in timeline.context["events"]}
    seller_timeline = client.get(reverse("admin:audit_timeline", args=["sellers.seller", seller.pk]))
    assert wanted <= {e.action for e in seller_timeline.context["events"]}
    explorer = client.get(reverse("admin:audit_explorer"), {"action": "seller.recertification.reopened"})
    assert explorer.status_code == 200
    assert [e.target_id for e in explorer.context["events"]] == [str(recert.pk)]
    pack = client.get(reverse("admin:audit_evidence", args=["sellers.seller", seller.pk]))
    assert pack.status_code == 200
    with zipfile.ZipFile(io.BytesIO(pack.content)) as archive:
        jsonl = archive.read("timeline.jsonl")
    lines = [json.loads(line) for line in jsonl.splitlines()]
    assert wanted <= {line["action"] for line in lines if line["record"] == "event"}
    # and the pack's events, the new ones included, verify with the auditor's own script
    (tmp_path / "timeline.jsonl").write_bytes(jsonl)
    script = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"
    result = subprocess.run([sys.executable, "-I", str(script), str(tmp_path / "timeline.jsonl")], capture_output=True)
    assert result.returncode == 0, result.stderr
