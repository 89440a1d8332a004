"""Priority as a sum of named, explainable signals (DESIGN.md "Signals and priority").

Pure functions over plain data, so the queue can show why a case is where it is
and tests can check each signal on its own.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _

from moderation.models import Case, Reason

REASON_SEVERITY = {
    Reason.COUNTERFEIT: 30,
    Reason.UNSAFE: 30,
    Reason.TRADEMARK: 20,
    Reason.UNAUTHORIZED_SELLER: 20,
    Reason.MISLEADING: 10,
    Reason.OTHER: 5,
}

# SLA by source and reason: trusted flaggers first (DSA Art. 22), counterfeits next.
DEFAULT_SLA_HOURS = {"trusted_flagger": 24, "counterfeit": 48, "default": 72}


def sla_hours(*, source: str, reason: str) -> int:
    table = {**DEFAULT_SLA_HOURS, **getattr(settings, "MODERATION_SLA_HOURS", {})}
    if source == Case.Source.TRUSTED_FLAGGER:
        return table["trusted_flagger"]
    if reason in (Reason.COUNTERFEIT, Reason.UNSAFE):
        return table["counterfeit"]
    return table["default"]


def due_at(*, opened_at: datetime, source: str, reason: str) -> datetime:
    return opened_at + timedelta(hours=sla_hours(source=source, reason=reason))


@dataclass(frozen=True)
class Signal:
    code: str
    label: str
    points: int

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Facts:
    """What the scorer needs to know about a case, gathered by the service."""

    reasons: list[str]
    notifier_count: int = 0
    notifier_kinds: set[str] | None = None
    mean_accuracy: float | None = None
    any_deprioritised: bool = False
    unauthorized_brand: str = ""
    price_ratio: float | None = None
    counterfeit_image_matches: int = 0
    brand_image_matches: int = 0
    live_strike_points: int = 0
    overdue: bool = False


def score(facts: Facts) -> list[Signal]:
    signals: list[Signal] = []
    if facts.reasons:
        worst = max(facts.reasons, key=lambda r: REASON_SEVERITY.get(r, 0))
        signals.append(Signal("reason", _("Reason: %(r)s") % {"r": Reason(worst).label}, REASON_SEVERITY.get(worst, 0)))
    if facts.notifier_count > 1:
        signals.append(
            Signal(
                "reporters",
                _("%(n)d different notifiers") % {"n": facts.notifier_count},
                min(5 * (facts.notifier_count - 1), 20),
            )
        )
    kinds = facts.notifier_kinds or set()
    if len(kinds) > 1:
        signals.append(Signal("diversity", _("Reported by different kinds of notifier"), 5))
    if "trusted_flagger" in kinds:
        signals.append(Signal("trusted_flagger", _("Trusted flagger (DSA Art. 22)"), 40))
    if "brand_owner" in kinds:
        signals.append(Signal("brand_owner", _("Brand owner reported it"), 20))
    if facts.mean_accuracy is not None:
        if facts.mean_accuracy >= 0.7:
            signals.append(
                Signal("accuracy", _("Notifiers are usually right (%(p)d%%)") % {"p": facts.mean_accuracy * 100}, 10)
            )
        elif facts.mean_accuracy < 0.3:
            signals.append(
                Signal("accuracy", _("Notifiers are rarely right (%(p)d%%)") % {"p": facts.mean_accuracy * 100}, -10)
            )
    if facts.any_deprioritised:
        signals.append(Signal("deprioritised", _("A notifier is deprioritised for unfounded notices"), -15))
    if facts.unauthorized_brand:
        signals.append(
            Signal(
                "no_authorization",
                _("Protected brand %(b)s without a valid authorization") % {"b": facts.unauthorized_brand},
                30,
            )
        )
    if facts.price_ratio is not None and facts.price_ratio < 0.3:
        signals.append(
            Signal("price", _("Price is %(p)d%% of the brand's reference price") % {"p": facts.price_ratio * 100}, 25)
        )
    if facts.counterfeit_image_matches:
        signals.append(Signal("image_counterfeit", _("Images match a listing removed as counterfeit"), 35))
    if facts.brand_image_matches:
        signals.append(Signal("image_brand", _("Images match the brand's official images under another seller"), 15))
    if facts.live_strike_points:
        signals.append(
            Signal(
                "strikes",
                _("Seller has %(n)d live strike points") % {"n": facts.live_strike_points},
                min(facts.live_strike_points, 20),
            )
        )
    if facts.overdue:
        signals.append(Signal("overdue", _("Past its SLA due time"), 30))
    return signals


def total(signals: list[Signal]) -> int:
    return sum(s.points for s in signals)
