"""The sealer: numbers unsealed events, links and hashes them, grows the Merkle tree, signs a checkpoint.

Writers only insert (``portal.audit.record``); this is the one place that
gives events their log index. Each batch is one transaction, so a sealer
killed mid-batch leaves nothing half-sealed, and exactly one sealer works at a
time: on PostgreSQL the batch holds a transaction-scoped advisory lock
(another sealer finds it taken and returns at once); on SQLite the write lock
taken at BEGIN IMMEDIATE serialises them.

Order: the sealer numbers what its snapshot shows, in ``id`` order: events
of committed transactions (and its own). Numbers are given at sealing, not
at insert, so an event whose transaction commits late cannot be skipped: it
is not visible until it commits, and then it is sealed after everything
sealed before, with the next number. Nothing waits on a long transaction
either. (``xact_id``, stamped by the insert trigger, names the writing
transaction for an investigator; the order does not depend on it.)

Events numbered before the log became a tree (the hash chain) already have
``seq``, ``prev_hash`` and ``hash``: they become leaves 1..N unchanged, after
their hashes are checked, so the first checkpoint vouches only for a chain
that held.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from portal.audit import merkle, notes
from portal.audit.canonical import GENESIS_HASH, hashed_text
from portal.audit.models import AuditEvent, AuditLogCheckpoint, AuditTreeNode
from portal.audit.verify import EVENT_COLUMNS, check_event

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock key: "HALLMARK" read as an integer, so it does not collide by chance.
SEALER_LOCK = 0x48414C4C4D41524B
BATCH = 5000


class ChainBroken(Exception):
    """An event from before the tree does not match its hash: sealing stops until someone looks."""

    def __init__(self, seq: int, problem: str):
        super().__init__(f"audit event #{seq} cannot be sealed: {problem}")
        self.seq = seq
        self.problem = problem


@dataclass
class TreeState:
    size: int
    tree: merkle.CompactTree
    last_hash: str  # the chain hash of event ``size``


def tree_state() -> TreeState:
    """The tree as the newest checkpoint left it: its size, right edge and last chain hash."""
    last = AuditLogCheckpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() or 0
    edge = load_nodes(merkle.edge_nodes(last))
    last_hash = AuditEvent.objects.filter(seq=last).values_list("hash", flat=True).first() if last else GENESIS_HASH
    return TreeState(last, merkle.CompactTree(last, [edge[n] for n in merkle.edge_nodes(last)]), last_hash)


def load_nodes(wanted) -> dict[tuple[int, int], bytes]:
    """The stored hashes of perfect nodes ``(level, index)``: leaves from the events, others from the tree table."""
    wanted = set(wanted)
    found: dict[tuple[int, int], bytes] = {}
    leaves = [index + 1 for level, index in wanted if level == 0]
    if leaves:
        for seq, leaf in AuditEvent.objects.filter(seq__in=leaves, leaf_hash__isnull=False).values_list(
            "seq", "leaf_hash"
        ):
            found[(0, seq - 1)] = bytes(leaf)
    inner = sorted(n for n in wanted if n[0] > 0)
    for start in range(0, len(inner), 500):
        q = Q()
        for level, index in inner[start : start + 500]:
            q |= Q(level=level, index=index)
        for level, index, node in AuditTreeNode.objects.filter(q).values_list("level", "index", "hash"):
            found[(level, index)] = bytes(node)
    missing = wanted - found.keys()
    if missing:
        raise ChainBroken(min(i for _, i in missing) + 1, f"tree nodes {sorted(missing)[:3]} are missing")
    return found


def _locked() -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK])
        return cursor.fetchone()[0]


def _legacy(state: TreeState, limit: int) -> list[dict]:
    rows = (
        AuditEvent.objects.filter(seq__gt=state.size, leaf_hash__isnull=True)
        .order_by("seq")
        .values_list(*EVENT_COLUMNS)[:limit]
    )
    return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in rows]


def _pending(limit: int) -> list[dict]:
    pending = AuditEvent.objects.filter(leaf_hash__isnull=True, seq__isnull=True).order_by("id")
    return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in pending.values_list(*EVENT_COLUMNS)[:limit]]


def seal_batch(limit: int = BATCH) -> int:
    """Seal up to ``limit`` events in one transaction; the number sealed (0: nothing to do, or another sealer is)."""
    with transaction.atomic():
        if not _locked():
            return 0
        state = tree_state()
        batch = _legacy(state, limit)
        legacy = bool(batch)
        if not legacy:
            batch = _pending(limit)
        if not batch:
            return 0
        nodes: list[AuditTreeNode] = []
        updates: list[tuple] = []  # (id, seq, prev_hash, hash, leaf)
        prev = state.last_hash
        for rec in batch:
            seq = state.tree.size + 1
            if legacy:
                problem = check_event(rec, expected_seq=seq, expected_prev=prev)
                if problem:
                    raise ChainBroken(rec["seq"], problem)
            else:
                rec["seq"], rec["prev_hash"] = seq, prev
            text = hashed_text(rec).encode()
            rec["hash"] = hashlib.sha256(text).hexdigest()
            leaf = merkle.leaf_hash(text)
            nodes.extend(AuditTreeNode(level=lv, index=ix, hash=h) for lv, ix, h in state.tree.append(leaf))
            updates.append((rec["id"], seq, prev, rec["hash"], leaf))
            prev = rec["hash"]
        _write(updates, sealed_at=timezone.now())
        AuditTreeNode.objects.bulk_create(nodes, batch_size=2000)
        size, root = state.tree.size, state.tree.root()
        AuditLogCheckpoint.objects.create(
            tree_size=size, root_hash=root, note=notes.sign_checkpoint(size, root), created_at=timezone.now()
        )
    return len(batch)


def _write(updates: list[tuple], *, sealed_at) -> None:
    if connection.vendor == "postgresql":
        # One UPDATE joined to arrays: bulk_update's CASE-per-row statement grows with the
        # square of the batch and was most of a large batch's time.
        ids, seqs, prevs, hashes, leaves = (list(col) for col in zip(*updates, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE portal_auditevent AS e"
                " SET seq = u.seq, prev_hash = u.prev_hash, hash = u.hash, leaf_hash = u.leaf, sealed_at = %s"
                " FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::bytea[])"
                " AS u(id, seq, prev_hash, hash, leaf)"
                " WHERE e.id = u.id",
                [sealed_at, ids, seqs, prevs, hashes, leaves],
            )
        return
    events = []
    for event_id, seq, prev, digest, leaf in updates:
        events.append(
            AuditEvent(id=event_id, seq=seq, prev_hash=prev, hash=digest, leaf_hash=leaf, sealed_at=sealed_at)
        )
    AuditEvent.objects.bulk_update(events, ["seq", "prev_hash", "hash", "leaf_hash", "sealed_at"], batch_size=500)


def seal(*, batch_size: int = BATCH, max_seconds: float | None = None) -> int:
    """Seal batches until nothing is left (or ``max_seconds`` pass); the number of events sealed."""
    deadline = None if max_seconds is None else time.monotonic() + max_seconds
    total = 0
    while True:
        sealed = seal_batch(batch_size)
        total += sealed
        if sealed < batch_size or (deadline is not None and time.monotonic() > deadline):
            return total


def seal_lag() -> float | None:
    """Seconds since the oldest event still waiting to be sealed was written; None when none waits."""
    oldest = (
        AuditEvent.objects.filter(leaf_hash__isnull=True).order_by("id").values_list("created_at", flat=True).first()
    )
    if oldest is None:
        return None
    return max(0.0, (timezone.now() - oldest).total_seconds())
