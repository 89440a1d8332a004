from datetime import timedelta

import pytest
from django.utils import timezone

from portal.audit.models import AuditEvent
from sellers.models import Seller
from sellers.services.seller import seller_suspend, sellers_reinstate_when_suspension_ends
from sellers.tasks.recovery import end_suspensions
from tests.sellers.factories import SellerFactory

pytestmark = pytest.mark.django_db


def test_a_time_limited_suspension_lifts_itself_at_its_end(django_capture_on_commit_callbacks):
    now = timezone.now()
    seller = seller_suspend(seller=SellerFactory(), actor=None, reason="Strikes", until=now + timedelta(days=30))
    forever = seller_suspend(seller=SellerFactory(), actor=None, reason="Under investigation")

    assert sellers_reinstate_when_suspension_ends(now=now + timedelta(days=29)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sellers_reinstate_when_suspension_ends(now=now + timedelta(days=30, seconds=1)) == 1

    seller.refresh_from_db()
    forever.refresh_from_db()
    assert seller.status == Seller.Status.ACTIVE and seller.suspended_until is None
    assert forever.status == Seller.Status.SUSPENDED
    event = AuditEvent.objects.get(action="seller.seller.reinstated", target_id=str(seller.pk))
    assert event.actor_id is None and "Suspension ended" in event.reason
    assert end_suspensions() == 0  # nothing left to lift; running again changes nothing
