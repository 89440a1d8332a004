"""Evidence packs: a zip per seller or case, with its timeline, checkpoint and the apps' sections."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse

from portal.audit import evidence
from portal.audit.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory, staff
from tests.helpers import login_staff
from tests.portal.audit_seed import auditor
from tests.sellers.factories import DocumentFactory, seller_with_member

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"


def _pack(client, target_type, target_id) -> zipfile.ZipFile:
    response = client.get(reverse("admin:audit_evidence", args=[target_type, target_id]))
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="evidence-')
    return zipfile.ZipFile(io.BytesIO(response.content))


def _json(archive, name):
    return json.loads(archive.read(name))


def _seller_history():
    from sellers.services import seller as seller_services
    from sellers.services.documents import document_record_download

    seller, member = seller_with_member()
    officer = staff(Role.SENIOR_MODERATOR)
    document = DocumentFactory(seller=seller, sha256="ab" * 32, status="accepted")
    seller_services.seller_suspend(seller=seller, actor=officer, reason="unanswered recertification")
    document_record_download(document=document, actor=officer)
    return seller, member, document


def test_sellers_contribute_a_provider_without_the_portal_importing_it():
    providers = evidence.providers()
    assert type(providers["sellers.seller"]).__module__ == "sellers.evidence"


def test_seller_pack_holds_timeline_checkpoint_documents_and_manifest(client, tmp_path):
    seller, _member, document = _seller_history()
    user = auditor()
    login_staff(client, user)
    archive = _pack(client, "sellers.seller", seller.pk)
    names = set(archive.namelist())
    assert {"manifest.json", "timeline.jsonl", "timeline.csv", "proofs.json", "seller.json"} <= names
    assert {"applications.json", "documents.json", "brand_authorizations.json", "recertifications.json"} <= names
    manifest = _json(archive, "manifest.json")
    assert manifest["object"] == {"type": "sellers.seller", "id": str(seller.pk), "label": str(seller)}
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["name"])).hexdigest() == entry["sha256"], entry["name"]
    # the timeline covers the seller and what belongs to it, oldest first
    lines = [json.loads(line) for line in archive.read("timeline.jsonl").decode().splitlines()]
    events = [line for line in lines if line["record"] == "event"]
    actions = [e["action"] for e in events]
    assert any(a.endswith("suspended") for a in actions), actions
    assert any(e["target_type"] == "sellers.document" and e["target_id"] == str(document.pk) for e in events)
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events)
    # it verifies with the auditor's own script
    (tmp_path / "timeline.jsonl").write_bytes(archive.read("timeline.jsonl"))
    result = subprocess.run([sys.executable, "-I", str(SCRIPT), str(tmp_path / "timeline.jsonl")], capture_output=True)
    assert result.returncode == 0, result.stderr
    # documents: metadata and hashes only
    docs = _json(archive, "documents.json")
    assert docs[0]["sha256"] == "ab" * 32
    # every event comes with its inclusion proof against one signed checkpoint, which the script checks
    proofs = _json(archive, "proofs.json")
    assert [p["seq"] for p in proofs["inclusion"]] == [e["seq"] for e in events]
    assert proofs["tree_size"] >= max(e["seq"] for e in events)
    for proof in proofs["inclusion"][:3]:
        path = tmp_path / f"proof-{proof['seq']}.json"
        path.write_text(json.dumps({**proof, "checkpoint": proofs["checkpoint"]}))
        checked = subprocess.run(
            [sys.executable, "-I", str(SCRIPT), "--inclusion", str(path), "--key", proofs["verifier_key"]],
            capture_output=True,
            text=True,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
    # the download is itself an audit event
    download = AuditEvent.objects.get(action="portal.audit.exported", target_type="sellers.seller")
    assert download.actor == user and download.target_id == str(seller.pk)
    assert download.changes["format"] == "evidence_pack"


def test_timeline_page_of_a_seller_includes_what_belongs_to_it(client):
    seller, _member, document = _seller_history()
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_timeline", args=["sellers.seller", seller.pk]))
    assert response.status_code == 200
    targets = {(e.target_type, e.target_id) for e in response.context["events"]}
    assert ("sellers.document", str(document.pk)) in targets
    assert ("sellers.seller", str(seller.pk)) in targets
    assert response.context["evidence_url"] == reverse("admin:audit_evidence", args=["sellers.seller", seller.pk])


def test_no_pack_for_objects_without_a_provider_or_that_do_not_exist(client):
    login_staff(client, auditor())
    target = UserFactory()
    assert client.get(reverse("admin:audit_evidence", args=["portal.user", target.pk])).status_code == 404
    assert client.get(reverse("admin:audit_evidence", args=["sellers.seller", "999999"])).status_code == 404
    assert client.get(reverse("admin:audit_evidence", args=["sellers.seller", "abc"])).status_code == 404
    assert not AuditEvent.objects.filter(action="portal.audit.exported").exists()


def test_sellers_cannot_download_packs(client):
    seller, member, _document = _seller_history()
    login_staff(client, member)
    response = client.get(reverse("admin:audit_evidence", args=["sellers.seller", seller.pk]))
    assert response.status_code == 302
