#!/usr/bin/env python3
"""Verify a Hallmark audit export (JSON Lines or CSV) without trusting Hallmark.

Standard library only, written from the algorithm in README.md ("Verifying the
audit trail yourself"), so an auditor can read it in a few minutes or write
their own. Usage::

    python3 verify_audit_export.py export.jsonl
    python3 verify_audit_export.py export.csv --against older-export.jsonl

It recomputes every event's payload digest and hash, checks that each event
links to the one before it (``prev_hash``) and that ``seq`` has no gaps (for a
filtered, non-contiguous export only the events' own hashes can be checked),
that the daily checkpoints in the file agree with the events, and with
``--against`` that every checkpoint and event of an older export is still
there unchanged. Exit status 0 when everything holds, 1 naming the first
broken event, 2 for an unreadable file.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

GENESIS = "0" * 64
HASHED = (
    "seq",
    "created_at",
    "actor_id",
    "actor_display",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "reason",
    "request_id",
    "ip",
    "payload_digest",
    "prev_hash",
)


class Broken(Exception):
    pass


class Unreadable(Exception):
    pass


def sha256_hex(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Reading -----------------------------------------------------------------------


def _csv_records(path: Path):
    with path.open(newline="", encoding="utf-8") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            kind = row.get("record")
            if kind == "event":
                rec = dict(row)
                try:
                    rec["seq"] = int(row["seq"])
                    rec["actor_id"] = int(row["actor_id"]) if row["actor_id"] else None
                    rec["changes"] = json.loads(row["changes"])
                except (ValueError, KeyError) as exc:
                    raise Unreadable(f"line {line_no}: {exc}") from exc
                rec["ip"] = row["ip"] or None
                rec["redacted_at"] = row["redacted_at"] or None
                yield line_no, rec
            elif kind == "checkpoint":
                yield line_no, {"record": kind, "day": row["day"], "seq": int(row["seq"]), "hash": row["hash"]}
            elif kind in ("export", "end"):
                yield line_no, {"record": kind, **json.loads(row["meta"] or "{}")}
            else:
                raise Unreadable(f"line {line_no}: unknown record type {kind!r}")


def _jsonl_records(path: Path):
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise Unreadable(f"line {line_no}: not JSON ({exc})") from exc
            if not isinstance(rec, dict) or "record" not in rec:
                raise Unreadable(f"line {line_no}: not an export record")
            yield line_no, rec


def records(path: Path):
    with path.open("rb") as handle:
        first = handle.read(1)
    return _jsonl_records(path) if first == b"{" else _csv_records(path)


# --- Checking ----------------------------------------------------------------------


def event_problem(ev: dict) -> str:
    """What is wrong with one event on its own, or ""."""
    if ev.get("redacted_at") is None:
        digest = sha256_hex({"changes": ev.get("changes"), "target_display": ev.get("target_display", "")})
        if digest != ev.get("payload_digest"):
            return "changes or target_display do not match payload_digest"
    try:
        fields = {name: ev[name] for name in HASHED}
    except KeyError as exc:
        return f"field {exc} is missing"
    if sha256_hex(fields) != ev.get("hash"):
        return "the event's fields do not hash to its hash"
    return ""


def verify(path: Path, *, against: Path | None = None, out=sys.stdout) -> dict:
    """Return a summary; raise Broken naming the first problem."""
    header = None
    end = None
    count = 0
    prev = None  # (seq, hash) of the previous event
    by_seq = {}
    checkpoints = []
    for line_no, rec in records(path):
        kind = rec["record"]
        where = f"line {line_no}"
        if kind == "export":
            header = rec
        elif kind == "event":
            seq = rec.get("seq")
            problem = event_problem(rec)
            if problem:
                raise Broken(f"event seq={seq} ({where}): {problem}")
            contiguous = header is None or header.get("contiguous", True)
            if prev is None:
                if seq == 1 and rec["prev_hash"] != GENESIS:
                    raise Broken(f"event seq=1 ({where}): the first event's prev_hash is not 64 zeros")
            elif contiguous:
                if seq != prev[0] + 1:
                    raise Broken(f"event seq={seq} ({where}): follows seq={prev[0]}; events are missing or inserted")
                if rec["prev_hash"] != prev[1]:
                    raise Broken(f"event seq={seq} ({where}): prev_hash is not the hash of event seq={prev[0]}")
            elif seq <= prev[0]:
                raise Broken(f"event seq={seq} ({where}): out of order after seq={prev[0]}")
            elif seq == prev[0] + 1 and rec["prev_hash"] != prev[1]:
                raise Broken(f"event seq={seq} ({where}): prev_hash is not the hash of event seq={prev[0]}")
            by_seq[seq] = rec["hash"]
            prev = (seq, rec["hash"])
            count += 1
        elif kind == "checkpoint":
            checkpoints.append(rec)
        elif kind == "end":
            end = rec
    if header is not None and end is None:
        raise Broken("the file ends before its 'end' record: the export is truncated")
    if end is not None and end.get("events") != count:
        raise Broken(f"the file holds {count} events but its 'end' record says {end.get('events')}")
    for cp in checkpoints:
        if cp["seq"] in by_seq and by_seq[cp["seq"]] != cp["hash"]:
            raise Broken(f"event seq={cp['seq']}: its hash differs from the checkpoint of {cp['day']}")
    summary = {
        "events": count,
        "first_seq": min(by_seq) if by_seq else None,
        "last_seq": prev[0] if prev else None,
        "head_hash": prev[1] if prev else None,
        "checkpoints": len(checkpoints),
    }
    if against is not None:
        summary["matched_from_older"] = compare(by_seq, checkpoints, against)
    print(
        f"OK: {count} event(s)"
        + (f", seq {summary['first_seq']} to {summary['last_seq']}, head hash {summary['head_hash']}" if count else "")
        + f"; {len(checkpoints)} checkpoint(s) consistent"
        + (f"; {summary['matched_from_older']} item(s) of {against} unchanged" if against else ""),
        file=out,
    )
    return summary


def compare(by_seq: dict, checkpoints: list, older: Path) -> int:
    """Every checkpoint and event of the older export must be in this one unchanged."""
    current_cps = {cp["day"]: cp for cp in checkpoints}
    matched = 0
    for _line, rec in records(older):
        if rec["record"] == "checkpoint":
            now = current_cps.get(rec["day"])
            if now is not None and (now["seq"], now["hash"]) != (rec["seq"], rec["hash"]):
                raise Broken(f"the checkpoint of {rec['day']} changed since the older export")
            if rec["seq"] in by_seq and by_seq[rec["seq"]] != rec["hash"]:
                raise Broken(f"event seq={rec['seq']}: changed since the older export's checkpoint of {rec['day']}")
            matched += now is not None or rec["seq"] in by_seq
        elif rec["record"] == "event" and rec["seq"] in by_seq:
            if by_seq[rec["seq"]] != rec["hash"]:
                raise Broken(f"event seq={rec['seq']}: changed since the older export")
            matched += 1
    if not matched:
        raise Broken(f"nothing in {older} overlaps this export, so it proves nothing: export a range that covers it")
    return matched


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, help="a Hallmark audit export (.jsonl or .csv)")
    parser.add_argument("--against", type=Path, help="an older export whose checkpoints and events must still hold")
    args = parser.parse_args(argv)
    try:
        verify(args.export, against=args.against)
    except Broken as exc:
        print(f"BROKEN: {exc}", file=sys.stderr)
        return 1
    except (OSError, Unreadable, ValueError, KeyError) as exc:
        print(f"cannot read the export: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
