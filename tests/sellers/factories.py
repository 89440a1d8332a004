"""Factories for the sellers app. Add new ones at the end of this file."""

from __future__ import annotations

import factory

from portal.roles import Role
from sellers.models import Brand, BrandAuthorization, Document, Seller, SellerMember
from tests.factories import UserFactory


class SellerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seller

    legal_name = factory.Sequence(lambda n: f"Example Trading {n} GmbH")
    trading_name = factory.Sequence(lambda n: f"Example Shop {n}")
    country = "DE"
    contact_email = factory.Sequence(lambda n: f"shop{n}@example.com")
    status = Seller.Status.ACTIVE


class SellerMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerMember

    seller = factory.SubFactory(SellerFactory)
    user = factory.SubFactory(UserFactory, role=Role.SELLER_MEMBER)
    is_owner = True


def seller_with_member(**seller_kwargs) -> tuple[Seller, object]:
    """A seller and the user who signs in for it."""
    member = SellerMemberFactory(seller=SellerFactory(**seller_kwargs))
    return member.seller, member.user


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    protected = True


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    seller = factory.SubFactory(SellerFactory)
    kind = Document.Kind.BUSINESS_REGISTRATION
    status = Document.Status.ACCEPTED
    original_name = "registration.pdf"


class BrandAuthorizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BrandAuthorization

    seller = factory.SubFactory(SellerFactory)
    brand = factory.SubFactory(BrandFactory)
    basis = BrandAuthorization.Basis.TRADEMARK_OWNER
    status = BrandAuthorization.Status.APPROVED
