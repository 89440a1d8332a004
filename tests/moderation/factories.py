"""Factories for the moderation app."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from moderation.models import Case, Listing, Notice, Notifier, Policy, Reason
from moderation.models.decisions import Action
from portal.models import ApiKey
from tests.sellers.factories import SellerFactory


class ListingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Listing

    external_id = factory.Sequence(lambda n: f"L-{n:06d}")
    seller = factory.SubFactory(SellerFactory)
    brand = None
    title = factory.Sequence(lambda n: f"Leather handbag model {n}")
    description = "Genuine leather, gold hardware."
    category = "bags"
    price = Decimal("249.00")
    currency = "EUR"
    url = factory.LazyAttribute(lambda o: f"https://shop.example.com/items/{o.external_id}")
    image_urls = factory.LazyFunction(list)
    country = "DE"


class NotifierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notifier

    kind = Notifier.Kind.PUBLIC
    name = factory.Sequence(lambda n: f"Notifier {n}")
    email = factory.Sequence(lambda n: f"notifier{n}@example.org")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    listing = factory.SubFactory(ListingFactory)
    source = Case.Source.NOTICE
    reason = Reason.COUNTERFEIT
    priority = 30
    due_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=48))


class NoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notice

    listing = factory.SubFactory(ListingFactory)
    notifier = factory.SubFactory(NotifierFactory)
    channel = Notice.Channel.API
    reason = Reason.COUNTERFEIT
    explanation = "The logo is misspelled and the stitching differs from the genuine product."
    notifier_name = factory.LazyAttribute(lambda o: o.notifier.name)
    notifier_email = factory.LazyAttribute(lambda o: o.notifier.email)
    good_faith = True


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Policy
        django_get_or_create = ("code",)

    code = "counterfeit"
    title = "Counterfeit goods"
    ground = Policy.Ground.ILLEGAL_CONTENT
    reference = "Art. 9(2) Regulation (EU) 2017/1001 (EU trade mark)"
    reference_url = "https://eur-lex.europa.eu/eli/reg/2017/1001/oj"
    statement_template = (
        "The listing {listing} offers goods bearing the {brand} trade mark without the owner's consent."
    )
    default_action = Action.REMOVE_LISTING
    strike_points = 6
    dsa_category = Policy.DsaCategory.IP
    dsa_keywords = factory.LazyFunction(lambda: ["KEYWORD_TRADEMARK_INFRINGEMENT"])


def api_key(*scopes: str, name: str = "test key") -> tuple[ApiKey, str]:
    """A real API key (stored hashed) and its full secret for the Authorization header."""
    from portal import api_auth

    full, prefix, secret_hash = api_auth.generate()
    key = ApiKey.objects.create(name=name, prefix=prefix, secret_hash=secret_hash, scopes=list(scopes))
    return key, full
