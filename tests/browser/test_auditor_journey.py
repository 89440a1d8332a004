"""An auditor signs in with two factors, reads a case's timeline, takes evidence away, and changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.models import AuditorAccess
from portal.roles import Role
from tests.factories import TEST_PASSWORD, staff, totp_device
from tests.helpers import current_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _decided_case():
    from moderation.services import cases as case_services
    from moderation.services.decisions import case_decide
    from tests.moderation.factories import CaseFactory, NoticeFactory, PolicyFactory

    case = CaseFactory()
    NoticeFactory(listing=case.listing, case=case)
    moderator = staff(Role.MODERATOR)
    case_services.case_claim(case=case, actor=moderator)
    case_decide(case=case, actor=moderator, action="remove_listing", policy=PolicyFactory())
    return case


def test_auditor_reads_a_timeline_takes_evidence_and_an_export_and_cannot_change_anything(page, shot, tmp_path):
    case = _decided_case()
    auditor = staff(Role.AUDITOR, first_name="Ada")
    now = timezone.now()
    AuditorAccess.objects.create(
        user=auditor, firm="Example Assurance", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    device = totp_device(auditor)

    # signs in with the second factor
    page.goto("/console/login/")
    page.get_by_label("Username").fill(auditor.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_label("Authentication code").fill(current_totp(device))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")
    assert page.get_by_text("Read-only auditor access").is_visible()

    # finds the explorer from the console's index and filters by the case
    page.get_by_role("link", name="Audit explorer").first.click()
    page.get_by_label("Target type").fill("moderation.case")
    page.get_by_label("Target id").fill(str(case.pk))
    page.get_by_role("button", name="Show events").click()
    assert page.locator("table.hm-audit-events code", has_text="moderation.case.decided").is_visible()
    shot(page, "audit-explorer")

    # opens the case's timeline: notices, claim, decision, in order
    page.get_by_role("link", name=f"moderation.case:{case.pk}").first.click()
    page.wait_for_url(f"**/console/audit/timeline/moderation.case/{case.pk}/")
    assert page.get_by_role("heading", name="Timeline").is_visible()
    actions = page.locator("table.hm-audit-events code").all_inner_texts()
    assert any(a.startswith("moderation.decision") or "decided" in a for a in actions), actions
    shot(page, "audit-timeline")

    # downloads the evidence pack
    with page.expect_download() as pack_download:
        page.get_by_role("link", name="Download evidence pack").click()
    pack_path = tmp_path / pack_download.value.suggested_filename
    pack_download.value.save_as(pack_path)
    archive = zipfile.ZipFile(io.BytesIO(pack_path.read_bytes()))
    assert "decisions.json" in archive.namelist()
    assert json.loads(archive.read("manifest.json"))["object"]["id"] == str(case.pk)

    # downloads an export of the timeline
    with page.expect_download() as export_download:
        page.get_by_role("link", name="Export JSONL").click()
    export_path = tmp_path / export_download.value.suggested_filename
    export_download.value.save_as(export_path)
    first = json.loads(export_path.read_text().splitlines()[0])
    assert first["record"] == "export" and first["filters"]["target_id"] == str(case.pk)

    # checks the chain: the scheduled walk ran earlier, the page checks what came after it
    from portal.tasks import verify_audit_chain

    verify_audit_chain()
    page.goto("/console/audit/verify/")
    assert page.get_by_text("Verified:").is_visible()
    assert page.get_by_text("walked just now, starting at that walk's head").is_visible()
    shot(page, "audit-verify")

    # both downloads are on the record
    assert AuditEvent.objects.filter(action="portal.audit.exported", actor=auditor).count() == 2

    # and is refused when trying to change something
    page.goto(f"/console/moderation/case/{case.pk}/change/")
    assert page.get_by_role("button", name="Save").count() == 0
    response = page.request.post(
        f"/console/moderation/case/{case.pk}/change/",
        form={"status": "open"},
        headers={"Referer": page.url},
    )
    assert response.status == 403
    case.refresh_from_db()
    assert case.status != "open"
