"""The sealer on PostgreSQL: one at a time, in commit order, nothing half-sealed, nothing skipped.

Writers insert unsealed events in their own transactions; these tests drive
real concurrent sessions (threads with their own connections, a real Celery
worker killed mid-batch) against the sealer.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, connections, transaction

from portal import audit
from portal.audit import merkle, notes, proofs
from portal.audit.models import AuditEvent, AuditLogCheckpoint, AuditTreeNode
from portal.audit.seal import seal, seal_batch
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.sealer, pytest.mark.django_db(transaction=True)]

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"


def _write(n: int, target, **changes) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=target, changes={"i": i, **changes})


def _bulk_unsealed(n: int, target) -> None:
    """Many unsealed events in one statement (the trigger stamps each with this transaction's id)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_auditevent (created_at, actor_display, actor_role, action, target_type, target_id,"
            " target_display, changes, reason, request_id, payload_digest, prev_hash, hash)"
            " SELECT now(), 'system', 'system', %s, 'portal.user', %s, '', '{}'::jsonb, '', '', %s, '', ''"
            " FROM generate_series(1, %s)",
            ["portal.user.changed", str(target.pk), audit.payload_digest({}, ""), n],
        )


def _assert_one_gapless_log() -> int:
    seqs = list(AuditEvent.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert not AuditEvent.objects.filter(leaf_hash__isnull=True).exists()
    result = audit.verify_chain()
    assert result.ok, result.problem
    assert result.count == len(seqs)
    return len(seqs)


def test_an_event_is_inserted_unsealed_and_sealed_once():
    target = UserFactory()
    _write(3, target)
    assert AuditEvent.objects.filter(seq__isnull=True, xact_id__isnull=False).count() == 3  # the trigger's stamp
    assert seal() == 3
    assert seal() == 0
    assert _assert_one_gapless_log() == 3
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE portal_auditevent SET seq = seq + 100, leaf_hash = NULL WHERE seq = 1")
    with pytest.raises(DatabaseError, match="inserted unsealed"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO portal_auditevent (seq, created_at, actor_display, actor_role, action, target_type,"
            " target_id, target_display, reason, request_id, payload_digest, prev_hash, hash)"
            " VALUES (99, now(), 'x', 'x', 'x', 'x', 'x', '', '', '', '', '', 'f')"
        )


def test_two_sealers_at_once_seal_everything_exactly_once():
    target = UserFactory()
    _bulk_unsealed(3000, target)
    barrier = threading.Barrier(2)
    sealed: list[int] = []
    errors: list[BaseException] = []

    def sealer():
        try:
            barrier.wait()
            total = 0
            for _ in range(20):
                total += seal_batch(250)
            sealed.append(total)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sealer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    seal()  # whatever a sealer gave way on
    assert _assert_one_gapless_log() == 3000
    assert sum(sealed) <= 3000


def test_a_transaction_that_inserts_first_but_commits_last_is_sealed_after_the_others():
    early_target, late_target = UserFactory(), UserFactory()
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                audit.record(action=audit.PortalAction.USER_CHANGED, actor=None, target=early_target)
                inserted.set()
                release.wait(timeout=60)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(timeout=30)
    _write(3, late_target)  # inserted after the slow one, committed before it
    assert seal() == 3  # the open transaction may still commit: its event waits
    release.set()
    assert done.wait(timeout=30)
    thread.join()
    assert seal() == 1
    early = AuditEvent.objects.get(target_id=str(early_target.pk))
    late = AuditEvent.objects.filter(target_id=str(late_target.pk)).order_by("seq")
    assert early.seq == late.last().seq + 1
    _assert_one_gapless_log()


def test_sixty_four_concurrent_writers_then_one_log_whose_root_an_export_recomputes(tmp_path):
    target = UserFactory()
    errors: list[BaseException] = []
    barrier = threading.Barrier(64)

    def writer(n: int) -> None:
        try:
            barrier.wait()
            _write(5, target, writer=n)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors
    seal()
    size = _assert_one_gapless_log()
    assert size == 64 * 5
    latest = AuditLogCheckpoint.objects.order_by("-tree_size").first()
    leaves = [bytes(h) for h in AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    assert latest.tree_size == size and bytes(latest.root_hash) == merkle.root(leaves)
    # and the auditor's script, from an export alone, gets the same root under the signed checkpoint
    from portal.audit.export import AuditEventFilterSet, jsonl_lines, prepare

    export = prepare(filterset=AuditEventFilterSet({}, queryset=AuditEvent.objects.all()), user=None)
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(jsonl_lines(export)))
    key = notes.verifiers()[0].text
    checked = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), str(path), "--key", key], capture_output=True, text=True, timeout=120
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.celery_worker
def test_a_sealer_killed_mid_batch_leaves_nothing_half_sealed_and_the_next_run_completes_it(tmp_path):
    from tests.workers import Worker

    target = UserFactory()
    _write(2, target)
    seal()
    _bulk_unsealed(60_000, target)
    worker = Worker(tmp_path)
    try:
        from portal.tasks import seal_audit_log

        seal_audit_log.delay()
        deadline = time.monotonic() + 60
        holding = False
        while time.monotonic() < deadline and not holding:
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                holding = cursor.fetchone()[0] > 0
            time.sleep(0.01)
        assert holding, "the worker's sealer never took its lock:\n" + "".join(worker.log[-30:])
        worker.kill()
    finally:
        worker.stop()
    # the killed session's transaction is rolled back once the server notices
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            if cursor.fetchone()[0] == 0:
                break
        time.sleep(0.1)
    sizes = list(AuditLogCheckpoint.objects.values_list("tree_size", flat=True))
    sealed = AuditEvent.objects.filter(leaf_hash__isnull=False).count()
    assert sealed == max(sizes)  # every sealed event is under a checkpoint: no batch half-written
    assert AuditEvent.objects.filter(leaf_hash__isnull=True).exists(), "the kill came too late to test anything"
    seal(batch_size=20_000)
    assert _assert_one_gapless_log() == 60_002


def _forge(event: AuditEvent, reason: str, signer) -> None:
    """A superuser with the triggers off rewrites one sealed event and everything that depends on it."""
    from portal.audit.canonical import hashed_text
    from portal.audit.verify import VERIFY_COLUMNS

    with connection.cursor() as cursor:
        for table in ("portal_auditevent", "portal_audittreenode", "portal_auditlogcheckpoint"):
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        rows = AuditEvent.objects.order_by("seq").values(*VERIFY_COLUMNS)
        tree = merkle.CompactTree()
        prev = audit.GENESIS_HASH
        nodes = []
        for rec in rows:
            rec = dict(rec)
            if rec["id"] == event.id:
                rec["reason"] = reason
            rec["prev_hash"] = prev
            text = hashed_text(rec).encode()
            rec["hash"] = hashlib.sha256(text).hexdigest()
            leaf = merkle.leaf_hash(text)
            nodes += tree.append(leaf)
            AuditEvent.objects.filter(pk=rec["id"]).update(
                reason=rec["reason"], prev_hash=prev, hash=rec["hash"], leaf_hash=leaf
            )
            prev = rec["hash"]
        AuditTreeNode.objects.all().delete()
        AuditTreeNode.objects.bulk_create([AuditTreeNode(level=lv, index=ix, hash=h) for lv, ix, h in nodes])
        root = tree.root()
        note = signer.sign(notes.checkpoint_text(signer.name, tree.size, root))
        AuditLogCheckpoint.objects.filter(tree_size=tree.size).update(root_hash=root, note=note)
        AuditLogCheckpoint.objects.exclude(tree_size=tree.size).delete()
    finally:
        with connection.cursor() as cursor:
            for table in ("portal_auditevent", "portal_audittreenode", "portal_auditlogcheckpoint"):
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def test_a_superuser_who_rewrites_a_sealed_event_and_recomputes_the_tree_is_caught(tmp_path):
    target = UserFactory()
    _write(5, target)
    seal()
    witnessed = proofs.latest_checkpoint().note  # what an auditor or witness kept
    old_size = proofs.latest_checkpoint().tree_size
    _write(4, target)
    seal()
    victim = AuditEvent.objects.get(seq=2)
    # without the log's key the forger signs with one of their own: the signature fails
    _forge(victim, "forged", notes.generate(notes.signer().name))
    result = audit.verify_chain()
    assert not result.ok and "does not verify" in result.problem
    # with the log's own key (the application was compromised too), the witnessed checkpoint exposes it
    _forge(victim, "forged again", notes.signer())
    assert audit.verify_chain().ok  # the database alone now agrees with itself
    new = proofs.latest_checkpoint()
    path = tmp_path / "held.txt"
    path.write_text(witnessed)
    leaves = [bytes(h) for h in AuditEvent.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    opened = notes.open_checkpoint(witnessed)
    assert merkle.root(leaves[:old_size]) != opened.root  # the rewritten log does not extend what was witnessed
    forged_proof = {
        "format": proofs.CONSISTENCY_FORMAT,
        "old_size": old_size,
        "new_size": new.tree_size,
        "hashes": [
            base64.b64encode(h).decode()
            for h in merkle.prove(
                merkle.consistency_ranges(old_size, new.tree_size),
                lambda level, index: merkle.root(leaves[index << level : (index + 1) << level]),
            )
        ],
        "old_checkpoint": witnessed,
        "new_checkpoint": new.note,
    }
    proof_path = tmp_path / "consistency.json"
    proof_path.write_text(json.dumps(forged_proof))
    checked = subprocess.run(
        [sys.executable, "-I", str(SCRIPT), "--consistency", str(proof_path), "--key", notes.verifiers()[0].text],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
