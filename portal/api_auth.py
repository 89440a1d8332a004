"""API keys: ``Authorization: Bearer hm_<prefix>_<secret>``, scopes checked per view."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from portal.models import ApiKey

KEY_PREFIX = "hm"


class Scope:
    """The API's scopes. A key holds a list of these."""

    REPORTS_WRITE = "reports:write"
    LISTINGS_WRITE = "listings:write"
    AUTHORIZATIONS_READ = "authorizations:read"
    DECISIONS_READ = "decisions:read"
    AUDIT_READ = "audit:read"

    ALL = (REPORTS_WRITE, LISTINGS_WRITE, AUTHORIZATIONS_READ, DECISIONS_READ, AUDIT_READ)


def hash_secret(secret: str) -> str:
    # Keys carry 256 bits of randomness, so a fast hash is enough (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


def generate() -> tuple[str, str, str]:
    """Return (full key, prefix, secret hash)."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    full = f"{KEY_PREFIX}_{prefix}_{secret}"
    return full, prefix, hash_secret(full)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if len(parts) != 2 or parts[0] != self.keyword:
            raise exceptions.AuthenticationFailed(_("Use 'Authorization: Bearer <API key>'."))
        key = parts[1]
        pieces = key.split("_", 2)
        if len(pieces) != 3 or pieces[0] != KEY_PREFIX:
            raise exceptions.AuthenticationFailed(_("Malformed API key."))
        api_key = ApiKey.objects.filter(prefix=pieces[1]).select_related("owner").first()
        if api_key is None or not hmac.compare_digest(api_key.secret_hash, hash_secret(key)):
            raise exceptions.AuthenticationFailed(_("Unknown API key."))
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API key has been revoked."))
        if api_key.owner is not None and not api_key.owner.is_active:
            raise exceptions.AuthenticationFailed(_("This API key's owner no longer has access."))
        now = timezone.now()
        # Touch at most once a minute: the gate is a hot path.
        if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return (None, api_key)

    def authenticate_header(self, request):
        return self.keyword


class HasScopes(permissions.BasePermission):
    """Views declare ``required_scopes``; the key must hold all of them.

    ``()`` means any valid key; a view without the attribute is closed. Public
    endpoints say so explicitly with ``permission_classes = [AllowAny]``.
    """

    message = _("This API key does not hold the scope this endpoint needs.")

    def has_permission(self, request, view) -> bool:
        needed = getattr(view, "required_scopes", None)
        if needed is None:
            # A view that forgot to declare scopes is closed, not open.
            return False
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            raise exceptions.NotAuthenticated(_("An API key is required."))
        missing = [scope for scope in needed if scope not in api_key.scopes]
        if missing:
            self.message = _("This API key lacks the scope(s): %(scopes)s.") % {"scopes": ", ".join(missing)}
            return False
        return True


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
