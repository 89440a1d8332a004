"""The Merkle tree of RFC 9162 section 2.1, as pure functions over hashes.

Leaves are numbered from 0. A *perfect node* ``(level, index)`` is the root of
the complete subtree over leaves ``[index * 2**level, (index + 1) * 2**level)``;
level 0 is a leaf hash. The sealer stores perfect nodes as they complete, so
any range that RFC 9162's recursion produces is the right-fold of at most
log2(n) stored nodes (``perfect_cover``) and every proof reads O(log n) rows.

Proofs are computed in two steps so storage can fetch all it needs at once:
``inclusion_ranges`` / ``consistency_ranges`` name the leaf ranges whose
Merkle tree hashes (MTH) make the proof, in the order RFC 9162 lists them; the
caller covers each range with perfect nodes, fetches them, and folds them with
``fold``.

Verification follows RFC 9162 sections 2.1.3.2 and 2.1.4.2 step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1): RFC 9162's k."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (already hashed with ``leaf_hash``)."""
    tree = CompactTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree.root()


class CompactTree:
    """A tree kept as its right edge: one perfect node per set bit of its size.

    ``append`` returns the perfect nodes it completed (level ≥ 1), which is
    what the sealer stores. ``root`` folds the edge.
    """

    __slots__ = ("edge", "size")

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()):
        if len(edge) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} edge nodes, not {len(edge)}")
        self.size = size
        self.edge = list(edge)  # largest subtree first

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        completed = []
        node, level, index = leaf, 0, self.size
        while index & 1:  # the new node closes a pair with the edge's last node
            node = node_hash(self.edge.pop(), node)
            level += 1
            index >>= 1
            completed.append((level, index, node))
        self.edge.append(node)
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.edge:
            return EMPTY_ROOT
        return fold(self.edge)


def edge_nodes(size: int) -> list[tuple[int, int]]:
    """The perfect nodes ``(level, index)`` whose fold is the root of a tree of ``size``, largest first."""
    return perfect_cover(0, size)


def perfect_cover(start: int, end: int) -> list[tuple[int, int]]:
    """The perfect nodes covering leaves ``[start, end)``, left to right, largest first.

    Defined for the ranges RFC 9162's recursion makes: ``start`` a multiple of
    the power of two at or above ``end - start``.
    """
    cover = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        cover.append((level, start >> level))
        start += 1 << level
    return cover


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect cover's hashes (left to right)."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs are PATH(index, D[0:size]), from the leaf's sibling upwards."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    out: list[tuple[int, int]] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    out.reverse()
    return out


def consistency_ranges(old_size: int, new_size: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs are PROOF(old_size, D[0:new_size]) (RFC 9162 2.1.4.1)."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from size {old_size} to {new_size}")
    out: list[tuple[int, int]] = []

    def subproof(m: int, start: int, end: int, whole: bool) -> None:
        n = end - start
        if m == n:
            if not whole:
                out.append((start, end))
            return
        k = _split(n)
        if m <= k:
            subproof(m, start, start + k, whole)
            out.append((start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            out.append((start, start + k))

    subproof(old_size, 0, new_size, True)
    return out


def prove(ranges: Iterable[tuple[int, int]], node: Callable[[int, int], bytes]) -> list[bytes]:
    """The hashes of ``ranges``, each folded from perfect nodes that ``node(level, index)`` returns."""
    return [fold([node(level, i) for level, i in perfect_cover(s, e)]) for s, e in ranges]


def nodes_for(ranges: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Every perfect node a set of ranges needs (what storage must fetch)."""
    return {n for s, e in ranges for n in perfect_cover(s, e)}


class ProofError(ValueError):
    """A proof that does not hold, or cannot be read; the message says which."""


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> None:
    """RFC 9162 2.1.3.2; raises ``ProofError`` unless ``leaf`` is leaf ``index`` of the tree with that root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof has more hashes than the tree has levels")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof has fewer hashes than the tree has levels")
    if r != expected_root:
        raise ProofError("the inclusion proof does not lead to the checkpoint's root hash")


def verify_consistency(old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes, new_root: bytes) -> None:
    """RFC 9162 2.1.4.2; raises ``ProofError`` unless the old tree is a prefix of the new one."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("a consistency proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("the two checkpoints have the same size but different root hashes")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the proof's implicit first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof has more hashes than the trees need")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof has fewer hashes than the trees need")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the older checkpoint's root hash")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the newer checkpoint's root hash")
