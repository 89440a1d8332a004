"""The audit log: a transparency log of every step, that auditors verify but nobody changes.

Writers call ``record()``, a plain insert in their own transaction. The sealer
(``portal.audit.seal``) later numbers events, chains their hashes and adds
them to an RFC 9162 Merkle tree, writing an Ed25519-signed C2SP checkpoint
with every batch. Proofs (``portal.audit.proofs``) show that one event is in
the log, or that a later checkpoint extends an earlier one. docs/audit-log.md
describes the design; README.md how to verify it.

Other apps use only what this module exports; an import-linter contract keeps
them off the package's tables and internals.
"""

from portal.audit.actions import PortalAction, known_actions, register_actions
from portal.audit.canonical import GENESIS_HASH, HASHED_FIELDS, canonical, diff, event_hash, format_time, payload_digest
from portal.audit.record import events, events_for, record, redact_payload, target_label
from portal.audit.seal import seal as seal_pending
from portal.audit.seal import seal_lag
from portal.audit.verify import VerifyResult, verify_chain

__all__ = [
    "GENESIS_HASH",
    "HASHED_FIELDS",
    "PortalAction",
    "VerifyResult",
    "canonical",
    "diff",
    "event_hash",
    "events",
    "events_for",
    "format_time",
    "known_actions",
    "payload_digest",
    "record",
    "redact_payload",
    "register_actions",
    "seal_lag",
    "seal_pending",
    "target_label",
    "verify_chain",
]
