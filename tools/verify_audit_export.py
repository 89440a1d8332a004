#!/usr/bin/env python3
"""Verify a Hallmark audit log export, checkpoint or proof without trusting Hallmark.

Standard library plus ``cryptography`` (only for Ed25519 signatures), written
from the algorithm in docs/audit-log.md so an auditor can read it in a few
minutes or write their own. Usage::

    verify_audit_export.py export.jsonl --key 'hallmark.example+1a2b3c4d+AX...'
    verify_audit_export.py export.jsonl --against older-export.jsonl
    verify_audit_export.py --checkpoint checkpoint.txt --key @log.pub
    verify_audit_export.py --inclusion proof.json --key @log.pub
    verify_audit_export.py --consistency proof.json --old-checkpoint kept.txt --key @log.pub
    verify_audit_export.py --bundle decision-proof.json

For an export it recomputes every event's payload digest and hash, checks that
each event links to the one before it (``prev_hash``) and that ``seq`` has no
gaps (for a filtered, non-contiguous export only the events' own hashes can be
checked). For a format 2 export it also verifies every checkpoint's signature
and, when the export starts at event 1, recomputes the RFC 9162 Merkle root at
each checkpoint's tree size. ``--against`` an older export checks that the
older one's events are still there unchanged and that its newest checkpoint is
a prefix of this export's log.

Keys: ``--key`` names the log keys you trust. Without it the keys written in
the file itself are used, which only shows the file is consistent with itself.

Exit status 0 when everything holds, 1 naming the first thing that is broken,
2 for input that cannot be read (malformed, truncated, wrong format).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import csv
import hashlib
import json
import re
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
EXPORT_V1 = "hallmark-audit-export/1"
EXPORT_V2 = "hallmark-audit-export/2"
INCLUSION_FORMAT = "hallmark-inclusion-proof/1"
CONSISTENCY_FORMAT = "hallmark-consistency-proof/1"
BUNDLE_FORMAT = "hallmark-proof-bundle/1"
EMPTY_ROOT = hashlib.sha256(b"").digest()
DASH = "\u2014 "  # em dash and a space: how a signature line starts
ED25519 = 0x01
DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


class Broken(Exception):
    """The input is readable and something in it does not hold."""


class Unreadable(Exception):
    """The input is not what it claims to be: malformed, truncated, wrong format."""


# one encoder, reused: json.dumps with options builds a new one per call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value) -> str:
    """The canonical JSON text: keys sorted, no spaces, non-ASCII characters as themselves."""
    return _CANONICAL.encode(value)


def sha256_hex(value) -> str:
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text, what: str) -> bytes:
    if not isinstance(text, str):
        raise Unreadable(f"{what} is not a base64 string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise Unreadable(f"{what} is not standard base64") from None


def unb64_hash(text, what: str) -> bytes:
    raw = unb64(text, what)
    if len(raw) != 32:
        raise Unreadable(f"{what} is {len(raw)} bytes, not a 32-byte SHA-256 hash")
    return raw


def get(obj: dict, name: str, kind, what: str):
    """``obj[name]``, which must be of ``kind`` (int excludes bool)."""
    if name not in obj:
        raise Unreadable(f"{what} has no {name!r}")
    value = obj[name]
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    else:
        ok = isinstance(value, kind)
    if not ok:
        expected = "a whole number ≥ 0" if kind is int else {str: "a string", list: "a list", dict: "an object"}[kind]
        raise Unreadable(f"{what}: {name!r} is not {expected}")
    return value


# --- The Merkle tree (RFC 9162 section 2.1) -----------------------------------------


def leaf_hash(hashed_text: str) -> bytes:
    return hashlib.sha256(b"\x00" + hashed_text.encode("utf-8")).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """RFC 9162's k: the largest power of two smaller than n (n ≥ 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def roots_at(leaves: bytes, sizes: set[int]) -> dict[int, bytes]:
    """MTH(D[0:size]) for each wanted size, in one pass over the concatenated 32-byte leaf hashes.

    The tree of the leaves so far is kept as a stack of complete subtrees, largest
    first (one per set bit of the size); MTH is the right-to-left fold of that stack.
    """
    out = {}
    if 0 in sizes:
        out[0] = EMPTY_ROOT
    stack: list[tuple[int, bytes]] = []
    count = len(leaves) // 32
    for i in range(count):
        size, node = 1, bytes(leaves[32 * i : 32 * i + 32])
        while stack and stack[-1][0] == size:
            size += stack[-1][0]
            node = node_hash(stack.pop()[1], node)
        stack.append((size, node))
        if i + 1 in sizes:
            acc = stack[-1][1]
            for _size, left in reversed(stack[:-1]):
                acc = node_hash(left, acc)
            out[i + 1] = acc
    return out


def inclusion_length(index: int, size: int) -> int:
    """How many hashes PATH(index, D[0:size]) has (RFC 9162 2.1.3.1)."""
    length = 0
    while size > 1:
        k = split_point(size)
        if index < k:
            size = k
        else:
            index, size = index - k, size - k
        length += 1
    return length


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes:
    """The root that PATH (bottom-up, as RFC 9162 2.1.3.1 lists it) and the leaf lead to.

    The recursion of 2.1.3.1 read backwards: the last hash is the sibling at the
    top split, the first the leaf's own sibling. ``path`` has the right length.
    """
    if size == 1:
        return leaf
    k = split_point(size)
    top, rest = path[-1], path[:-1]
    if index < k:
        return node_hash(root_from_inclusion(index, k, leaf, rest), top)
    return node_hash(top, root_from_inclusion(index - k, size - k, leaf, rest))


def consistency_length(m: int, n: int, whole: bool = True) -> int:
    """How many hashes PROOF(m, D[0:n]) has (RFC 9162 2.1.4.1), 0 < m ≤ n."""
    length = 0
    while m != n:
        k = split_point(n)
        if m <= k:
            n = k
        else:
            m, n, whole = m - k, n - k, False
        length += 1
    return length + (0 if whole else 1)


def roots_from_consistency(m: int, n: int, proof: list[bytes], old_root: bytes, whole: bool = True):
    """(old hash, new hash) of a subtree that SUBPROOF(m, D[n], whole) describes (RFC 9162 2.1.4.1).

    The old hash is MTH of the subtree's first m leaves, the new one MTH of all n.
    A subtree that is wholly old while ``whole`` holds is the old tree itself, so
    the proof leaves it out and its hash is ``old_root``. ``proof`` has the right length.
    """
    if m == n:
        if whole:
            return old_root, old_root
        return proof[0], proof[0]
    k = split_point(n)
    top, rest = proof[-1], proof[:-1]
    if m <= k:
        old, new = roots_from_consistency(m, k, rest, old_root, whole)
        return old, node_hash(new, top)
    old, new = roots_from_consistency(m - k, n - k, rest, old_root, False)
    return node_hash(top, old), node_hash(top, new)


# --- Keys and signed checkpoints (C2SP signed-note, tlog-checkpoint) -------------------


class Key:
    def __init__(self, text: str):
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not parts[0] or any(c.isspace() for c in parts[0]):
            raise Unreadable(f"a verifier key reads <name>+<hex key id>+<base64 key>, not {text.strip()[:60]!r}")
        self.name, hex_id, encoded = parts
        raw = unb64(encoded, f"the key of {self.name}")
        if len(raw) != 33 or raw[0] != ED25519:
            raise Unreadable(f"the key of {self.name} is not an Ed25519 key (0x01 then 32 bytes)")
        self.public = raw[1:]
        self.id = hashlib.sha256(self.name.encode("utf-8") + b"\n" + raw).digest()[:4]
        if self.id.hex() != hex_id.lower():
            raise Unreadable(f"the key id {hex_id} of {self.name} does not match its name and public key")

    def verifies(self, signature: bytes, message: bytes) -> bool:
        try:
            from cryptography.exceptions import InvalidSignature
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        except ImportError:
            raise Unreadable("checking signatures needs the 'cryptography' package: pip install cryptography") from None
        try:
            Ed25519PublicKey.from_public_bytes(self.public).verify(signature, message)
        except InvalidSignature:
            return False
        return True


class Checkpoint:
    """A signed checkpoint, parsed; ``verify`` checks its signature."""

    def __init__(self, note, what: str = "the checkpoint"):
        self.what = what
        if not isinstance(note, str):
            raise Unreadable(f"{what} is not text")
        if "\r" in note:
            raise Unreadable(f"{what} has carriage returns: lines end in a bare newline (was it saved on Windows?)")
        body, sep, signatures = note.rpartition("\n\n")
        if not sep or not body or not signatures.endswith("\n"):
            raise Unreadable(
                f"{what} is not a signed note: text, a blank line, then signature lines, each ending in \\n"
            )
        self.body = body + "\n"
        lines = body.split("\n")
        if len(lines) < 3:
            raise Unreadable(f"{what} needs an origin, a tree size and a root hash, one per line")
        self.origin, size_text, root_text = lines[:3]
        if not self.origin:
            raise Unreadable(f"{what} has an empty origin line")
        if not re.fullmatch(r"0|[1-9][0-9]*", size_text):
            raise Unreadable(f"{what}: the tree size {size_text[:30]!r} is not a decimal number")
        self.size = int(size_text)
        self.root = unb64_hash(root_text, f"{what}: the root hash")
        self.signatures = []
        for line in signatures[:-1].split("\n"):
            if not line.startswith(DASH):
                raise Unreadable(f"{what}: a signature line must start with an em dash and a space")
            name, space, encoded = line[len(DASH) :].rpartition(" ")
            if not space or not name:
                raise Unreadable(f"{what}: a signature line reads '— <key name> <base64 signature>'")
            raw = unb64(encoded, f"{what}: the signature by {name}")
            if len(raw) < 5:
                raise Unreadable(f"{what}: the signature by {name} is shorter than a key id")
            self.signatures.append((name, raw[:4], raw[4:]))

    def verify(self, keys: list[Key]) -> Key:
        """The trusted key whose signature holds; Broken unless one does."""
        for name, key_id, signature in self.signatures:
            for key in keys:
                if key.name == name and key.id == key_id:
                    if len(signature) != 64 or not key.verifies(signature, self.body.encode("utf-8")):
                        raise Broken(f"{self.what}: the signature by {name} does not verify: the text was altered")
                    if self.origin != key.name:
                        raise Broken(f"{self.what}: its origin {self.origin!r} is not the signing key's name {name!r}")
                    return key
        trusted = ", ".join(sorted({k.name + "+" + k.id.hex() for k in keys})) or "none"
        raise Broken(f"{self.what}: no signature by a trusted key (trusted: {trusted})")

    def describe(self) -> str:
        return f"tree size {self.size}, root {b64(self.root)}"


def read_text(path: Path, what: str) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable(f"{what} {path} is not UTF-8 text") from None


def read_json(path: Path, fmt: str, what: str) -> dict:
    text = read_text(path, what)
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise Unreadable(f"{what} {path} is not JSON (truncated?): {exc}") from None
    return check_format(obj, fmt, f"{what} {path}")


def check_format(obj, fmt: str, what: str) -> dict:
    if not isinstance(obj, dict):
        raise Unreadable(f"{what} is not a JSON object")
    if obj.get("format") != fmt:
        raise Unreadable(f"{what} has format {obj.get('format')!r}, expected {fmt!r}")
    return obj


def parse_keys(values: list[str]) -> list[Key]:
    keys = []
    for value in values:
        if value.startswith("@"):
            text = read_text(Path(value[1:]), "the key file")
            keys += [Key(line) for line in text.splitlines() if line.strip() and not line.startswith("#")]
        else:
            keys.append(Key(value))
    return keys


# --- Reading exports ------------------------------------------------------------------


def _csv_records(path: Path):
    with path.open(newline="", encoding="utf-8") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            kind = row.get("record")
            meta = row.get("meta") or ""
            try:
                if kind == "event":
                    rec = dict(row)
                    rec.pop("day", None)
                    rec.pop("meta", None)
                    rec["seq"] = int(row["seq"])
                    rec["actor_id"] = int(row["actor_id"]) if row["actor_id"] else None
                    rec["changes"] = json.loads(row["changes"])
                    rec["ip"] = row["ip"] or None
                    rec["redacted_at"] = row["redacted_at"] or None
                    yield line_no, rec
                elif kind == "checkpoint" and meta:  # format 2: the record's fields as JSON in meta
                    yield line_no, {**json.loads(meta), "record": kind}
                elif kind == "checkpoint":
                    yield line_no, {"record": kind, "day": row["day"], "seq": int(row["seq"]), "hash": row["hash"]}
                elif kind in ("export", "end"):
                    yield line_no, {**json.loads(meta or "{}"), "record": kind}
                else:
                    raise Unreadable(f"line {line_no}: unknown record type {kind!r}")
            except (ValueError, KeyError, TypeError) as exc:
                raise Unreadable(f"line {line_no}: {exc}") from None


def _jsonl_records(path: Path):
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError as exc:
                raise Unreadable(f"line {line_no}: not JSON ({exc})") from None
            if not isinstance(rec, dict) or "record" not in rec:
                raise Unreadable(f"line {line_no}: not an export record")
            yield line_no, rec


def records(path: Path):
    with path.open("rb") as handle:
        first = handle.read(1)
    return _jsonl_records(path) if first == b"{" else _csv_records(path)


def event_problem(ev: dict) -> tuple[str, str | None]:
    """What is wrong with one event on its own ("" when nothing), and its hashed text."""
    if ev.get("redacted_at") is None:
        digest = sha256_hex({"changes": ev.get("changes"), "target_display": ev.get("target_display", "")})
        if digest != ev.get("payload_digest"):
            return "changes or target_display do not match payload_digest", None
    try:
        text = canonical({name: ev[name] for name in HASHED})
    except KeyError as exc:
        return f"field {exc} is missing", None
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != ev.get("hash"):
        return "the event's fields do not hash to its hash", None
    return "", text


class Export:
    """One export read and checked event by event: what later checks need."""

    def __init__(self, path: Path):
        self.path = path
        self.header = None
        self.end = None
        self.count = 0
        self.first_seq = self.last_seq = self.head_hash = None
        self.by_seq: dict[int, str] = {}
        self.leaves = bytearray()  # leaf hashes of events 1, 2, … while the export is the log's prefix
        self.prefix = True
        self.checkpoints: list[dict] = []
        line_no = 0
        for line_no, rec in records(path):
            kind = rec["record"]
            where = f"line {line_no}"
            if kind == "export":
                if self.header is not None or self.count:
                    raise Unreadable(f"{where}: a second export header, or one after events")
                self.header = rec
                self._read_header()
            elif kind == "event":
                self._event(rec, where)
            elif kind == "checkpoint":
                self.checkpoints.append(self._checkpoint(rec, where))
            elif kind == "end":
                self.end = rec
            else:
                raise Unreadable(f"{where}: unknown record type {kind!r}")
        if self.header is None and self.end is None and not self.count and not self.checkpoints:
            raise Unreadable(f"{path} holds no export records")
        if self.header is not None and self.end is None:
            raise Broken("the file ends before its 'end' record: the export is truncated")
        if self.end is not None and self.end.get("events") != self.count:
            raise Broken(f"the file holds {self.count} events but its 'end' record says {self.end.get('events')}")
        if not self.prefix:
            self.leaves = None
        if self.version == 1:
            for cp in self.checkpoints:
                if cp["seq"] in self.by_seq and self.by_seq[cp["seq"]] != cp["hash"]:
                    raise Broken(f"event seq={cp['seq']}: its hash differs from the checkpoint of {cp['day']}")

    def _read_header(self) -> None:
        h = self.header
        fmt = h.get("format", EXPORT_V1)
        if fmt not in (EXPORT_V1, EXPORT_V2):
            raise Unreadable(f"the export's format is {fmt!r}, not {EXPORT_V1!r} or {EXPORT_V2!r}")
        self.version = 2 if fmt == EXPORT_V2 else 1
        if self.version == 2:
            self.origin = get(h, "log_origin", str, "the export header")
            self.key_texts = get(h, "verifier_keys", list, "the export header")
            if not all(isinstance(k, str) for k in self.key_texts):
                raise Unreadable("the export header: 'verifier_keys' holds something other than key text")
            self.tree_size = get(h, "tree_size", int, "the export header")
        if not isinstance(h.get("contiguous", True), bool):
            raise Unreadable("the export header: 'contiguous' is not true or false")

    version = 1  # until a header says otherwise
    trusted: list = []  # the keys its checkpoints were checked with (format 2)
    origin = None
    key_texts: list[str] = []
    tree_size = None

    @property
    def contiguous(self) -> bool:
        return self.header is None or self.header.get("contiguous", True)

    def _event(self, rec: dict, where: str) -> None:
        seq = rec.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise Unreadable(f"{where}: the event's seq is not a whole number ≥ 1")
        problem, text = event_problem(rec)
        if problem:
            raise Broken(f"event seq={seq} ({where}): {problem}")
        prev = (self.last_seq, self.head_hash) if self.count else None
        if prev is None:
            if seq == 1 and rec["prev_hash"] != GENESIS:
                raise Broken(f"event seq=1 ({where}): the first event's prev_hash is not 64 zeros")
            self.first_seq = seq
            self.prefix = seq == 1 and self.contiguous
        elif self.contiguous:
            if seq != prev[0] + 1:
                raise Broken(f"event seq={seq} ({where}): follows seq={prev[0]}; events are missing or inserted")
            if rec["prev_hash"] != prev[1]:
                raise Broken(f"event seq={seq} ({where}): prev_hash is not the hash of event seq={prev[0]}")
        elif seq <= prev[0]:
            raise Broken(f"event seq={seq} ({where}): out of order after seq={prev[0]}")
        elif seq == prev[0] + 1 and rec["prev_hash"] != prev[1]:
            raise Broken(f"event seq={seq} ({where}): prev_hash is not the hash of event seq={prev[0]}")
        if self.prefix and self.version == 2:
            self.leaves += leaf_hash(text)
        self.by_seq[seq] = rec["hash"]
        self.last_seq, self.head_hash = seq, rec["hash"]
        self.count += 1

    def _checkpoint(self, rec: dict, where: str) -> dict:
        if self.version == 1:
            try:
                cp = {"day": rec["day"], "seq": rec["seq"], "hash": rec["hash"]}
            except KeyError as exc:
                raise Unreadable(f"{where}: the checkpoint has no {exc}") from None
            if not isinstance(cp["seq"], int) or isinstance(cp["seq"], bool):
                raise Unreadable(f"{where}: the checkpoint's seq is not a whole number")
            return cp
        what = f"the checkpoint record ({where})"
        day = rec.get("day")
        if day is not None and not (isinstance(day, str) and DAY.match(day)):
            raise Unreadable(f"{what}: 'day' is neither YYYY-MM-DD nor null")
        size = get(rec, "tree_size", int, what)
        root = unb64_hash(get(rec, "root_hash", str, what), f"{what}: root_hash")
        label = f"the checkpoint of tree size {size}" + (f" ({day})" if day else "") + f" ({where})"
        note = Checkpoint(get(rec, "note", str, what), label)
        if (note.size, note.root) != (size, root):
            raise Broken(f"{label}: its signed note says {note.describe()}, the record {size} and {b64(root)}")
        return {"day": day, "tree_size": size, "root": root, "note": note, "label": label}

    def newest_checkpoint(self):
        return max(self.checkpoints, key=lambda cp: cp["tree_size"], default=None)


def read_older(path: Path) -> Export:
    try:
        return Export(path)
    except Broken as exc:
        raise Broken(f"the older export {path}: {exc}") from None
    except Unreadable as exc:
        raise Unreadable(f"the older export {path}: {exc}") from None


def choose_keys(given: list[Key], texts: list[str], where: str, out) -> list[Key]:
    if given:
        return given
    if not texts:
        raise Unreadable(f"no key to check signatures with: {where} names none, pass --key")
    print(
        f"WARNING: no --key given, so the signatures are checked with the key(s) {where} names. "
        "This shows only that the file is consistent with itself; pass --key with the log's "
        "published key to show it comes from that log.",
        file=out,
    )
    return [Key(t) for t in texts]


def verify_export(path: Path, *, keys: list[Key], against: Path | None, out, err) -> Export:
    export = Export(path)
    lines = []
    if export.version == 2:
        trusted = export.trusted = choose_keys(keys, export.key_texts, f"the export header of {path}", err)
        wanted = {cp["tree_size"] for cp in export.checkpoints}
        older = None
        if against is not None:
            older = read_older(against)
            if older.version == 2 and older.checkpoints:
                older_keys = choose_keys(keys, older.key_texts, f"the export header of {against}", err)
                older_cp = older.newest_checkpoint()
                older_cp["note"].verify(older_keys)
                wanted.add(older_cp["tree_size"])
        roots = roots_at(export.leaves, wanted) if export.leaves is not None else {}
        recomputed = []
        for cp in export.checkpoints:
            note = cp["note"]
            note.verify(trusted)
            if export.origin is not None and note.origin != export.origin:
                raise Broken(f"{cp['label']}: its origin {note.origin!r} is not the export's log {export.origin!r}")
            root = roots.get(cp["tree_size"])
            if root is not None:
                if root != cp["root"]:
                    raise Broken(
                        f"{cp['label']}: the events 1 to {cp['tree_size']} of this export have the Merkle root "
                        f"{b64(root)}, the signed checkpoint says {b64(cp['root'])}"
                    )
                recomputed.append(cp["tree_size"])
        lines.append(
            f"  {len(export.checkpoints)} signed checkpoint(s) of {export.origin} verified"
            + (f"; Merkle root recomputed from the events at tree size(s) {_sizes(recomputed)}" if recomputed else "")
        )
        if export.leaves is None and export.checkpoints:
            lines.append("  (the export does not start at event 1, so no root could be recomputed from it)")
        elif len(recomputed) < len(export.checkpoints):
            lines.append(
                f"  {len(export.checkpoints) - len(recomputed)} checkpoint(s) cover events beyond this export: "
                "their signatures were checked, not their roots"
            )
    elif against is not None:
        older = read_older(against)
    else:
        older = None
    if older is not None:
        matched, said = compare(export, older, roots if export.version == 2 else {})
        lines += said
        lines.append(f"  {matched} item(s) of {against} still hold")
    print(
        f"OK: {export.count} event(s)"
        + (f", seq {export.first_seq} to {export.last_seq}, head hash {export.head_hash}" if export.count else "")
        + f"; {len(export.checkpoints)} checkpoint(s) consistent",
        file=out,
    )
    for line in lines:
        print(line, file=out)
    return export


def _sizes(sizes: list[int]) -> str:
    sizes = sorted(set(sizes))
    return ", ".join(map(str, sizes)) if len(sizes) <= 6 else f"{sizes[0]} … {sizes[-1]} ({len(sizes)} sizes)"


def compare(export: Export, older: Export, roots: dict[int, bytes]) -> tuple[int, list[str]]:
    """Every event (and checkpoint) of the older export must still hold in this one."""
    matched = 0
    said = []
    for seq, digest in older.by_seq.items():
        if seq in export.by_seq:
            if export.by_seq[seq] != digest:
                raise Broken(f"event seq={seq}: changed since the older export")
            matched += 1
    if older.version == 1:
        current = {cp["day"]: cp for cp in export.checkpoints} if export.version == 1 else {}
        for cp in older.checkpoints:
            now = current.get(cp["day"])
            if now is not None and (now["seq"], now["hash"]) != (cp["seq"], cp["hash"]):
                raise Broken(f"the checkpoint of {cp['day']} changed since the older export")
            if cp["seq"] in export.by_seq and export.by_seq[cp["seq"]] != cp["hash"]:
                raise Broken(f"event seq={cp['seq']}: changed since the older export's checkpoint of {cp['day']}")
            matched += now is not None or cp["seq"] in export.by_seq
    else:
        by_size = {cp["tree_size"]: cp for cp in export.checkpoints} if export.version == 2 else {}
        for cp in older.checkpoints:
            now = by_size.get(cp["tree_size"])
            if now is not None:
                if now["root"] != cp["root"]:
                    raise Broken(
                        f"the older export's checkpoint of tree size {cp['tree_size']} has root {b64(cp['root'])}, "
                        f"this export's {b64(now['root'])}: the log forked"
                    )
                matched += 1
        newest = older.newest_checkpoint()
        if newest is not None:
            size = newest["tree_size"]
            if size in roots:
                if roots[size] != newest["root"]:
                    raise Broken(
                        f"the older export's newest checkpoint (tree size {size}) is not consistent with this "
                        f"export: its events 1 to {size} have the root {b64(roots[size])}, not {b64(newest['root'])}"
                    )
                matched += 1
                said.append(f"  the older export's newest checkpoint (tree size {size}) is a prefix of this log")
            elif size not in by_size:
                said.append(
                    f"  NOTE: the older checkpoint (tree size {size}) could not be compared with this export's "
                    "tree: export from event 1 or check a consistency proof (--consistency)"
                )
    if not matched:
        raise Broken(
            f"nothing in {older.path} overlaps this export, so it proves nothing: export a range that covers it"
        )
    return matched, said


# --- Proofs ---------------------------------------------------------------------------


def hash_list(obj: dict, what: str) -> list[bytes]:
    values = get(obj, "hashes", list, what)
    return [unb64_hash(h, f"{what}: hash {i + 1}") for i, h in enumerate(values)]


def check_inclusion(proof: dict, keys: list[Key], what: str, leaf: bytes | None = None) -> Checkpoint:
    """Verify an inclusion proof object; ``leaf`` is the leaf hash recomputed from the event, when known."""
    seq = get(proof, "seq", int, what)
    index = get(proof, "leaf_index", int, what)
    size = get(proof, "tree_size", int, what)
    if seq < 1 or index != seq - 1:
        raise Unreadable(f"{what}: leaf_index must be seq - 1 (seq {seq}, leaf_index {index})")
    if index >= size:
        raise Unreadable(f"{what}: leaf {index} is outside a tree of size {size}")
    claimed = unb64_hash(get(proof, "leaf_hash", str, what), f"{what}: leaf_hash")
    path = hash_list(proof, what)
    expected = inclusion_length(index, size)
    if len(path) != expected:
        raise Unreadable(
            f"{what}: an inclusion proof of leaf {index} in a tree of {size} has {expected} hashes, not {len(path)}"
        )
    note = Checkpoint(get(proof, "checkpoint", str, what), f"the checkpoint of {what}")
    if leaf is not None and leaf != claimed:
        raise Broken(f"the event seq={seq} does not hash to the proof's leaf_hash: the event or the proof was altered")
    if note.size != size:
        raise Broken(f"{what} is for tree size {size} but its checkpoint is of tree size {note.size}")
    root = root_from_inclusion(index, size, claimed, path)
    if root != note.root:
        raise Broken(
            f"{what}: the proof hashes lead to the root {b64(root)}, the checkpoint says {b64(note.root)}: "
            "the proof or the checkpoint was altered"
        )
    note.verify(keys)
    return note


def verify_inclusion_file(path: Path, keys: list[Key], export: Export | None, out) -> None:
    what = f"the inclusion proof {path}"
    proof = read_json(path, INCLUSION_FORMAT, "the inclusion proof")
    leaf = None
    if export is not None and export.leaves is not None and proof.get("seq") in export.by_seq:
        seq = proof["seq"]
        leaf = bytes(export.leaves[32 * (seq - 1) : 32 * seq])
    note = check_inclusion(proof, keys, what, leaf)
    print(
        f"OK: event seq={proof['seq']} (leaf {proof['leaf_index']}) is in the log {note.origin} at {note.describe()}"
        + ("; its leaf matches the export's event" if leaf is not None else ""),
        file=out,
    )


def verify_consistency_file(path: Path, keys: list[Key], old_path: Path | None, out) -> None:
    what = f"the consistency proof {path}"
    proof = read_json(path, CONSISTENCY_FORMAT, "the consistency proof")
    m = get(proof, "old_size", int, what)
    n = get(proof, "new_size", int, what)
    if m > n:
        raise Unreadable(f"{what}: old_size {m} is larger than new_size {n}")
    hashes = hash_list(proof, what)
    expected = consistency_length(m, n) if m else 0
    if len(hashes) != expected:
        raise Unreadable(f"{what}: a consistency proof from {m} to {n} has {expected} hashes, not {len(hashes)}")
    old = Checkpoint(get(proof, "old_checkpoint", str, what), f"the old checkpoint of {what}")
    new = Checkpoint(get(proof, "new_checkpoint", str, what), f"the new checkpoint of {what}")
    kept = (
        Checkpoint(read_text(old_path, "the old checkpoint"), f"the kept checkpoint {old_path}") if old_path else None
    )
    if (old.size, new.size) != (m, n):
        raise Broken(f"{what} is from {m} to {n} but its checkpoints are of tree sizes {old.size} and {new.size}")
    if kept is not None and (kept.size, kept.root) != (old.size, old.root):
        raise Broken(
            f"the kept checkpoint {old_path} ({kept.describe()}) is not the proof's old checkpoint ({old.describe()})"
        )
    if old.origin != new.origin:
        raise Broken(f"{what}: the checkpoints are of two logs, {old.origin!r} and {new.origin!r}")
    if m == 0:
        if old.root != EMPTY_ROOT:
            raise Broken(f"{what}: the old checkpoint of the empty tree has a root other than SHA-256 of nothing")
        if n == 0 and new.root != EMPTY_ROOT:
            raise Broken(f"{what}: the new checkpoint of the empty tree has a root other than SHA-256 of nothing")
    else:
        old_root, new_root = roots_from_consistency(m, n, hashes, old.root)
        if old_root != old.root:
            raise Broken(f"{what}: the proof does not lead to the old checkpoint's root: the log was rewritten")
        if new_root != new.root:
            raise Broken(f"{what}: the proof does not lead to the new checkpoint's root: the log was rewritten")
    if kept is not None:
        kept.verify(keys)
    old.verify(keys)
    new.verify(keys)
    print(
        f"OK: the log {new.origin} at tree size {n} extends tree size {m}"
        + (f" (the checkpoint kept in {old_path})" if kept is not None else "")
        + f"; new root {b64(new.root)}",
        file=out,
    )


def verify_checkpoint_file(path: Path, keys: list[Key], export: Export | None, out) -> None:
    note = Checkpoint(read_text(path, "the checkpoint"), f"the checkpoint {path}")
    key = note.verify(keys)
    said = f"OK: the checkpoint {path} of {note.origin} ({note.describe()}) is signed by {key.name}+{key.id.hex()}"
    if export is not None and export.leaves is not None and note.size <= len(export.leaves) // 32:
        root = roots_at(export.leaves, {note.size})[note.size]
        if root != note.root:
            raise Broken(
                f"the checkpoint {path}: the export's events 1 to {note.size} have the root {b64(root)}, "
                f"the checkpoint says {b64(note.root)}"
            )
        said += f"; the export's events 1 to {note.size} have that root"
    elif export is not None:
        said += "; the export does not hold events 1 to that size, so the root was not recomputed"
    print(said, file=out)


def verify_bundle_file(path: Path, keys: list[Key], err, out) -> None:
    bundle = read_json(path, BUNDLE_FORMAT, "the proof bundle")
    what = f"the proof bundle {path}"
    event = get(bundle, "event", dict, what)
    inclusion = check_format(get(bundle, "inclusion", dict, what), INCLUSION_FORMAT, f"{what}: its inclusion proof")
    key_text = get(bundle, "verifier_key", str, what)
    trusted = choose_keys(keys, [key_text], f"the bundle {path}", err)
    seq = event.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise Unreadable(f"{what}: the event's seq is not a whole number ≥ 1")
    problem, text = event_problem(event)
    if problem:
        raise Broken(f"event seq={seq} in {path}: {problem}")
    if inclusion.get("seq") != seq:
        raise Broken(f"{what}: the event is seq={seq} but the proof is for seq={inclusion.get('seq')}")
    note = check_inclusion(inclusion, trusted, f"the inclusion proof in {path}", leaf_hash(text))
    print(
        f"OK: event seq={seq} ({event.get('action')} on {event.get('target_type')} {event.get('target_id')}) "
        f"is in the log {note.origin} at {note.describe()}",
        file=out,
    )


def main(argv=None, out=None, err=None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", type=Path, nargs="?", help="a Hallmark audit export (.jsonl or .csv)")
    parser.add_argument("--against", type=Path, help="an older export whose events and newest checkpoint must hold")
    parser.add_argument("--checkpoint", type=Path, help="a signed checkpoint (note text) to verify")
    parser.add_argument("--inclusion", type=Path, help="an inclusion proof (JSON) to verify")
    parser.add_argument("--consistency", type=Path, help="a consistency proof (JSON) to verify")
    parser.add_argument("--old-checkpoint", type=Path, help="with --consistency: the older checkpoint you kept")
    parser.add_argument("--bundle", type=Path, help="a proof bundle (event, inclusion proof, checkpoint) to verify")
    parser.add_argument(
        "--key", action="append", default=[], help="a log verifier key you trust (the text, or @file); repeatable"
    )
    args = parser.parse_args(argv)
    if not (args.export or args.checkpoint or args.inclusion or args.consistency or args.bundle):
        parser.error("give an export, or --checkpoint, --inclusion, --consistency or --bundle")
    if args.against and not args.export:
        parser.error("--against compares with an export: give the newer export too")
    if args.old_checkpoint and not args.consistency:
        parser.error("--old-checkpoint goes with --consistency")
    try:
        keys = parse_keys(args.key)
        export = None
        if args.export:
            export = verify_export(args.export, keys=keys, against=args.against, out=out, err=err)
        if args.checkpoint or args.inclusion or args.consistency:
            proof_keys = keys or (export.trusted if export is not None else [])
            if not proof_keys:
                raise Unreadable("no key to check signatures with: pass --key with the log's verifier key")
            if args.checkpoint:
                verify_checkpoint_file(args.checkpoint, proof_keys, export, out)
            if args.inclusion:
                verify_inclusion_file(args.inclusion, proof_keys, export, out)
            if args.consistency:
                verify_consistency_file(args.consistency, proof_keys, args.old_checkpoint, out)
        if args.bundle:
            verify_bundle_file(args.bundle, keys, err, out)
    except Broken as exc:
        print(f"BROKEN: {exc}", file=err)
        return 1
    except Unreadable as exc:
        print(f"cannot read the input: {exc}", file=err)
        return 2
    except OSError as exc:
        print(f"cannot read the input: {exc.filename or ''}: {exc.strerror or exc}", file=err)
        return 2
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # a backstop: input of a shape nothing above expected; never a traceback
        print(f"cannot read the input: {type(exc).__name__}: {exc}", file=err)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
