"""Audit exports: CSV and JSON Lines, streamed, each event carrying what recomputes its hash.

Memory stays flat however long the chain is: events are read in keyset
chunks (``seq > last``) and written as they come, through a
``StreamingHttpResponse``. The range is fixed when the export starts (the
head at that moment), so events written during a long download do not
shift it, and the export itself is an audit event written before the first
byte leaves.

JSON Lines: one object per line, ``record`` says which kind:

- ``export`` (first line): format, who, when, filters, ``first_seq``/``last_seq``,
  and ``contiguous`` (true when only a time or seq range was asked, so the
  events link to each other and gaps are errors);
- ``event``: the fields of README "Verifying the audit trail yourself";
- ``checkpoint``: each daily head (``day``, ``seq``, ``hash``) up to the range's end;
- ``end`` (last line): the number of events written, so truncation shows.

CSV: one header row, then the same records with a ``record`` column; ``changes``
holds the JSON text, ``meta`` the JSON of the export/end records, an empty
``actor_id``/``ip``/``redacted_at`` means null. Values are written exactly as
stored (no spreadsheet formula escaping: it would change what is hashed), so
open the file in a spreadsheet only with formulas disabled.
"""

from __future__ import annotations

import base64
import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import audit
from portal.audit import notes
from portal.audit.models import AuditDailyCheckpoint, AuditEvent, AuditLogCheckpoint

FORMAT = "hallmark-audit-export/2"
CHUNK_SIZE = 2000

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
CSV_COLUMNS = ("record", *EVENT_FIELDS, "day", "meta")

# Filters that keep the exported events a contiguous piece of the chain.
RANGE_FILTERS = frozenset({"since", "until", "from_seq", "to_seq"})


class _Id(django_filters.NumberFilter):
    """A whole number that fits a BIGINT: anything else is a clear 400, never a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class _UtcDateTimeField(forms.DateTimeField):
    """ISO 8601 date and time, normalised to UTC: PostgreSQL refuses offsets beyond
    ±15:59 that Python accepts (the API fuzzer sent +17:40), so none reaches it."""

    def to_python(self, value):
        parsed = django_filters.fields.IsoDateTimeField().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(UTC) if parsed.tzinfo else parsed
        except (OverflowError, ValueError) as exc:
            raise forms.ValidationError(_("Enter a date and time between the years 1 and 9999.")) from exc


class _UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = _UtcDateTimeField


class AuditEventFilterSet(django_filters.FilterSet):
    """The one set of audit filters: console explorer, exports and the API."""

    since = _UtcDateTimeFilter(field_name="created_at", lookup_expr="gte", label=_("From (date and time, UTC)"))
    until = _UtcDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Until (date and time, UTC, exclusive)")
    )
    actor = _Id(field_name="actor_id", label=_("Actor id"))
    actor_name = django_filters.CharFilter(field_name="actor_display", label=_("Actor (user name or “system”)"))
    actor_role = django_filters.CharFilter(field_name="actor_role", label=_("Actor's role"))
    action = django_filters.CharFilter(
        field_name="action", label=_("Action (exact)"), widget=forms.TextInput(attrs={"list": "audit-actions"})
    )
    action_prefix = django_filters.CharFilter(
        field_name="action",
        lookup_expr="startswith",
        label=_("Action starts with"),
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
    )
    target_type = django_filters.CharFilter(field_name="target_type", label=_("Target type (e.g. sellers.seller)"))
    target_id = django_filters.CharFilter(field_name="target_id", label=_("Target id"))
    from_seq = _Id(field_name="seq", lookup_expr="gte", label=_("From event #"))
    to_seq = _Id(field_name="seq", lookup_expr="lte", label=_("Up to event #"))

    class Meta:
        model = AuditEvent
        fields: list[str] = []


def active_filters(filterset: AuditEventFilterSet) -> dict[str, str]:
    return {
        name: (audit.format_time(value) if hasattr(value, "astimezone") else str(value))
        for name, value in filterset.form.cleaned_data.items()
        if value not in (None, "")
    }


# --- Rows ------------------------------------------------------------------------------


def event_record(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "created_at": audit.format_time(row["created_at"]),
        "ip": row["ip"] or None,
        "redacted_at": audit.format_time(row["redacted_at"]) if row["redacted_at"] else None,
    }


def iter_events(queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterator[dict[str, Any]]:
    """Events of ``queryset`` in chain order, ``chunk_size`` rows in memory at a time."""
    last_seq = 0
    base = queryset.order_by().values(*EVENT_FIELDS)
    while True:
        chunk = list(base.filter(seq__gt=last_seq).order_by("seq")[:chunk_size])
        if not chunk:
            return
        for row in chunk:
            yield event_record(row)
        last_seq = chunk[-1]["seq"]


def checkpoint_record(checkpoint: AuditLogCheckpoint, day=None) -> dict[str, Any]:
    return {
        "record": "checkpoint",
        "tree_size": checkpoint.tree_size,
        "root_hash": base64.b64encode(bytes(checkpoint.root_hash)).decode(),
        "note": checkpoint.note,
        "day": day.isoformat() if day else None,
    }


def checkpoint_records(upto_seq: int) -> Iterator[dict[str, Any]]:
    """The signed daily checkpoints of trees up to ``upto_seq``, then the checkpoint of exactly that tree."""
    seen = set()
    days = AuditDailyCheckpoint.objects.filter(checkpoint__tree_size__lte=upto_seq).select_related("checkpoint")
    for daily in days.order_by("day"):
        if daily.checkpoint_id not in seen:
            seen.add(daily.checkpoint_id)
            yield checkpoint_record(daily.checkpoint, daily.day)
    head = AuditLogCheckpoint.objects.filter(tree_size=upto_seq).first()
    if head is not None and head.pk not in seen:
        yield checkpoint_record(head)


@dataclass
class Export:
    """One export: its fixed range, its filters, and the records it yields."""

    queryset: QuerySet
    filters: dict[str, str]
    first_seq: int
    last_seq: int
    generated_by: str
    tree_size: int = 0
    generated_at: str = field(default_factory=lambda: audit.format_time(timezone.now()))
    chunk_size: int | None = None  # None: the module's CHUNK_SIZE at export time

    @property
    def contiguous(self) -> bool:
        return set(self.filters) <= RANGE_FILTERS

    def header(self) -> dict[str, Any]:
        return {
            "record": "export",
            "format": FORMAT,
            "generated_at": self.generated_at,
            "generated_by": self.generated_by,
            "filters": self.filters,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "contiguous": self.contiguous,
            "genesis_hash": audit.GENESIS_HASH,
            "log_origin": notes.signer().name,
            "verifier_keys": [key.text for key in notes.verifiers()],
            "tree_size": self.tree_size,
        }

    def records(self) -> Iterator[dict[str, Any]]:
        yield self.header()
        count = 0
        head = None
        # A range export takes every event between its ends, so it links even if two clocks disagreed.
        base = AuditEvent.objects.all() if self.contiguous else self.queryset
        events = base.filter(seq__gte=self.first_seq, seq__lte=self.last_seq)
        for event in iter_events(events, chunk_size=self.chunk_size or CHUNK_SIZE):
            count += 1
            head = event["hash"]
            yield {"record": "event", **event}
        yield from checkpoint_records(self.last_seq)
        yield {"record": "end", "events": count, "last_hash": head}


def prepare(*, filterset: AuditEventFilterSet, user) -> Export:
    """Fix the export's range now; the caller records the export event."""
    queryset = filterset.qs
    # The newest signed tree bounds the export: sealed events only, every one under a checkpoint.
    head = AuditLogCheckpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() or 0
    bounds = queryset.filter(seq__lte=head).order_by("seq").values_list("seq", flat=True)
    first = bounds.first()
    last = bounds.last() if first is not None else None
    return Export(
        queryset=queryset,
        filters=active_filters(filterset),
        first_seq=first or 0,
        last_seq=last or 0,
        tree_size=head,
        generated_by=user.get_username() if getattr(user, "pk", None) else "system",
    )


# --- Encodings -------------------------------------------------------------------------


def jsonl_lines(export: Export) -> Iterator[bytes]:
    for rec in export.records():
        yield json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class _Line:
    """A file-like object whose ``write`` hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def csv_lines(export: Export) -> Iterator[bytes]:
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield writer.writerow(CSV_COLUMNS).encode("utf-8")
    for rec in export.records():
        kind = rec["record"]
        row = dict.fromkeys(CSV_COLUMNS, "")
        row["record"] = kind
        if kind == "event":
            for name in EVENT_FIELDS:
                value = rec[name]
                if name == "changes":
                    row[name] = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
                else:
                    row[name] = "" if value is None else str(value)
        elif kind == "checkpoint":
            row["day"] = rec["day"] or ""
            row["meta"] = json.dumps(
                {k: rec[k] for k in ("tree_size", "root_hash", "note")}, ensure_ascii=False, separators=(",", ":")
            )
        else:
            row["meta"] = json.dumps(
                {k: v for k, v in rec.items() if k != "record"}, ensure_ascii=False, separators=(",", ":")
            )
        yield writer.writerow([row[c] for c in CSV_COLUMNS]).encode("utf-8")


FORMATS = {
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl", jsonl_lines),
    "csv": ("text/csv; charset=utf-8", "csv", csv_lines),
}


def export_response(
    *, filterset: AuditEventFilterSet, user, fmt: str, via: str, by: str | None = None
) -> StreamingHttpResponse:
    """Record the export as an audit event, then stream it. ``by`` names a caller without a user (an API key)."""
    content_type, extension, encode = FORMATS[fmt]
    export = prepare(filterset=filterset, user=user)
    if by:
        export.generated_by = by
    audit.record(
        action=audit.PortalAction.AUDIT_EXPORTED,
        actor=user,
        target_type="portal.auditevent",
        target_id=f"{export.first_seq}-{export.last_seq}",
        target_display=f"audit events {export.first_seq} to {export.last_seq}",
        changes={"format": fmt, "filters": export.filters, "via": via},
    )
    response = StreamingHttpResponse(encode(export), content_type=content_type)
    name = f"hallmark-audit-{export.first_seq}-{export.last_seq}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
