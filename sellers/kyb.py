"""Outside business checks (a KYB provider, a VAT register lookup) behind one small interface.

A provider is any object with a ``name`` and ``check(*, snapshot) -> list[Finding]``;
list dotted paths in ``settings.HALLMARK_KYB_PROVIDERS``. Findings become notes on the
officer's checklist after submission; they never decide on their own.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    requirement: str  # an ApplicationCheck.Requirement value
    ok: bool
    note: str


class KybProvider(Protocol):
    name: str

    def check(self, *, snapshot: dict) -> list[Finding]: ...


def providers() -> list[KybProvider]:
    loaded = []
    for path in getattr(settings, "HALLMARK_KYB_PROVIDERS", ()):
        obj = import_string(path)
        loaded.append(obj() if isinstance(obj, type) else obj)
    return loaded


def run(snapshot: dict) -> list[tuple[str, Finding]]:
    """Every provider's findings as (provider name, finding); a failing provider is logged, not fatal."""
    results = []
    for provider in providers():
        try:
            results += [(provider.name, finding) for finding in provider.check(snapshot=snapshot)]
        except Exception:  # an outside service being down must not block vetting
            logger.exception("KYB provider %s failed", getattr(provider, "name", provider))
    return results
