"""The seller's status page: where the application stands, what is asked, decisions, documents."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.roles import Role
from sellers.models import Application, Seller
from sellers.services import onboarding as services
from sellers.services.documents import document_upload
from tests.factories import staff
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_client(client):
    seller, user = seller_with_member(status=Seller.Status.ONBOARDING)
    Application.objects.create(seller=seller)
    client.force_login(user)
    return client, seller, user


def test_a_draft_invites_to_continue(seller_client):
    client, _seller, _user = seller_client
    body = client.get(reverse("sellers:status")).content.decode()
    assert "not submitted yet" in body and reverse("sellers:wizard") in body


def test_documents_show_processing_state_and_refusal_reason(seller_client, django_capture_on_commit_callbacks):
    client, seller, user = seller_client
    with django_capture_on_commit_callbacks(execute=True):
        document_upload(seller=seller, kind="tax_document", uploaded_file=upload(b"<svg/>", "x.png"), actor=user)
    document_upload(seller=seller, kind="proof_of_address", uploaded_file=upload(b"\xff\xd8\xffxx"), actor=user)
    body = client.get(reverse("sellers:status")).content.decode()
    assert "processing" in body
    assert "refused" in body and "The file is an SVG drawing" in body


def test_submitted_then_decided_with_reason(seller_client, django_capture_on_commit_callbacks):
    client, seller, user = seller_client
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_application(seller, user)
        application = services.application_submit(application=application, actor=user)
    body = client.get(reverse("sellers:status")).content.decode()
    assert "reviewing it" in body
    officer = staff(Role.VETTING_OFFICER)
    services.application_reject(application=application, actor=officer, reason="Register entry not found.")
    body = client.get(reverse("sellers:status")).content.decode()
    assert "not approved" in body and "Register entry not found." in body
