"""The auditor's script on its own: files built here by hand, from the README's algorithm."""

from __future__ import annotations

import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "verify_audit_export.py"
ZERO = "0" * 64


def _h(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _chain(n: int) -> list[dict]:
    events, prev = [], ZERO
    for seq in range(1, n + 1):
        changes = {"status": {"before": "a", "after": f"b{seq}"}}
        ev = {
            "seq": seq,
            "created_at": f"2026-11-0{1 + seq % 3}T10:00:00.{seq:06d}Z",
            "actor_id": seq if seq % 2 else None,
            "actor_display": "system" if seq % 2 == 0 else f"officer{seq}",
            "actor_role": "vetting_officer",
            "action": "sellers.application.approved",
            "target_type": "sellers.application",
            "target_id": str(seq),
            "target_display": "Ünïcode GmbH",
            "changes": changes,
            "reason": "ok",
            "request_id": "r",
            "ip": None,
            "payload_digest": _h({"changes": changes, "target_display": "Ünïcode GmbH"}),
            "prev_hash": prev,
            "redacted_at": None,
        }
        ev["hash"] = _h({k: ev[k] for k in ev if k not in {"target_display", "changes", "redacted_at"}})
        prev = ev["hash"]
        events.append(ev)
    return events


def _jsonl(path: Path, events: list[dict], *, header=True, end=True, checkpoints=()) -> Path:
    lines = []
    if header:
        lines.append({"record": "export", "contiguous": True, "first_seq": 1, "last_seq": len(events)})
    lines += [{"record": "event", **ev} for ev in events]
    lines += [{"record": "checkpoint", **cp} for cp in checkpoints]
    if end:
        lines.append({"record": "end", "events": len(events)})
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def _run(*args):
    return subprocess.run([sys.executable, "-I", str(SCRIPT), *map(str, args)], capture_output=True, text=True)


def test_a_hand_built_chain_verifies(tmp_path):
    result = _run(_jsonl(tmp_path / "a.jsonl", _chain(5)))
    assert result.returncode == 0, result.stderr
    assert "OK: 5 event(s), seq 1 to 5" in result.stdout


@pytest.mark.parametrize(
    ("mutate", "seq", "says"),
    [
        (lambda evs: evs[2].update(reason="changed"), 3, "do not hash"),
        (lambda evs: evs[1]["changes"].update(extra=1), 2, "payload_digest"),
        (lambda evs: evs.pop(3), 5, "missing or inserted"),
        (lambda evs: evs[0].update(prev_hash="1" * 64, hash=None), 1, "do not hash"),
    ],
)
def test_the_first_broken_event_is_named(tmp_path, mutate, seq, says):
    events = _chain(6)
    mutate(events)
    result = _run(_jsonl(tmp_path / "b.jsonl", events))
    assert result.returncode == 1
    assert f"event seq={seq} " in result.stderr
    assert says in result.stderr


def test_a_rehashed_event_breaks_the_link_to_the_next(tmp_path):
    events = _chain(4)
    ev = events[1]
    ev["reason"] = "forged"
    ev["hash"] = _h({k: ev[k] for k in ev if k not in {"target_display", "changes", "redacted_at", "hash"}})
    result = _run(_jsonl(tmp_path / "c.jsonl", events))
    assert result.returncode == 1
    assert "event seq=3 " in result.stderr and "prev_hash" in result.stderr


def test_a_redacted_payload_still_verifies_through_its_digest(tmp_path):
    events = _chain(3)
    events[1].update(changes=None, target_display="", redacted_at="2027-06-01T00:00:00.000000Z")
    assert _run(_jsonl(tmp_path / "d.jsonl", events)).returncode == 0


def test_a_truncated_export_is_refused(tmp_path):
    result = _run(_jsonl(tmp_path / "e.jsonl", _chain(3), end=False))
    assert result.returncode == 1
    assert "truncated" in result.stderr


def test_a_checkpoint_that_disagrees_is_named(tmp_path):
    events = _chain(3)
    result = _run(_jsonl(tmp_path / "f.jsonl", events, checkpoints=[{"day": "2026-11-02", "seq": 2, "hash": "e" * 64}]))
    assert result.returncode == 1
    assert "event seq=2" in result.stderr and "2026-11-02" in result.stderr


def test_csv_exports_are_read_too(tmp_path):
    events = _chain(3)
    path = tmp_path / "g.csv"
    columns = ["record", *events[0].keys(), "day", "meta"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        for ev in events:
            row = {k: ("" if v is None else v) for k, v in ev.items()}
            row["changes"] = json.dumps(ev["changes"], ensure_ascii=False)
            writer.writerow({"record": "event", **row})
    assert _run(path).returncode == 0
    text = path.read_text(encoding="utf-8").replace("officer3", "officer9")
    path.write_text(text, encoding="utf-8")
    result = _run(path)
    assert result.returncode == 1 and "event seq=3 " in result.stderr


def test_unreadable_input_exits_2(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text("{not json\n")
    result = _run(path)
    assert result.returncode == 2
    assert "line 1" in result.stderr


def test_against_an_older_export_detects_a_changed_event(tmp_path):
    old_events = _chain(4)
    old = _jsonl(tmp_path / "old.jsonl", old_events[:3])
    new_events = _chain(4)
    assert _run(_jsonl(tmp_path / "new.jsonl", new_events), "--against", old).returncode == 0
    # a different history with the same length: every hash differs from the older export
    forged = _chain(4)
    forged[0]["reason"] = "forged"
    prev = ZERO
    for ev in forged:
        ev["prev_hash"] = prev
        ev["hash"] = _h({k: ev[k] for k in ev if k not in {"target_display", "changes", "redacted_at", "hash"}})
        prev = ev["hash"]
    result = _run(_jsonl(tmp_path / "forged.jsonl", forged), "--against", old)
    assert result.returncode == 1
    assert "event seq=1: changed since the older export" in result.stderr


def test_the_script_uses_only_the_standard_library_and_cryptography():
    import ast

    tree = ast.parse(SCRIPT.read_text())
    imported = {
        (node.module if isinstance(node, ast.ImportFrom) else alias.name).split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert imported <= set(sys.stdlib_module_names) | {"__future__", "cryptography"}, imported
    assert "portal" not in imported and "django" not in imported


def test_against_an_older_export_that_does_not_overlap_proves_nothing(tmp_path):
    events = _chain(6)
    old = _jsonl(tmp_path / "old.jsonl", events[:2])
    newer = tmp_path / "newer.jsonl"
    lines = [{"record": "export", "contiguous": True}] + [{"record": "event", **ev} for ev in events[3:]]
    lines.append({"record": "end", "events": 3})
    newer.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = _run(newer, "--against", old)
    assert result.returncode == 1
    assert "overlaps" in result.stderr
