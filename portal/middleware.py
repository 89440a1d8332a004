from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from portal import context
from portal.roles import is_auditor

logger = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _client_ip(request) -> str | None:
    # REMOTE_ADDR only: behind the reverse proxy, gunicorn's --forwarded-allow-ips
    # makes it the client address. Never trust a raw X-Forwarded-For here.
    return context.clean_ip(request.META.get("REMOTE_ADDR", ""))


class RequestContextMiddleware:
    """Give every request an id (echoed as X-Request-ID) and remember the client IP."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = context.clean_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = context.set_current(context.RequestContext(request_id=request_id, ip=_client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


# Auditors may sign in and out and pass their second factor; nothing else that writes.
_AUDITOR_WRITE_ALLOWED = ("/console/login/", "/console/logout/", "/accounts/logout/")


class AuditorReadOnlyMiddleware:
    """Refuse every non-safe request from an auditor, whatever the view would allow."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method not in SAFE_METHODS
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and is_auditor(request.user)
            and not request.path.startswith(_AUDITOR_WRITE_ALLOWED)
        ):
            message = _("Auditor accounts are read-only.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "read_only"}, status=403)
            return HttpResponseForbidden(message)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """When PostgreSQL is unreachable, answer 503 with a JSON body instead of a 500 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError) and _looks_like_outage(exception):
            logger.error("database unavailable: %s", exception)
            message = _("The service is temporarily unavailable. Please retry shortly.")
            if request.path.startswith(("/api/", "/healthz")) or "json" in request.headers.get("Accept", ""):
                response = JsonResponse({"detail": message, "code": "unavailable"}, status=503)
            else:
                # No template: rendering one would need the database (sessions, user).
                response = HttpResponse(
                    f"<!doctype html><meta charset='utf-8'><title>Hallmark</title><h1>{escape(message)}</h1>",
                    status=503,
                )
            response["Retry-After"] = "5"
            return response
        return None


def _looks_like_outage(exc: DatabaseError) -> bool:
    text = str(exc).lower()
    return any(
        marker in text
        for marker in (
            "connection",
            "server closed",
            "could not connect",
            "terminating",
            "shutting down",
            "database system is",
        )
    )
