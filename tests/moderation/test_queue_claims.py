"""The queue: claim-next leases (15 minutes, renewable, released on decision), escalation and the SLA sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from moderation.audit_actions import ModerationAction
from moderation.models import Case
from moderation.services import cases as svc
from portal.audit.models import AuditEvent
from portal.errors import DomainError, InvalidTransition
from portal.roles import Role
from tests.factories import staff
from tests.moderation.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_claim_next_takes_the_highest_priority_then_the_earliest_due():
    now = timezone.now()
    low = CaseFactory(priority=10)
    late = CaseFactory(priority=50, due_at=now + timedelta(hours=40))
    early = CaseFactory(priority=50, due_at=now + timedelta(hours=5))
    mod_a, mod_b, mod_c = (staff(Role.MODERATOR) for _ in range(3))

    assert svc.case_claim_next(actor=mod_a) == early
    assert svc.case_claim_next(actor=mod_b) == late
    assert svc.case_claim_next(actor=mod_c) == low
    early.refresh_from_db()
    assert early.assigned_to == mod_a
    assert timedelta(minutes=14) < early.claimed_until - timezone.now() <= timedelta(minutes=15)
    assert AuditEvent.objects.filter(action=ModerationAction.CASE_CLAIMED).count() == 3


def test_claim_next_returns_the_case_already_held():
    CaseFactory(priority=10)
    CaseFactory(priority=20)
    mod = staff(Role.MODERATOR)
    first = svc.case_claim_next(actor=mod)
    assert svc.case_claim_next(actor=mod) == first


def test_an_expired_lease_returns_the_case_to_the_queue():
    case = CaseFactory()
    mod_a, mod_b = staff(Role.MODERATOR), staff(Role.MODERATOR)
    svc.case_claim_next(actor=mod_a)
    assert svc.case_claim_next(actor=mod_b) is None
    Case.objects.filter(pk=case.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert svc.case_claim_next(actor=mod_b) == case


def test_moderators_skip_escalated_cases_seniors_take_them():
    CaseFactory(status=Case.Status.ESCALATED, priority=99)
    assert svc.case_claim_next(actor=staff(Role.MODERATOR)) is None
    assert svc.case_claim_next(actor=staff(Role.SENIOR_MODERATOR)) is not None


def test_renew_and_release_belong_to_the_holder():
    case = CaseFactory()
    mod_a, mod_b = staff(Role.MODERATOR), staff(Role.MODERATOR)
    svc.case_claim(case=case, actor=mod_a)
    with pytest.raises(DomainError, match="claimed by"):
        svc.case_claim(case=case, actor=mod_b)
    with pytest.raises(InvalidTransition):
        svc.case_renew_claim(case=case, actor=mod_b)
    with pytest.raises(InvalidTransition):
        svc.case_release(case=case, actor=mod_b)
    Case.objects.filter(pk=case.pk).update(claimed_until=timezone.now() + timedelta(minutes=1))
    renewed = svc.case_renew_claim(case=case, actor=mod_a)
    assert renewed.claimed_until - timezone.now() > timedelta(minutes=14)
    released = svc.case_release(case=case, actor=mod_a)
    assert released.assigned_to is None
    assert AuditEvent.objects.filter(action=ModerationAction.CASE_RELEASED, target_id=str(case.pk)).exists()


def test_the_sla_sweep_escalates_overdue_cases_once():
    overdue = CaseFactory(due_at=timezone.now() - timedelta(minutes=5))
    fine = CaseFactory()
    assert svc.cases_escalate_overdue() == 1
    assert svc.cases_escalate_overdue() == 0
    overdue.refresh_from_db()
    fine.refresh_from_db()
    assert overdue.status == Case.Status.ESCALATED
    assert any(s["code"] == "overdue" for s in overdue.signals)
    assert fine.status == Case.Status.OPEN
    event = AuditEvent.objects.get(action=ModerationAction.CASE_ESCALATED)
    assert event.actor_display == "system"


def test_notes_are_audited_and_empty_ones_refused():
    case = CaseFactory()
    mod = staff(Role.MODERATOR)
    svc.case_add_note(case=case, actor=mod, body="Checked the brand's genuine product page.")
    with pytest.raises(DomainError):
        svc.case_add_note(case=case, actor=mod, body="   ")
    assert case.notes.count() == 1
    assert AuditEvent.objects.filter(action=ModerationAction.CASE_NOTE_ADDED).count() == 1
