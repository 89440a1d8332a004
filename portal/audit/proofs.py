"""Inclusion and consistency proofs (RFC 9162 2.1.3 and 2.1.4) from the stored tree.

A proof needs the hashes of a few ranges of leaves; each range is covered by
perfect subtrees, which the sealer stored as it completed them (leaves in
``AuditEvent.leaf_hash``, the rest in ``AuditTreeNode``). So a proof reads
O(log n) rows in three queries (the checkpoints, the leaves, the nodes),
however long the log is. The JSON shapes are documented in docs/audit-log.md
and checked by tools/verify_audit_export.py.
"""

from __future__ import annotations

import base64
from typing import Any

from portal.audit import merkle, notes
from portal.audit.export import EVENT_FIELDS, event_record
from portal.audit.models import AuditEvent, AuditLogCheckpoint
from portal.audit.seal import load_nodes

INCLUSION_FORMAT = "hallmark-inclusion-proof/1"
CONSISTENCY_FORMAT = "hallmark-consistency-proof/1"
BUNDLE_FORMAT = "hallmark-proof-bundle/1"


class ProofUnavailable(ValueError):
    """The proof asked for cannot exist (an unsealed event, a tree size with no signed checkpoint); says why."""


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def latest_checkpoint() -> AuditLogCheckpoint | None:
    return AuditLogCheckpoint.objects.order_by("-tree_size").first()


def _checkpoints(*sizes: int) -> dict[int, AuditLogCheckpoint]:
    found = {c.tree_size: c for c in AuditLogCheckpoint.objects.filter(tree_size__in=set(sizes))}
    for size in sizes:
        if size not in found:
            raise ProofUnavailable(
                f"there is no signed checkpoint of a tree of {size} events; ask for the size of one "
                "(the latest checkpoint, or one you hold)"
            )
    return found


def _hashes(ranges: list[tuple[int, int]]) -> list[str]:
    found = load_nodes(merkle.nodes_for(ranges))
    return [_b64(h) for h in merkle.prove(ranges, lambda level, index: found[(level, index)])]


def _tree_size(tree_size: int | None) -> int:
    if tree_size is not None:
        return tree_size
    latest = latest_checkpoint()
    if latest is None:
        raise ProofUnavailable("the log has no signed checkpoint yet")
    return latest.tree_size


def inclusion(seq: int, tree_size: int | None = None) -> dict[str, Any]:
    """The inclusion proof of event ``seq`` in the tree of ``tree_size`` events (default: the latest checkpoint)."""
    return inclusions([seq], tree_size)[0]


def inclusions(seqs: list[int], tree_size: int | None = None) -> list[dict[str, Any]]:
    """Inclusion proofs of several events against one tree, from one read of the nodes they need."""
    tree_size = _tree_size(tree_size)
    for seq in seqs:
        if not 1 <= seq <= tree_size:
            raise ProofUnavailable(f"event #{seq} is not in a tree of {tree_size} events (sealed events are 1 to N)")
    checkpoint = _checkpoints(tree_size)[tree_size]
    ranges = {seq: merkle.inclusion_ranges(seq - 1, tree_size) for seq in seqs}
    wanted = {(0, seq - 1) for seq in seqs}
    for r in ranges.values():
        wanted |= merkle.nodes_for(r)
    found = load_nodes(wanted)
    return [
        {
            "format": INCLUSION_FORMAT,
            "seq": seq,
            "leaf_index": seq - 1,
            "tree_size": tree_size,
            "leaf_hash": _b64(found[(0, seq - 1)]),
            "hashes": [_b64(h) for h in merkle.prove(ranges[seq], lambda level, index: found[(level, index)])],
            "checkpoint": checkpoint.note,
        }
        for seq in seqs
    ]


def consistency(old_size: int, new_size: int | None = None) -> dict[str, Any]:
    """The consistency proof that the tree of ``new_size`` events extends the one of ``old_size``."""
    new_size = _tree_size(new_size)
    if not 1 <= old_size <= new_size:
        raise ProofUnavailable(f"no consistency proof from a tree of {old_size} to one of {new_size} events")
    checkpoints = _checkpoints(old_size, new_size)
    return {
        "format": CONSISTENCY_FORMAT,
        "old_size": old_size,
        "new_size": new_size,
        "hashes": _hashes(merkle.consistency_ranges(old_size, new_size)) if old_size < new_size else [],
        "old_checkpoint": checkpoints[old_size].note,
        "new_checkpoint": checkpoints[new_size].note,
    }


def bundle(event: AuditEvent, tree_size: int | None = None) -> dict[str, Any]:
    """What a seller or notifier downloads to check one event offline: the event, its proof, the key."""
    if event.seq is None or event.leaf_hash is None:
        raise ProofUnavailable("this event is not sealed yet; its proof exists within seconds")
    row = {name: getattr(event, name) for name in EVENT_FIELDS}
    return {
        "format": BUNDLE_FORMAT,
        "event": event_record(row),
        "inclusion": inclusion(event.seq, tree_size),
        "verifier_key": notes.verifiers()[0].text,
    }
