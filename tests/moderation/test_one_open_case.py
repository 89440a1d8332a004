"""One open case per listing: the database enforces it; a decided case lets a new one open."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from moderation.models import Case
from moderation.services.cases import case_open_or_raise
from tests.moderation.factories import CaseFactory, ListingFactory

pytestmark = pytest.mark.django_db


def test_a_second_open_case_for_a_listing_is_refused_by_the_database():
    case = CaseFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(listing=case.listing, status=Case.Status.ESCALATED)


def test_closed_cases_do_not_block_a_new_one():
    listing = ListingFactory()
    CaseFactory(listing=listing, status=Case.Status.DECIDED)
    CaseFactory(listing=listing, status=Case.Status.CLOSED)
    assert CaseFactory(listing=listing).is_open


def test_open_or_raise_joins_the_open_case():
    listing = ListingFactory()
    first, created = case_open_or_raise(listing=listing, reason="other", source="notice", actor=None)
    second, created_again = case_open_or_raise(listing=listing, reason="counterfeit", source="notice", actor=None)
    assert created and not created_again
    assert first.pk == second.pk
    second.refresh_from_db()
    assert second.reason == "counterfeit"  # the more severe reason wins
    assert second.due_at <= first.due_at
