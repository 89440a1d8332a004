"""Claim next outside a transaction on PostgreSQL: one transaction of its own, the lease with its audit event.

The console's "claim next" view calls the service outside any transaction;
these tests do the same (``transaction=True``), so they run the path the
16-moderator benchmark measures, and check that it leaves the connection
idle whatever happened, that it commits normally (synchronous commit on), and
that its events are sealed into a valid log.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation.audit_actions import ModerationAction
from moderation.models import Case
from moderation.services.cases import case_claim_next
from portal import audit
from portal.audit.models import AuditEvent
from portal.roles import Role, roles_of
from tests.factories import staff
from tests.moderation.factories import CaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _claim_in_one_transaction(actor):
    """Claim, and check it was one transaction of the service's own that committed normally."""
    roles_of(actor)  # read once per signed-in user, as in a request
    with CaptureQueriesContext(connection) as sent:
        case = case_claim_next(actor=actor)
    statements = [q["sql"].strip() for q in sent.captured_queries]
    assert not any("synchronous_commit" in s for s in statements), statements
    assert _idle()
    return case


def _sealed_and_verified() -> bool:
    audit.seal_pending()
    return audit.verify_chain().ok


def _idle() -> bool:
    return connection.connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def _claim_events(case: Case):
    return AuditEvent.objects.filter(
        action=ModerationAction.CASE_CLAIMED, target_type="moderation.case", target_id=str(case.pk)
    ).order_by("seq")


def test_a_claim_leases_the_most_urgent_case_and_links_its_event_into_the_chain():
    moderator = staff(Role.MODERATOR)
    low, urgent = CaseFactory(priority=10), CaseFactory(priority=90)
    assert not connection.in_atomic_block

    case = _claim_in_one_transaction(moderator)

    assert case == urgent
    assert _idle()
    stored = Case.objects.get(pk=urgent.pk)
    assert stored.assigned_to_id == moderator.pk
    assert stored.claimed_until == case.claimed_until > timezone.now() + timedelta(minutes=5)
    assert Case.objects.get(pk=low.pk).assigned_to_id is None
    (event,) = _claim_events(urgent)
    assert event.actor_id == moderator.pk and event.actor_role == "moderator"
    assert event.changes == {
        "assigned_to": {"before": None, "after": moderator.pk},
        "claimed_until": audit.format_time(case.claimed_until),
    }
    assert _sealed_and_verified()


def test_the_held_case_comes_back_without_a_second_lease_or_event():
    moderator = staff(Role.MODERATOR)
    CaseFactory(priority=10)
    first = _claim_in_one_transaction(moderator)
    again = _claim_in_one_transaction(moderator)
    assert again == first
    assert _claim_events(first).count() == 1
    assert _idle()


def test_a_lapsed_lease_is_taken_over_and_the_event_names_the_previous_holder():
    earlier, moderator = staff(Role.MODERATOR), staff(Role.MODERATOR)
    case = CaseFactory(assigned_to=earlier, claimed_until=timezone.now() - timedelta(minutes=1))
    claimed = _claim_in_one_transaction(moderator)
    assert claimed == case and claimed.assigned_to_id == moderator.pk
    event = _claim_events(case).last()
    assert event.changes["assigned_to"] == {"before": earlier.pk, "after": moderator.pk}
    assert _sealed_and_verified()


def test_an_empty_queue_gives_none_and_leaves_no_transaction_open():
    CaseFactory(status=Case.Status.ESCALATED)  # only a senior moderator may take it
    assert _claim_in_one_transaction(staff(Role.MODERATOR)) is None
    assert _idle()
    assert _claim_in_one_transaction(staff(Role.SENIOR_MODERATOR)) is not None
    assert _idle()


def test_inside_a_callers_transaction_the_claim_joins_it_and_rolls_back_with_it():
    from django.db import transaction

    moderator = staff(Role.MODERATOR)
    case = CaseFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert case_claim_next(actor=moderator) == case
        raise RuntimeError("the caller fails after claiming")
    assert Case.objects.get(pk=case.pk).assigned_to_id is None
    assert not _claim_events(case).exists()


def test_the_consoles_claim_next_button_claims_in_its_own_transaction(client):
    """The view runs outside any transaction (no ATOMIC_REQUESTS, no middleware opens one)."""
    from django.urls import reverse

    from tests.helpers import login_staff

    moderator = staff(Role.MODERATOR)
    login_staff(client, moderator)
    case = CaseFactory()
    response = client.post(reverse("admin:moderation_case_claim_next"))
    assert response.status_code == 302 and response["Location"].endswith(f"/{case.pk}/change/")
    assert _idle()
    assert Case.objects.get(pk=case.pk).assigned_to_id == moderator.pk
    assert _claim_events(case).count() == 1
