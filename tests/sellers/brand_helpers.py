"""Shared set-up for the brand authorization tests."""

from __future__ import annotations

from datetime import date, timedelta

from sellers.models import BrandAuthorization, Document, TrademarkRegistration
from sellers.services.brands import RequestTerms, authorization_request, checklist_for
from tests.sellers.factories import BrandFactory, DocumentFactory, seller_with_member

B = BrandAuthorization.Basis
TODAY = date(2026, 6, 15)

KIND_FOR = {
    B.TRADEMARK_OWNER: Document.Kind.TRADEMARK_CERTIFICATE,
    B.LOA_FIRST_LEVEL: Document.Kind.LETTER_OF_AUTHORIZATION,
    B.LOA_SECOND_LEVEL: Document.Kind.LETTER_OF_AUTHORIZATION,
    B.DISTRIBUTOR_INVOICES: Document.Kind.INVOICE,
}


def terms_for(basis: str, **overrides) -> RequestTerms:
    values = {"basis": basis, "territories": ["DE", "AT"], "categories": ["shoes"]}
    if basis in (B.LOA_FIRST_LEVEL, B.LOA_SECOND_LEVEL):
        values |= {
            "valid_from": TODAY,
            "valid_until": TODAY + timedelta(days=90),
            "licensor_name": "Acme Brands AG",
        }
    if basis == B.LOA_SECOND_LEVEL:
        values |= {
            "licensor_name": "Acme Distribution GmbH",
            "upstream_licensor_name": "Acme Brands AG",
            "upstream_valid_until": TODAY + timedelta(days=120),
        }
    if basis == B.DISTRIBUTOR_INVOICES:
        values |= {"supplier_name": "Acme Wholesale Ltd", "latest_invoice_date": TODAY - timedelta(days=10)}
    return RequestTerms(**(values | overrides))


def documents_for(seller, basis: str, **kwargs) -> list:
    count = 2 if basis == B.LOA_SECOND_LEVEL else 1
    return [
        DocumentFactory(seller=seller, kind=KIND_FOR[basis], original_name=f"proof-{i}.pdf", **kwargs)
        for i in range(count)
    ]


def requested(basis: str = B.LOA_FIRST_LEVEL, *, seller=None, brand=None, actor=None, **overrides):
    """A fresh request made through the service, with its seller member as actor."""
    if seller is None:
        seller, actor = seller_with_member()
    brand = brand or BrandFactory()
    if basis == B.TRADEMARK_OWNER and not brand.trademarks.exists():
        # the registry must show a registration in force for ownership to be approved
        register_trademark(brand, expires_on=TODAY + timedelta(days=3650))
    return authorization_request(
        seller=seller,
        brand=brand,
        terms=terms_for(basis, **overrides),
        documents=documents_for(seller, basis),
        actor=actor,
        today=TODAY,
    )


def full_checklist(basis: str) -> list[str]:
    return [key for key, _label in checklist_for(basis)]


def register_trademark(brand, *, expires_on, registered_on=TODAY - timedelta(days=3650), number=None):
    return TrademarkRegistration.objects.create(
        brand=brand,
        office=TrademarkRegistration.Office.EUIPO,
        number=number or f"0{brand.pk:08d}{TrademarkRegistration.objects.count()}",
        owner_name="Acme Brands AG",
        nice_classes=[25],
        registered_on=registered_on,
        expires_on=expires_on,
    )
