"""Reads used by more than one caller (seller pages, the case screen, the API)."""

from __future__ import annotations

from django.db.models import QuerySet, Sum
from django.utils import timezone

from moderation.models import Decision, Listing, Notice, Notifier, Strike
from sellers.models import BrandAuthorization


def awaiting_triage() -> QuerySet[Notice]:
    """Notices no triage run has filed into a case yet (a partial index holds just these)."""
    return Notice.objects.filter(case__isnull=True)


def notice_intake_rows(*, api_key_id: int, external_id: str) -> tuple[Notifier | None, Listing | None]:
    """The notifier an API key speaks for and the listing a notice names.

    The intake asks both for every notice. Either may be missing: a key's first
    notice creates its notifier (``services.notifiers.notifier_for_key``), an
    unknown listing is the sender's error. Only what the intake reads is loaded.
    """
    notifier = Notifier.objects.filter(api_key_id=api_key_id).only("id", "kind", "standing", "api_key_id").first()
    listing = Listing.objects.filter(external_id=external_id).only("id", "external_id").first() if external_id else None
    return notifier, listing


def decisions_for_seller(seller) -> QuerySet[Decision]:
    """Decisions a seller may read about its own business (dismissals concern nobody)."""
    return (
        Decision.objects.filter(seller=seller)
        .exclude(action="dismiss")
        .select_related("listing", "policy")
        .order_by("-decided_at")
    )


def live_strikes(seller, *, now=None) -> QuerySet[Strike]:
    """The strikes that count against a seller: not voided, not yet expired (180 days, DESIGN.md).

    The one definition of "live": the seller's pages, the case screen, case
    scoring, the strike thresholds and new-listing restrictions all read it.
    ``seller`` may be a Seller, its id, or a subquery yielding the id.
    """
    return Strike.objects.filter(seller=seller, voided_at__isnull=True, expires_at__gt=now or timezone.now())


def live_strike_points(seller, *, now=None) -> int:
    return live_strikes(seller, now=now).aggregate(points=Sum("points"))["points"] or 0


def seller_history(*, seller, brand=None) -> dict:
    """What the case screen shows about a seller: past decisions, live strikes, authorization for this brand."""
    authorizations = []
    if brand is not None:
        authorizations = list(BrandAuthorization.objects.filter(seller=seller, brand=brand).order_by("-created_at")[:5])
    strikes = list(live_strikes(seller).select_related("decision"))
    return {
        "decisions": list(
            Decision.objects.filter(seller=seller)
            .select_related("policy", "listing", "decided_by")
            .order_by("-decided_at")[:10]
        ),
        "strikes": strikes,
        "strike_points": sum(s.points for s in strikes),
        "authorizations": authorizations,
    }
