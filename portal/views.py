from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


def _check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, connection.vendor
    except Exception as exc:  # any failure means "down" to a load balancer
        return False, f"{type(exc).__name__}: {exc}".strip()[:300]


def _check_broker() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager (tasks run in-process)"
    from portal.celery import app

    try:
        with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, f"{conn.transport_cls} connected"
    except Exception as exc:  # kombu raises many kinds
        return False, f"{type(exc).__name__}: {exc}".strip()[:300]


@never_cache
@require_safe
def healthz(request):
    db_ok, db_detail = _check_database()
    broker_ok, broker_detail = _check_broker()
    ok = db_ok and broker_ok
    body = {
        "status": "ok" if ok else "unavailable",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
    }
    if db_ok:
        # A sealer that is behind leaves the site working but the log unsigned: "degraded", still 200.
        from portal.audit.seal import seal_lag

        lag = seal_lag()
        sealing = lag is None or lag <= settings.HALLMARK_AUDIT_SEAL_LAG_LIMIT
        body["audit_log"] = {
            "ok": sealing,
            "seal_lag_seconds": None if lag is None else round(lag, 3),
            "limit_seconds": settings.HALLMARK_AUDIT_SEAL_LAG_LIMIT,
        }
        if ok and not sealing:
            body["status"] = "degraded"
    if not ok:
        body["down"] = [name for name, up in (("database", db_ok), ("broker", broker_ok)) if not up]
    return JsonResponse(body, status=200 if ok else 503)


@require_safe
def public_checkpoint(request):
    """The newest signed checkpoint, as plain text, for anyone: no key, no event data, safe to cache briefly."""
    from portal.audit.proofs import latest_checkpoint

    latest = latest_checkpoint()
    if latest is None:
        return HttpResponse("The log has no signed checkpoint yet.\n", status=404, content_type="text/plain")
    response = HttpResponse(latest.note, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=5"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def home(request):
    return render(request, "portal/home.html")
