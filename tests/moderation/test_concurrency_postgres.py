"""What only a real database with row locks can show: claims, decisions and idempotent notices under concurrency."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from moderation.models import Case, Decision, Listing, Notice
from moderation.models.decisions import Action
from moderation.services.cases import case_claim_next
from moderation.services.decisions import case_decide
from moderation.services.notices import notice_submit
from portal.errors import DomainError, InvalidTransition
from portal.roles import Role
from tests.factories import staff
from tests.moderation.factories import CaseFactory, ListingFactory, NotifierFactory, PolicyFactory
from tests.sellers.factories import SellerFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run(n, target):
    errors = []

    def wrapped(i):
        try:
            target(i)
        except Exception as exc:  # surfaced below so a thread's failure fails the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return errors


def test_16_moderators_claim_1000_cases_and_each_is_claimed_exactly_once():
    seller = SellerFactory()
    now = timezone.now()
    listings = Listing.objects.bulk_create(
        Listing(
            external_id=f"P-{i}",
            seller=seller,
            title=f"Item {i}",
            price=10,
            currency="EUR",
            url=f"https://shop.example.com/{i}",
            created_at=now,
            updated_at=now,
        )
        for i in range(1000)
    )
    Case.objects.bulk_create(
        Case(listing=listing, source="notice", reason="counterfeit", priority=i % 97, due_at=now + timedelta(hours=48))
        for i, listing in enumerate(listings)
    )
    moderators = [staff(Role.MODERATOR) for _ in range(16)]
    claimed: list[list[int]] = [[] for _ in range(16)]

    def work(i):
        actor = moderators[i]
        while True:
            case = case_claim_next(actor=actor)
            if case is None:
                return
            claimed[i].append(case.pk)
            # finishing the case (as a decision would) frees the moderator for the next one
            Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, assigned_to=None, claimed_until=None)

    assert _run(16, work) == []
    everything = [pk for ids in claimed for pk in ids]
    assert len(everything) == 1000
    assert len(set(everything)) == 1000
    assert sum(1 for ids in claimed if ids) > 1  # the work really was shared


def test_two_moderators_decide_one_case_one_wins_the_other_gets_a_conflict():
    case = CaseFactory()
    policy = PolicyFactory()
    mods = [staff(Role.MODERATOR), staff(Role.MODERATOR)]
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def decide(i):
        barrier.wait()
        try:
            outcomes[i] = case_decide(case=case, actor=mods[i], action=Action.REMOVE_LISTING, policy=policy)
        except DomainError as exc:
            outcomes[i] = exc

    assert _run(2, decide) == []
    wins = [o for o in outcomes.values() if isinstance(o, Decision)]
    conflicts = [o for o in outcomes.values() if isinstance(o, InvalidTransition)]
    assert len(wins) == 1 and len(conflicts) == 1
    assert "already decided by" in conflicts[0].message
    assert Decision.objects.filter(case=case).count() == 1


def test_one_idempotency_key_sent_twice_at_once_makes_one_notice():
    listing = ListingFactory()
    notifier = NotifierFactory()
    barrier = threading.Barrier(8)
    ids: list[int] = []

    def send(_i):
        barrier.wait()
        notice, _created = notice_submit(
            listing=listing,
            notifier=notifier,
            reason="counterfeit",
            explanation="Fake logo, wrong stitching, serial number unknown to the brand.",
            notifier_name=notifier.name,
            notifier_email=notifier.email,
            good_faith=True,
            channel=Notice.Channel.API,
            idempotency_key="same-key",
        )
        ids.append(notice.pk)

    assert _run(8, send) == []
    assert Notice.objects.count() == 1
    assert set(ids) == {Notice.objects.get().pk}
    assert Case.objects.filter(listing=listing).count() == 1
