"""Fetch a remote image without becoming a proxy into our own network (SSRF guard).

Rules: http(s) only; the host must be on the allow-list (``MODERATION_IMAGE_HOSTS``:
exact names, or ``.example.com`` for subdomains); every address the name resolves
to must be public (no private, loopback, link-local, multicast, reserved or
unspecified address) unless ``MODERATION_IMAGE_ALLOW_PRIVATE`` is on; the
connection goes to the address we checked (no second DNS lookup an attacker
could answer differently); redirects are followed by hand and each hop is
checked again; the body is capped in size and the whole fetch in time.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings


class FetchRefused(Exception):
    """The URL or its answer broke a rule; the message says which."""


@dataclass(frozen=True)
class Limits:
    allowed_hosts: tuple[str, ...]
    allow_private: bool = False
    max_bytes: int = 5 * 1024 * 1024
    timeout: float = 10.0
    max_redirects: int = 3
    # Addresses counted as public although they are not (an image proxy inside the network, a test server).
    trusted_addresses: tuple[str, ...] = ()


def limits_from_settings() -> Limits:
    return Limits(
        allowed_hosts=tuple(h.lower() for h in getattr(settings, "MODERATION_IMAGE_HOSTS", [])),
        allow_private=bool(getattr(settings, "MODERATION_IMAGE_ALLOW_PRIVATE", False)),
        max_bytes=int(getattr(settings, "MODERATION_IMAGE_MAX_BYTES", 5 * 1024 * 1024)),
        timeout=float(getattr(settings, "MODERATION_IMAGE_TIMEOUT", 10)),
    )


def host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    host = host.lower().rstrip(".")
    for entry in allowed:
        if entry.startswith("."):
            if host.endswith(entry) or host == entry[1:]:
                return True
        elif host == entry:
            return True
    return False


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _default_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _checked_address(host: str, port: int, limits: Limits, resolver) -> str:
    try:
        addresses = resolver(host, port)
    except OSError as exc:
        raise FetchRefused(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise FetchRefused(f"{host} resolves to no address")
    for address in addresses:
        if not limits.allow_private and address not in limits.trusted_addresses and not address_is_public(address):
            raise FetchRefused(f"{host} resolves to a non-public address ({address})")
    return addresses[0]


def fetch(url: str, *, limits: Limits | None = None, resolver: Callable[[str, int], list[str]] | None = None) -> bytes:
    limits = limits or limits_from_settings()
    resolver = resolver or _default_resolver
    deadline = time.monotonic() + limits.timeout
    for _hop in range(limits.max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchRefused(f"scheme {parts.scheme or '(none)'} is not allowed")
        host = parts.hostname or ""
        if not host:
            raise FetchRefused("the URL has no host")
        if parts.username or parts.password:
            raise FetchRefused("credentials in URLs are not allowed")
        if not host_allowed(host, limits.allowed_hosts):
            raise FetchRefused(f"host {host} is not on the allow-list")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = _checked_address(host, port, limits, resolver)
        remaining = max(deadline - time.monotonic(), 0.1)
        timeout = urllib3.Timeout(connect=min(remaining, 5.0), read=remaining)
        if parts.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                port,
                timeout=timeout,
                retries=False,
                cert_reqs="CERT_REQUIRED",
                server_hostname=host,
                assert_hostname=host,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, timeout=timeout, retries=False)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = host if parts.port is None else f"{host}:{parts.port}"
        try:
            response = pool.urlopen(
                "GET",
                path,
                headers={"Host": host_header, "User-Agent": "Hallmark-ImageFetcher/1"},
                redirect=False,
                preload_content=False,
                retries=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise FetchRefused(f"fetch failed: {exc.__class__.__name__}") from None
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchRefused("redirect without a Location")
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchRefused(f"the server answered {response.status}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise FetchRefused(f"the image is larger than {limits.max_bytes} bytes")
            body = bytearray()
            for chunk in response.stream(64 * 1024):
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchRefused(f"the image is larger than {limits.max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchRefused("the fetch took too long")
            return bytes(body)
        except urllib3.exceptions.HTTPError as exc:
            raise FetchRefused(f"fetch failed: {exc.__class__.__name__}") from None
        finally:
            response.release_conn()
            pool.close()
    raise FetchRefused("too many redirects")
