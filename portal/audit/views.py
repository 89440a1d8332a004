"""Console pages for the audit trail: explorer, timelines, verification, exports, evidence packs.

Wired into the admin site by ``HallmarkAdminSite.get_urls`` so they share its
log-in, second factor and auditor access window; each page also needs
``portal.view_auditevent`` (auditors hold it, as do the staff roles). All of
them are GET: auditors may use every one, and downloads are audit events.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from portal import audit
from portal.audit import evidence, verification
from portal.audit.export import FORMATS, AuditEventFilterSet, export_response
from portal.audit.models import AuditDailyCheckpoint, AuditEvent, AuditLogCheckpoint, AuditVerification
from portal.audit.seal import seal_lag

PAGE_SIZE = 100
TIMELINE_LIMIT = 2000
_TARGET_TYPE = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+$")


def console_urls(site) -> list:
    def page(view):
        return site.admin_view(require_safe(_allowed(view)))

    return [
        path("audit/", page(explorer), name="audit_explorer"),
        path("audit/export/", page(export), name="audit_export"),
        path("audit/verify/", page(verify), name="audit_verify"),
        path("audit/timeline/<str:target_type>/<str:target_id>/", page(timeline), name="audit_timeline"),
        path("audit/evidence/<str:target_type>/<str:target_id>/", page(evidence_pack), name="audit_evidence"),
    ]


def _allowed(view):
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm("portal.view_auditevent"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


AUDIT_PAGES = (
    ("audit_explorer", gettext_lazy("Audit explorer")),
    ("audit_verify", gettext_lazy("Chain verification")),
)


def with_audit_pages(request, app_list: list, app_label: str | None) -> list:
    """Add an "Audit trail" section to the console's index and sidebar."""
    if app_label not in (None, "audit") or not request.user.has_perm("portal.view_auditevent"):
        return app_list
    models = [
        {
            "name": label,
            "object_name": name,
            "admin_url": reverse(f"admin:{name}"),
            "view_only": True,
            "perms": {"view": True},
        }
        for name, label in AUDIT_PAGES
    ]
    section = {
        "name": _("Audit trail"),
        "app_label": "audit",
        "app_url": reverse("admin:audit_explorer"),
        "has_module_perms": True,
        "models": models,
    }
    return [section, *app_list]


def _context(request, site_title: str, **extra):
    from django.contrib import admin

    return {**admin.site.each_context(request), "title": site_title, "subtitle": None, **extra}


# --- Explorer --------------------------------------------------------------------------


def explorer(request):
    """Filter the trail; newest first, paged by event number (no counting of millions)."""
    filterset = AuditEventFilterSet(request.GET or None, queryset=AuditEvent.objects.all())
    events: list[AuditEvent] = []
    older_url = None
    status = 200
    if filterset.is_bound and not filterset.is_valid():
        status = 400
    else:
        queryset = filterset.qs if filterset.is_bound else AuditEvent.objects.all()
        before = request.GET.get("before", "")
        if before.isdigit():
            queryset = queryset.filter(seq__lt=int(before))
        events = list(queryset.order_by("-seq")[: PAGE_SIZE + 1])
        if len(events) > PAGE_SIZE:
            events = events[:PAGE_SIZE]
            params = request.GET.copy()
            params["before"] = events[-1].seq
            older_url = f"?{params.urlencode()}"
    filters = {k: v for k, v in request.GET.items() if k not in ("before", "format") and v}
    context = _context(
        request,
        _("Audit explorer"),
        filterset=filterset,
        events=events,
        older_url=older_url,
        newest_url=f"?{urlencode(filters)}" if request.GET.get("before") else None,
        export_links=[
            (fmt.upper(), f"{reverse('admin:audit_export')}?{urlencode({**filters, 'format': fmt})}") for fmt in FORMATS
        ],
        actions=audit.known_actions(),
    )
    return TemplateResponse(request, "admin/audit/explorer.html", context, status=status)


def export(request):
    """Stream the filtered trail as CSV or JSON Lines; the export is itself an audit event."""
    fmt = request.GET.get("format", "jsonl")
    params = request.GET.copy()
    params.pop("format", None)
    filterset = AuditEventFilterSet(params, queryset=AuditEvent.objects.all())
    if fmt not in FORMATS or not filterset.is_valid():
        errors = {name: [str(e) for e in errs] for name, errs in filterset.errors.items()}
        if fmt not in FORMATS:
            errors["format"] = [_("Choose one of: %(formats)s.") % {"formats": ", ".join(FORMATS)}]
        lines = [f"{name}: {' '.join(msgs)}" for name, msgs in errors.items()]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    return export_response(filterset=filterset, user=request.user, fmt=fmt, via="console")


# --- Timeline ----------------------------------------------------------------------------


def _target(target_type: str, target_id: str):
    """The object an event points at, when it still exists (it may be gone; its events stay)."""
    if not _TARGET_TYPE.match(target_type):
        raise Http404(_("Unknown target type."))
    provider = evidence.provider_for(target_type)
    if provider is not None:
        return provider, provider.get_object(target_id)
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return None, None
    try:
        return None, model._default_manager.filter(pk=target_id).first()
    except (ValueError, TypeError):
        return None, None


def timeline(request, target_type: str, target_id: str):
    """Everything that happened to one object (and the objects that belong to it), oldest first."""
    provider, obj = _target(target_type, target_id)
    queryset = evidence.timeline(target_type, target_id, obj)
    events = list(queryset[: TIMELINE_LIMIT + 1])
    if not events and obj is None:
        raise Http404(_("No audit events refer to %(target)s.") % {"target": f"{target_type}:{target_id}"})
    truncated = len(events) > TIMELINE_LIMIT
    label = provider.label(obj) if provider and obj is not None else (str(obj) if obj is not None else "")
    if not label and events:
        label = next((e.target_display for e in events if e.target_display), "")
    filters = {"target_type": target_type, "target_id": target_id}
    context = _context(
        request,
        _("Timeline: %(label)s") % {"label": label or f"{target_type}:{target_id}"},
        target_type=target_type,
        target_id=target_id,
        object=obj,
        events=events[:TIMELINE_LIMIT],
        truncated=truncated,
        evidence_url=(
            reverse("admin:audit_evidence", args=[target_type, target_id])
            if provider is not None and obj is not None
            else None
        ),
        export_links=[
            (fmt.upper(), f"{reverse('admin:audit_export')}?{urlencode({**filters, 'format': fmt})}") for fmt in FORMATS
        ],
        related=provider is not None,
    )
    return TemplateResponse(request, "admin/audit/timeline.html", context)


def evidence_pack(request, target_type: str, target_id: str):
    """Download the evidence pack of a seller or a case (the download is an audit event)."""
    provider, obj = _target(target_type, target_id)
    if provider is None or obj is None:
        raise Http404(_("No evidence pack is available for this object."))
    filename, data = evidence.build_pack(provider=provider, obj=obj, user=request.user)
    evidence.record_download(provider=provider, obj=obj, user=request.user, filename=filename)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Verification ------------------------------------------------------------------------


def verify(request):
    """The chain's state now: the newest background walk plus a live check of the events since.

    A short chain is walked here in full; a long one relies on the scheduled
    walk (portal.audit.verification), and the page queues one if none has run yet.
    """
    check, checkpoints_held, checkpoint_broken = verification.page_check(actor=request.user)
    lag = seal_lag()
    result = check.result
    broken_event = AuditEvent.objects.filter(pk=result.broken_id).first() if result and result.broken_id else None
    context = _context(
        request,
        _("Audit chain verification"),
        result=result,
        check=check,
        broken_event=broken_event,
        checkpoints_held=checkpoints_held,
        checkpoint_broken=checkpoint_broken,
        recent_checkpoints=AuditDailyCheckpoint.objects.select_related("checkpoint").order_by("-day")[:31],
        latest_checkpoint=AuditLogCheckpoint.objects.order_by("-tree_size").first(),
        seal_lag=lag,
        seal_lag_degraded=lag is not None and lag > settings.HALLMARK_AUDIT_SEAL_LAG_LIMIT,
        recent_walks=AuditVerification.objects.select_related("requested_by")[:10],
    )
    return TemplateResponse(request, "admin/audit/verify.html", context)
