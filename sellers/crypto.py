"""Encryption at rest for KYB secrets (payment accounts), keyed by settings.HALLMARK_FIELD_KEY."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "HALLMARK_FIELD_KEY must be a Fernet key (32 url-safe base64-encoded bytes); generate one with "
            "cryptography.fernet.Fernet.generate_key()"
        ) from exc


def encrypt(plaintext: str) -> str:
    return _fernet(settings.HALLMARK_FIELD_KEY).encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(settings.HALLMARK_FIELD_KEY).decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("a payment account cannot be decrypted with the current HALLMARK_FIELD_KEY") from exc


def mask(value: str, *, visible: int = 4) -> str:
    compact = "".join(value.split())
    if len(compact) <= visible:
        return "•" * len(compact)
    return "•" * (len(compact) - visible) + compact[-visible:]
