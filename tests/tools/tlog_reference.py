"""A small, naive reference of the transparency log, for testing the auditor's script.

Written straight from the definitions (RFC 9162 section 2.1, C2SP signed-note and
tlog-checkpoint), slow on purpose: MTH, PATH and PROOF are the RFC's recursions
over the whole leaf list, with no stored nodes. Neither portal code nor the
script is imported.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ZERO = "0" * 64
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
EVENT_FIELDS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_display",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "target_display",
    "changes",
    "reason",
    "request_id",
    "ip",
    "payload_digest",
    "prev_hash",
    "hash",
    "redacted_at",
)
ORIGIN = "hallmark.test/audit"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha_hex(value) -> str:
    return hashlib.sha256(canonical(value).encode()).hexdigest()


# --- RFC 9162 2.1, naively ------------------------------------------------------------


def leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _k(n: int) -> int:
    return max(2 ** (i) for i in range(n.bit_length() + 1) if 2**i < n)


def mth(entries: list[bytes]) -> bytes:
    """MTH(D[n]) over the raw entries."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return leaf(entries[0])
    k = _k(len(entries))
    return node(mth(entries[:k]), mth(entries[k:]))


def path(m: int, entries: list[bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1."""
    if len(entries) == 1:
        return []
    k = _k(len(entries))
    if m < k:
        return [*path(m, entries[:k]), mth(entries[k:])]
    return [*path(m - k, entries[k:]), mth(entries[:k])]


def proof(m: int, entries: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1 (0 < m ≤ n)."""

    def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
        if m == len(d):
            return [] if b else [mth(d)]
        k = _k(len(d))
        if m <= k:
            return [*subproof(m, d[:k], b), mth(d[k:])]
        return [*subproof(m - k, d[k:], False), mth(d[:k])]

    return subproof(m, entries, True)


# --- Keys and signed notes ------------------------------------------------------------


class Signer:
    def __init__(self, name: str = ORIGIN, seed: bytes = b"reference"):
        self.name = name
        self.private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(seed).digest())
        self.public = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.id = hashlib.sha256(name.encode() + b"\n\x01" + self.public).digest()[:4]

    @property
    def verifier_key(self) -> str:
        return f"{self.name}+{self.id.hex()}+{b64(bytes([1]) + self.public)}"

    def sign(self, body: str) -> str:
        return f"{body}\n\u2014 {self.name} {b64(self.id + self.private.sign(body.encode()))}\n"

    def checkpoint(self, size: int, root: bytes, origin: str | None = None) -> str:
        return self.sign(f"{origin or self.name}\n{size}\n{b64(root)}\n")


# --- Events and exports ---------------------------------------------------------------


def hashed_text(ev: dict) -> bytes:
    return canonical({k: ev[k] for k in HASHED}).encode()


def chain(n: int, *, reason=lambda seq: "ok") -> list[dict]:
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
            "target_display": "Ünïcode GmbH — “quoted”",
            "changes": changes,
            "reason": reason(seq),
            "request_id": "r",
            "ip": None,
            "payload_digest": sha_hex({"changes": changes, "target_display": "Ünïcode GmbH — “quoted”"}),
            "prev_hash": prev,
            "redacted_at": None,
        }
        ev["hash"] = hashlib.sha256(hashed_text(ev)).hexdigest()
        prev = ev["hash"]
        events.append(ev)
    return events


def entries(events: list[dict]) -> list[bytes]:
    return [hashed_text(ev) for ev in events]


def checkpoint_record(signer: Signer, events: list[dict], size: int, day: str | None = None) -> dict:
    root = mth(entries(events[:size]))
    return {
        "record": "checkpoint",
        "tree_size": size,
        "root_hash": b64(root),
        "note": signer.checkpoint(size, root),
        "day": day,
    }


def export_records(events: list[dict], checkpoints: list[dict], signer: Signer, *, contiguous=True, tree_size=None):
    header = {
        "record": "export",
        "format": "hallmark-audit-export/2",
        "generated_at": "2026-11-05T00:00:00.000000Z",
        "generated_by": "auditor",
        "filters": {},
        "first_seq": events[0]["seq"] if events else 0,
        "last_seq": events[-1]["seq"] if events else 0,
        "contiguous": contiguous,
        "genesis_hash": ZERO,
        "log_origin": signer.name,
        "verifier_keys": [signer.verifier_key],
        "tree_size": tree_size if tree_size is not None else max([cp["tree_size"] for cp in checkpoints] or [0]),
    }
    return [
        header,
        *({"record": "event", **ev} for ev in events),
        *checkpoints,
        {"record": "end", "events": len(events), "last_hash": events[-1]["hash"] if events else None},
    ]


def write_jsonl(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return path


def write_csv(path: Path, recs: list[dict]) -> Path:
    """Today's CSV layout: a ``record`` column, the event fields, ``day`` and ``meta`` (other records' JSON)."""
    columns = ["record", *EVENT_FIELDS, "day", "meta"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns, lineterminator="\r\n")
        writer.writeheader()
        for rec in recs:
            row = dict.fromkeys(columns, "")
            row["record"] = rec["record"]
            if rec["record"] == "event":
                for name in EVENT_FIELDS:
                    value = rec[name]
                    row[name] = canonical(value) if name == "changes" else ("" if value is None else str(value))
            else:
                row["meta"] = json.dumps({k: v for k, v in rec.items() if k != "record"}, ensure_ascii=False)
                if rec["record"] == "checkpoint":
                    row["day"] = rec["day"] or ""
            writer.writerow(row)
    return path


def inclusion(signer: Signer, events: list[dict], seq: int, size: int) -> dict:
    data = entries(events[:size])
    return {
        "format": "hallmark-inclusion-proof/1",
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": size,
        "leaf_hash": b64(leaf(data[seq - 1])),
        "hashes": [b64(h) for h in path(seq - 1, data)],
        "checkpoint": signer.checkpoint(size, mth(data)),
    }


def consistency(signer: Signer, events: list[dict], m: int, n: int) -> dict:
    data = entries(events[:n])
    return {
        "format": "hallmark-consistency-proof/1",
        "old_size": m,
        "new_size": n,
        "hashes": [b64(h) for h in (proof(m, data) if m else [])],
        "old_checkpoint": signer.checkpoint(m, mth(data[:m])),
        "new_checkpoint": signer.checkpoint(n, mth(data)),
    }


def bundle(signer: Signer, events: list[dict], seq: int, size: int) -> dict:
    return {
        "format": "hallmark-proof-bundle/1",
        "event": dict(events[seq - 1]),
        "inclusion": inclusion(signer, events, seq, size),
        "verifier_key": signer.verifier_key,
    }
