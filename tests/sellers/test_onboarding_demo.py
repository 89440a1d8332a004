"""seed_demo gives demo-seller a submitted application with real, processed documents (idempotently)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from sellers.models import Application, Document, SellerMember
from sellers.services.onboarding import REQUIRED_DOCUMENTS

pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_twice_leaves_one_submitted_application():
    for _ in range(2):
        call_command("seed_demo", stdout=StringIO())
    seller = SellerMember.objects.get(user__username="demo-seller").seller
    application = Application.objects.get(seller=seller)
    assert application.status == Application.Status.SUBMITTED
    kyb = Document.objects.filter(seller=seller, kind__in=[k.value for k in REQUIRED_DOCUMENTS])
    assert kyb.count() == 4 and not kyb.exclude(status=Document.Status.ACCEPTED).exists()
