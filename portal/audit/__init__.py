"""The tamper-evident audit trail.

``record()`` is the only writer. It must run inside the transaction of the
change it describes, so either both are committed or neither is. Writers are
serialised on the one-row chain head (``AuditChainHead``; on PostgreSQL one
statement moves the head and inserts the event, hashing it in the database;
on SQLite the write lock taken at BEGIN IMMEDIATE) so every event links to
the one committed before it and the chain never forks.

Hash algorithm (also documented in README.md for auditors)::

    canonical(x)    = UTF-8 of json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    payload_digest  = sha256(canonical({"changes": changes, "target_display": target_display}))
    hash            = sha256(canonical({"seq", "created_at", "actor_id", "actor_display", "actor_role",
                                        "action", "target_type", "target_id", "reason", "request_id",
                                        "ip", "payload_digest", "prev_hash"}))

``created_at`` is ISO 8601 in UTC with microseconds and a trailing "Z"; the
first event's ``prev_hash`` is 64 zeros.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from hashlib import sha256
from typing import Any
from uuid import UUID

from django.db import connection, models, transaction
from django.utils import timezone

from portal import context
from portal.models import AuditChainHead, AuditEvent

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


# --- Action vocabulary -----------------------------------------------------------
# Each app declares its actions as an enum and registers it; ``record`` refuses
# anything unregistered, so the vocabulary stays one list an auditor can read.

_ACTIONS: dict[str, str] = {}


def register_actions(enum_cls: type[enum.Enum]) -> type[enum.Enum]:
    for member in enum_cls:
        value = str(member.value)
        if value in _ACTIONS and _ACTIONS[value] != enum_cls.__qualname__:
            raise ValueError(f"audit action {value!r} registered twice")
        _ACTIONS[value] = enum_cls.__qualname__
    return enum_cls


def known_actions() -> list[str]:
    return sorted(_ACTIONS)


@register_actions
class PortalAction(enum.StrEnum):
    USER_CREATED = "portal.user.created"
    USER_CHANGED = "portal.user.changed"
    USER_ROLES_CHANGED = "portal.user.roles_changed"
    USER_DEACTIVATED = "portal.user.deactivated"
    LOGIN = "portal.auth.login"
    LOGOUT = "portal.auth.logout"
    LOGIN_FAILED = "portal.auth.login_failed"
    LOCKED_OUT = "portal.auth.locked_out"
    LOCKOUT_RESET = "portal.auth.lockout_reset"
    API_KEY_CREATED = "portal.api_key.created"
    API_KEY_REVOKED = "portal.api_key.revoked"
    AUDITOR_WINDOW_SET = "portal.auditor.window_set"
    AUDITOR_EXPIRED = "portal.auditor.expired"
    AUDIT_EXPORTED = "portal.audit.exported"
    AUDIT_VERIFIED = "portal.audit.verified"
    TOTP_DEVICE_CREATED = "portal.totp.device_created"
    OTP_DEVICE_CHANGED = "portal.otp.device_changed"
    OTP_DEVICE_REMOVED = "portal.otp.device_removed"
    OTP_DEVICE_ADDED = "portal.otp.device_added"


# --- Canonical form -----------------------------------------------------------------


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


# --- Writing -------------------------------------------------------------------------


def target_label(obj_or_type: models.Model | type[models.Model]) -> str:
    return obj_or_type._meta.label_lower


# The three hashed values the database fills in when it appends an event, in the
# order they appear in the canonical (key-sorted) text.
_DB_FILLED = ("created_at", "prev_hash", "seq")
assert tuple(n for n in sorted(HASHED_FIELDS) if n in _DB_FILLED) == _DB_FILLED


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


def canonical_pieces(fields: Mapping[str, Any]) -> list[str]:
    """The canonical text of an event's hashed fields, cut around the values the database fills in.

    Four pieces ``p0..p3`` such that ``canonical(fields)`` is
    ``p0 + created_at + p1 + prev_hash + p2 + str(seq) + p3`` (the two strings
    need no JSON escaping: a timestamp and a hex digest). This is how
    PostgreSQL computes the same hash ``event_hash`` would, in the statement
    that appends the event.
    """
    pieces: list[str] = []
    current = "{"
    for name, key in _ORDER:
        current += key
        if name == "seq":
            pieces.append(current)
            current = ""
        elif name in _DB_FILLED:
            pieces.append(current + '"')
            current = '"'
        else:
            current += _scalar(fields[name])
    pieces.append(current + "}")
    return pieces


# The arguments of hallmark_audit_append (migration portal 0009) after the four pieces and the time.
_APPEND_COLUMNS = (
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
)
_APPEND_SQL = "SELECT * FROM hallmark_audit_append(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
assert _APPEND_SQL.count("%s") == 5 + len(_APPEND_COLUMNS)


def ensure_head() -> None:
    """Create the head row from the newest event if it is missing (a fresh or truncated database)."""
    if AuditChainHead.objects.filter(pk=1).exists():
        return
    last = AuditEvent.objects.order_by("-seq").values("seq", "prev_hash", "hash", "created_at").first()
    start = last or {"seq": 0, "prev_hash": "", "hash": GENESIS_HASH, "created_at": None}
    AuditChainHead.objects.bulk_create([AuditChainHead(id=1, **start)], ignore_conflicts=True)


def lock_chain() -> AuditChainHead:
    """Lock the chain until the transaction ends and return its head (for bulk loaders)."""
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        ensure_head()
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def move_head(*, seq: int, prev_hash: str, hash: str, created_at: datetime) -> None:
    """Point the head at an event a bulk loader appended itself (after ``lock_chain``)."""
    AuditChainHead.objects.filter(pk=1).update(seq=seq, prev_hash=prev_hash, hash=hash, created_at=created_at)


def _append_params(fields: dict[str, Any], values: dict[str, Any]) -> list:
    values = {**values, "changes": json.dumps(values["changes"])}
    return [*canonical_pieces(fields), timezone.now(), *(values[c] for c in _APPEND_COLUMNS)]


def _append_in_python(fields: dict[str, Any], values: dict[str, Any]) -> None:
    # SQLite: BEGIN IMMEDIATE already holds the database's one write lock.
    # The address is hashed as the field will store it (SQLite keeps Django's text form).
    fields["ip"] = values["ip"] = AuditEvent._meta.get_field("ip").get_prep_value(fields["ip"])
    head = lock_chain()
    newest = AuditEvent.objects.order_by("-seq").values("seq", "hash", "created_at").first()
    if newest is not None and newest["seq"] > head.seq:  # the head fell behind (see migration 0011)
        head.seq, head.hash, head.created_at = newest["seq"], newest["hash"], newest["created_at"]
    fields["seq"], fields["prev_hash"] = head.seq + 1, head.hash
    created_at = max(timezone.now(), head.created_at) if head.created_at else timezone.now()
    fields["created_at"] = format_time(created_at)
    digest = event_hash(fields)
    AuditEvent.objects.create(**values, seq=fields["seq"], prev_hash=head.hash, created_at=created_at, hash=digest)
    move_head(seq=fields["seq"], prev_hash=head.hash, hash=digest, created_at=created_at)


def record(
    *,
    action: str | enum.Enum,
    actor,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_display: str | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Append one event to the chain, in the caller's transaction.

    ``actor`` is a user or ``None`` for the system (a sweep, a task with no
    human behind it); it is a required argument so nobody forgets it.

    On PostgreSQL the append travels in front of the transaction's COMMIT
    (``portal.db_backend``): it costs no round trip of its own, and the chain's
    lock is the transaction's last lock, held only inside the commit, so it is
    never part of a deadlock. A later statement of the transaction that reads
    the audit tables sees the event. A failed append fails the commit, and so
    the transaction. On SQLite the event is written at once. Nothing is returned:
    the database numbers and hashes the event; read it back if you need it.
    """
    fields, values = _event(
        action=action,
        actor=actor,
        target=target,
        target_type=target_type,
        target_id=target_id,
        target_display=target_display,
        changes=changes,
        reason=reason,
    )
    # No savepoint: an event belongs to its caller's transaction and fails with it.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(_APPEND_SQL, _append_params(fields, values))
        else:
            _append_in_python(fields, values)


def append_statement(**kwargs) -> tuple[str, list]:
    """The statement that appends this event on PostgreSQL, and its parameters, without sending it.

    For a hot path that sends the event together with its own change and the
    COMMIT in one round trip, so the chain's lock is never held while the
    client is away (``moderation.services.cases.case_claim_next``). Takes the
    arguments of ``record``; the statement returns the new event's row (it
    creates a missing chain head first, migration portal 0013).
    """
    fields, values = _event(**kwargs)
    return _APPEND_SQL, _append_params(fields, values)


def _event(
    *,
    action: str | enum.Enum,
    actor,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_display: str | None = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The hashed fields of an event (less what the append fills in) and its column values."""
    from portal.roles import role_of

    action = str(action.value if isinstance(action, enum.Enum) else action)
    if action not in _ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; register it with portal.audit.register_actions")
    if target is not None:
        target_type = target_label(target)
        target_id = target.pk
        if target_display is None:
            target_display = str(target)
    if not target_type or target_id in ("", None):
        raise ValueError("an audit event needs a target (object, or target_type and target_id)")
    ctx = context.current()
    actor_obj = actor if getattr(actor, "pk", None) else None
    fields: dict[str, Any] = {
        "actor_id": actor_obj.pk if actor_obj else None,
        "actor_display": actor_obj.get_username() if actor_obj else "system",
        "actor_role": role_of(actor_obj),
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "reason": reason or "",
        "request_id": ctx.request_id,
        "ip": context.clean_ip(ctx.ip),
    }
    payload = _plain(dict(changes or {}))
    display = (target_display or "")[:255]
    fields["payload_digest"] = payload_digest(payload, display)
    return fields, {**fields, "changes": payload, "target_display": display}


def redact_payload(*, event_ids: Iterable[int]) -> int:
    """Erase the personal payload of events (retention), keeping the chain intact.

    The PostgreSQL trigger allows exactly this change and nothing else: the
    payload columns cleared and ``redacted_at`` set, every hashed column equal.
    """
    return AuditEvent.objects.filter(pk__in=list(event_ids), redacted_at__isnull=True).update(
        changes=None, target_display="", redacted_at=timezone.now()
    )


# --- Verifying -----------------------------------------------------------------------


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


_VERIFY_COLUMNS = (
    "id",
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
    "hash",
    "changes",
    "target_display",
    "redacted_at",
)


_ROWS_SQL = (
    "SELECT id, seq, created_at, actor_id, actor_display, actor_role, action, target_type, target_id, reason, "
    "request_id, ip, payload_digest, prev_hash, hash, changes, target_display, redacted_at "
    "FROM portal_auditevent WHERE seq > %s ORDER BY seq LIMIT %s"
)
assert _ROWS_SQL.startswith("SELECT " + ", ".join(_VERIFY_COLUMNS) + " FROM")
_CHANGES_AT = _VERIFY_COLUMNS.index("changes")


def _rows(chunk_size: int = 5000, *, after_seq: int = 0) -> Iterator[tuple]:
    """Every event after ``after_seq`` in chain order, as tuples of ``_VERIFY_COLUMNS``.

    Keyset pagination keeps memory flat however long the chain is. On
    PostgreSQL a plain cursor reads the rows (about twice as fast as the ORM's
    per-row converters); ``changes`` arrives as JSON text and is parsed here.
    """
    last_seq = after_seq
    if connection.vendor != "postgresql":
        while chunk := list(
            AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq").values_list(*_VERIFY_COLUMNS)[:chunk_size]
        ):
            yield from chunk
            last_seq = chunk[-1][1]
        return
    i = _CHANGES_AT
    with connection.cursor() as cursor:
        while True:
            cursor.execute(_ROWS_SQL, [last_seq, chunk_size])
            chunk = cursor.fetchall()
            if not chunk:
                return
            for row in chunk:
                if isinstance(row[i], str):
                    row = (*row[:i], json.loads(row[i]), *row[i + 1 :])
                yield row
            last_seq = chunk[-1][1]


def verify_chain(
    rows: Iterable[tuple] | None = None, *, after_seq: int = 0, after_hash: str = GENESIS_HASH
) -> VerifyResult:
    """Walk the chain and name the first broken link.

    From the first event, or from a trusted point (``after_seq`` whose hash is
    ``after_hash``, as found by an earlier walk) to check only what came since.
    """
    expected_prev = after_hash
    expected_seq = after_seq + 1
    count = redacted = 0
    first_seq = None
    problem = ""
    rec: dict[str, Any] = {}
    for row in rows if rows is not None else _rows(after_seq=after_seq):
        rec = dict(zip(_VERIFY_COLUMNS, row, strict=True))
        first_seq = first_seq or rec["seq"]
        problem = _check_event(rec, expected_seq=expected_seq, expected_prev=expected_prev)
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
    )


def _check_event(rec: dict[str, Any], *, expected_seq: int, expected_prev: str) -> str:
    """What is wrong with one event given its predecessor, or "" when nothing is."""
    if rec["seq"] != expected_seq:
        return f"sequence jumps from {expected_seq - 1} to {rec['seq']}: events are missing or inserted"
    if rec["prev_hash"] != expected_prev:
        return "prev_hash does not match the hash of the event before it"
    if rec["redacted_at"] is None and payload_digest(rec["changes"], rec["target_display"]) != rec["payload_digest"]:
        return "changes or target_display were altered (payload digest mismatch)"
    if sha256(_hashed_text(rec).encode()).hexdigest() != rec["hash"]:
        return "the event's contents do not match its hash"
    return ""


def _hashed_text(rec: Mapping[str, Any]) -> str:
    """``canonical`` of a stored event's hashed fields, written key by key (the walk's hot loop).

    The same text as ``_CANONICAL.encode`` of the fields with ``created_at``
    formatted and an empty ``ip`` as null; tests compare the two.
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


def events_for(obj: models.Model):
    return AuditEvent.objects.filter(target_type=target_label(obj), target_id=str(obj.pk)).order_by("seq")
