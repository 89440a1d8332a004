"""Known histories for the dashboard and transparency tests.

Rows are created with explicit times so every number can be checked exactly;
times are anchored to midnight of a fixed day so no count depends on the
hour the test runs.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from moderation.models import Appeal, Case, Decision, Listing, Notice, Notifier, Policy
from moderation.models.decisions import Action
from portal.roles import Role
from sellers.models import Application, BrandAuthorization, Recertification
from tests.factories import staff
from tests.sellers.factories import BrandAuthorizationFactory, SellerFactory

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def midnight(day=None) -> datetime:
    day = day or timezone.localdate()
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


# --- sellers -------------------------------------------------------------------------------


def application(status: str, *, kind=Application.Kind.INITIAL, submitted=None, decided=None, due=None) -> Application:
    return Application.objects.create(
        seller=SellerFactory(),
        kind=kind,
        status=status,
        submitted_at=submitted,
        decision_due_at=due if due is not None else (submitted + timedelta(days=10) if submitted else None),
        decided_at=decided,
    )


def authorization(*, status=BrandAuthorization.Status.APPROVED, valid_until=None) -> BrandAuthorization:
    return BrandAuthorizationFactory(status=status, valid_until=valid_until)


def recertification(*, status=Recertification.Status.OPEN, due_on) -> Recertification:
    return Recertification.objects.create(seller=SellerFactory(), status=status, due_on=due_on)


# --- moderation ----------------------------------------------------------------------------

_listing_seq = iter(range(1, 10**6))


def listing(seller=None) -> Listing:
    n = next(_listing_seq)
    return Listing.objects.create(
        external_id=f"DASH-{n:05d}",
        seller=seller or SellerFactory(),
        title=f"Handbag {n}",
        price=Decimal("99.00"),
        currency="EUR",
        url=f"https://shop.example.com/items/{n}",
    )


def notifier(kind=Notifier.Kind.PUBLIC, name="Notifier") -> Notifier:
    return Notifier.objects.create(kind=kind, name=name, email=f"{name.lower().replace(' ', '.')}@example.org")


def notice(*, notifier: Notifier, reason: str, received, outcome=Notice.Outcome.PENDING, case=None) -> Notice:
    return Notice.objects.create(
        listing=case.listing if case else listing(),
        case=case,
        notifier=notifier,
        channel=Notice.Channel.API,
        reason=reason,
        explanation="The logo is misspelled.",
        notifier_name=notifier.name,
        notifier_email=notifier.email,
        good_faith=True,
        outcome=outcome,
        received_at=received,
    )


def policy(code: str, ground: str) -> Policy:
    return Policy.objects.get_or_create(
        code=code,
        defaults={
            "title": code,
            "ground": ground,
            "reference": "Art. 9(2) EUTMR" if ground == Policy.Ground.ILLEGAL_CONTENT else "Terms, section 4",
            "statement_template": "The listing {listing} breaks the rule.",
            "default_action": Action.REMOVE_LISTING,
        },
    )[0]


def case(
    *,
    opened,
    source=Case.Source.NOTICE,
    reason="counterfeit",
    status=Case.Status.OPEN,
    priority=0,
    due=None,
    automated=False,
    seller=None,
) -> Case:
    return Case.objects.create(
        listing=listing(seller),
        status=status,
        source=source,
        reason=reason,
        automated=automated,
        priority=priority,
        opened_at=opened,
        due_at=due if due is not None else opened + timedelta(hours=72),
    )


def decided_case(
    *,
    opened,
    decided,
    by,
    action=Action.REMOVE_LISTING,
    policy_obj=None,
    source=Case.Source.NOTICE,
    reason="counterfeit",
    automated=False,
    automation=Decision.Automation.NOT_AUTOMATED,
) -> Decision:
    c = case(opened=opened, source=source, reason=reason, status=Case.Status.DECIDED, automated=automated)
    c.decided_at = decided
    c.save(update_fields=["decided_at"])
    return Decision.objects.create(
        case=c,
        listing=c.listing,
        seller=c.listing.seller,
        policy=policy_obj,
        action=action,
        decided_by=by,
        decided_at=decided,
        explanation="Reasons.",
        facts="Facts.",
        from_notice=source != Case.Source.AUTOMATED,
        trusted_flagger=source == Case.Source.TRUSTED_FLAGGER,
        automated_detection=automated,
        automated_decision=automation,
    )


def appeal(decision: Decision, *, submitted, decided=None, overturned=False, by=None, decider=None) -> Appeal:
    status = Appeal.Status.PENDING
    if decided is not None:
        status = Appeal.Status.OVERTURNED if overturned else Appeal.Status.UPHELD
    return Appeal.objects.create(
        decision=decision,
        submitted_by=staff(Role.SELLER_MEMBER) if by is None else by,
        grounds="It is genuine.",
        status=status,
        submitted_at=submitted,
        decided_at=decided,
        decided_by=(decider or staff(Role.SENIOR_MODERATOR)) if decided is not None else None,
    )
