"""The case's evidence pack (moderation/evidence.py) and moderation's part of a seller's pack."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.urls import reverse

from portal.audit import evidence
from portal.roles import Role
from tests.factories import staff
from tests.helpers import login_staff
from tests.portal.audit_seed import auditor

pytestmark = pytest.mark.django_db


def _pack(client, target_type, target_id) -> zipfile.ZipFile:
    response = client.get(reverse("admin:audit_evidence", args=[target_type, target_id]))
    assert response.status_code == 200, response.content[:300]
    return zipfile.ZipFile(io.BytesIO(response.content))


def _json(archive, name):
    return json.loads(archive.read(name))


def test_moderation_contributes_the_case_provider():
    assert type(evidence.providers()["moderation.case"]).__module__ == "moderation.evidence"


def test_case_pack_holds_decisions_with_statements_of_reasons(client):
    from moderation.services import cases as case_services
    from moderation.services.decisions import case_decide
    from tests.moderation.factories import CaseFactory, NoticeFactory, PolicyFactory

    case = CaseFactory()
    notice = NoticeFactory(listing=case.listing, case=case)
    moderator = staff(Role.MODERATOR)
    case_services.case_claim(case=case, actor=moderator)
    decision = case_decide(case=case, actor=moderator, action="remove_listing", policy=PolicyFactory())
    user = auditor()
    login_staff(client, user)
    archive = _pack(client, "moderation.case", case.pk)
    assert {"case.json", "notices.json", "decisions.json", "appeals.json", "notes.json"} <= set(archive.namelist())
    (row,) = _json(archive, "decisions.json")
    assert row["id"] == decision.pk
    assert row["statement_of_reasons"]["legal_or_contractual_ground"] == decision.policy.reference
    assert row["transparency_database_submission"]["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert _json(archive, "notices.json")[0]["id"] == notice.pk
    events = [json.loads(line) for line in archive.read("timeline.jsonl").decode().splitlines()]
    targets = {(e["target_type"], e["target_id"]) for e in events if e["record"] == "event"}
    assert ("moderation.case", str(case.pk)) in targets
    assert ("moderation.decision", str(decision.pk)) in targets
    # and the seller's pack shows the same decision
    seller_pack = _pack(client, "sellers.seller", case.listing.seller_id)
    assert [d["id"] for d in _json(seller_pack, "moderation_decisions.json")] == [decision.pk]


def test_case_pack_holds_the_listing_images_moderators_saw(client):
    import hashlib

    from django.core.files.storage import default_storage

    from moderation.demo import add_demo_images
    from tests.moderation.factories import CaseFactory

    case = CaseFactory()
    add_demo_images(case.listing, colours=[(24, 46, 84), (150, 32, 40)])
    images = list(case.listing.images.order_by("pk"))
    login_staff(client, auditor())
    archive = _pack(client, "moderation.case", case.pk)
    rows = _json(archive, "images.json")
    assert [r["id"] for r in rows] == [i.pk for i in images]
    manifest = {f["name"]: f for f in _json(archive, "manifest.json")["files"]}
    for row, image in zip(rows, images, strict=True):
        assert row["sha256_of_fetched_file"] == image.sha256 and row["status"] == "fingerprinted"
        with default_storage.open(image.preview_name, "rb") as stored:
            kept = stored.read()
        assert archive.read(row["preview"]) == kept
        assert manifest[row["preview"]]["sha256"] == hashlib.sha256(kept).hexdigest()
