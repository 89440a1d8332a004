"""Per-request (or per-task) context: who acts, from where, under which request id.

Kept in context variables so services deep in the call stack can stamp audit
events without every caller threading the request through.
"""

from __future__ import annotations

import ipaddress
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


def clean_ip(raw: str | None) -> str | None:
    """A client address in the exact text PostgreSQL's ``inet`` gives back, or None.

    The audit hash covers the address, and verification re-reads it from the
    database, so both must print it alike. Python and PostgreSQL differ on
    IPv6 addresses that embed an IPv4 one: an IPv4-mapped address
    (``::ffff:10.1.2.3``) is recorded as the IPv4 address it is, and one with
    only its last 32 bits in use (``::102:304``) is written dotted, as
    PostgreSQL does (``::1.2.3.4``). A zone (``%eth0``) is dropped.
    """
    if not raw:
        return None
    try:
        ip = ipaddress.ip_address(raw.split("%", 1)[0])
    except ValueError:
        return None
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    value = int(ip)
    if value >> 32 == 0 and (value >> 16) & 0xFFFF:
        return "::" + str(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return ip.compressed


def clean_request_id(raw: str | None) -> str:
    """Accept a caller's X-Request-ID only when it is short and harmless."""
    if raw and _REQUEST_ID_RE.match(raw):
        return raw
    return uuid.uuid4().hex


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current().request_id or "-"
        return True
