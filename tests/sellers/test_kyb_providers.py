"""An outside KYB provider plugs in by settings; its findings become checklist notes, never decisions."""

from __future__ import annotations

import pytest

from portal.audit.models import AuditEvent
from sellers.kyb import Finding
from sellers.models import Application, ApplicationCheck, Seller
from sellers.services import onboarding as services
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = pytest.mark.django_db


class RegisterLookup:
    name = "register-lookup"

    def check(self, *, snapshot: dict) -> list[Finding]:
        number = snapshot["data"]["business"]["registration_number"]
        return [Finding("identity", True, f"{number} found in the trade register")]


class BrokenProvider:
    name = "broken"

    def check(self, *, snapshot: dict) -> list[Finding]:
        raise ConnectionError("provider down")


def test_findings_are_notes_on_pending_checks(settings, django_capture_on_commit_callbacks):
    settings.HALLMARK_KYB_PROVIDERS = [
        "tests.sellers.test_kyb_providers.BrokenProvider",
        "tests.sellers.test_kyb_providers.RegisterLookup",
    ]
    seller, user = seller_with_member(status=Seller.Status.ONBOARDING)
    Application.objects.create(seller=seller)
    with django_capture_on_commit_callbacks(execute=True):
        application = complete_application(seller, user)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, actor=user)
    check = application.checks.get(requirement="identity")
    assert check.status == ApplicationCheck.Status.PENDING
    assert check.note == "[register-lookup] ✓ HRB 123456 found in the trade register"
    services.application_kyb_annotate(application_id=application.pk)  # a second run adds nothing
    check.refresh_from_db()
    assert check.note.count("register-lookup") == 1
    assert AuditEvent.objects.filter(action="seller.application.checked", actor__isnull=True).count() == 1
