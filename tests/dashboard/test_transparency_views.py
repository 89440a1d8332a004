"""The report's pages: guarded like the console, CSV and printable HTML, every bad period explained."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from moderation import transparency
from moderation.models import Notice
from moderation.models.decisions import Action
from moderation.services.appeals import appeal_decide, appeal_submit
from moderation.services.decisions import case_decide
from moderation.services.notices import notice_submit
from portal.audit.models import AuditEvent
from portal.models import AuditorAccess
from portal.roles import Role
from tests.dashboard import seed
from tests.factories import staff
from tests.helpers import login_staff
from tests.sellers.factories import SellerMemberFactory

pytestmark = pytest.mark.django_db
PAGE = "/console/reports/transparency/"
CSV = "/console/reports/transparency.csv"
PRINT = "/console/reports/transparency/print/"


def _auditor():
    user = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=user, firm="Example Assurance", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    return user


def _period(days=29):
    today = timezone.localdate()
    return {"start": (today - timedelta(days=days)).isoformat(), "end": today.isoformat()}


@pytest.mark.parametrize("url", [PAGE, CSV, PRINT])
def test_without_a_verified_second_factor_the_report_sends_to_the_console_log_in(client, url):
    client.force_login(staff(Role.SENIOR_MODERATOR))

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/console/login/?next=")


@pytest.mark.parametrize("url", [PAGE, CSV, PRINT])
def test_a_vetting_officer_may_not_read_the_moderation_report(client, url):
    login_staff(client, staff(Role.VETTING_OFFICER))

    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [PAGE, CSV, PRINT])
def test_nothing_is_posted_to_the_report(client, url):
    login_staff(client, staff(Role.SENIOR_MODERATOR))

    assert client.post(url, _period()).status_code == 405


def test_an_auditor_whose_window_closed_is_refused(client):
    user = _auditor()
    user.auditor_access.ends_at = timezone.now() - timedelta(minutes=1)
    user.auditor_access.save()
    login_staff(client, user)

    assert client.get(PAGE).status_code == 302


def test_the_page_shows_the_default_period_with_charts_and_tables(client):
    login_staff(client, staff(Role.MODERATOR))

    response = client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'value="{_period()["start"]}"' in html
    assert 'id="table-notices_by_category"' in html
    assert "<svg" in html and 'aria-hidden="true"' in html
    assert "<script" not in html.split('id="content-main"')[1]
    assert 'media="print"' in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "2026-02-01", "end": "2026-01-01"}, "end", "The last day must be on or after the first day."),
        ({"start": "yesterday", "end": "2026-01-01"}, "start", "Enter a valid date."),
        ({"start": "2026-01-01"}, "end", "This field is required."),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "end", "A report covers at most three years"),
    ],
)
def test_a_bad_period_is_explained_next_to_its_field(client, query, field, message):
    login_staff(client, staff(Role.SENIOR_MODERATOR))

    page = client.get(PAGE, query)
    download = client.get(CSV, query)

    assert page.status_code == 400
    html = page.content.decode()
    assert f'id="id_{field}-errors"' in html
    assert message in html.split(f'id="id_{field}-errors"')[1][:300]
    assert download.status_code == 400
    assert message in download.content.decode()
    assert not AuditEvent.objects.filter(action=transparency.ReportAction.TRANSPARENCY_EXPORTED).exists()


def test_an_auditor_downloads_the_csv_and_the_download_is_audited(client):
    auditor = _auditor()
    login_staff(client, auditor)
    period = _period(6)

    response = client.get(CSV, period)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="hallmark-transparency-{period["start"]}_{period["end"]}.csv"'
    )
    lines = response.content.decode().splitlines()
    assert lines[1] == f"# period_start,{period['start']}"
    rows = list(csv.DictReader(io.StringIO("\n".join(lines[4:]))))
    assert rows[0].keys() == set(transparency.CSV_HEADER)
    total = next(
        r for r in rows if r["table"] == "notices_by_category" and r["row"] == "total" and r["column"] == "total"
    )
    assert total["value"] == "0"
    event = AuditEvent.objects.get(action=transparency.ReportAction.TRANSPARENCY_EXPORTED)
    assert event.actor_id == auditor.pk
    assert event.target_id == f"{period['start']}_{period['end']}"


def test_the_printable_page_stands_alone_with_its_print_stylesheet(client):
    login_staff(client, staff(Role.SENIOR_MODERATOR))

    response = client.get(PRINT, _period())

    html = response.content.decode()
    assert response.status_code == 200
    assert "report-print.css" in html
    assert 'id="header"' not in html  # no console chrome on paper
    assert "Hallmark transparency report" in html


def test_numbers_written_by_the_services_match_the_audit_trail(client):
    """Run the real workflow: notice, decision, appeal overturned; the report and the trail agree."""
    moderator, senior = staff(Role.MODERATOR), staff(Role.SENIOR_MODERATOR)
    member = SellerMemberFactory()
    listing = seed.listing(member.seller)
    notifier = seed.notifier(name="Fiona Flagger")
    policy = seed.policy("counterfeit", "illegal_content")
    notice, _created = notice_submit(
        listing=listing,
        notifier=notifier,
        reason="counterfeit",
        explanation="The serial number does not exist.",
        notifier_name=notifier.name,
        notifier_email=notifier.email,
        good_faith=True,
        channel=Notice.Channel.FORM,
    )
    decision = case_decide(case=notice.case, actor=moderator, action=Action.REMOVE_LISTING, policy=policy)
    appeal = appeal_submit(decision=decision, actor=member.user, grounds="It is genuine; here is the invoice.")
    appeal_decide(appeal=appeal, actor=senior, overturn=True, explanation="The invoice checks out.")
    login_staff(client, senior)

    response = client.get(CSV, _period(0))

    rows = list(csv.DictReader(io.StringIO("\n".join(response.content.decode().splitlines()[4:]))))
    check = {(r["row"], r["column"]): r["value"] for r in rows if r["table"] == "audit_cross_check"}
    for number in ("notices", "decisions", "appeals_received", "appeals_overturned"):
        assert check[(number, "report")] == "1", number
        assert check[(number, "events")] == "1", number
        assert check[(number, "matches")] == "yes", number
    assert check[("appeals_upheld", "report")] == "0"
