"""Console pages for the transparency report: the page, its printable version and its CSV.

Guarded exactly like the console (``admin.site.has_permission``: active staff,
a verified second factor when HALLMARK_STAFF_2FA, an open auditor window) plus
the report's role permissions; auditors may read and download (each download
is an audit event). Only GET and HEAD: nothing here changes state.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps

from django import forms
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from moderation import transparency
from moderation.dashboard import TRANSPARENCY_REPORT
from portal import audit, dashboard

MAX_DAYS = 3 * 366


class PeriodForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("Last day"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The last day must be on or after the first day."))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", _("A report covers at most three years; choose a shorter period."))
        return cleaned

    def period(self) -> transparency.Period:
        return transparency.Period(start=self.cleaned_data["start"], end=self.cleaned_data["end"])


def default_period(today) -> transparency.Period:
    return transparency.Period(start=today - timedelta(days=29), end=today)


def presets(today) -> list[tuple[str, transparency.Period]]:
    first_this_month = today.replace(day=1)
    last_month_end = first_this_month - timedelta(days=1)
    half_start = today.replace(month=1 if today.month <= 6 else 7, day=1)
    previous_half_end = half_start - timedelta(days=1)
    previous_half_start = previous_half_end.replace(month=1 if previous_half_end.month <= 6 else 7, day=1)
    return [
        (_("Last 30 days"), default_period(today)),
        (_("Previous month"), transparency.Period(start=last_month_end.replace(day=1), end=last_month_end)),
        (_("Previous half-year"), transparency.Period(start=previous_half_start, end=previous_half_end)),
        (_("This year so far"), transparency.Period(start=today.replace(month=1, day=1), end=today)),
        (
            _("Previous year"),
            transparency.Period(
                start=today.replace(year=today.year - 1, month=1, day=1),
                end=today.replace(year=today.year - 1, month=12, day=31),
            ),
        ),
    ]


def console_page(view):
    """The console's own guard, reused, plus the report's permissions."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not admin.site.has_permission(request):
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not dashboard.may_see(request.user, TRANSPARENCY_REPORT.permissions):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return require_safe(never_cache(wrapped))


def _form(request) -> PeriodForm:
    today = timezone.localdate()
    data = request.GET if ("start" in request.GET or "end" in request.GET) else None
    if data is None:
        period = default_period(today)
        data = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    return PeriodForm(data)


def _query(period: transparency.Period) -> str:
    return urlencode({"start": period.start.isoformat(), "end": period.end.isoformat()})


@console_page
def report_page(request):
    form = _form(request)
    context = {
        **admin.site.each_context(request),
        "title": _("Transparency report"),
        "form": form,
        "presets": [(label, _query(period)) for label, period in presets(timezone.localdate())],
    }
    if not form.is_valid():
        return TemplateResponse(request, "moderation/report/page.html", context, status=400)
    report = transparency.build(form.period())
    context.update(report=report, query=_query(report.period))
    return TemplateResponse(request, "moderation/report/page.html", context)


@console_page
def report_print(request):
    form = _form(request)
    if not form.is_valid():
        return HttpResponse(_period_errors(form), status=400, content_type="text/plain; charset=utf-8")
    report = transparency.build(form.period())
    return TemplateResponse(
        request, "moderation/report/print.html", {"report": report, "title": _("Transparency report")}
    )


@console_page
def report_csv(request):
    form = _form(request)
    if not form.is_valid():
        return HttpResponse(_period_errors(form), status=400, content_type="text/plain; charset=utf-8")
    period = form.period()
    with transaction.atomic():
        report = transparency.build(period)
        audit.record(
            action=transparency.ReportAction.TRANSPARENCY_EXPORTED,
            actor=request.user,
            target_type="moderation.transparency_report",
            target_id=period.slug,
            target_display=_("Transparency report %(start)s to %(end)s")
            % {"start": period.start.isoformat(), "end": period.end.isoformat()},
            changes={"format": "csv", "start": period.start, "end": period.end},
        )
    response = HttpResponse(transparency.to_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hallmark-transparency-{period.slug}.csv"'
    return response


def _period_errors(form: PeriodForm) -> str:
    lines = [_("The period is not valid:")]
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else _("period")
        lines.extend(f"- {label}: {error}" for error in errors)
    return "\n".join(lines) + "\n"
