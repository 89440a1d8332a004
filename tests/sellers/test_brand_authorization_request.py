"""A seller asks for the right to list a brand: each basis, its proof and its dates."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEvent
from portal.errors import DomainError, InvalidTransition
from sellers.models import BrandAuthorization, Document, Seller
from sellers.services.brands import authorization_request
from tests.sellers.brand_helpers import TODAY, B, documents_for, requested, terms_for
from tests.sellers.factories import BrandFactory, DocumentFactory, SellerFactory, seller_with_member

pytestmark = pytest.mark.django_db


def _errors(basis, *, documents=None, seller=None, **overrides) -> dict:
    seller = seller or SellerFactory()
    with pytest.raises(ValidationError) as exc:
        authorization_request(
            seller=seller,
            brand=BrandFactory(),
            terms=terms_for(basis, **overrides),
            documents=documents_for(seller, basis) if documents is None else documents,
            actor=None,
            today=TODAY,
        )
    return exc.value.message_dict


@pytest.mark.parametrize("basis", list(B))
def test_each_basis_can_be_requested_and_is_audited(basis):
    authz = requested(basis)

    assert authz.status == BrandAuthorization.Status.REQUESTED
    assert authz.territories == ["DE", "AT"] and authz.categories == ["shoes"]
    assert authz.documents.count() == (2 if basis == B.LOA_SECOND_LEVEL else 1)
    event = AuditEvent.objects.get(action="seller.authorization.requested", target_id=str(authz.pk))
    assert event.changes["basis"] == basis
    assert event.actor_id == authz.requested_by_id


@pytest.mark.parametrize("basis", [B.LOA_FIRST_LEVEL, B.LOA_SECOND_LEVEL])
def test_loa_rights_need_a_term(basis):
    errors = _errors(basis, valid_from=None, valid_until=None)
    assert "valid_from" in errors and "valid_until" in errors


def test_trademark_owner_may_be_open_ended():
    authz = requested(B.TRADEMARK_OWNER)
    assert authz.valid_until is None


def test_term_must_not_end_before_it_starts_or_be_over():
    assert "valid_until" in _errors(B.LOA_FIRST_LEVEL, valid_until=TODAY - timedelta(days=1), valid_from=TODAY)
    assert "valid_until" in _errors(
        B.LOA_FIRST_LEVEL, valid_from=TODAY - timedelta(days=30), valid_until=TODAY - timedelta(days=1)
    )


def test_first_level_loa_needs_the_licensor():
    assert "licensor_name" in _errors(B.LOA_FIRST_LEVEL, licensor_name=" ")


def test_second_level_loa_needs_the_chain_and_cannot_outlive_the_first_letter():
    errors = _errors(B.LOA_SECOND_LEVEL, upstream_licensor_name="", upstream_valid_until=None)
    assert {"upstream_licensor_name", "upstream_valid_until"} <= set(errors)

    errors = _errors(B.LOA_SECOND_LEVEL, upstream_valid_until=TODAY + timedelta(days=89))
    assert "cannot outlive" in errors["valid_until"][0]

    # The last day of the sub-licence may be the last day of the first letter.
    authz = requested(B.LOA_SECOND_LEVEL, upstream_valid_until=TODAY + timedelta(days=90))
    assert authz.valid_until == authz.upstream_valid_until


def test_second_level_loa_needs_both_letters():
    seller = SellerFactory()
    one_letter = [DocumentFactory(seller=seller, kind=Document.Kind.LETTER_OF_AUTHORIZATION)]
    assert "documents" in _errors(B.LOA_SECOND_LEVEL, seller=seller, documents=one_letter)


@pytest.mark.parametrize(("age", "ok"), [(0, True), (365, True), (366, False), (-1, False)])
def test_invoices_are_at_most_365_days_old(age, ok):
    invoice_date = TODAY - timedelta(days=age)
    if ok:
        authz = requested(B.DISTRIBUTOR_INVOICES, latest_invoice_date=invoice_date)
        # The right ends when the newest invoice stops being acceptable proof.
        assert authz.valid_until == invoice_date + timedelta(days=365)
    else:
        assert "latest_invoice_date" in _errors(B.DISTRIBUTOR_INVOICES, latest_invoice_date=invoice_date)


def test_invoices_need_an_identifiable_supplier():
    assert "supplier_name" in _errors(B.DISTRIBUTOR_INVOICES, supplier_name="")


def test_documents_must_be_of_the_right_kind_and_the_sellers_own():
    seller = SellerFactory()
    wrong_kind = [DocumentFactory(seller=seller, kind=Document.Kind.INVOICE)]
    assert "documents" in _errors(B.LOA_FIRST_LEVEL, seller=seller, documents=wrong_kind)
    someone_elses = [DocumentFactory(kind=Document.Kind.LETTER_OF_AUTHORIZATION)]
    assert "own documents" in _errors(B.LOA_FIRST_LEVEL, seller=seller, documents=someone_elses)["documents"][0]
    rejected = [
        DocumentFactory(seller=seller, kind=Document.Kind.LETTER_OF_AUTHORIZATION, status=Document.Status.REJECTED)
    ]
    assert "documents" in _errors(B.LOA_FIRST_LEVEL, seller=seller, documents=rejected)


def test_unknown_territories_and_bad_categories_are_named():
    with pytest.raises(ValidationError, match=r"territories.*XX"):
        requested(B.TRADEMARK_OWNER, territories=["de", "XX"])
    with pytest.raises(ValidationError, match="shoes & bags"):
        requested(B.TRADEMARK_OWNER, categories=["Shoes & Bags"])
    authz = requested(B.TRADEMARK_OWNER, territories=["de", " at", "DE"], categories=["Shoes"])
    assert authz.territories == ["DE", "AT"] and authz.categories == ["shoes"]


def test_one_open_request_per_brand_and_nothing_is_lost():
    seller, member = seller_with_member()
    first = requested(B.TRADEMARK_OWNER, seller=seller, actor=member)
    with pytest.raises(DomainError, match="already have a request"):
        requested(B.TRADEMARK_OWNER, seller=seller, actor=member, brand=first.brand)
    assert BrandAuthorization.objects.filter(seller=seller).count() == 1


def test_suspended_seller_cannot_request():
    seller, member = seller_with_member(status=Seller.Status.SUSPENDED)
    with pytest.raises(InvalidTransition):
        requested(B.TRADEMARK_OWNER, seller=seller, actor=member)
    assert not BrandAuthorization.objects.exists()
