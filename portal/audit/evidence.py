"""Evidence packs: one zip per seller or case for an auditor to take away.

A pack holds the object's timeline (every audit event about it and the
objects that belong to it, with the fields that recompute each hash), an
inclusion proof of each against one signed checkpoint, and the sections an app
contributes (decisions and statements of reasons, documents' metadata and
hashes…), plus a manifest with each file's SHA-256.

Apps contribute providers from their own ``evidence.py`` module, found with
``autodiscover_modules("evidence")``, so the portal imports no app::

    @evidence.register
    class SellerEvidence(evidence.Provider):
        target_type = "sellers.seller"
        ...

and an app further up the layers adds to another's pack with an ``Extension``
(moderation adds its decisions and strikes to a seller's pack).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from portal import audit
from portal.audit import notes
from portal.audit.export import FORMAT, iter_events
from portal.audit.models import AuditEvent

PACK_FORMAT = "hallmark-evidence-pack/1"


@dataclass
class Section:
    """One file of the pack: ``rows`` (a list of dicts, written as JSON), raw ``text``, or ``data`` (bytes)."""

    filename: str
    title: str
    rows: list[dict[str, Any]] | None = None
    text: str | None = None
    data: bytes | None = None

    def content(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.rows is not None:
            return json.dumps(self.rows, ensure_ascii=False, indent=2, default=str).encode("utf-8")
        return (self.text or "").encode("utf-8")


class Provider:
    """What an app knows about one kind of object. Subclass and ``register``."""

    target_type: str = ""  # audit target_type, e.g. "sellers.seller"

    def get_object(self, target_id: str):
        raise NotImplementedError

    def label(self, obj) -> str:
        return str(obj)

    def related_targets(self, obj) -> Iterable[tuple[str, str]]:
        """(target_type, target_id) pairs whose events belong in this object's timeline."""
        return [(self.target_type, str(obj.pk))]

    def sections(self, obj) -> Iterable[Section]:
        return []


class Extension:
    """More for another app's pack (moderation adds decisions to a seller's). ``register_extension``."""

    target_type: str = ""

    def related_targets(self, obj) -> Iterable[tuple[str, str]]:
        return []

    def sections(self, obj) -> Iterable[Section]:
        return []


_PROVIDERS: dict[str, Provider] = {}
_EXTENSIONS: dict[str, dict[str, Extension]] = defaultdict(dict)
_discovered = False


def register(provider_cls: type[Provider]) -> type[Provider]:
    if not provider_cls.target_type:
        raise ValueError(f"{provider_cls.__name__} needs a target_type")
    existing = _PROVIDERS.get(provider_cls.target_type)
    if existing is not None and type(existing).__qualname__ != provider_cls.__qualname__:
        raise ValueError(f"an evidence provider for {provider_cls.target_type!r} is already registered")
    _PROVIDERS[provider_cls.target_type] = provider_cls()
    return provider_cls


def register_extension(extension_cls: type[Extension]) -> type[Extension]:
    _EXTENSIONS[extension_cls.target_type][extension_cls.__qualname__] = extension_cls()
    return extension_cls


def related_targets(provider: Provider, obj) -> list[tuple[str, str]]:
    targets = list(provider.related_targets(obj))
    for extension in _EXTENSIONS.get(provider.target_type, {}).values():
        targets += list(extension.related_targets(obj))
    return targets


def sections(provider: Provider, obj) -> list[Section]:
    found = list(provider.sections(obj))
    for extension in _EXTENSIONS.get(provider.target_type, {}).values():
        found += list(extension.sections(obj))
    return found


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("evidence")
        _discovered = True


def provider_for(target_type: str) -> Provider | None:
    _discover()
    return _PROVIDERS.get(target_type)


def providers() -> dict[str, Provider]:
    _discover()
    return dict(_PROVIDERS)


# --- Timeline ----------------------------------------------------------------------


def targets_query(targets: Iterable[tuple[str, str]]) -> Q:
    grouped: dict[str, set[str]] = defaultdict(set)
    for target_type, target_id in targets:
        grouped[target_type].add(str(target_id))
    query = Q(pk__in=[])
    for target_type, ids in grouped.items():
        query |= Q(target_type=target_type, target_id__in=sorted(ids))
    return query


def timeline(target_type: str, target_id: str, obj=None) -> QuerySet:
    """Events about the object and, through its provider, the objects that belong to it."""
    provider = provider_for(target_type)
    targets: list[tuple[str, str]] = [(target_type, str(target_id))]
    if provider is not None and obj is not None:
        targets += related_targets(provider, obj)
    return AuditEvent.objects.filter(targets_query(targets)).order_by("seq")


def inclusion_proofs(events: list[dict[str, Any]]) -> dict[str, Any]:
    """Every event's inclusion proof against one signed checkpoint: the newest one."""
    from portal.audit import proofs

    latest = proofs.latest_checkpoint()
    if latest is None or not events:
        return {"format": "hallmark-pack-proofs/1", "tree_size": 0, "checkpoint": None, "inclusion": []}
    items = proofs.inclusions([ev["seq"] for ev in events], latest.tree_size)
    for proof in items:
        del proof["checkpoint"]  # the one checkpoint above, once
    return {
        "format": "hallmark-pack-proofs/1",
        "tree_size": latest.tree_size,
        "checkpoint": latest.note,
        "verifier_key": notes.verifiers()[0].text,
        "inclusion": items,
    }


def _timeline_csv(events: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["seq", "created_at", "actor", "role", "action", "target", "reason", "changes"])
    for ev in events:
        writer.writerow(
            [
                ev["seq"],
                ev["created_at"],
                ev["actor_display"],
                ev["actor_role"],
                ev["action"],
                f"{ev['target_type']}:{ev['target_id']} {ev['target_display']}".strip(),
                ev["reason"],
                json.dumps(ev["changes"], ensure_ascii=False, sort_keys=True),
            ]
        )
    return out.getvalue()


# --- The pack ----------------------------------------------------------------------


def build_pack(*, provider: Provider, obj, user) -> tuple[str, bytes]:
    """Return (file name, zip bytes). Packs are per object, so they fit in memory."""
    events = list(iter_events(timeline(provider.target_type, str(obj.pk), obj)))
    last_seq = max((ev["seq"] for ev in events), default=0)
    header = {
        "record": "export",
        "format": FORMAT,
        "filters": {"timeline": f"{provider.target_type}:{obj.pk}"},
        "contiguous": False,  # one object's events: each verifies alone, the links only where seqs meet
        "first_seq": events[0]["seq"] if events else 0,
        "last_seq": last_seq,
        "genesis_hash": audit.GENESIS_HASH,
        "log_origin": notes.signer().name,
        "verifier_keys": [key.text for key in notes.verifiers()],
        "tree_size": last_seq,
    }
    lines = [header, *({"record": "event", **ev} for ev in events), {"record": "end", "events": len(events)}]
    files: dict[str, bytes] = {
        "timeline.jsonl": b"".join(
            json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for line in lines
        ),
        "timeline.csv": _timeline_csv(events).encode("utf-8"),
        "proofs.json": json.dumps(inclusion_proofs(events), indent=2).encode(),
    }
    titles = {
        "timeline.jsonl": "audit events, oldest first, each with the fields that recompute its hash",
        "timeline.csv": "the same timeline for reading",
        "proofs.json": "each event's inclusion proof against one signed checkpoint of the log",
    }
    for section in sections(provider, obj):
        if section.filename in files or section.filename == "manifest.json":
            raise ValueError(f"two evidence sections want the file name {section.filename!r}")
        files[section.filename] = section.content()
        titles[section.filename] = section.title
    manifest = {
        "format": PACK_FORMAT,
        "object": {"type": provider.target_type, "id": str(obj.pk), "label": provider.label(obj)},
        "generated_at": audit.format_time(timezone.now()),
        "generated_by": user.get_username(),
        "events": len(events),
        "files": [
            {"name": name, "title": titles[name], "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in files.items()
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for name, data in files.items():
            archive.writestr(name, data)
    safe_type = provider.target_type.replace(".", "-")
    return f"evidence-{safe_type}-{obj.pk}.zip", buffer.getvalue()


def record_download(*, provider: Provider, obj, user, filename: str) -> AuditEvent:
    return audit.record(
        action=audit.PortalAction.AUDIT_EXPORTED,
        actor=user,
        target_type=provider.target_type,
        target_id=str(obj.pk),
        target_display=provider.label(obj),
        changes={"format": "evidence_pack", "file": filename},
    )
