"""The application wizard: every step through real POSTs, save-and-resume, errors by the field, submit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from sellers import crypto
from sellers.models import Application, ApplicationCheck, Document
from sellers.services import onboarding as services
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import VALID, VALID_IBAN, jpeg_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(client):
    from sellers.models import Seller

    seller, user = seller_with_member(status=Seller.Status.ONBOARDING, country="")
    Application.objects.create(seller=seller)
    client.force_login(user)
    return seller, user


def _step(client, step, data, action="next"):
    return client.post(reverse("sellers:wizard-step", args=[step]), {**data, "action": action})


def test_the_whole_wizard_by_post_then_submit(client, applicant, django_capture_on_commit_callbacks):
    seller, _user = applicant
    assert client.get(reverse("sellers:wizard"))["Location"].endswith("/seller/application/business/")

    r = _step(client, "business", VALID["business"])
    assert r.status_code == 302 and r["Location"].endswith("/contacts/")
    r = _step(client, "contacts", VALID["contacts"])
    assert r["Location"].endswith("/representative/")
    with django_capture_on_commit_callbacks(execute=True):
        r = _step(client, "representative", {**VALID["representative"], "id_document": upload(jpeg_bytes(1), "id.jpg")})
    assert r["Location"].endswith("/payment/"), r.content.decode()[:2000]
    r = _step(
        client,
        "payment",
        {"holder": "Example Trading GmbH", "account_type": "iban", "iban": VALID_IBAN, "bank_country": "DE"},
    )
    assert r["Location"].endswith("/documents/")
    with django_capture_on_commit_callbacks(execute=True):
        r = _step(
            client,
            "documents",
            {
                "business_registration": upload(pdf_bytes(), "reg.pdf", "application/pdf"),
                "proof_of_address": upload(jpeg_bytes(2), "bill.jpg"),
                "proof_of_address_date": (timezone.localdate() - timedelta(days=20)).isoformat(),
                "tax_document": upload(pdf_bytes(2), "tax.pdf", "application/pdf"),
            },
        )
    assert r["Location"].endswith("/certification/")
    r = _step(client, "certification", {"confirm": "on"})
    assert r["Location"].endswith("/review/")

    review = client.get(reverse("sellers:wizard-step", args=["review"]))
    body = review.content.decode()
    assert "Submit the application" in body
    assert "136695976" in body and "••••" in body and VALID_IBAN.replace(" ", "") not in body

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("sellers:wizard-step", args=["review"]))
    assert r["Location"] == reverse("sellers:status")
    application = seller.applications.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.decision_due_at - application.submitted_at == timedelta(days=10)
    assert application.snapshot["data"]["business"]["legal_name"] == "Example Trading GmbH"
    assert set(application.snapshot["documents"]) == {k.value for k in services.REQUIRED_DOCUMENTS}
    assert application.checks.count() == len(ApplicationCheck.Requirement.values)
    assert Document.objects.filter(seller=seller, status=Document.Status.ACCEPTED).count() == 4
    assert crypto.decrypt(application.payment_account_ciphertext) == "DE89370400440532013000"
    assert "DE8937" not in application.payment_account_ciphertext
    assert AuditEvent.objects.filter(action="seller.application.submitted", target_id=str(application.pk)).exists()
    assert any("received your application" in m.body for m in mail.outbox)
    # frozen: further edits are refused and the wizard sends the seller to the status page
    assert client.get(reverse("sellers:wizard-step", args=["business"]))["Location"] == reverse("sellers:status")


def test_save_and_finish_later_keeps_answers_and_resumes_at_the_first_gap(client, applicant):
    seller, _user = applicant
    r = _step(client, "business", VALID["business"], action="exit")
    assert r["Location"] == reverse("sellers:status")
    assert seller.applications.get().data["business"]["registration_number"] == "HRB 123456"
    assert client.get(reverse("sellers:wizard"))["Location"].endswith("/contacts/")
    page = client.get(reverse("sellers:wizard-step", args=["business"])).content.decode()
    assert 'value="HRB 123456"' in page
    assert "Step 1 of 7" in page


@pytest.mark.parametrize(
    ("step", "data", "field", "text"),
    [
        ("business", {**VALID["business"], "tax_id": "DE136695977"}, "tax_id", "not a valid tax / VAT id"),
        ("business", {**VALID["business"], "country": "US", "tax_id": "12-34"}, "tax_id", "not a valid tax"),
        ("business", {**VALID["business"], "legal_name": ""}, "legal_name", "This field is required"),
        ("contacts", {**VALID["contacts"], "phone": "+49 12"}, "phone", "not a valid phone number"),
        ("contacts", {**VALID["contacts"], "email": "nope"}, "email", "valid email"),
        (
            "payment",
            {"holder": "X", "account_type": "iban", "iban": "DE89 3704 0044 0532 0130 01", "bank_country": "DE"},
            "iban",
            "This IBAN is not valid",
        ),
        (
            "payment",
            {
                "holder": "X",
                "account_type": "us",
                "routing_number": "123456789",
                "account_number": "12",
                "bank_country": "US",
            },
            "routing_number",
            "routing number is not valid",
        ),
        ("representative", {**VALID["representative"]}, "id_document", "Upload the representative"),
        (
            "documents",
            {"proof_of_address": upload(jpeg_bytes(), "old.jpg"), "proof_of_address_date": "2020-01-01"},
            "proof_of_address_date",
            "older than 6 months",
        ),
        ("certification", {}, "confirm", "Tick the box"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_lost(client, applicant, step, data, field, text):
    seller, _user = applicant
    _step(client, "business", VALID["business"]) if step != "business" else None
    before = dict(seller.applications.get().data)
    response = _step(client, step, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert f'id="id_{field}_error"' in body
    assert text in body
    assert seller.applications.get().data == before
    if step == "documents":
        assert not Document.objects.filter(seller=seller).exists()


def test_us_bank_account_with_valid_routing_number_is_accepted(client, applicant):
    seller, _user = applicant
    r = _step(
        client,
        "payment",
        {
            "holder": "Example Inc",
            "account_type": "us",
            "routing_number": "111000025",
            "account_number": "000123456789",
            "bank_country": "US",
        },
    )
    assert r.status_code == 302
    application = seller.applications.get()
    assert crypto.decrypt(application.payment_account_ciphertext) == "111000025/000123456789"
    assert application.payment_account_masked.endswith("6789")


def test_submit_is_refused_while_something_is_missing(client, applicant):
    _step(client, "business", VALID["business"])
    review = client.get(reverse("sellers:wizard-step", args=["review"])).content.decode()
    assert "Still missing before you can submit" in review and "Submit the application" not in review
    r = client.post(reverse("sellers:wizard-step", args=["review"]))
    assert r.status_code == 400
    assert "not complete" in r.content.decode()
    assert applicant[0].applications.get().status == Application.Status.DRAFT


def test_an_oversized_upload_is_refused_by_the_form_and_nothing_is_stored(client, applicant):
    seller, _user = applicant
    big = upload(b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "big.jpg")
    response = _step(client, "documents", {"business_registration": big})
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()
    assert not Document.objects.filter(seller=seller).exists()
