"""Claim next outside a transaction on PostgreSQL: two round trips, the audit event sent with the commit.

The console's "claim next" view calls the service outside any transaction;
these tests do the same (``transaction=True``), so they run the path the
16-moderator benchmark measures, and check that it leaves the connection
idle whatever happened, and that its events are links of a valid chain.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg2.extensions
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation.audit_actions import ModerationAction
from moderation.models import Case
from moderation.services.cases import case_claim_next
from portal import audit
from portal.models import AuditChainHead, AuditEvent
from portal.roles import Role, roles_of
from tests.factories import staff
from tests.moderation.factories import CaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _idle() -> bool:
    return connection.connection.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE


def _claim_events(case: Case):
    return AuditEvent.objects.filter(
        action=ModerationAction.CASE_CLAIMED, target_type="moderation.case", target_id=str(case.pk)
    ).order_by("seq")


def test_a_claim_is_two_round_trips_leases_the_most_urgent_case_and_links_its_event_into_the_chain():
    moderator = staff(Role.MODERATOR)
    roles_of(moderator)  # as in a request, the roles are read once per signed-in user
    low, urgent = CaseFactory(priority=10), CaseFactory(priority=90)
    assert not connection.in_atomic_block

    with CaptureQueriesContext(connection) as sent:
        case = case_claim_next(actor=moderator)

    assert case == urgent
    assert len(sent.captured_queries) == 2, [q["sql"][:80] for q in sent.captured_queries]
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
    assert audit.verify_chain().ok


def test_the_held_case_comes_back_without_a_second_lease_or_event():
    moderator = staff(Role.MODERATOR)
    CaseFactory(priority=10)
    first = case_claim_next(actor=moderator)
    again = case_claim_next(actor=moderator)
    assert again == first
    assert _claim_events(first).count() == 1
    assert _idle()


def test_a_lapsed_lease_is_taken_over_and_the_event_names_the_previous_holder():
    earlier, moderator = staff(Role.MODERATOR), staff(Role.MODERATOR)
    case = CaseFactory(assigned_to=earlier, claimed_until=timezone.now() - timedelta(minutes=1))
    assert case_claim_next(actor=moderator) == case
    event = _claim_events(case).last()
    assert event.changes["assigned_to"] == {"before": earlier.pk, "after": moderator.pk}
    assert audit.verify_chain().ok


def test_an_empty_queue_gives_none_and_leaves_no_transaction_open():
    CaseFactory(status=Case.Status.ESCALATED)  # only a senior moderator may take it
    assert case_claim_next(actor=staff(Role.MODERATOR)) is None
    assert _idle()
    assert case_claim_next(actor=staff(Role.SENIOR_MODERATOR)) is not None
    assert _idle()


def test_without_a_chain_head_the_claim_takes_the_transactional_path_and_is_still_audited():
    moderator = staff(Role.MODERATOR)
    case = CaseFactory()
    AuditChainHead.objects.all().delete()  # as after a flush: the next append rebuilds it
    assert case_claim_next(actor=moderator) == case
    assert Case.objects.get(pk=case.pk).assigned_to_id == moderator.pk
    assert _claim_events(case).count() == 1
    assert AuditChainHead.objects.filter(pk=1).exists()
    assert audit.verify_chain().ok
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
