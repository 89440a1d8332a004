"""Per-request (or per-task) context: who acts, from where, under which request id.

Kept in context variables so services deep in the call stack can stamp audit
events without every caller threading the request through.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_current: ContextVar[RequestContext] = ContextVar(
    "hallmark_request_context",
    default=RequestContext(),  # noqa: B039 - a frozen dataclass, immutable
)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


def clean_request_id(raw: str | None) -> str:
    """Accept a caller's X-Request-ID only when it is short and harmless."""
    if raw and _REQUEST_ID_RE.match(raw):
        return raw
    return uuid.uuid4().hex


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current().request_id or "-"
        return True
