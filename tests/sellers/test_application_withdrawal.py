"""A seller withdraws an open application; a decided one stays as it is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.audit.models import AuditEvent
from portal.errors import InvalidTransition
from sellers.models import Application, Seller
from sellers.services import onboarding as services
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(django_capture_on_commit_callbacks):
    seller, user = seller_with_member(status=Seller.Status.ONBOARDING)
    Application.objects.create(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_application(seller, user)
        application = services.application_submit(application=application, actor=user)
    return seller, user, application


def test_seller_withdraws_a_submitted_application_and_may_start_again(client, submitted):
    seller, user, application = submitted
    client.force_login(user)
    page = client.get(reverse("sellers:withdraw"))
    assert page.status_code == 200
    assert "Withdraw your application?" in page.content.decode()

    response = client.post(
        reverse("sellers:withdraw"), {"reason": "We chose another marketplace.", "confirm": "withdraw"}, follow=True
    )

    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert application.decision_reason == "We chose another marketplace."
    event = AuditEvent.objects.get(action="seller.application.withdrawn", target_id=str(application.pk))
    assert event.actor_id == user.pk
    assert event.changes["status"] == {"before": "submitted", "after": "withdrawn"}
    fresh = Application.objects.get(seller=seller, status=Application.Status.DRAFT)
    assert fresh.data == application.data  # nothing the seller typed is lost
    assert "Your application was withdrawn" in response.content.decode()
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ONBOARDING


def test_a_decided_application_cannot_be_withdrawn(submitted):
    _seller, user, application = submitted
    Application.objects.filter(pk=application.pk).update(status=Application.Status.REJECTED)
    application.refresh_from_db()
    with pytest.raises(InvalidTransition, match="can no longer be withdrawn"):
        services.application_withdraw(application=application, actor=user)
    assert not AuditEvent.objects.filter(action="seller.application.withdrawn").exists()


def test_seller_b_withdraws_only_its_own_application(client, submitted):
    _seller_a, _user_a, application_a = submitted
    seller_b, user_b = seller_with_member(status=Seller.Status.ONBOARDING)
    own = Application.objects.create(seller=seller_b)
    client.force_login(user_b)
    assert client.post(reverse("sellers:withdraw")).status_code == 400  # not confirmed: nothing happens
    assert own.__class__.objects.get(pk=own.pk).status == Application.Status.DRAFT
    client.post(reverse("sellers:withdraw"), {"confirm": "withdraw"})
    application_a.refresh_from_db()
    own.refresh_from_db()
    assert application_a.status == Application.Status.SUBMITTED
    assert own.status == Application.Status.WITHDRAWN
