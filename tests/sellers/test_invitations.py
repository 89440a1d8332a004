"""Invitation only: a single-use, hashed, expiring, revocable link creates the seller."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.errors import DomainError, InvalidTransition
from portal.models import Notification
from portal.roles import Role
from sellers.models import Application, Invitation, Seller
from sellers.services import onboarding as services
from tests.factories import UserFactory, staff

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-and-unusual-passphrase-42"


def _invite(email="new.seller@example.com"):
    officer = staff(Role.VETTING_OFFICER)
    return services.invitation_create(email=email, business_name="Neue Waren GmbH", actor=officer)


def _accept_form(client, token, **extra):
    data = {"first_name": "Nina", "last_name": "Neu", "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post(reverse("sellers:invitation-accept", args=[token]), data)


def test_invitation_stores_only_a_hash_and_mails_the_link(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = _invite()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get(pk=invitation.pk))
    assert len(mail.outbox) == 1
    assert reverse("sellers:invitation-accept", args=[token]) in mail.outbox[0].body
    assert invitation.expires_at - invitation.created_at == timedelta(days=14)
    # the link never sits in the database, not even in the notification outbox
    assert not Notification.objects.filter(body__contains=token).exists()
    assert AuditEvent.objects.filter(action="seller.invitation.created", target_id=str(invitation.pk)).exists()


def test_accepting_creates_user_seller_and_draft_application(client):
    invitation, token = _invite()
    response = _accept_form(client, token)
    assert response.status_code == 302
    assert response["Location"] == reverse("sellers:wizard")
    invitation.refresh_from_db()
    seller = invitation.seller
    assert seller.status == Seller.Status.ONBOARDING
    assert seller.legal_name == "Neue Waren GmbH"
    member = seller.members.get()
    assert member.user.email == "new.seller@example.com" and member.user.check_password(PASSWORD)
    assert member.user.groups.filter(name=Role.SELLER_MEMBER).exists()
    assert Application.objects.get(seller=seller).status == Application.Status.DRAFT
    assert AuditEvent.objects.filter(action="seller.invitation.accepted").count() == 1
    # signed in: the wizard opens
    assert client.get(reverse("sellers:wizard"), follow=True).status_code == 200


def test_a_used_invitation_cannot_be_used_again(client):
    _invitation, token = _invite()
    _accept_form(client, token)
    client.logout()
    response = _accept_form(client, token)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert Seller.objects.count() == 1


def test_an_expired_invitation_is_refused_with_a_clear_page(client):
    invitation, token = _invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("sellers:invitation-accept", args=[token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert _accept_form(client, token).status_code == 410
    assert not Seller.objects.exists()


def test_a_revoked_invitation_is_refused(client):
    invitation, token = _invite()
    officer = staff(Role.VETTING_OFFICER, username="revoker")
    services.invitation_revoke(invitation=invitation, actor=officer)
    response = _accept_form(client, token)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert AuditEvent.objects.filter(action="seller.invitation.revoked").exists()
    with pytest.raises(InvalidTransition):
        services.invitation_revoke(invitation=invitation, actor=officer)


def test_an_unknown_token_is_a_404_page(client):
    response = client.get(reverse("sellers:invitation-accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_weak_or_mismatched_passwords_are_refused_next_to_the_field(client):
    _invitation, token = _invite()
    response = _accept_form(client, token, password1="short", password2="short")
    assert response.status_code == 200
    assert 'id="id_password2_error"' in response.content.decode()
    response = _accept_form(client, token, password2="something-else-entirely-99")
    assert "The two passwords differ." in response.content.decode()
    assert not Seller.objects.exists()


def test_inviting_an_existing_account_is_refused():
    UserFactory(username="taken@example.com", email="taken@example.com")
    with pytest.raises(DomainError):
        _invite("taken@example.com")


def test_users_who_are_not_sellers_get_a_clear_refusal(client):
    client.force_login(UserFactory())
    response = client.get(reverse("sellers:status"))
    assert response.status_code == 403
    assert "by invitation only" in response.content.decode()
    assert client.get(reverse("sellers:wizard")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("sellers:status"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_resending_issues_a_new_link_and_kills_the_old_one(client, django_capture_on_commit_callbacks):
    invitation, old_token = _invite()
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    officer = staff(Role.VETTING_OFFICER, username="resender")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_resend(invitation=invitation, actor=officer)
    new_link = next(line for line in mail.outbox[-1].body.splitlines() if "/invite/" in line)
    assert old_token not in new_link
    assert _accept_form(client, old_token).status_code == 404
    new_token = new_link.rstrip("/").rsplit("/", 1)[-1]
    assert _accept_form(client, new_token).status_code == 302
    assert AuditEvent.objects.filter(action="seller.invitation.resent").exists()
