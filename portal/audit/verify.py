"""Walking the log: every sealed event's hash, link and leaf, the tree's root at every signed checkpoint.

The walk recomputes the Merkle tree from the events themselves (never trusting
the stored tree nodes), so a rewritten event, a rewritten node or a checkpoint
whose root or signature does not hold all show up, at the first place they do.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from django.db import connection

from portal.audit import merkle, notes
from portal.audit.canonical import GENESIS_HASH, HASHED_FIELDS, hashed_text, payload_digest
from portal.audit.models import AuditEvent, AuditLogCheckpoint


@dataclass
class VerifyResult:
    ok: bool
    count: int
    head_hash: str
    first_seq: int | None = None
    last_seq: int | None = None
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""
    redacted: int = 0
    tree_edge: list[str] = field(default_factory=list)  # hex, the walk's tree where it stopped
    checkpoints_checked: int = 0


# An event as the sealer and the walk read it: the hashed fields, then what the hash does not cover.
EVENT_COLUMNS = ("id", *HASHED_FIELDS, "hash", "changes", "target_display", "redacted_at")
VERIFY_COLUMNS = (*EVENT_COLUMNS, "leaf_hash")

_ROWS_SQL = (
    "SELECT id, seq, created_at, actor_id, actor_display, actor_role, action, target_type, target_id, reason, "
    "request_id, ip, payload_digest, prev_hash, hash, changes, target_display, redacted_at, leaf_hash "
    "FROM portal_auditevent WHERE seq > %s AND seq <= %s AND leaf_hash IS NOT NULL ORDER BY seq LIMIT %s"
)
assert _ROWS_SQL.startswith("SELECT " + ", ".join(VERIFY_COLUMNS) + " FROM")
_CHANGES_AT = VERIFY_COLUMNS.index("changes")


def rows(chunk_size: int = 5000, *, after_seq: int = 0, upto_seq: int | None = None) -> Iterator[tuple]:
    """Every sealed event after ``after_seq`` in log order, as tuples of ``VERIFY_COLUMNS``.

    Keyset pagination keeps memory flat however long the log is. On
    PostgreSQL a plain cursor reads the rows (about twice as fast as the ORM's
    per-row converters); ``changes`` arrives as JSON text and is parsed here.
    """
    last_seq = after_seq
    if connection.vendor != "postgresql":
        qs = AuditEvent.objects.filter(leaf_hash__isnull=False)
        if upto_seq is not None:
            qs = qs.filter(seq__lte=upto_seq)
        while chunk := list(qs.filter(seq__gt=last_seq).order_by("seq").values_list(*VERIFY_COLUMNS)[:chunk_size]):
            yield from chunk
            last_seq = chunk[-1][1]
        return
    i = _CHANGES_AT
    upto = (1 << 63) - 1 if upto_seq is None else upto_seq
    with connection.cursor() as cursor:
        while True:
            cursor.execute(_ROWS_SQL, [last_seq, upto, chunk_size])
            chunk = cursor.fetchall()
            if not chunk:
                return
            for row in chunk:
                if isinstance(row[i], str):
                    row = (*row[:i], json.loads(row[i]), *row[i + 1 :])
                yield row
            last_seq = chunk[-1][1]


def checkpoints_after(size: int, chunk_size: int = 1000) -> Iterator[tuple[int, bytes, str]]:
    """The signed checkpoints of trees larger than ``size``, smallest first: (tree_size, root, note)."""
    last = size
    while chunk := list(
        AuditLogCheckpoint.objects.filter(tree_size__gt=last)
        .order_by("tree_size")
        .values_list("tree_size", "root_hash", "note")[:chunk_size]
    ):
        for tree_size, root, note in chunk:
            yield tree_size, bytes(root), note
        last = chunk[-1][0]


def check_checkpoint(tree_size: int, root: bytes, note: str, keys=None) -> str:
    """What is wrong with a stored checkpoint on its own (signature, note against columns), or ""."""
    try:
        opened = notes.open_checkpoint(note, keys)
    except notes.NoteError as exc:
        return f"the signed checkpoint of size {tree_size} does not verify: {exc}"
    if opened.size != tree_size or opened.root != root:
        return f"the checkpoint of size {tree_size} says something else than its signed note"
    return ""


def verify_chain(
    rows_in: Iterable[tuple] | None = None,
    *,
    after_seq: int = 0,
    after_hash: str = GENESIS_HASH,
    edge: Sequence[bytes] | None = None,
    checkpoints: Iterable[tuple[int, bytes, str]] | None = None,
) -> VerifyResult:
    """Walk the log and name the first thing that does not hold.

    From the first event, or from a trusted point (``after_seq`` whose hash is
    ``after_hash`` and whose tree's right edge is ``edge``, as an earlier walk
    found them) to check only what came since. Each signed checkpoint met on
    the way must carry a valid signature and the root the walk computed.
    """
    if edge is None:
        if after_seq:
            from portal.audit.seal import load_nodes

            found = load_nodes(merkle.edge_nodes(after_seq))
            edge = [found[n] for n in merkle.edge_nodes(after_seq)]
        else:
            edge = []
    tree = merkle.CompactTree(after_seq, edge)
    pending = iter(checkpoints if checkpoints is not None else checkpoints_after(after_seq))
    next_checkpoint = next(pending, None)
    keys = notes.verifiers()
    expected_prev = after_hash
    expected_seq = after_seq + 1
    count = redacted = checked = 0
    first_seq = None
    problem = ""
    rec: dict[str, Any] = {}
    for row in rows_in if rows_in is not None else rows(after_seq=after_seq):
        rec = dict(zip(VERIFY_COLUMNS, row, strict=True))
        first_seq = first_seq or rec["seq"]
        problem = check_event(rec, expected_seq=expected_seq, expected_prev=expected_prev)
        if problem:
            break
        tree.append(bytes(rec["leaf_hash"]))
        while next_checkpoint is not None and next_checkpoint[0] <= tree.size:
            size, root, note = next_checkpoint
            problem = check_checkpoint(size, root, note, keys)
            if not problem and size == tree.size and root != tree.root():
                problem = f"the tree's root at size {size} differs from its signed checkpoint"
            if problem:
                break
            checked += 1
            next_checkpoint = next(pending, None)
        if problem:
            break
        redacted += rec["redacted_at"] is not None
        expected_prev = rec["hash"]
        expected_seq += 1
        count += 1
    return VerifyResult(
        ok=not problem,
        count=count,
        head_hash=expected_prev,
        first_seq=first_seq,
        last_seq=expected_seq - 1 if count else None,
        broken_seq=rec["seq"] if problem else None,
        broken_id=rec["id"] if problem else None,
        problem=problem,
        redacted=redacted,
        tree_edge=[h.hex() for h in tree.edge] if not problem else [],
        checkpoints_checked=checked,
    )


def check_event(rec: dict[str, Any], *, expected_seq: int, expected_prev: str) -> str:
    """What is wrong with one sealed event given its predecessor, or "" when nothing is."""
    if rec["seq"] != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {rec['seq']}: events are missing or inserted"
    if rec["prev_hash"] != expected_prev:
        return "prev_hash does not match the hash of the event before it"
    if rec["redacted_at"] is None and payload_digest(rec["changes"], rec["target_display"]) != rec["payload_digest"]:
        return "changes or target_display were altered (payload digest mismatch)"
    text = hashed_text(rec).encode()
    if sha256(text).hexdigest() != rec["hash"]:
        return "the event's contents do not match its hash"
    if rec.get("leaf_hash") is not None and bytes(rec["leaf_hash"]) != merkle.leaf_hash(text):
        return "the event's Merkle leaf does not match its contents"
    return ""
