"""The canonical form of an event: one encoder for the writer, the sealer and the verifier.

An event's *leaf bytes* are the UTF-8 of::

    json.dumps({name: fields[name] for name in HASHED_FIELDS}, sort_keys=True,
               separators=(",", ":"), ensure_ascii=False)

``hash`` is their SHA-256 (hex; the chain link of every event, old and new) and
the Merkle leaf is SHA-256(0x00 || leaf bytes). ``payload_digest`` covers the
redactable payload: sha256(canonical({"changes": changes, "target_display": target_display})).
``created_at`` is ISO 8601 in UTC with microseconds and a trailing "Z"; an empty
``ip`` is null; the first event's ``prev_hash`` is 64 zeros. The standalone
verifier (tools/verify_audit_export.py) is an independent copy of these rules.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import models

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
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


# One encoder, reused: building one per call was most of verify_chain's CPU time.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(value: Any) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def _plain(value: Any) -> Any:
    """Reduce a value to JSON types that survive a database round trip unchanged.

    Floats are turned into strings: their text form is not stable across
    databases (jsonb normalises numbers), and a hash must be.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_time(value)
    if hasattr(value, "isoformat"):  # date, time
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, enum.Enum):
        return _plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    return str(value)


_NO_OFFSET = timedelta(0)


def format_time(value: datetime) -> str:
    """ISO 8601 in UTC, always six fractional digits, "Z" (the form the hash covers)."""
    if value.utcoffset() != _NO_OFFSET:
        value = value.astimezone(UTC)
    # isoformat is C code; strftime was a tenth of verify_chain's time
    return value.isoformat(timespec="microseconds")[:-6] + "Z"


def payload_digest(changes: Any, target_display: str) -> str:
    return hashlib.sha256(canonical({"changes": changes, "target_display": target_display})).hexdigest()


def event_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical({name: fields[name] for name in HASHED_FIELDS})).hexdigest()


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"field": {"before": x, "after": y}}`` for the fields that changed."""
    return {
        key: {"before": _plain(before.get(key)), "after": _plain(after.get(key))}
        for key in sorted(set(before) | set(after))
        if _plain(before.get(key)) != _plain(after.get(key))
    }


# The canonical text's keys, in order, each with its separator: the same for every event.
_KEYS = [("," if i else "") + _CANONICAL.encode(name) + ":" for i, name in enumerate(sorted(HASHED_FIELDS))]
_ORDER = list(zip(sorted(HASHED_FIELDS), _KEYS, strict=True))
_encode_text = json.encoder.encode_basestring  # what _CANONICAL uses for a str (ensure_ascii=False)


def _scalar(value: Any) -> str:
    """A hashed field's JSON text, as ``_CANONICAL`` writes it, without the encoder's overhead for the usual types."""
    if value.__class__ is str:
        return _encode_text(value)
    if value is None:
        return "null"
    if value.__class__ is int:
        return int.__repr__(value)
    return _CANONICAL.encode(value)


def hashed_text(rec: Mapping[str, Any]) -> str:
    """The leaf text of a stored event (``created_at`` a datetime), key by key: the sealer's and the walk's hot loop.

    The same text as ``canonical`` of the fields with ``created_at`` formatted
    and an empty ``ip`` as null; tests compare the two.
    """
    text = "{"
    for name, key in _ORDER:
        value = rec[name]
        if name == "created_at":
            value = format_time(value)
        elif name == "ip":
            value = value or None
        text += key + _scalar(value)
    return text + "}"
