"""The console queue and case screen: no COUNT(*), query count independent of page size, claim, decide, appeal."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from moderation import admin as moderation_admin
from moderation.admin import CaseAdmin
from moderation.models import Appeal, Case, Decision, Listing, Strike
from moderation.models.decisions import Action
from moderation.services.appeals import appeal_decide, appeal_submit
from moderation.services.decisions import case_decide
from portal.audit import evidence
from portal.models import AuditorAccess
from portal.roles import Role
from tests.factories import staff
from tests.helpers import login_staff
from tests.moderation.factories import CaseFactory, ListingFactory, NoticeFactory, PolicyFactory
from tests.sellers.factories import BrandFactory, seller_with_member

pytestmark = pytest.mark.django_db

QUEUE = "/console/moderation/case/"


def _cases(n):
    brand = BrandFactory()
    for i in range(n):
        case = CaseFactory(
            listing=ListingFactory(brand=brand),
            priority=i,
            signals=[{"code": "reason", "label": "Reason: counterfeit", "points": 30}],
        )
        NoticeFactory(listing=case.listing, case=case)


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return ctx.captured_queries


def test_queue_query_count_does_not_grow_with_the_page_and_never_counts_the_table(client, monkeypatch):
    login_staff(client, staff(Role.MODERATOR))
    _cases(30)
    monkeypatch.setattr(CaseAdmin, "list_per_page", 5)
    small = _queries(client, QUEUE)
    monkeypatch.setattr(CaseAdmin, "list_per_page", 30)
    large = _queries(client, QUEUE)
    assert len(small) == len(large)
    assert not [q for q in large if "COUNT(" in q["sql"].upper()]


def test_queue_page_stays_under_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    login_staff(client, staff(Role.MODERATOR))
    _cases(40)
    with django_assert_max_num_queries(20):
        response = client.get(QUEUE)
    html = response.content.decode()
    assert "Claim next case" in html
    assert "Reason: counterfeit (+30)" in html


def test_queue_filters_work(client):
    mod = staff(Role.MODERATOR)
    login_staff(client, mod)
    mine = CaseFactory(assigned_to=mod, claimed_until=timezone.now() + timedelta(minutes=5))
    overdue = CaseFactory(due_at=timezone.now() - timedelta(hours=1))
    decided = CaseFactory(status=Case.Status.DECIDED)
    for flt, present, absent in (("mine", mine, overdue), ("overdue", overdue, mine), ("all", decided, None)):
        html = client.get(f"{QUEUE}?queue={flt}").content.decode()
        assert f">#{present.pk}<" in html, flt
        if absent:
            assert f">#{absent.pk}<" not in html, flt
    assert f">#{decided.pk}<" not in client.get(QUEUE).content.decode()


def test_claim_next_from_the_console_opens_the_case_screen(client):
    mod = staff(Role.MODERATOR)
    login_staff(client, mod)
    _cases(2)
    top = Case.objects.order_by("-priority").first()
    response = client.post(f"{QUEUE}claim-next/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/console/moderation/case/{top.pk}/change/")
    top.refresh_from_db()
    assert top.assigned_to == mod
    page = client.get(response["Location"])
    html = page.content.decode()
    for part in (
        "You hold this case",
        top.listing.title,
        "Notices (1)",
        "Signals",
        "history",
        "Audit history",
        "moderation.case.claimed",
        "Decide",
    ):
        assert part in html, part


def test_deciding_on_the_case_screen_and_a_second_decider_gets_a_clear_conflict(client):
    mod = staff(Role.MODERATOR)
    login_staff(client, mod)
    case = CaseFactory()
    policy = PolicyFactory()
    url = f"{QUEUE}{case.pk}/decide/"
    response = client.post(url, {"action": Action.REMOVE_LISTING, "policy": policy.pk, "explanation": "Fake."})
    assert response.status_code == 302
    assert Listing.objects.get(pk=case.listing_id).status == Listing.Status.REMOVED

    other = staff(Role.MODERATOR)
    login_staff(client, other)
    again = client.post(url, {"action": Action.DISMISS}, follow=True)
    assert "already decided by" in again.content.decode()
    assert Decision.objects.count() == 1


def test_decide_form_errors_are_shown_on_the_case_screen(client):
    login_staff(client, staff(Role.MODERATOR))
    case = CaseFactory()
    response = client.post(f"{QUEUE}{case.pk}/decide/", {"action": "explode", "territorial_scope": "DE, 123"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html and "Not a country code" in html
    assert not Decision.objects.exists()


def test_senior_overturns_an_appeal_on_the_case_screen(client):
    seller, member = seller_with_member()
    case = CaseFactory(listing=ListingFactory(seller=seller))
    decision = case_decide(case=case, actor=staff(Role.MODERATOR), action=Action.REMOVE_LISTING, policy=PolicyFactory())
    appeal = appeal_submit(decision=decision, actor=member, grounds="Genuine, here is the invoice.")
    senior = staff(Role.SENIOR_MODERATOR)
    login_staff(client, senior)
    html = client.get(f"{QUEUE}{case.pk}/change/").content.decode()
    assert "Appeal #" in html and "Overturn it" in html
    response = client.post(
        f"{QUEUE}{case.pk}/appeal/{appeal.pk}/", {"outcome": "overturn", "explanation": "Invoice checks out."}
    )
    assert response.status_code == 302
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.OVERTURNED
    assert Listing.objects.get(pk=case.listing_id).status == Listing.Status.ACTIVE


def test_auditors_read_the_queue_and_case_but_cannot_claim_or_decide(client):
    auditor = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=auditor, firm="Audit LLP", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=5)
    )
    login_staff(client, auditor)
    case = CaseFactory()
    queue = client.get(QUEUE)
    assert queue.status_code == 200 and "claim-next/" not in queue.content.decode()
    page = client.get(f"{QUEUE}{case.pk}/change/").content.decode()
    assert f"{case.pk}/claim/" not in page and f"{case.pk}/decide/" not in page
    assert client.post(f"{QUEUE}claim-next/").status_code == 403
    assert client.post(f"{QUEUE}{case.pk}/decide/", {"action": "dismiss"}).status_code == 403
    case.refresh_from_db()
    assert case.assigned_to is None and case.status == Case.Status.OPEN


def test_sellers_and_vetting_officers_cannot_reach_the_queue(client):
    login_staff(client, staff(Role.VETTING_OFFICER))
    assert client.get(QUEUE).status_code == 403
    assert client.post(f"{QUEUE}claim-next/").status_code == 403


def test_bulk_dismiss_and_bulk_decide_under_one_policy(client):
    mod = staff(Role.MODERATOR)
    login_staff(client, mod)
    a, b, c = CaseFactory(), CaseFactory(), CaseFactory()
    policy = PolicyFactory()
    response = client.post(QUEUE, {"action": "bulk_dismiss", "_selected_action": [a.pk]})
    assert response.status_code == 302
    assert Case.objects.get(pk=a.pk).status == Case.Status.DECIDED

    confirm = client.post(QUEUE, {"action": "bulk_decide", "_selected_action": [b.pk, c.pk]})
    assert confirm.status_code == 200 and b"Decide them" in confirm.content
    done = client.post(
        QUEUE,
        {
            "action": "bulk_decide",
            "_selected_action": [b.pk, c.pk],
            "apply": "1",
            "policy": policy.pk,
            "explanation": "Same counterfeit batch.",
        },
    )
    assert done.status_code == 302
    assert set(Decision.objects.filter(policy=policy).values_list("case_id", flat=True)) == {b.pk, c.pk}
    assert Listing.objects.filter(pk__in=[b.listing_id, c.listing_id], status=Listing.Status.REMOVED).count() == 2


def test_notifier_standing_actions_are_for_seniors(client):
    from moderation.models import Notifier
    from tests.moderation.factories import NotifierFactory

    notifier = NotifierFactory()
    login_staff(client, staff(Role.MODERATOR))
    client.post("/console/moderation/notifier/", {"action": "warn", "_selected_action": [notifier.pk]})
    assert Notifier.objects.get(pk=notifier.pk).standing == Notifier.Standing.GOOD
    login_staff(client, staff(Role.SENIOR_MODERATOR))
    client.post("/console/moderation/notifier/", {"action": "warn", "_selected_action": [notifier.pk]})
    assert Notifier.objects.get(pk=notifier.pk).standing == Notifier.Standing.WARNED


def test_queue_filters_by_typed_seller_and_brand_without_listing_them_all(client):
    login_staff(client, staff(Role.MODERATOR))
    brand = BrandFactory(name="Nordlicht")
    wanted = CaseFactory(listing=ListingFactory(brand=brand))
    other = CaseFactory()
    url = QUEUE

    by_id = client.get(url, {"seller": wanted.listing.seller_id})
    assert [c.pk for c in by_id.context["cl"].result_list] == [wanted.pk]
    by_name = client.get(url, {"brand": "nordl"})
    assert [c.pk for c in by_name.context["cl"].result_list] == [wanted.pk]
    page = client.get(url).content.decode()
    assert 'name="seller"' in page and 'name="brand"' in page
    assert other.listing.seller.legal_name not in page.split('id="changelist-filter"')[-1]


def test_case_screen_audit_history_is_the_case_timeline_including_strikes(client, monkeypatch):
    # given a decision that gave the seller a strike, and a strike voided on appeal
    seller, member = seller_with_member()
    case = CaseFactory(listing=ListingFactory(seller=seller))
    NoticeFactory(listing=case.listing, case=case)
    decision = case_decide(case=case, actor=staff(Role.MODERATOR), action=Action.REMOVE_LISTING, policy=PolicyFactory())
    appeal = appeal_submit(decision=decision, actor=member, grounds="Genuine, here is the invoice.")
    appeal_decide(appeal=appeal, actor=staff(Role.SENIOR_MODERATOR), overturn=True, explanation="Invoice checks out.")
    strike = Strike.objects.get(decision=decision)
    login_staff(client, staff(Role.MODERATOR))

    # when the case screen is opened
    response = client.get(f"{QUEUE}{case.pk}/change/")

    # then its history is the one timeline the audit pages show, strikes included
    assert response.status_code == 200
    html = response.content.decode()
    assert "moderation.strike.added" in html and "moderation.strike.voided" in html
    assert f"moderation.strike #{strike.pk}" in html
    timeline = list(evidence.timeline("moderation.case", str(case.pk), case))
    assert [e.pk for e in response.context["events"]] == [e.pk for e in timeline]
    assert "Open the full timeline" not in html

    # a long history is cut, and says where the rest is
    monkeypatch.setattr(moderation_admin, "CASE_EVENTS_SHOWN", 3)
    html = client.get(f"{QUEUE}{case.pk}/change/").content.decode()
    assert "Only the first 3 events are shown." in html
    assert f"/console/audit/timeline/moderation.case/{case.pk}/" in html
