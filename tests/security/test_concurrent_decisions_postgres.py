"""Two vetting officers approve the same application at the same moment.

Exactly one approval happens (one seller activation, one audit event); the
other officer gets a clear conflict instead of a second approval.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from portal.audit.models import AuditEvent
from portal.errors import DomainError
from portal.roles import Role
from sellers.models import Application, ApplicationCheck, Seller
from sellers.services import onboarding as services
from tests.factories import staff
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import complete_application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_officers_approving_at_once_make_one_approval():
    seller, user = seller_with_member(status=Seller.Status.ONBOARDING)
    Application.objects.create(seller=seller)
    first, second = staff(Role.VETTING_OFFICER), staff(Role.VETTING_OFFICER)
    application = complete_application(seller, user)
    application = services.application_submit(application=application, actor=user)
    services.application_assign(application=application, actor=first)
    for requirement in ApplicationCheck.Requirement.values:
        services.application_check(application=application, requirement=requirement, status="verified", actor=first)

    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def approve(officer):
        try:
            barrier.wait()
            services.application_approve(application=Application.objects.get(pk=application.pk), actor=officer)
            outcomes[officer.username] = "approved"
        except DomainError as exc:
            outcomes[officer.username] = f"conflict: {exc.message}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(officer,)) for officer in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["approved", "conflict"], outcomes
    loser = next(v for v in outcomes.values() if v.startswith("conflict"))
    assert len(loser) > len("conflict: ")  # a message a person can read
    seller.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE
    approvals = AuditEvent.objects.filter(target_type="sellers.application", target_id=str(application.pk))
    assert approvals.filter(action__endswith="approved").count() == 1
    assert AuditEvent.objects.filter(action="seller.seller.activated", target_id=str(seller.pk)).count() == 1
