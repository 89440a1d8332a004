"""Seller pages: list my authorizations, request one with scope, term and proof."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.roles import Role
from sellers.models import BrandAuthorization, Document
from tests.factories import staff
from tests.sellers.factories import BrandAuthorizationFactory, BrandFactory, DocumentFactory, seller_with_member

pytestmark = pytest.mark.django_db
LIST = "/seller/brands/"
REQUEST = "/seller/brands/request/"


@pytest.fixture
def member():
    seller, user = seller_with_member()
    return seller, user


def _loa_post(brand, **overrides):
    today = timezone.localdate()
    return {
        "brand": brand.pk,
        "basis": BrandAuthorization.Basis.LOA_FIRST_LEVEL,
        "territories": "de, at",
        "categories": "shoes",
        "valid_from": today.isoformat(),
        "valid_until": (today + timedelta(days=180)).isoformat(),
        "licensor_name": "Acme Brands AG",
        **overrides,
    }


def test_urls():
    assert reverse("sellers:brand-authorizations") == LIST
    assert reverse("sellers:brand-authorization-request") == REQUEST


def test_pages_need_a_seller_member(client):
    assert client.get(LIST).status_code == 302
    client.force_login(staff(Role.VETTING_OFFICER))
    assert client.get(LIST).status_code == 403


def test_list_shows_only_my_authorizations_with_reasons(client, member, django_assert_max_num_queries):
    seller, user = member
    mine = BrandAuthorizationFactory(
        seller=seller, status=BrandAuthorization.Status.REVOKED, decision_reason="Test buy found fakes."
    )
    for _ in range(3):
        BrandAuthorizationFactory(seller=seller)
    theirs = BrandAuthorizationFactory(brand=BrandFactory(name="Somebody Else's Brand"))
    client.force_login(user)
    with django_assert_max_num_queries(8):
        page = client.get(LIST).content.decode()
    assert mine.brand.name in page and "Test buy found fakes." in page
    assert theirs.brand.name not in page


def test_request_with_an_existing_letter(client, member):
    seller, user = member
    brand = BrandFactory()
    letter = DocumentFactory(seller=seller, kind=Document.Kind.LETTER_OF_AUTHORIZATION, original_name="loa.pdf")
    client.force_login(user)
    assert "loa.pdf" in client.get(REQUEST).content.decode()

    response = client.post(REQUEST, _loa_post(brand, existing_documents=[letter.pk]))
    assert response.status_code == 302 and response.url == LIST
    authz = BrandAuthorization.objects.get(seller=seller)
    assert authz.territories == ["DE", "AT"] and list(authz.documents.all()) == [letter]
    assert authz.requested_by == user
    assert AuditEvent.objects.filter(action="seller.authorization.requested", actor=user).exists()
    assert brand.name in client.get(LIST).content.decode()


def test_request_with_an_upload_goes_through_the_document_pipeline(client, member):
    seller, user = member
    client.force_login(user)
    upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(REQUEST, _loa_post(BrandFactory(), document=upload))
    assert response.status_code == 302, response.content.decode()[:3000]
    document = BrandAuthorization.objects.get(seller=seller).documents.get()
    assert document.kind == Document.Kind.LETTER_OF_AUTHORIZATION and document.seller == seller
    assert AuditEvent.objects.filter(action="seller.document.uploaded", target_id=str(document.pk)).exists()


def test_errors_are_shown_next_to_their_fields_and_nothing_is_kept(client, member):
    _seller, user = member
    client.force_login(user)
    someone_elses = DocumentFactory(kind=Document.Kind.LETTER_OF_AUTHORIZATION)
    response = client.post(
        REQUEST,
        _loa_post(
            BrandFactory(),
            territories="DE, XX",
            valid_until="",
            licensor_name="",
            existing_documents=[someone_elses.pk],
        ),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"territories", "valid_until", "licensor_name", "existing_documents"} <= set(form.errors)
    assert "XX" in form.errors["territories"][0]
    assert not BrandAuthorization.objects.exists()


def test_missing_proof_is_named_on_the_upload_field(client, member):
    _seller, user = member
    client.force_login(user)
    response = client.post(REQUEST, _loa_post(BrandFactory()))
    assert response.status_code == 400
    assert "document" in response.context["form"].errors
    page = response.content.decode()
    assert 'id="id_document_error"' in page
