"""Who may read and write where, proven over every URL pattern of the project.

Every named URL pattern (walked from the root resolver: console, seller pages,
public pages, API) is requested by each caller below, once with GET and once
with POST (an empty body: a refusal, or at most a form with errors), and the
outcome must equal the one written in the tables. A URL name without a row
fails the test, so the table grows with the project: when you add a URL, add
its row (the failure message suggests one from what it observed; read it
before pasting — the table is the specification, not a recording).

Callers (columns, in this order):
    anon      nobody signed in, no API key
    seller_a  a member of seller A, whose objects fill the URLs' arguments
    seller_b  a member of seller B: must never read A's data
    officer   vetting officer          (console, two factors)
    moderator moderator                (console, two factors)
    senior    senior moderator         (console, two factors)
    auditor   auditor in their window  (console, two factors; on /api/ an `audit:read` key)
    platform  the marketplace's API key with every scope but `audit:read` (no session)

Outcomes: ``ok`` (2xx, or a redirect that is not to a log-in page), ``login``
(redirect to a log-in page), the exact status code (``403``, ``404``,
``405``, ``401``, ``400``…), or ``form`` (``ok`` or a 400/409/422 answer: a
caller using their own page, where the state of their own data decides).

Each request runs inside a transaction that is rolled back after it, so every
request meets the same world: no row's outcome depends on the rows before it.

Invariants checked on top of the table: an auditor's unsafe request never
succeeds and never adds an audit event; seller B's successful pages never
contain seller A's name or documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.models import AuditorAccess
from portal.roles import Role
from tests.factories import staff
from tests.helpers import login_staff

pytestmark = pytest.mark.django_db

ROLES = ("anon", "seller_a", "seller_b", "officer", "moderator", "senior", "auditor", "platform")

ALL_OK = "ok ok ok ok ok ok ok ok"
CONSOLE_ONLY = "login login login ok ok ok ok login"  # any signed-in staff member

# URL name -> (arguments, GET outcomes, POST outcomes), one column per caller in ROLES order.
# Arguments: "@attr.path" is taken from the world built below (seller A's objects), anything else is literal.
URLS: dict[str, tuple[dict[str, str], str, str]] = {
    # --- public ------------------------------------------------------------------------------------------
    "home": ({}, ALL_OK, "405 405 405 405 405 405 403 405"),
    "healthz": ({}, ALL_OK, "405 405 405 405 405 405 403 405"),
    "audit-log-checkpoint": ({}, ALL_OK, "405 405 405 405 405 405 403 405"),  # public: anyone may witness it
    "login": ({}, "ok ok ok ok ok ok ok ok", "ok ok ok ok ok ok 403 ok"),
    "logout": ({}, "405 405 405 405 405 405 405 405", "ok ok ok ok ok ok ok ok"),
    # --- console: the admin site's own pages -------------------------------------------------------------
    "admin:index": ({}, CONSOLE_ONLY, "login login login ok ok ok 403 login"),
    "admin:login": ({}, ALL_OK, "ok ok ok ok ok ok ok ok"),
    "admin:logout": ({}, "ok ok ok 405 405 405 405 ok", "ok ok ok ok ok ok ok ok"),
    "admin:password_change": ({}, CONSOLE_ONLY, "login login login ok ok ok 403 login"),
    "admin:password_change_done": (
        {},
        "login login login ok ok ok ok login",
        "login login login 405 405 405 403 login",
    ),
    "admin:autocomplete": ({}, "login login login 403 403 403 403 login", "login login login 405 405 405 403 login"),
    "admin:jsi18n": ({}, "login login login ok ok ok ok login", "login login login 405 405 405 403 login"),
    "admin:app_list": ({"app_label": "portal"}, CONSOLE_ONLY, "login login login ok ok ok 403 login"),
    # --- console: the audit pages ------------------------------------------------------------------------
    "admin:audit_explorer": ({}, CONSOLE_ONLY, "login login login 405 405 405 403 login"),
    "admin:audit_export": ({}, CONSOLE_ONLY, "login login login 405 405 405 403 login"),
    "admin:audit_verify": ({}, CONSOLE_ONLY, "login login login 405 405 405 403 login"),
    "admin:audit_timeline": (
        {"target_type": "sellers.seller", "target_id": "@seller_a.pk"},
        CONSOLE_ONLY,
        "login login login 405 405 405 403 login",
    ),
    "admin:audit_evidence": (
        {"target_type": "sellers.seller", "target_id": "@seller_a.pk"},
        CONSOLE_ONLY,
        "login login login 405 405 405 403 login",
    ),
    # --- console: pages the apps add to their models ------------------------------------------------------
    "admin:auth_user_password_change": (
        {"id": "@user_a.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 403 403 403 login",
    ),
    "admin:view_on_site": (
        {"content_type_id": "@seller_type.pk", "object_id": "@seller_a.pk"},
        "login login login 404 404 404 404 login",
        "login login login 404 404 404 403 login",
    ),
    "admin:sellers_brand_add_image": (
        {"object_id": "@brand.pk"},
        "login login login ok 403 403 403 login",
        "login login login ok 403 403 403 login",
    ),
    "admin:otp_totp_totpdevice_config": (
        {"pk": "@totp_device.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 403 403 403 login",
    ),
    "admin:otp_totp_totpdevice_qrcode": (
        {"pk": "@totp_device.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 403 403 403 login",
    ),
    "admin:sellers_application_decide": (
        {"object_id": "@application.pk", "decision": "assign"},
        "login login login 405 405 405 405 login",
        "login login login ok 403 403 403 login",
    ),
    "admin:sellers_brandauthorization_decide": (
        {"object_id": "@authorization.pk", "decision": "approve"},
        "login login login 405 405 405 405 login",
        "login login login ok 403 403 403 login",
    ),
    "admin:moderation_case_claim_next": (
        {},
        "login login login 403 403 403 403 login",
        "login login login 403 ok ok 403 login",
    ),
    "admin:moderation_case_claim": (
        {"pk": "@case_a.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 ok ok 403 login",
    ),
    "admin:moderation_case_renew": (
        {"pk": "@case_a.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 ok ok 403 login",
    ),
    "admin:moderation_case_release": (
        {"pk": "@case_a.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 ok ok 403 login",
    ),
    "admin:moderation_case_note": (
        {"pk": "@case_a.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 ok ok 403 login",
    ),
    "admin:moderation_case_escalate": (
        {"pk": "@case_a.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 ok ok 403 login",
    ),
    "admin:moderation_case_decide": (
        {"pk": "@case_a.pk"},
        "login login login 403 403 403 403 login",
        "login login login 403 400 400 403 login",
    ),
    "admin:moderation_case_appeal": (
        {"pk": "@case_a.pk", "appeal_id": "999999"},
        "login login login 403 403 403 403 login",
        "login login login 403 403 404 403 login",
    ),
    "admin:moderation_case_image": (
        {"pk": "@case_a.pk", "image_id": "999999"},
        "login login login 403 404 404 404 login",
        "login login login 405 405 405 403 login",
    ),
    "reports:transparency": ({}, "login login login 403 ok ok ok login", "405 405 405 405 405 405 403 405"),
    "reports:transparency_csv": ({}, "login login login 403 ok ok ok login", "405 405 405 405 405 405 403 405"),
    "reports:transparency_print": ({}, "login login login 403 ok ok ok login", "405 405 405 405 405 405 403 405"),
    # --- seller pages (arguments are seller A's objects) --------------------------------------------------
    "sellers:invitation-accept": (
        {"token": "not-a-real-token"},
        "404 404 404 404 404 404 404 404",
        "404 404 404 404 404 404 403 404",
    ),
    "sellers:status": ({}, "login ok ok 403 403 403 403 login", "login 405 405 403 403 403 403 login"),
    "sellers:withdraw": ({}, "login ok ok 403 403 403 403 login", "login ok ok 403 403 403 403 login"),
    "sellers:wizard": ({}, "login ok ok 403 403 403 403 login", "login 405 405 403 403 403 403 login"),
    "sellers:wizard-step": (
        {"step": "business"},
        "login ok ok 403 403 403 403 login",
        "login form form 403 403 403 403 login",
    ),
    "sellers:recertify": ({}, "login ok ok 403 403 403 403 login", "login form form 403 403 403 403 login"),
    "sellers:document-download": (
        {"pk": "@document_a.pk"},
        "login ok 404 ok 404 404 ok login",
        "405 405 405 405 405 405 403 405",
    ),
    "sellers:document-thumbnail": (
        {"pk": "@document_a.pk"},
        "login ok 404 ok 404 404 ok login",
        "405 405 405 405 405 405 403 405",
    ),
    "sellers:brand-authorizations": ({}, "login ok ok 403 403 403 403 login", "405 405 405 405 405 405 403 405"),
    "sellers:brand-authorization-request": (
        {},
        "login ok ok 403 403 403 403 login",
        "login form form 403 403 403 403 login",
    ),
    "moderation:report": ({}, "ok ok ok ok ok ok ok ok", "ok ok ok ok ok ok 403 ok"),
    "moderation:seller-decisions": ({}, "login ok ok 403 403 403 403 login", "login ok ok 403 403 403 403 login"),
    "moderation:seller-decision": (
        {"pk": "@decision_a.pk"},
        "login ok 404 403 403 403 403 login",
        "login ok 404 403 403 403 403 login",
    ),
    "moderation:seller-appeal": (
        {"pk": "@decision_a.pk"},
        "405 405 405 405 405 405 405 405",
        "login form 404 403 403 403 403 login",
    ),
    # --- API (auditor: an audit:read key; platform: every other scope) ------------------------------------
    "api:schema": ({}, "ok ok ok ok ok ok ok ok", "405 405 405 405 405 405 403 405"),
    "api:docs": ({}, "ok ok ok ok ok ok ok ok", "405 405 405 405 405 405 403 405"),
    "api:me": ({}, "401 401 401 401 401 401 ok ok", "401 401 401 401 401 401 403 405"),
    "api:audit-events": ({}, "401 401 401 401 401 401 ok 403", "401 401 401 401 401 401 403 403"),
    "api:audit-events-export": ({}, "401 401 401 401 401 401 ok 403", "401 401 401 401 401 401 403 403"),
    "api:audit-log-checkpoint": ({}, "401 401 401 401 401 401 ok 403", "401 401 401 401 401 401 403 403"),
    # without seq / old_size: the auditor gets the parameter's error, everyone else no further than the key
    "api:audit-log-inclusion": ({}, "401 401 401 401 401 401 400 403", "401 401 401 401 401 401 403 403"),
    "api:audit-log-consistency": ({}, "401 401 401 401 401 401 400 403", "401 401 401 401 401 401 403 403"),
    "api:authorizations-check": ({}, "401 401 401 401 401 401 403 400", "401 401 401 401 401 401 403 405"),
    "api:moderation-api:reports": ({}, "401 401 401 401 401 401 403 405", "401 401 401 401 401 401 403 400"),
    "api:moderation-api:report": (
        {"pk": "@notice_a.pk"},  # filed with another key than the platform's: not found for it
        "401 401 401 401 401 401 403 404",
        "401 401 401 401 401 401 403 405",
    ),
    "api:moderation-api:listing-batch": ({}, "401 401 401 401 401 401 403 405", "401 401 401 401 401 401 403 400"),
    "api:moderation-api:listing-upsert": (
        {"external_id": "@listing_a.external_id"},
        "401 401 401 401 401 401 403 405",
        "401 401 401 401 401 401 403 405",
    ),
    "api:moderation-api:dsa-statements": ({}, "401 401 401 401 401 401 403 ok", "401 401 401 401 401 401 403 405"),
    "api:moderation-api:dsa-statement": (
        {"pk": "@decision_a.pk"},
        "401 401 401 401 401 401 403 ok",
        "401 401 401 401 401 401 403 405",
    ),
}

# Console model pages: what each staff role may do with the model there — V view, A add, C change,
# D delete; a missing role may do nothing (403). Nobody else reaches the console (log-in redirect).
# The auditor's column must never hold anything but V.
ADMIN_MODELS: dict[str, dict[str, str]] = {
    "auth.group": {"auditor": "V"},
    "axes.accessattempt": {"auditor": "V"},
    "axes.accessfailurelog": {"auditor": "V"},
    "axes.accesslog": {"auditor": "V"},
    "moderation.appeal": {"moderator": "V", "senior": "V", "auditor": "V"},
    # cases change only through the case screen's own pages (claim, decide… rows above), never the form
    "moderation.case": {"moderator": "V", "senior": "V", "auditor": "V"},
    "moderation.decision": {"moderator": "V", "senior": "V", "auditor": "V"},
    "moderation.listing": {"moderator": "V", "senior": "V", "auditor": "V"},
    "moderation.notice": {"moderator": "V", "senior": "V", "auditor": "V"},
    "moderation.notifier": {"moderator": "V", "senior": "V", "auditor": "V"},
    "moderation.policy": {"moderator": "V", "senior": "VAC", "auditor": "V"},
    "moderation.strike": {"moderator": "V", "senior": "V", "auditor": "V"},
    "otp_static.staticdevice": {},  # second-factor secrets: nobody, not even auditors
    "otp_totp.totpdevice": {},
    "portal.apikey": {"auditor": "V"},
    "portal.auditevent": {"officer": "V", "moderator": "V", "senior": "V", "auditor": "V"},
    "portal.auditoraccess": {"auditor": "V"},
    "portal.notification": {"officer": "V", "moderator": "V", "senior": "V", "auditor": "V"},
    "portal.user": {"senior": "V", "auditor": "V"},
    "sellers.application": {"officer": "VC", "auditor": "V"},
    "sellers.brand": {"officer": "VAC", "moderator": "V", "senior": "V", "auditor": "V"},
    "sellers.brandauthorization": {"officer": "VC", "moderator": "V", "senior": "V", "auditor": "V"},
    "sellers.brandowner": {"officer": "VAC", "moderator": "V", "senior": "V", "auditor": "V"},
    "sellers.document": {"officer": "V", "auditor": "V"},
    "sellers.invitation": {"officer": "VAC", "auditor": "V"},
    "sellers.recertification": {"officer": "V", "auditor": "V"},
    "sellers.seller": {"officer": "V", "moderator": "V", "senior": "VC", "auditor": "V"},
}


# --- The world ------------------------------------------------------------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    keys: dict[str, str]
    objects: dict[str, Any] = field(default_factory=dict)
    markers: tuple[str, ...] = ()

    def resolve(self, value: str) -> str:
        if not value.startswith("@"):
            return value
        obj: Any = self.objects
        for i, part in enumerate(value[1:].split(".")):
            obj = obj[part] if i == 0 else getattr(obj, part)
        return str(obj)


def _build_world() -> World:
    from django.core.management import call_command

    from portal import services
    from tests.sellers.factories import DocumentFactory, seller_with_member

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - rows in every table
    seller_a, user_a = seller_with_member(legal_name="Alphaquartz Handels GmbH", trading_name="Alphaquartz")
    seller_b, user_b = seller_with_member(legal_name="Betamoss Trading Ltd", trading_name="Betamoss")
    document_a = _accepted_document(DocumentFactory, seller_a)
    auditor = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=auditor, firm="Example Assurance", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    from portal.api_auth import Scope

    _key, audit_key = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    _key, platform_key = services.api_key_create(
        name="platform", scopes=[s for s in Scope.ALL if s != Scope.AUDIT_READ], actor=None
    )
    from django.contrib.contenttypes.models import ContentType
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sellers.models import Application, Brand, BrandAuthorization, Recertification, Seller

    objects: dict[str, Any] = {
        "seller_a": seller_a,
        "seller_b": seller_b,
        "user_a": user_a,
        "document_a": document_a,
        "seller_type": ContentType.objects.get_for_model(Seller),
        "totp_device": TOTPDevice.objects.order_by("pk").first(),
        "application": Application.objects.order_by("pk").first(),
        "authorization": BrandAuthorization.objects.order_by("pk").first(),
        "brand": Brand.objects.order_by("pk").first(),
    }
    objects["recertification_a"] = Recertification.objects.create(seller=seller_a, due_on=now.date())
    objects.update(_moderation_objects(seller_a, user_a))
    _rows_for_log_in_internals(auditor)
    return World(
        users={
            "seller_a": user_a,
            "seller_b": user_b,
            "officer": staff(Role.VETTING_OFFICER),
            "moderator": staff(Role.MODERATOR),
            "senior": staff(Role.SENIOR_MODERATOR),
            "auditor": auditor,
        },
        keys={"auditor": audit_key, "platform": platform_key},
        objects=objects,
        markers=("Alphaquartz", "alphaquartz-register.pdf"),
    )


def _rows_for_log_in_internals(user) -> None:
    """A failed log-in (lock-out records) and backup codes, so their console pages have a row to open."""
    from axes.models import AccessFailureLog
    from django_otp.plugins.otp_static.models import StaticDevice

    Client().post(reverse("admin:login"), {"username": user.username, "password": "wrong", "otp_token": "000000"})
    StaticDevice.objects.create(user=user, name="backup")
    if not AccessFailureLog.objects.exists():  # only written when axes' failure log is switched on
        AccessFailureLog.objects.create(
            username=user.username, ip_address="192.0.2.1", user_agent="test", http_accept="*/*", path_info="/"
        )


def _accepted_document(factory, seller):
    """A processed document with its file and preview in (temporary) storage, so its owner may download it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    stored = default_storage.save("documents/alphaquartz.pdf", ContentFile(b"%PDF-1.7 alphaquartz"))
    preview = default_storage.save("documents/alphaquartz.png", ContentFile(b"\x89PNG preview"))
    return factory(
        seller=seller,
        original_name="alphaquartz-register.pdf",
        status="accepted",
        stored_name=stored,
        thumbnail_name=preview,
        content_type="application/pdf",
    )


def _moderation_objects(seller, member) -> dict[str, Any]:
    """A decided case about one of seller A's listings (its decision page, its appeal page)."""
    from moderation.services import cases as case_services
    from moderation.services.appeals import appeal_submit
    from moderation.services.decisions import case_decide
    from tests.moderation.factories import CaseFactory, ListingFactory, NoticeFactory, PolicyFactory

    listing = ListingFactory(seller=seller, title="Alphaquartz watch")
    case = CaseFactory(listing=listing)
    decider = staff(Role.MODERATOR)
    case_services.case_claim(case=case, actor=decider)
    decision = case_decide(case=case, actor=decider, action="restrict_listing", policy=PolicyFactory())
    appeal = appeal_submit(decision=decision, actor=member, grounds="The watch is genuine; invoice attached.")
    notice = NoticeFactory(listing=listing, case=case)
    return {"listing_a": listing, "case_a": case, "decision_a": decision, "appeal_a": appeal, "notice_a": notice}


# --- Walking the URLs ------------------------------------------------------------------------------------


def url_names() -> dict[str, str]:
    """Every named URL pattern: name → route (unnamed ones are redirects or catch-alls)."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str | None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.setdefault(name, prefix + str(pattern.pattern))

    walk(get_resolver().url_patterns, "", None)
    return found


_ADMIN_MODEL_URL = re.compile(
    r"^admin:(?P<app>[a-z0-9_]+?)_(?P<model>[a-z0-9]+)_(?P<view>changelist|add|change|delete|history)$"
)


def admin_model_views() -> dict[str, tuple[str, str]]:
    """URL name → (model label, view) for every registered model's standard console pages."""
    labels = {(m._meta.app_label, m._meta.model_name): m._meta.label_lower for m in admin.site._registry}
    out = {}
    for name in url_names():
        match = _ADMIN_MODEL_URL.match(name)
        if match:
            for (app, model), label in labels.items():
                if name == f"admin:{app}_{model}_{match['view']}":
                    out[name] = (label, match["view"])
    return out


def expected_admin(label: str, view: str) -> tuple[str, str]:
    access = ADMIN_MODELS.get(label)
    if access is None:
        raise KeyError(label)
    nobody = "login"
    get, post = [], []
    for role in ROLES:
        if role in ("anon", "seller_a", "seller_b", "platform"):
            get.append(nobody)
            post.append(nobody)
            continue
        letters = access.get(role, "")
        reads = "V" in letters or "C" in letters
        may = {
            "changelist": reads,
            "history": reads,
            "change": reads,
            "add": "A" in letters,
            "delete": "D" in letters,
        }[view]
        may_post = {"change": "C" in letters}.get(view, may)
        get.append("ok" if may else "403")
        post.append("403" if role == "auditor" else ("ok" if may_post else "403"))
    return " ".join(get), " ".join(post)


# --- Requesting ------------------------------------------------------------------------------------------


SIGNS_OUT = frozenset({"logout", "admin:logout"})
# "form": the caller may use the page and got an answer — accepted or a form with errors —
# where which one depends on the state of their own data (an empty POST to their own wizard).
_FORM = {"ok", "400", "409", "422"}


def _matches(expected: str, got: str) -> bool:
    pairs = list(zip(expected.split(), got.split(), strict=True))
    return all(e == g or (e == "form" and g in _FORM) for e, g in pairs)


def outcome(response) -> str:
    code = response.status_code
    if 300 <= code < 400:
        location = response.get("Location", "")
        return "login" if re.search(r"/(accounts|console)/login/", location) else "ok"
    return "ok" if 200 <= code < 300 else str(code)


def _client(world: World, role: str) -> Client:
    client = Client(raise_request_exception=False)
    user = world.users.get(role)
    if role in ("seller_a", "seller_b"):
        client.force_login(user)
    elif user is not None:
        login_staff(client, user)
    return client


def _headers(world: World, role: str, path: str) -> dict[str, str]:
    key = world.keys.get(role)
    if key and (role == "platform" or path.startswith("/api/")):
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    return {}


def _sample_object(label: str):
    from django.apps import apps

    model = apps.get_model(label)
    return model._default_manager.order_by("pk").first()


def test_every_url_answers_every_caller_as_the_table_says():
    world = _build_world()
    names = url_names()
    admin_views = admin_model_views()
    missing, mismatches, skipped = [], [], []
    clients: dict[str, Client] = {}
    for name, route in sorted(names.items()):
        if name in admin_views:
            label, view = admin_views[name]
            try:
                expected_get, expected_post = expected_admin(label, view)
            except KeyError:
                missing.append(f'    "{label}": {{...}},  # console pages of {label}')
                continue
            kwargs = {}
            if view in ("change", "delete", "history"):
                obj = _sample_object(label)
                if obj is None:
                    skipped.append(f"{name} (no {label} row to open)")
                    continue
                kwargs = {"object_id": obj.pk}
        elif name in URLS:
            raw, expected_get, expected_post = URLS[name]
            kwargs = {k: world.resolve(v) for k, v in raw.items()}
        else:
            missing.append(name)
            kwargs = None
        observed = {"GET": [], "POST": []}
        path = None
        if kwargs is not None or name not in URLS:
            try:
                path = reverse(name, kwargs=kwargs or None)
            except Exception:  # a missing row whose arguments we cannot guess
                path = None
        if path is None:
            if name not in missing:
                mismatches.append(f"{name}: cannot build its URL from {kwargs}")
            continue
        for role in ROLES:
            if role not in clients:
                clients[role] = _client(world, role)
            client = clients[role]
            headers = _headers(world, role, path)
            for method in ("GET", "POST"):
                before = AuditEvent.objects.count()
                # Every request meets the same world: what it wrote is rolled back, so no row's
                # outcome depends on the rows tested before it.
                with transaction.atomic():
                    response = client.get(path, **headers) if method == "GET" else client.post(path, {}, **headers)
                    if response.streaming:  # a stream reads the database as it goes: read it here
                        b"".join(response.streaming_content)
                    after = AuditEvent.objects.count()
                    transaction.set_rollback(True)
                got = outcome(response)
                observed[method].append(got)
                if role == "auditor" and method == "POST":
                    assert got != "ok" or name in ("login", "logout", "admin:login", "admin:logout"), (
                        f"auditor wrote through POST {path}"
                    )
                    if name not in ("login", "logout", "admin:login", "admin:logout"):
                        assert after == before, f"auditor's POST {path} changed something"
                if role == "seller_b" and got == "ok" and response.status_code == 200 and not response.streaming:
                    body = response.content.decode("utf-8", "replace")
                    leaked = [m for m in world.markers if m in body]
                    assert not leaked, f"seller B read seller A's data ({leaked}) at {method} {path}"
        if name in SIGNS_OUT:
            clients.clear()  # signed out: sign everyone in again for the next URL
        got_get, got_post = " ".join(observed["GET"]), " ".join(observed["POST"])
        if name in missing:
            missing[missing.index(name)] = f'    "{name}": ({kwargs!r}, "{got_get}", "{got_post}"),  # observed'
        elif not (_matches(expected_get, got_get) and _matches(expected_post, got_post)):
            mismatches.append(
                f"{name} ({route})\n      GET  expected {expected_get}\n           got      {got_get}"
                f"\n      POST expected {expected_post}\n           got      {got_post}"
                f'\n      observed row: "{name}": ({URLS.get(name, ({},))[0]!r}, "{got_get}", "{got_post}"),'
            )
    for label, access in ADMIN_MODELS.items():
        assert set(access.get("auditor", "")) <= {"V"}, f"the table lets auditors change {label}"
    report = []
    if missing:
        report.append("URL names without a row in the access table (add them; suggestions observed now):")
        report += missing
    if mismatches:
        report.append("Outcomes that differ from the table (columns: " + " ".join(ROLES) + "):")
        report += mismatches
    assert not report, "\n".join(report)
    assert not skipped, skipped
