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


def busy_month(*, seed_value: int = 7) -> None:
    """A plausible month of work for screenshots: queues, decisions, appeals, vetting."""
    import random

    from moderation.models import Reason

    rng = random.Random(seed_value)
    now = timezone.now()
    m = midnight()
    moderators = [staff(Role.MODERATOR, username=name) for name in ("amira", "bruno", "chen", "dora")]
    senior, member = staff(Role.SENIOR_MODERATOR, username="sam-senior"), staff(Role.SELLER_MEMBER)
    illegal = policy("counterfeit", Policy.Ground.ILLEGAL_CONTENT)
    terms = policy("listing-rules", Policy.Ground.TERMS)
    flaggers = [
        notifier(Notifier.Kind.PUBLIC, "Pat Public"),
        notifier(Notifier.Kind.TRUSTED_FLAGGER, "Trusted Org"),
        notifier(Notifier.Kind.BRAND_OWNER, "Brand Co"),
    ]
    reasons = [Reason.COUNTERFEIT, Reason.COUNTERFEIT, Reason.TRADEMARK, Reason.UNSAFE, Reason.MISLEADING]
    sources = [Case.Source.NOTICE, Case.Source.NOTICE, Case.Source.TRUSTED_FLAGGER, Case.Source.AUTOMATED]
    for day in range(29, -1, -1):
        for _ in range(rng.randint(2, 6)):
            source = rng.choice(sources)
            opened = m - day * DAY + timedelta(hours=rng.randint(0, 10))
            hours = rng.choice([2, 4, 6, 10, 18, 30, 50])
            outcome = Notice.Outcome.PENDING
            if opened + timedelta(hours=hours) < now:
                d = decided_case(
                    opened=opened,
                    decided=opened + timedelta(hours=hours),
                    by=rng.choice(moderators),
                    action=rng.choice(
                        [
                            Action.REMOVE_LISTING,
                            Action.REMOVE_LISTING,
                            Action.RESTRICT_LISTING,
                            Action.DISMISS,
                            Action.WARN,
                        ]
                    ),
                    policy_obj=rng.choice([illegal, illegal, terms]),
                    source=source,
                    reason=rng.choice(reasons),
                    automated=source == Case.Source.AUTOMATED,
                )
                target = d.case
                outcome = Notice.Outcome.REJECTED if d.action == Action.DISMISS else Notice.Outcome.UPHELD
                if d.action != Action.DISMISS and rng.random() < 0.25:
                    submitted = d.decided_at + DAY
                    done = submitted + timedelta(days=rng.randint(1, 5))
                    appeal(
                        d,
                        submitted=submitted,
                        decided=done if done < now else None,
                        overturned=rng.random() < 0.3,
                        by=member,
                        decider=senior,
                    )
            else:
                target = case(
                    opened=opened,
                    source=source,
                    reason=rng.choice(reasons),
                    priority=rng.choice([10, 25, 45, 70, 85, 120]),
                    due=opened + timedelta(hours=rng.choice([24, 48, 72])),
                    automated=source == Case.Source.AUTOMATED,
                )
            if source != Case.Source.AUTOMATED:
                notice(
                    notifier=rng.choice(flaggers), reason=target.reason, received=opened, outcome=outcome, case=target
                )
    for hours_ago in (3, 20, 30, 60, 80, 120, 150):
        case(
            opened=now - timedelta(hours=hours_ago),
            priority=rng.choice([15, 40, 65, 90, 130]),
            due=now - timedelta(hours=hours_ago) + timedelta(hours=48),
        )
    S = Application.Status
    for status in (S.DRAFT, S.DRAFT, S.SUBMITTED, S.SUBMITTED, S.IN_REVIEW, S.IN_REVIEW, S.CHANGES_REQUESTED):
        application(status, submitted=None if status == S.DRAFT else now - timedelta(days=rng.randint(1, 13)))
    for _ in range(14):
        submitted = now - timedelta(days=rng.randint(12, 80))
        application(
            rng.choice([S.APPROVED, S.APPROVED, S.APPROVED, S.REJECTED]),
            submitted=submitted,
            decided=submitted + timedelta(days=rng.choice([2, 3, 5, 6, 8, 9, 11])),
        )
    today = timezone.localdate()
    for days in (3, 9, 17, 26, 45):
        authorization(valid_until=today + timedelta(days=days))
    for days in (-4, 6, 21, 60):
        recertification(due_on=today + timedelta(days=days))
    recertification(status=Recertification.Status.LAPSED, due_on=today - timedelta(days=25))
    _audit_as_the_services_would(since=m - 29 * DAY)
    # Real services for the numbers that only the audit trail remembers.
    from moderation.services.notifiers import notifier_set_standing
    from sellers.services.seller import seller_suspend

    notifier_set_standing(notifier=flaggers[0], standing=Notifier.Standing.WARNED, actor=senior, reason="Unfounded.")
    seller_suspend(seller=SellerFactory(), actor=senior, reason="Recertification overdue.")


def _audit_as_the_services_would(*, since) -> None:
    """Rows seeded directly get the audit events their services write, so the report's cross-check holds."""
    from moderation.audit_actions import ModerationAction
    from portal import audit
    from sellers.audit_actions import OnboardingAction

    def record(action, rows):
        for row in rows:
            audit.record(action=action, actor=None, target=row)

    record(ModerationAction.NOTICE_RECEIVED, Notice.objects.filter(received_at__gte=since))
    record(ModerationAction.DECISION_MADE, Decision.objects.filter(decided_at__gte=since))
    record(ModerationAction.APPEAL_SUBMITTED, Appeal.objects.filter(submitted_at__gte=since))
    decided = Appeal.objects.filter(decided_at__gte=since)
    record(ModerationAction.APPEAL_UPHELD, decided.filter(status=Appeal.Status.UPHELD))
    record(ModerationAction.APPEAL_OVERTURNED, decided.filter(status=Appeal.Status.OVERTURNED))
    applications = Application.objects.filter(decided_at__gte=since)
    record(OnboardingAction.APPLICATION_APPROVED, applications.filter(status=Application.Status.APPROVED))
    record(OnboardingAction.APPLICATION_REJECTED, applications.filter(status=Application.Status.REJECTED))
