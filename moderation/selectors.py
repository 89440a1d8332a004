"""Reads used by more than one caller (seller pages, the case screen, the API)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from moderation.models import Decision, Strike
from sellers.models import BrandAuthorization


def decisions_for_seller(seller) -> QuerySet[Decision]:
    """Decisions a seller may read about its own business (dismissals concern nobody)."""
    return (
        Decision.objects.filter(seller=seller)
        .exclude(action="dismiss")
        .select_related("listing", "policy")
        .order_by("-decided_at")
    )


def live_strikes(seller) -> QuerySet[Strike]:
    return Strike.objects.filter(seller=seller, voided_at__isnull=True, expires_at__gt=timezone.now())


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
