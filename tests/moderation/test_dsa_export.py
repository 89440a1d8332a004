"""Statements of reasons in the EU DSA Transparency Database API submission format.

The rules below restate that API's published submission rules (transparency.dsa.ec.europa.eu,
"API and Schema"): required fields, the fields required only with a given value, the
enumerations, lengths and date formats. Every export is checked against all of them.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from moderation.models import Notifier, Policy
from moderation.models.decisions import Action
from moderation.services.decisions import case_decide
from portal.api_auth import Scope
from portal.roles import Role
from tests.factories import staff
from tests.moderation.factories import (
    CaseFactory,
    ListingFactory,
    NoticeFactory,
    NotifierFactory,
    PolicyFactory,
    api_key,
)

pytestmark = pytest.mark.django_db

VISIBILITY = {
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
}
MONETARY = {"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"}
PROVISION = {
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
}
ACCOUNT = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
ACCOUNT_TYPES = {"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"}
GROUNDS = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
CONTENT_TYPES = {
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
}
CATEGORIES = {
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_SCOPE_OF_PLATFORM_SERVICE",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
}
SOURCE_TYPES = {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"}
AUTOMATED_DECISIONS = {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
EEA = set(
    [
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
        "IS",
        "LI",
        "NO",
    ]
)
KNOWN_FIELDS = {
    "decision_visibility",
    "decision_visibility_other",
    "end_date_visibility_restriction",
    "decision_monetary",
    "decision_monetary_other",
    "end_date_monetary_restriction",
    "decision_provision",
    "end_date_service_restriction",
    "decision_account",
    "end_date_account_restriction",
    "account_type",
    "decision_ground",
    "decision_ground_reference_url",
    "illegal_content_legal_ground",
    "illegal_content_explanation",
    "incompatible_content_ground",
    "incompatible_content_explanation",
    "incompatible_content_illegal",
    "content_type",
    "content_type_other",
    "category",
    "category_addition",
    "category_specification",
    "category_specification_other",
    "territorial_scope",
    "content_language",
    "content_date",
    "content_id",
    "application_date",
    "decision_facts",
    "source_type",
    "source_identity",
    "automated_detection",
    "automated_decision",
    "puid",
}
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def violations(body: dict) -> list[str]:
    """Every way ``body`` breaks the database's submission rules (empty when it would be accepted)."""
    problems = [f"unknown field {k}" for k in body if k not in KNOWN_FIELDS]
    restrictions = [
        k for k in ("decision_visibility", "decision_monetary", "decision_provision", "decision_account") if body.get(k)
    ]
    if not restrictions:
        problems.append("one of decision_visibility/monetary/provision/account is required")
    if "decision_visibility" in body:
        vis = body["decision_visibility"]
        if not isinstance(vis, list) or not vis or not set(vis) <= VISIBILITY:
            problems.append("decision_visibility must be a non-empty array of allowed values")
        if "DECISION_VISIBILITY_OTHER" in (vis or []) and not body.get("decision_visibility_other"):
            problems.append("decision_visibility_other required")
    for field, allowed in (
        ("decision_monetary", MONETARY),
        ("decision_provision", PROVISION),
        ("decision_account", ACCOUNT),
        ("account_type", ACCOUNT_TYPES),
    ):
        if field in body and body[field] not in allowed:
            problems.append(f"{field} not allowed: {body[field]}")
    if body.get("decision_monetary") == "DECISION_MONETARY_OTHER" and not body.get("decision_monetary_other"):
        problems.append("decision_monetary_other required")
    ground = body.get("decision_ground")
    if ground not in GROUNDS:
        problems.append("decision_ground required and allowed")
    illegal = ("illegal_content_legal_ground", "illegal_content_explanation")
    incompatible = ("incompatible_content_ground", "incompatible_content_explanation")
    if ground == "DECISION_GROUND_ILLEGAL_CONTENT":
        problems += [f"{f} required" for f in illegal if not body.get(f)]
        problems += [f"{f} must be left out" for f in (*incompatible, "incompatible_content_illegal") if f in body]
    if ground == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        problems += [f"{f} required" for f in incompatible if not body.get(f)]
        problems += [f"{f} must be left out" for f in illegal if f in body]
        if "incompatible_content_illegal" in body and body["incompatible_content_illegal"] not in ("Yes", "No"):
            problems.append("incompatible_content_illegal must be Yes or No")
    for field, limit in (
        ("illegal_content_legal_ground", 500),
        ("incompatible_content_ground", 500),
        ("illegal_content_explanation", 2000),
        ("incompatible_content_explanation", 2000),
        ("decision_facts", 5000),
        ("puid", 500),
        ("decision_visibility_other", 500),
    ):
        if len(body.get(field, "") or "") > limit:
            problems.append(f"{field} longer than {limit}")
    ct = body.get("content_type")
    if not isinstance(ct, list) or not ct or not set(ct) <= CONTENT_TYPES:
        problems.append("content_type must be a non-empty array of allowed values")
    elif "CONTENT_TYPE_OTHER" in ct and not body.get("content_type_other"):
        problems.append("content_type_other required")
    if body.get("category") not in CATEGORIES:
        problems.append("category required and allowed")
    spec = body.get("category_specification")
    if spec is not None and (not isinstance(spec, list) or not all(str(k).startswith("KEYWORD_") for k in spec)):
        problems.append("category_specification must be an array of KEYWORD_ values")
    scope = body.get("territorial_scope")
    if not isinstance(scope, list) or not scope or not set(scope) <= EEA:
        problems.append("territorial_scope must be an array of EU/EEA codes")
    for field, earliest in (("content_date", date(2000, 1, 1)), ("application_date", date(2020, 1, 1))):
        value = body.get(field, "")
        if not DAY.match(value or "") or date.fromisoformat(value) < earliest:
            problems.append(f"{field} must be YYYY-MM-DD on or after {earliest}")
    for field in (
        "end_date_visibility_restriction",
        "end_date_monetary_restriction",
        "end_date_service_restriction",
        "end_date_account_restriction",
    ):
        if body.get(field) is not None and (
            not DAY.match(body[field]) or body[field] < body.get("application_date", "")
        ):
            problems.append(f"{field} must be YYYY-MM-DD, not before application_date")
    if not body.get("decision_facts"):
        problems.append("decision_facts required")
    if body.get("source_type") not in SOURCE_TYPES:
        problems.append("source_type required and allowed")
    if body.get("automated_detection") not in ("Yes", "No"):
        problems.append("automated_detection must be Yes or No")
    if body.get("automated_decision") not in AUTOMATED_DECISIONS:
        problems.append("automated_decision required and allowed")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,500}", body.get("puid", "") or ""):
        problems.append("puid required: letters, digits, hyphens and underscores")
    return problems


def test_the_rule_checker_catches_broken_statements():
    assert "decision_ground required and allowed" in violations({"decision_ground": "ILLEGAL"})
    broken = {
        "decision_visibility": ["DECISION_VISIBILITY_OTHER"],
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "content_type": ["CONTENT_TYPE_PRODUCT"],
        "category": "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
        "territorial_scope": ["US"],
        "content_date": "2026-1-1",
        "application_date": "2026-01-01",
        "decision_facts": "x",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "No",
        "automated_decision": "No",
        "puid": "has space",
    }
    found = violations(broken)
    for expected in (
        "decision_visibility_other required",
        "illegal_content_legal_ground required",
        "territorial_scope",
        "content_date",
        "automated_decision",
        "puid",
    ):
        assert any(expected in p for p in found), expected


@pytest.fixture
def reader():
    _key, full = api_key(Scope.DECISIONS_READ)
    return {"HTTP_AUTHORIZATION": f"Bearer {full}"}


def _decide(action, *, policy=None, notifier_kind=Notifier.Kind.PUBLIC, ends_at=None, automated=False, scope=None):
    listing = ListingFactory()
    case = CaseFactory(listing=listing, automated=automated, findings={"no_authorization": "Acme"} if automated else {})
    if notifier_kind:
        NoticeFactory(listing=listing, case=case, notifier=NotifierFactory(kind=notifier_kind))
    actor = staff(Role.SENIOR_MODERATOR)
    return case_decide(
        case=case,
        actor=actor,
        action=action,
        policy=policy or PolicyFactory(),
        ends_at=ends_at,
        territorial_scope=scope,
    )


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (Action.REMOVE_LISTING, {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]}),
        (Action.RESTRICT_LISTING, {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"]}),
        (
            Action.SUSPEND_SELLER,
            {
                "decision_account": "DECISION_ACCOUNT_SUSPENDED",
                "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION",
            },
        ),
        (
            Action.TERMINATE_SELLER,
            {
                "decision_account": "DECISION_ACCOUNT_TERMINATED",
                "decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION",
            },
        ),
    ],
)
def test_each_restrictive_action_exports_a_valid_statement(client, reader, action, expected):
    ends_at = timezone.now() + timedelta(days=30) if action == Action.SUSPEND_SELLER else None
    decision = _decide(action, ends_at=ends_at)
    response = client.get(f"/api/v1/decisions/{decision.pk}/dsa-statement", **reader)
    assert response.status_code == 200, response.content
    body = response.json()
    assert violations(body) == []
    for field, value in expected.items():
        assert body[field] == value
    assert body["account_type"] == "ACCOUNT_TYPE_BUSINESS"
    assert body["content_type"] == ["CONTENT_TYPE_PRODUCT"]
    assert body["source_type"] == "SOURCE_ARTICLE_16"
    assert body["application_date"] == decision.decided_at.strftime("%Y-%m-%d")
    assert body["puid"].endswith(str(decision.puid))
    if ends_at:
        assert body["end_date_account_restriction"] == ends_at.strftime("%Y-%m-%d")


def test_illegal_content_ground_fields(client, reader):
    decision = _decide(Action.REMOVE_LISTING)
    body = client.get(f"/api/v1/decisions/{decision.pk}/dsa-statement", **reader).json()
    assert body["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert body["illegal_content_legal_ground"] == decision.policy.reference
    assert body["illegal_content_explanation"] == decision.explanation
    assert "incompatible_content_ground" not in body
    assert body["category"] == "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    assert body["category_specification"] == ["KEYWORD_TRADEMARK_INFRINGEMENT"]
    assert body["decision_ground_reference_url"] == decision.policy.reference_url


def test_terms_ground_trusted_flagger_and_automated_detection(client, reader):
    policy = PolicyFactory(
        code="misleading",
        ground=Policy.Ground.TERMS,
        reference="Seller terms §4.2 (accurate listings)",
        dsa_category=Policy.DsaCategory.CONSUMER,
        dsa_keywords=[],
        reference_url="",
    )
    decision = _decide(
        Action.RESTRICT_LISTING,
        policy=policy,
        notifier_kind=Notifier.Kind.TRUSTED_FLAGGER,
        automated=True,
        scope=["DE", "AT", "US"],
    )
    body = client.get(f"/api/v1/decisions/{decision.pk}/dsa-statement", **reader).json()
    assert violations(body) == []
    assert body["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"
    assert body["incompatible_content_ground"] == policy.reference
    assert body["incompatible_content_illegal"] == "No"
    assert "illegal_content_legal_ground" not in body
    assert "category_specification" not in body and "decision_ground_reference_url" not in body
    assert body["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert body["automated_detection"] == "Yes"
    assert body["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert body["territorial_scope"] == ["AT", "DE"]  # only EU/EEA codes are accepted by the database


def test_own_initiative_is_voluntary(client, reader):
    decision = _decide(Action.REMOVE_LISTING, notifier_kind=None, automated=True)
    body = client.get(f"/api/v1/decisions/{decision.pk}/dsa-statement", **reader).json()
    assert body["source_type"] == "SOURCE_VOLUNTARY"
    assert violations(body) == []


def test_dismissals_have_no_statement_and_unknown_ids_404(client, reader):
    listing = ListingFactory()
    case = CaseFactory(listing=listing)
    decision = case_decide(case=case, actor=staff(Role.MODERATOR), action=Action.DISMISS, policy=None)
    response = client.get(f"/api/v1/decisions/{decision.pk}/dsa-statement", **reader)
    assert response.status_code == 409
    assert response.json()["code"] == "not_exportable"
    missing = client.get("/api/v1/decisions/999999/dsa-statement", **reader)
    assert missing.status_code == 404
    assert "999999" in missing.json()["detail"]


def test_bulk_export_pages_valid_statements_and_needs_the_scope(client, reader):
    decisions = [_decide(Action.REMOVE_LISTING) for _ in range(3)]
    response = client.get("/api/v1/decisions/dsa-statements?page_size=2", **reader)
    assert response.status_code == 200
    page = response.json()
    assert len(page["results"]) == 2 and page["next"]
    second = client.get(page["next"], **reader).json()
    puids = [s["puid"] for s in page["results"] + second["results"]]
    assert sorted(puids) == sorted(f"hallmark-decision-{d.puid}" for d in decisions)
    assert all(violations(s) == [] for s in page["results"] + second["results"])
    _key, other = api_key(Scope.REPORTS_WRITE)
    assert client.get("/api/v1/decisions/dsa-statements", HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403


def test_bulk_export_filters_by_decision_day_and_names_a_bad_date(client, reader):
    from moderation.models import Decision

    old, new = _decide(Action.REMOVE_LISTING), _decide(Action.REMOVE_LISTING)
    Decision.objects.filter(pk=old.pk).update(decided_at=timezone.now() - timedelta(days=10))
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    page = client.get(f"/api/v1/decisions/dsa-statements?since={since}", **reader).json()
    assert [s["puid"] for s in page["results"]] == [f"hallmark-decision-{new.puid}"]
    bad = client.get("/api/v1/decisions/dsa-statements?until=yesterday", **reader)
    assert bad.status_code == 400 and "until" in bad.json()
