"""The console home's seller-vetting panel (registered with portal.dashboard)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import charts, dashboard
from sellers.models import Application, BrandAuthorization, Recertification
from sellers.models.onboarding import DECISION_DAYS

A = Application.Status
DECIDED_WINDOW_DAYS = 90
SOON_DAYS = 30
LIST_LIMIT = 8
# Days-to-decision buckets (low, high] for the histogram; the last ones are past the deadline.
BUCKETS = ((0, 3), (3, 6), (6, 8), (8, DECISION_DAYS), (DECISION_DAYS, 15), (15, None))


def _bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return _("over %(low)d days") % {"low": low}
    return _("%(low)d to %(high)d days") % {"low": low, "high": high}


def applications_by_state() -> list[tuple[str, int]]:
    counts = dict(Application.objects.values_list("status").annotate(n=Count("pk")).order_by())
    return [(str(label), counts.get(value, 0)) for value, label in A.choices]


def decision_times(*, since, until) -> list[float]:
    """Days from the (last, complete) submission to the decision, for applications decided in the window."""
    rows = Application.objects.filter(
        status__in=(A.APPROVED, A.REJECTED),
        decided_at__gte=since,
        decided_at__lt=until,
        submitted_at__isnull=False,
    ).values_list("submitted_at", "decided_at")
    return [dashboard.days_between(submitted, decided) for submitted, decided in rows]


@dashboard.register_panel(
    key="vetting",
    title=gettext_lazy("Seller vetting"),
    template="admin/dashboard/vetting.html",
    permissions=("sellers.view_application",),
    order=30,
)
def vetting_panel(ctx: dashboard.PanelContext) -> dict:
    now, today = ctx.now, ctx.today
    by_state = applications_by_state()
    waiting = Application.objects.filter(status__in=(A.SUBMITTED, A.IN_REVIEW)).aggregate(
        waiting=Count("pk"),
        overdue=Count("pk", filter=Q(decision_due_at__lt=now)),
        oldest=Min("submitted_at"),
    )
    times = decision_times(since=ctx.days_ago(DECIDED_WINDOW_DAYS), until=now)
    on_time = sum(1 for t in times if t <= DECISION_DAYS)
    histogram = [
        (_bucket_label(low, high), sum(1 for t in times if (low == 0 or t > low) and (high is None or t <= high)))
        for low, high in BUCKETS
    ]
    late_buckets = [i for i, (low, _high) in enumerate(BUCKETS) if low >= DECISION_DAYS]

    expiring_qs = BrandAuthorization.objects.filter(
        status=BrandAuthorization.Status.APPROVED,
        valid_until__gte=today,
        valid_until__lte=today + timedelta(days=SOON_DAYS),
    )
    expiring = list(expiring_qs.select_related("seller", "brand").order_by("valid_until", "pk")[:LIST_LIMIT])
    expiring_count = len(expiring) if len(expiring) < LIST_LIMIT else expiring_qs.count()

    recert = Recertification.objects.aggregate(
        due_soon=Count(
            "pk",
            filter=Q(
                status=Recertification.Status.OPEN, due_on__gte=today, due_on__lte=today + timedelta(days=SOON_DAYS)
            ),
        ),
        overdue=Count("pk", filter=Q(status=Recertification.Status.OPEN, due_on__lt=today)),
        submitted=Count("pk", filter=Q(status=Recertification.Status.SUBMITTED)),
        lapsed=Count("pk", filter=Q(status=Recertification.Status.LAPSED)),
    )
    recert_due = list(
        Recertification.objects.filter(
            status=Recertification.Status.OPEN, due_on__lte=today + timedelta(days=SOON_DAYS)
        )
        .select_related("seller")
        .order_by("due_on", "pk")[:LIST_LIMIT]
    )
    for authorization in expiring:
        authorization.console_url = dashboard.admin_url("sellers_brandauthorization_change", authorization.pk)
        authorization.days_left = (authorization.valid_until - today).days
    for row in recert_due:
        row.console_url = dashboard.admin_url("sellers_recertification_change", row.pk)
        row.days_left = (row.due_on - today).days
    median_days = dashboard.median(times)
    return {
        "by_state": by_state,
        "states_chart": charts.bar_chart(
            key="chart-applications-by-state",
            title=_("Applications by state"),
            items=by_state,
            label_header=_("State"),
            value_header=_("Applications"),
        ),
        "waiting": waiting["waiting"],
        "waiting_overdue": waiting["overdue"],
        "oldest_waiting_days": dashboard.days_between(waiting["oldest"], now) if waiting["oldest"] else None,
        "decided": len(times),
        "decided_on_time": on_time,
        "on_time_share": on_time / len(times) if times else None,
        "median_days": median_days,
        "deadline_days": DECISION_DAYS,
        "window_days": DECIDED_WINDOW_DAYS,
        "time_chart": charts.bar_chart(
            key="chart-days-to-decision",
            title=_("Days from complete submission to decision (last %(days)d days)") % {"days": DECIDED_WINDOW_DAYS},
            items=histogram,
            label_header=_("Days to decision"),
            value_header=_("Applications"),
            emphasis=late_buckets,
            emphasis_label=_("past the %(days)d-day deadline") % {"days": DECISION_DAYS},
        ),
        "expiring": expiring,
        "expiring_count": expiring_count,
        "soon_days": SOON_DAYS,
        "recert": recert,
        "recert_due": recert_due,
        "links": {
            "applications": dashboard.admin_url("sellers_application_changelist"),
            "waiting": dashboard.admin_url("sellers_application_changelist"),
            "overdue": dashboard.admin_url("sellers_application_changelist", query="deadline=overdue"),
            "authorizations": dashboard.admin_url("sellers_brandauthorization_changelist"),
            "recertifications": dashboard.admin_url("sellers_recertification_changelist"),
        },
    }
