"""Yearly recertification: reminders at 30 and 7 days, suspension 10 days after an unanswered due date."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent
from portal.roles import Role
from sellers.models import Application, ApplicationCheck, Recertification, Seller
from sellers.services import onboarding as services
from tests.factories import staff
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = pytest.mark.django_db


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
