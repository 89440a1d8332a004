"""Streamed exports that an auditor verifies with the shipped script, and tampering both tools catch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from portal.audit.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory, staff
from tests.helpers import login_staff
from tests.portal.audit_seed import auditor, seed_history, tamper

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"


def _download(client, tmp_path, fmt, **filters) -> Path:
    response = client.get(reverse("admin:audit_export"), {"format": fmt, **filters})
    assert response.status_code == 200, response.content
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    path = tmp_path / f"export-{len(list(tmp_path.iterdir()))}.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    return path


def _script(*args) -> subprocess.CompletedProcess:
    # -I: isolated mode, so the script cannot pick up the project's code by accident.
    return subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_of_a_seeded_history_verifies_with_the_shipped_script(client, tmp_path, fmt):
    # given
    events = seed_history()
    user = auditor()
    login_staff(client, user)
    head = AuditEvent.objects.order_by("-seq").first()
    # when
    path = _download(client, tmp_path, fmt)
    result = _script(path)
    # then
    assert result.returncode == 0, result.stderr
    assert f"{head.seq} event(s)" in result.stdout
    assert head.hash in result.stdout
    assert events[-1].seq <= head.seq


def test_export_lines_carry_every_hashed_field_and_the_export_is_an_audit_event(client, tmp_path):
    seed_history(3)
    user = auditor()
    login_staff(client, user)
    path = _download(client, tmp_path, "jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["record"] == "export" and lines[0]["contiguous"] is True
    events = [line for line in lines if line["record"] == "event"]
    assert lines[-1] == {"record": "end", "events": lines[0]["last_seq"], "last_hash": events[-1]["hash"]}
    # the export ends on the signed checkpoint of exactly its range
    checkpoint = [line for line in lines if line["record"] == "checkpoint"][-1]
    assert checkpoint["tree_size"] == lines[0]["tree_size"] == lines[0]["last_seq"]
    assert checkpoint["note"].startswith(lines[0]["log_origin"] + "\n")
    event = next(line for line in lines if line["record"] == "event" and line["actor_id"])
    hashed = "seq created_at actor_display actor_role action target_type target_id reason request_id ip prev_hash"
    for name in [*hashed.split(), "target_display", "changes", "payload_digest", "hash"]:
        assert name in event
    assert event["created_at"].endswith("Z")
    exported = AuditEvent.objects.get(action="portal.audit.exported")
    assert exported.actor == user
    assert exported.actor_role == "auditor"
    assert exported.changes["format"] == "jsonl"
    # the export's own event comes after the range it exported
    assert exported.seq == lines[0]["last_seq"] + 1


def test_tampering_with_one_stored_event_is_named_by_verify_audit_and_the_script(client, tmp_path):
    # given a verified export
    events = seed_history()
    login_staff(client, auditor())
    assert _script(_download(client, tmp_path, "jsonl")).returncode == 0
    victim = events[5]
    # when someone with database access rewrites one event's reason
    tamper(victim, reason="nothing to see here")
    # then the server-side check names it
    with pytest.raises(CommandError, match=rf"seq={victim.seq}\b"):
        call_command("verify_audit")
    # and so does the auditor's script on a fresh export, in both formats
    for fmt in ("jsonl", "csv"):
        result = _script(_download(client, tmp_path, fmt))
        assert result.returncode == 1
        assert f"event seq={victim.seq} " in result.stderr


def test_tampering_with_one_row_of_an_export_file_is_named_by_the_script(client, tmp_path):
    events = seed_history()
    login_staff(client, auditor())
    path = _download(client, tmp_path, "jsonl")
    victim = events[7].seq
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if rec.get("seq") == victim and rec["record"] == "event":
            rec["changes"]["email"]["after"] = "attacker@example.com"
            lines[i] = json.dumps(rec, ensure_ascii=False)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _script(path)
    assert result.returncode == 1
    assert f"event seq={victim} " in result.stderr
    assert "payload_digest" in result.stderr


def test_deleting_a_row_from_a_csv_export_is_named_by_the_script(client, tmp_path):
    events = seed_history()
    login_staff(client, auditor())
    path = _download(client, tmp_path, "csv")
    victim = events[4].seq
    text = path.read_text(encoding="utf-8")
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text, newline="")))
    kept = [row for row in rows if not (row[0] == "event" and row[1] == str(victim))]
    assert len(kept) == len(rows) - 1
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(kept)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    result = _script(path)
    assert result.returncode == 1
    assert f"event seq={victim + 1} " in result.stderr
    assert "missing" in result.stderr


def test_filtered_export_is_marked_non_contiguous_and_still_verifies_each_event(client, tmp_path):
    seed_history()
    other = UserFactory()
    from portal import audit

    audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=other, reason="elsewhere")
    login_staff(client, auditor())
    path = _download(client, tmp_path, "jsonl", target_type="portal.user", target_id=str(other.pk))
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["contiguous"] is False
    assert lines[0]["filters"] == {"target_type": "portal.user", "target_id": str(other.pk)}
    assert [rec["reason"] for rec in lines if rec["record"] == "event"] == ["elsewhere"]
    assert _script(path).returncode == 0


def test_a_time_range_export_is_contiguous(client, tmp_path):
    events = seed_history()
    login_staff(client, auditor())
    since = events[3].created_at.isoformat()
    until = events[8].created_at.isoformat()
    path = _download(client, tmp_path, "jsonl", since=since, until=until)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["contiguous"] is True
    seqs = [rec["seq"] for rec in lines if rec["record"] == "event"]
    assert seqs == [e.seq for e in events[3:8]]
    assert _script(path).returncode == 0


def test_bad_filters_and_formats_are_refused_naming_the_field(client):
    login_staff(client, auditor())
    response = client.get(reverse("admin:audit_export"), {"format": "xml", "since": "yesterday", "actor": "x"})
    assert response.status_code == 400
    body = response.content.decode()
    for name in ("format", "since", "actor"):
        assert f"{name}:" in body
    assert not AuditEvent.objects.filter(action="portal.audit.exported").exists()


def test_export_reads_in_bounded_chunks(client, tmp_path, monkeypatch, django_assert_max_num_queries):
    from portal.audit import export as audit_export

    seed_history(30)
    login_staff(client, auditor())
    monkeypatch.setattr(audit_export, "CHUNK_SIZE", 7)
    response = client.get(reverse("admin:audit_export"), {"format": "jsonl"})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        body = b"".join(response.streaming_content)
    exported = AuditEvent.objects.filter(action="portal.audit.exported").get().seq - 1
    event_selects = [q["sql"] for q in queries if "portal_auditevent" in q["sql"] and "LIMIT 7" in q["sql"]]
    assert exported >= 30
    assert len(event_selects) == -(-exported // 7) + 1  # the chunks, then one that comes back empty
    assert body.count(b'"record":"event"') == exported
    # nothing in the loop loads the whole table
    assert all("LIMIT" in q["sql"] for q in queries if 'FROM "portal_auditevent"' in q["sql"])


def test_export_memory_stays_flat_as_the_trail_grows(settings):
    import tracemalloc

    from portal import audit
    from portal.audit import export as audit_export
    from portal.audit.export import AuditEventFilterSet

    user = UserFactory()

    def peak_for(extra: int) -> int:
        for i in range(extra):
            audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=user, reason="x" * 200 + str(i))
        filterset = AuditEventFilterSet({}, queryset=AuditEvent.objects.all())
        assert filterset.is_valid()
        export = audit_export.prepare(filterset=filterset, user=user)
        export.chunk_size = 100
        tracemalloc.start()
        total = sum(len(line) for line in audit_export.jsonl_lines(export))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert total > extra * 200
        return peak

    small = peak_for(300)
    large = peak_for(2700)  # ten times the events
    assert large < small * 2, (small, large)


def test_only_readers_of_the_audit_trail_may_export(client):
    url = reverse("admin:audit_export")
    assert client.get(url).status_code == 302  # anonymous → log-in
    seller = UserFactory(role=Role.SELLER_MEMBER)
    login_staff(client, seller)
    assert client.get(url).status_code == 302
    client.logout()
    moderator = staff(Role.MODERATOR)
    login_staff(client, moderator)
    assert client.get(url, {"format": "csv"}).status_code == 200
    client.logout()
    plain_staff = UserFactory(is_staff=True)
    login_staff(client, plain_staff)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_api_export_with_an_audit_read_key_verifies_and_is_recorded(client, tmp_path, fmt):
    from portal import services
    from portal.api_auth import Scope

    seed_history(5)
    key, secret = services.api_key_create(name="Example Assurance", scopes=[Scope.AUDIT_READ], actor=None)
    response = client.get(
        reverse("api:audit-events-export"), {"format": fmt, "from_seq": 2}, HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 200
    assert response.streaming
    path = tmp_path / f"api.{fmt}"
    path.write_bytes(b"".join(response.streaming_content))
    result = _script(path)
    assert result.returncode == 0, result.stderr
    event = AuditEvent.objects.get(action="portal.audit.exported")
    assert event.actor_id is None
    assert event.changes["via"] == f"api key {key.prefix}"
    assert event.changes["filters"] == {"from_seq": "2"}


def test_api_export_needs_the_audit_scope_and_names_bad_filters(client):
    from portal import services
    from portal.api_auth import Scope

    _key, other = services.api_key_create(name="platform", scopes=[Scope.REPORTS_WRITE], actor=None)
    _key, auditor_key = services.api_key_create(name="auditor", scopes=[Scope.AUDIT_READ], actor=None)
    url = reverse("api:audit-events-export")
    assert client.get(url).status_code == 401
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 403
    response = client.get(url, {"format": "xml", "actor": "-1"}, HTTP_AUTHORIZATION=f"Bearer {auditor_key}")
    assert response.status_code == 400
    assert set(response.json()) >= {"format", "actor"}
    assert client.post(url, HTTP_AUTHORIZATION=f"Bearer {auditor_key}").status_code == 405


def test_export_command_writes_a_verifiable_file_and_refuses_unknown_filters(tmp_path):
    seed_history(4)
    path = tmp_path / "cli.csv"
    call_command("export_audit", "--format", "csv", "--output", str(path), "--filter", "from_seq=1")
    assert _script(path).returncode == 0
    assert AuditEvent.objects.filter(action="portal.audit.exported", changes__via="command").exists()
    with pytest.raises(CommandError, match="unknown filter"):
        call_command("export_audit", "--filter", "colour=red")
    with pytest.raises(CommandError, match="actor"):
        call_command("export_audit", "--filter", "actor=abc")
