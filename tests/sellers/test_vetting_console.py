"""The vetting console: queue, review screen, checklist, request changes, approve, reject."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.models import AuditorAccess
from portal.roles import Role
from sellers.models import Application, ApplicationCheck, Recertification, Seller
from sellers.services import onboarding as services
from tests.factories import staff
from tests.helpers import login_staff
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(django_capture_on_commit_callbacks):
    seller, user = seller_with_member(status=Seller.Status.ONBOARDING, country="")
    Application.objects.create(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_application(seller, user)
        application = services.application_submit(application=application, actor=user)
    return application


@pytest.fixture
def officer(client):
    user = staff(Role.VETTING_OFFICER, username="olivia")
    login_staff(client, user)
    return user


def _decide(client, application, decision, data=None):
    url = reverse("admin:sellers_application_decide", args=[application.pk, decision])
    return client.post(url, data or {})


def _verify_all(client, application):
    data = {f"{r}-status": "verified" for r in ApplicationCheck.Requirement.values}
    return _decide(client, application, "checks", data)


def test_the_queue_lists_applications_with_deadline_and_officer(
    client, officer, submitted, django_assert_max_num_queries
):
    for _ in range(3):
        seller, _user = seller_with_member(status=Seller.Status.ONBOARDING)
        Application.objects.create(
            seller=seller,
            status=Application.Status.SUBMITTED,
            decision_due_at=timezone.now() - timedelta(days=1),
            submitted_at=timezone.now(),
        )
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:sellers_application_changelist"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "in 9 d" in body and "overdue by" in body
    overdue = client.get(reverse("admin:sellers_application_changelist") + "?deadline=overdue").content.decode()
    assert str(submitted.seller) not in overdue


def test_review_screen_shows_snapshot_documents_and_checklist(client, officer, submitted):
    response = client.get(reverse("admin:sellers_application_change", args=[submitted.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Example Trading GmbH" in body and "HRB 123456" in body
    assert submitted.payment_account_masked in body and "DE89370400440532013000" not in body
    assert reverse("sellers:document-thumbnail", args=[submitted.snapshot["documents"]["id_document"]["id"]]) in body
    assert "Assign to me and start the review" in body


def test_from_review_to_approval_with_notifications_and_audit(
    client, officer, submitted, django_capture_on_commit_callbacks
):
    seller = submitted.seller
    assert _decide(client, submitted, "assign").status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.IN_REVIEW and submitted.assigned_to == officer

    # approval is refused while checks are open
    response = _decide(client, submitted, "approve")
    assert response.status_code == 200 and "cannot be approved yet" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.IN_REVIEW

    _verify_all(client, submitted)
    assert submitted.checks.filter(status="verified").count() == len(ApplicationCheck.Requirement.values)
    with django_capture_on_commit_callbacks(execute=True):
        assert _decide(client, submitted, "approve", {"approve-text": "Welcome aboard."}).status_code == 302
    submitted.refresh_from_db()
    seller.refresh_from_db()
    assert submitted.status == Application.Status.APPROVED and submitted.decided_by == officer
    assert seller.status == Seller.Status.ACTIVE
    assert seller.legal_name == "Example Trading GmbH" and seller.country == "DE"
    recert = Recertification.objects.get(seller=seller)
    assert recert.due_on == timezone.localdate() + timedelta(days=365)
    assert any("approved" in m.subject for m in mail.outbox)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "seller.application.assigned",
        "seller.application.checked",
        "seller.application.approved",
        "seller.seller.activated",
    } <= actions


def test_request_changes_shows_the_seller_exactly_what_to_fix_then_resubmit(
    client, officer, submitted, django_capture_on_commit_callbacks
):
    _decide(client, submitted, "assign")
    data = {f"{r}-status": "verified" for r in ApplicationCheck.Requirement.values}
    data["proof_of_address-status"] = "failed"
    data["proof_of_address-note"] = "The bill is addressed to another company."
    _decide(client, submitted, "checks", data)
    with django_capture_on_commit_callbacks(execute=True):
        r = _decide(
            client, submitted, "request_changes", {"request_changes-text": "Upload a bill in the company name."}
        )
    assert r.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.CHANGES_REQUESTED
    message = next(m for m in mail.outbox if "needs changes" in m.subject)
    assert "Upload a bill in the company name." in message.body and "another company" in message.body

    seller_client = client.__class__()
    seller_client.force_login(submitted.seller.members.get().user)
    status = seller_client.get(reverse("sellers:status")).content.decode()
    assert "Upload a bill in the company name." in status and "another company" in status
    # the seller resubmits; the failed check needs a fresh look, verified ones stay
    with django_capture_on_commit_callbacks(execute=True):
        assert seller_client.post(reverse("sellers:wizard-step", args=["review"])).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    assert submitted.checks.get(requirement="proof_of_address").status == "pending"
    assert submitted.checks.get(requirement="identity").status == "verified"


def test_a_failed_check_needs_a_note(client, officer, submitted):
    _decide(client, submitted, "assign")
    response = _decide(client, submitted, "checks", {"tax_id-status": "failed", "tax_id-note": ""})
    assert "Say what failed" in response.content.decode()
    assert submitted.checks.get(requirement="tax_id").status == "pending"


def test_reject_needs_a_reason_and_tells_the_seller(client, officer, submitted, django_capture_on_commit_callbacks):
    response = _decide(client, submitted, "reject", {"reject-text": ""})
    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        _decide(client, submitted, "reject", {"reject-text": "The trade register has no such company."})
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.REJECTED
    assert submitted.seller.status == Seller.Status.ONBOARDING
    assert any("The trade register has no such company." in m.body for m in mail.outbox)
    assert AuditEvent.objects.filter(
        action="seller.application.rejected", reason="The trade register has no such company."
    ).exists()


def test_payment_account_in_full_only_with_the_permission_and_audited(client, officer, submitted):
    response = _decide(client, submitted, "reveal")
    assert "DE89370400440532013000" in response.content.decode()
    assert AuditEvent.objects.filter(action="seller.application.payment_account_revealed").count() == 1
    moderator = staff(Role.SENIOR_MODERATOR)
    login_staff(client, moderator)
    assert _decide(client, submitted, "reveal").status_code == 403


def test_auditors_can_look_but_not_decide(client, submitted):
    auditor = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=auditor, firm="X", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=9)
    )
    login_staff(client, auditor)
    assert client.get(reverse("admin:sellers_application_change", args=[submitted.pk])).status_code == 200
    assert _decide(client, submitted, "assign").status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == Application.Status.SUBMITTED


def test_invite_by_email_from_the_console(client, officer, django_capture_on_commit_callbacks):
    url = reverse("admin:sellers_invitation_add")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "Buyer@Example.org", "business_name": "Shop Ltd"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["buyer@example.org"]
    assert "/invite/" in mail.outbox[0].body
    bad = client.post(url, {"email": "not-an-email"})
    assert bad.status_code == 200 and "Enter a valid email address" in bad.content.decode()


def test_revoke_invitations_from_the_list(client, officer):
    invitation, _token = services.invitation_create(email="x@example.org", actor=officer)
    response = client.post(
        reverse("admin:sellers_invitation_changelist"),
        {"action": "revoke", "_selected_action": [invitation.pk]},
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == "revoked"


def test_a_bad_check_row_saves_nothing_and_says_which(client, officer, submitted):
    _decide(client, submitted, "assign")
    response = _decide(
        client,
        submitted,
        "checks",
        {"identity-status": "verified", "tax_id-status": "verified", "tax_id-note": "x" * 2001},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was saved. Correct these checks" in page
    assert submitted.checks.get(requirement="identity").status == "pending"
    assert submitted.checks.get(requirement="tax_id").status == "pending"
