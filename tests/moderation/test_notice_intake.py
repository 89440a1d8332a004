"""Notices by API (with Idempotency-Key) and by the public /report/ form (DSA Art. 16)."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from moderation.audit_actions import ModerationAction
from moderation.models import Case, Notice, Notifier
from moderation.selectors import awaiting_triage
from moderation.services.notices import notices_triage_pending
from portal.api_auth import Scope
from portal.audit.models import AuditEvent
from portal.models import Notification
from tests.moderation.factories import ListingFactory, NotifierFactory, api_key

pytestmark = pytest.mark.django_db


def _form(listing):
    return {
        "listing": listing.url,
        "reason": "counterfeit",
        "explanation": "I bought it and the material is plastic, not leather at all.",
        "notifier_name": "Bob Buyer",
        "notifier_email": "bob@example.net",
        "good_faith": "on",
    }


def _notice(listing, **over):
    body = {
        "listing": listing.external_id,
        "reason": "counterfeit",
        "explanation": "The serial number on the tag does not exist; the brand confirmed it is fake.",
        "evidence_urls": ["https://evidence.example.org/report-1"],
        "notifier_name": "Fiona Flagger",
        "notifier_email": "fiona@flaggers.example.org",
        "good_faith": True,
    }
    body.update(over)
    return body


@pytest.fixture
def key():
    return api_key(Scope.REPORTS_WRITE, name="Brand protection desk")


def test_api_notice_is_acknowledged_at_once_and_triaged_after_the_commit(
    client, key, django_capture_on_commit_callbacks
):
    _key, full = key
    listing = ListingFactory()
    with django_capture_on_commit_callbacks() as after_commit:
        response = client.post(
            "/api/v1/reports", _notice(listing), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {full}"
        )
    # then: the notice and its audit event are stored; the answer does not wait for triage
    assert response.status_code == 201, response.content
    notice = Notice.objects.get()
    assert response.json() == {
        "id": notice.pk,
        "listing": listing.external_id,
        "case": None,
        "reason": "counterfeit",
        "outcome": "pending",
        "received_at": response.json()["received_at"],
    }
    assert notice.case_id is None
    assert AuditEvent.objects.filter(action=ModerationAction.NOTICE_RECEIVED, target_id=str(notice.pk)).exists()
    assert not Case.objects.exists() and not Notification.objects.exists()

    # when the commit's callback sends the triage run (eager Celery runs it here, and the receipt's send)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()

    # then: the notice joined a new case, which names it, and the notifier got the receipt
    notice.refresh_from_db()
    assert notice.case.listing == listing
    opened = AuditEvent.objects.get(action=ModerationAction.CASE_OPENED)
    assert opened.changes["notice"] == notice.pk
    assert Notification.objects.filter(kind="moderation.notice.receipt", to_email="fiona@flaggers.example.org").exists()
    assert any("We received your notice" in m.subject for m in mail.outbox)


def test_public_form_notice_is_triaged_before_the_page_answers(client):
    listing = ListingFactory()
    response = client.post("/report/", _form(listing))
    assert response.status_code == 200
    notice = Notice.objects.get()
    assert notice.case is not None and notice.case.listing == listing
    assert Notification.objects.filter(kind="moderation.notice.receipt", to_email="bob@example.net").exists()


def test_triage_takes_each_waiting_notice_once_oldest_first(client, key):
    _key, full = key
    first, second = ListingFactory(), ListingFactory()
    for listing in (first, first, second):
        client.post(
            "/api/v1/reports", _notice(listing), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {full}"
        )
    assert awaiting_triage().count() == 3

    assert notices_triage_pending(limit=2) == 2
    assert list(awaiting_triage()) == [Notice.objects.get(listing=second)]
    assert notices_triage_pending() == 1
    assert notices_triage_pending() == 0

    # then: one case per listing; the second notice on the first listing raised its case
    assert Case.objects.count() == 2
    case = Case.objects.get(listing=first)
    assert case.notices.count() == 2
    raised = AuditEvent.objects.get(action=ModerationAction.CASE_RAISED)
    assert raised.target_id == str(case.pk)
    assert raised.changes["notice"] == max(case.notices.values_list("pk", flat=True))
    assert Notification.objects.filter(kind="moderation.notice.receipt").count() == 3


def test_same_idempotency_key_returns_the_first_notice(client, key):
    _key, full = key
    listing = ListingFactory()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {full}", "HTTP_IDEMPOTENCY_KEY": "retry-42"}
    first = client.post("/api/v1/reports", _notice(listing), content_type="application/json", **headers)
    second = client.post("/api/v1/reports", _notice(listing), content_type="application/json", **headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Notice.objects.count() == 1


def test_the_notifier_reads_its_notice_s_case_once_triaged_and_nobody_else_s(client, key):
    _key, full = key
    headers = {"HTTP_AUTHORIZATION": f"Bearer {full}"}
    filed = client.post("/api/v1/reports", _notice(ListingFactory()), content_type="application/json", **headers)
    location = filed.headers["Location"]
    assert location == f"/api/v1/reports/{filed.json()['id']}"
    assert client.get(location, **headers).json()["case"] is None

    notices_triage_pending()

    read = client.get(location, **headers)
    assert read.status_code == 200
    assert read.json()["case"] == Notice.objects.get().case_id is not None
    # another key, even one allowed to file notices, does not learn of it
    _other, other = api_key(Scope.REPORTS_WRITE, name="Another desk")
    assert client.get(location, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_a_case_a_late_triage_opens_counts_from_the_notice_s_receipt(client, key):
    from datetime import timedelta

    _key, full = key
    client.post(
        "/api/v1/reports",
        _notice(ListingFactory()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )
    received = Notice.objects.get().received_at - timedelta(hours=3)
    Notice.objects.update(received_at=received)  # as if the workers had been down for three hours

    notices_triage_pending()

    case = Case.objects.get()
    assert case.opened_at == received
    assert case.due_at == received + timedelta(hours=48)  # counterfeit: 48 hours from receipt, not from triage


def test_second_notice_joins_the_open_case_and_raises_priority(client, key):
    _key, full = key
    listing = ListingFactory()
    client.post(
        "/api/v1/reports", _notice(listing), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {full}"
    )
    notices_triage_pending()
    case = Case.objects.get()
    before = case.priority
    client.post("/report/", _form(listing))
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.notices.count() == 2
    assert case.priority > before
    assert any(s["code"] == "reporters" for s in case.signals)


def test_trusted_flagger_key_is_recognised_and_gets_a_24h_sla(client):
    key, full = api_key(Scope.REPORTS_WRITE, name="Flagger org")
    NotifierFactory(kind=Notifier.Kind.TRUSTED_FLAGGER, api_key=key, name="Flagger org")
    listing = ListingFactory()
    response = client.post(
        "/api/v1/reports",
        _notice(listing, reason="misleading_listing"),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )
    assert response.status_code == 201
    notices_triage_pending()
    case = Case.objects.get()
    assert case.source == Case.Source.TRUSTED_FLAGGER
    hours = (case.due_at - case.opened_at).total_seconds() / 3600
    assert round(hours) == 24
    assert any(s["code"] == "trusted_flagger" for s in case.signals)


def test_bad_notice_names_each_field_and_files_nothing(client, key):
    _key, full = key
    response = client.post(
        "/api/v1/reports",
        {"listing": "nope", "reason": "bad", "explanation": "short", "notifier_email": "x", "good_faith": False},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )
    assert response.status_code == 400
    assert {"listing", "reason", "explanation", "notifier_name", "notifier_email", "good_faith"} <= set(response.json())
    assert Notice.objects.count() == 0


def test_an_address_too_long_to_store_is_a_field_error(client, key):
    _key, full = key
    body = {**_notice(ListingFactory()), "notifier_email": "a" * 64 + "@" + ("b" * 60 + ".") * 3 + "example.org"}
    response = client.post(
        "/api/v1/reports", json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {full}"
    )
    assert response.status_code == 400, response.content
    assert "notifier_email" in response.json()
    assert Notice.objects.count() == 0


@pytest.mark.parametrize("listing", ["L-1\x00", "L-\ud800", "x" * 101, 42, ["L-1"]])
def test_a_listing_id_no_listing_could_have_is_a_field_error(client, key, listing):
    # found by the API fuzzer: a NUL byte reached the database before the field checks ran
    _key, full = key
    ListingFactory(external_id="L-1")
    response = client.post(
        "/api/v1/reports",
        json.dumps({**_notice(ListingFactory()), "listing": listing}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )
    assert response.status_code == 400, response.content
    assert "listing" in response.json()
    assert Notice.objects.count() == 0


def test_suspended_notifier_gets_a_conflict(client):
    key, full = api_key(Scope.REPORTS_WRITE)
    NotifierFactory(api_key=key, standing=Notifier.Standing.SUSPENDED)
    response = client.post(
        "/api/v1/reports",
        _notice(ListingFactory()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "notifier_suspended"


def test_report_form_shows_errors_next_to_fields(client):
    ListingFactory()
    response = client.post(
        "/report/", {"listing": "https://unknown.example.com/x", "reason": "counterfeit", "explanation": "too short"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_listing_error"' in html
    assert 'id="id_explanation_error"' in html
    assert 'id="id_good_faith_error"' in html
    assert 'id="id_notifier_email_error"' in html
    assert Notice.objects.count() == 0


def test_report_form_accepts_a_listing_url_and_confirms(client):
    listing = ListingFactory()
    page = client.get("/report/")
    assert page.status_code == 200
    assert b'<label for="id_good_faith">' in page.content
    response = client.post(
        "/report/",
        {
            "listing": listing.url,
            "reason": "prohibited_or_unsafe",
            "explanation": "The charger has no CE marking and overheats within minutes.",
            "evidence_urls": "https://evidence.example.org/photo\nhttps://evidence.example.org/video",
            "notifier_name": "Ann Other",
            "notifier_email": "ann@example.net",
            "good_faith": "on",
        },
    )
    assert response.status_code == 200
    notice = Notice.objects.get()
    assert f"#{notice.pk}".encode() in response.content
    assert notice.channel == Notice.Channel.FORM
    assert notice.evidence_urls == ["https://evidence.example.org/photo", "https://evidence.example.org/video"]
    assert notice.notifier.kind == Notifier.Kind.PUBLIC


def test_report_form_is_throttled_per_address(client):
    listing = ListingFactory()
    data = {
        "listing": listing.external_id,
        "reason": "other",
        "explanation": "Something is wrong with this listing, see the photos.",
        "notifier_name": "Spam Bot",
        "notifier_email": "bot@example.net",
        "good_faith": "on",
    }
    statuses = [client.post("/report/", data).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    assert Notice.objects.count() == 10


def test_brand_owner_keys_are_recognised(client):
    from sellers.models import BrandOwner, BrandOwnerApiKey

    key, full = api_key(Scope.REPORTS_WRITE, name="Nordlicht protection")
    owner = BrandOwner.objects.create(name="Nordlicht Outdoor AG")
    owner.contacts.create(name="Greta", email="bp@nordlicht.example", is_primary=True)
    BrandOwnerApiKey.objects.create(owner=owner, api_key=key)
    response = client.post(
        "/api/v1/reports",
        _notice(ListingFactory()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {full}",
    )
    assert response.status_code == 201
    notifier = Notice.objects.get().notifier
    assert notifier.kind == Notifier.Kind.BRAND_OWNER and notifier.email == "bp@nordlicht.example"
    notices_triage_pending()
    assert Case.objects.get().source == Case.Source.BRAND_OWNER


def test_api_intake_takes_few_statements_and_triage_a_fixed_number_however_busy_the_case(client, key, settings):
    settings.HALLMARK_AUDIT_SEAL_INLINE = False  # the writer's statements; sealing is the sealer's work
    """Intake is the marketplace's hot path (bench/bench_notices.py); triage may not grow with the case."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.moderation.factories import NoticeFactory

    _key, full = key
    listing = ListingFactory()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {full}"}
    client.post("/api/v1/reports", _notice(listing), content_type="application/json", **headers)  # the notifier's row
    notices_triage_pending()
    case = Case.objects.get()

    # the key; the notifier; the listing; the insert; the audit event
    # (SQLite: more for the event); the test's own transaction adds a savepoint
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/reports", _notice(listing), content_type="application/json", **headers)
    assert response.status_code == 201
    sent = [q["sql"] for q in captured if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(sent) == 5 if connection.vendor == "postgresql" else len(sent) <= 9, sent

    def triage_statements() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert notices_triage_pending() == 1
        return len(captured)

    for _ in range(3):
        NoticeFactory(listing=listing, case=case, notifier=NotifierFactory())
    few = triage_statements()
    for _ in range(30):
        NoticeFactory(listing=listing, case=case, notifier=NotifierFactory())
    client.post("/api/v1/reports", _notice(listing), content_type="application/json", **headers)
    assert triage_statements() == few


@pytest.mark.postgres
def test_a_notice_whose_triage_fails_waits_without_holding_up_the_others(client, key, caplog):
    from django.db import connection

    from moderation.tasks import triage_notices

    _key, full = key
    for listing in (ListingFactory(), ListingFactory(), ListingFactory()):
        client.post(
            "/api/v1/reports", _notice(listing), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {full}"
        )
    bad, *good = Notice.objects.order_by("pk")
    # a real database error for the oldest notice only: a trigger refusing to file it into a case
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'notice % refused', NEW.id; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_one BEFORE UPDATE OF case_id ON moderation_notice"
            f" FOR EACH ROW WHEN (NEW.id = {bad.pk}) EXECUTE FUNCTION pg_temp.refuse()"
        )

    assert triage_notices() == 2

    # then: the others are triaged, the bad one was tried once, is named in the log and still waits
    assert list(awaiting_triage()) == [bad]
    assert all(Notice.objects.get(pk=n.pk).case_id for n in good)
    failures = [r for r in caplog.records if "could not triage notice" in r.getMessage()]
    assert len(failures) == 1 and str(bad.pk) in failures[0].getMessage()
