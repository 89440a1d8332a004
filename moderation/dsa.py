"""Statements of reasons in the EU DSA Transparency Database API submission format.

Field names and enumeration values follow the database's public API
documentation (transparency.dsa.ec.europa.eu, "API and Schema"): one JSON
object per statement, dates as YYYY-MM-DD, EU/EEA country codes only in
``territorial_scope``, ``puid`` unique per platform and limited to letters,
digits, hyphens and underscores. Dismissals and warnings restrict nothing, so
they have no statement to submit.
"""

from __future__ import annotations

from moderation.models import Decision, Policy
from moderation.models.decisions import Action

# EU member states plus the EEA (Iceland, Liechtenstein, Norway).
EU_COUNTRIES = [
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DE",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
]
EEA_COUNTRIES = (*EU_COUNTRIES, "IS", "LI", "NO")

DECISION_GROUND = {
    Policy.Ground.ILLEGAL_CONTENT: "DECISION_GROUND_ILLEGAL_CONTENT",
    Policy.Ground.TERMS: "DECISION_GROUND_INCOMPATIBLE_CONTENT",
}

# What each action means in the database's four kinds of restriction.
_RESTRICTIONS = {
    Action.RESTRICT_LISTING: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"]},
    Action.REMOVE_LISTING: {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]},
    Action.SUSPEND_SELLER: {
        "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
    },
    Action.TERMINATE_SELLER: {
        "decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION",
        "decision_account": "DECISION_ACCOUNT_TERMINATED",
    },
}

EXPORTABLE_ACTIONS = tuple(_RESTRICTIONS)


class NotExportable(Exception):
    pass


def _day(value) -> str:
    return value.strftime("%Y-%m-%d")


def source_type(decision: Decision) -> str:
    if decision.trusted_flagger:
        return "SOURCE_TRUSTED_FLAGGER"
    if decision.from_notice:
        return "SOURCE_ARTICLE_16"
    return "SOURCE_VOLUNTARY"


def statement(decision: Decision) -> dict:
    """The submission body for one decision (raises NotExportable for non-restrictive ones)."""
    if decision.action not in _RESTRICTIONS:
        raise NotExportable("Only restrictive decisions have a statement of reasons to submit.")
    policy = decision.policy
    listing = decision.listing
    body: dict = {**_RESTRICTIONS[decision.action]}
    body["account_type"] = "ACCOUNT_TYPE_BUSINESS"  # every seller here is a trader
    ground = DECISION_GROUND[policy.ground]
    body["decision_ground"] = ground
    if policy.reference_url:
        body["decision_ground_reference_url"] = policy.reference_url
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        body["illegal_content_legal_ground"] = policy.reference[:500]
        body["illegal_content_explanation"] = decision.explanation[:2000]
    else:
        body["incompatible_content_ground"] = policy.reference[:500]
        body["incompatible_content_explanation"] = decision.explanation[:2000]
        body["incompatible_content_illegal"] = "No"
    body["content_type"] = ["CONTENT_TYPE_PRODUCT"]
    body["category"] = policy.dsa_category
    if policy.dsa_keywords:
        body["category_specification"] = list(policy.dsa_keywords)
    scope = [c for c in decision.territorial_scope if c in EEA_COUNTRIES] or list(EEA_COUNTRIES)
    body["territorial_scope"] = sorted(scope)
    body["content_date"] = _day(listing.created_at)
    body["application_date"] = _day(decision.decided_at)
    if decision.ends_at:
        key = "end_date_account_restriction" if "decision_account" in body else "end_date_visibility_restriction"
        body[key] = _day(decision.ends_at)
        if "decision_provision" in body:
            body["end_date_service_restriction"] = _day(decision.ends_at)
    body["decision_facts"] = decision.facts[:5000]
    body["source_type"] = source_type(decision)
    body["automated_detection"] = "Yes" if decision.automated_detection else "No"
    body["automated_decision"] = decision.automated_decision
    body["puid"] = f"hallmark-decision-{decision.puid}"
    return body


def exportable(queryset):
    return queryset.filter(action__in=EXPORTABLE_ACTIONS, policy__isnull=False)
