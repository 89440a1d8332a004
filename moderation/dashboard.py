"""The console home's moderation panels (queue health, team) and the transparency report's entry.

Registered with portal.dashboard; every number is a handful of grouped queries,
so the panels stay fast on large data (bench/bench_dashboard.py measures them).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.models import Appeal, Case, Decision, Reason
from moderation.selectors import awaiting_triage
from portal import charts, dashboard

TREND_DAYS = 30
TEAM_DAYS = 7
QUALITY_DAYS = 90
# Priority bands over the summed signals (moderation/services/scoring.py): a trusted
# flagger's counterfeit report scores 70, an overdue one 100.
BANDS = (
    ("urgent", gettext_lazy("urgent (100 and above)"), 100, None),
    ("high", gettext_lazy("high (60 to 99)"), 60, 100),
    ("medium", gettext_lazy("medium (30 to 59)"), 30, 60),
    ("low", gettext_lazy("low (below 30)"), None, 30),
)
# Beat sweeps for waiting notices every minute: one still waiting after this long means
# the workers are down or cannot keep up.
TRIAGE_STALLED_AFTER = timedelta(minutes=5)
READ_CASES = ("moderation.view_case", "moderation.view_decision")
LEADS = ("moderation.view_decision", "moderation.view_appeal", "moderation.decide_appeal")


def _band_filter(low, high) -> Q:
    q = Q()
    if low is not None:
        q &= Q(priority__gte=low)
    if high is not None:
        q &= Q(priority__lt=high)
    return q


def _per_day(queryset, field: str, *, days: list) -> list[int]:
    counts = dict(queryset.annotate(day=TruncDate(field)).values_list("day").annotate(n=Count("pk")).order_by())
    return [counts.get(day, 0) for day in days]


def trend_days(ctx: dashboard.PanelContext) -> list:
    return [ctx.today - timedelta(days=offset) for offset in range(TREND_DAYS - 1, -1, -1)]


def cases_opened(ctx: dashboard.PanelContext) -> dict:
    """``{(day, automated): n}`` for the trend's days: one scan of the cases serves both panels."""
    if "cases_opened" not in ctx.shared:
        days = trend_days(ctx)
        rows = (
            Case.objects.filter(opened_at__gte=ctx.days_ago(TREND_DAYS + 1))
            .annotate(day=TruncDate("opened_at"))
            .values_list("day", "automated")
            .annotate(n=Count("pk"))
            .order_by()
        )
        ctx.shared["cases_opened"] = {(day, automated): n for day, automated, n in rows if day in days}
    return ctx.shared["cases_opened"]


def _medians(rows, key) -> list[tuple[str, int, float | None]]:
    groups: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row["hours"])
    return [(label, len(values), dashboard.median(values)) for label, values in sorted(groups.items())]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dashboard.register_panel(
    key="queue",
    title=gettext_lazy("Moderation queue health"),
    template="admin/dashboard/queue.html",
    permissions=READ_CASES,
    order=10,
)
def queue_panel(ctx: dashboard.PanelContext) -> dict:
    now = ctx.now
    bands = {f"band_{key}": Count("pk", filter=_band_filter(low, high)) for key, _l, low, high in BANDS}
    queue = Case.objects.filter(status__in=Case.OPEN_STATUSES).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        escalated=Count("pk", filter=Q(status=Case.Status.ESCALATED)),
        oldest=Min("opened_at"),
        **bands,
    )
    waiting = awaiting_triage().aggregate(n=Count("pk"), oldest=Min("received_at"))
    days = trend_days(ctx)
    opened_by_day = cases_opened(ctx)
    opened = [opened_by_day.get((day, False), 0) + opened_by_day.get((day, True), 0) for day in days]
    decided = _per_day(Decision.objects.filter(decided_at__gte=ctx.days_ago(TREND_DAYS + 1)), "decided_at", days=days)

    rows = [
        {
            "source": source,
            "reason": reason,
            "hours": dashboard.hours_between(opened_at, decided_at),
        }
        for source, reason, opened_at, decided_at in Decision.objects.filter(
            decided_at__gte=ctx.days_ago(TREND_DAYS)
        ).values_list("case__source", "case__reason", "case__opened_at", "decided_at")
    ]
    source_labels = dict(Case.Source.choices)
    reason_labels = dict(Reason.choices)
    by_source = [(str(source_labels.get(k, k)), n, m) for k, n, m in _medians(rows, lambda r: r["source"])]
    by_reason = [(str(reason_labels.get(k, k)), n, m) for k, n, m in _medians(rows, lambda r: r["reason"])]
    band_items = [(str(label), queue[f"band_{key}"]) for key, label, _low, _high in BANDS]
    return {
        "open": queue["open"],
        "overdue": queue["overdue"],
        "escalated": queue["escalated"],
        "oldest_days": dashboard.days_between(queue["oldest"], now) if queue["oldest"] else None,
        "awaiting_triage": waiting["n"],
        "triage_stalled": waiting["oldest"] is not None and waiting["oldest"] < now - TRIAGE_STALLED_AFTER,
        "bands": band_items,
        "bands_chart": charts.bar_chart(
            key="chart-open-by-priority",
            title=_("Open cases by priority band"),
            items=band_items,
            label_header=_("Priority band"),
            value_header=_("Open cases"),
        ),
        "trend_days": TREND_DAYS,
        "opened_per_day": opened,
        "decided_per_day": decided,
        "trend_chart": charts.line_chart(
            key="chart-inflow-decisions",
            title=_("Cases opened and decisions taken per day (last %(days)d days)") % {"days": TREND_DAYS},
            x_labels=[date_format(day, "SHORT_DATE_FORMAT") for day in days],
            series=[(_("cases opened"), opened), (_("decisions"), decided)],
            x_header=_("Day"),
        ),
        "by_source": by_source,
        "by_reason": by_reason,
        "source_chart": charts.bar_chart(
            key="chart-hours-by-source",
            title=_("Median hours from case opened to decision, by source (last %(days)d days)") % {"days": TREND_DAYS},
            items=[(label, median) for label, _n, median in by_source],
            label_header=_("Source"),
            value_header=_("Median hours"),
            unit="h",
        ),
        "links": {
            "queue": dashboard.admin_url("moderation_case_changelist"),
            "overdue": dashboard.admin_url("moderation_case_changelist", query="queue=overdue"),
            "escalated": dashboard.admin_url("moderation_case_changelist", query="queue=escalated"),
        },
    }


@dashboard.register_panel(
    key="team",
    title=gettext_lazy("Moderation team"),
    template="admin/dashboard/team.html",
    permissions=LEADS,
    order=20,
)
def team_panel(ctx: dashboard.PanelContext) -> dict:
    today = ctx.today
    days = [today - timedelta(days=offset) for offset in range(TEAM_DAYS - 1, -1, -1)]
    per_day = (
        Decision.objects.filter(decided_at__gte=ctx.days_ago(TEAM_DAYS + 1))
        .annotate(day=TruncDate("decided_at"))
        .values_list("decided_by__username", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    matrix: dict[str, dict] = defaultdict(dict)
    for username, day, n in per_day:
        if day in days:
            matrix[username][day] = n
    moderators = [
        {
            "name": username,
            "days": [counts.get(day, 0) for day in days],
            "total": sum(counts.values()),
            "per_day": sum(counts.values()) / TEAM_DAYS,
        }
        for username, counts in sorted(matrix.items())
    ]

    appeals = Appeal.objects.filter(
        status__in=(Appeal.Status.UPHELD, Appeal.Status.OVERTURNED), decided_at__gte=ctx.days_ago(QUALITY_DAYS)
    )
    by_policy = _overturns(appeals, "decision__policy__code", empty=_("no policy (dismissed)"))
    by_moderator = _overturns(appeals, "decision__decided_by__username", empty="—")

    since = ctx.days_ago(TREND_DAYS)
    opened = cases_opened(ctx)
    cases = {"total": sum(opened.values()), "automated": sum(n for (_day, automated), n in opened.items() if automated)}
    decisions = Decision.objects.filter(decided_at__gte=since).aggregate(
        total=Count("pk"),
        detected=Count("pk", filter=Q(automated_detection=True)),
        automated=Count("pk", filter=~Q(automated_decision=Decision.Automation.NOT_AUTOMATED)),
    )
    return {
        "team_days": TEAM_DAYS,
        "day_labels": [date_format(day, "SHORT_DATE_FORMAT") for day in days],
        "moderators": moderators,
        "quality_days": QUALITY_DAYS,
        "by_policy": by_policy,
        "by_moderator": by_moderator,
        "overturn_chart": charts.bar_chart(
            key="chart-overturn-by-moderator",
            title=_("Appeal overturn rate by original decider (last %(days)d days)") % {"days": QUALITY_DAYS},
            items=[
                (row["label"], None if row["rate"] is None else round(row["rate"] * 100, 1)) for row in by_moderator
            ],
            label_header=_("Moderator"),
            value_header=_("Overturned (%)"),
            unit="%",
            width=400,
        ),
        "trend_days": TREND_DAYS,
        "cases_total": cases["total"],
        "cases_automated": cases["automated"],
        "cases_automated_share": _rate(cases["automated"], cases["total"]),
        "decisions_total": decisions["total"],
        "decisions_detected": decisions["detected"],
        "decisions_detected_share": _rate(decisions["detected"], decisions["total"]),
        "decisions_automated": decisions["automated"],
    }


def _overturns(appeals, field: str, *, empty: str) -> list[dict]:
    rows = appeals.values_list(field).annotate(
        decided=Count("pk"), overturned=Count("pk", filter=Q(status=Appeal.Status.OVERTURNED))
    )
    return [
        {"label": label or empty, "decided": decided, "overturned": overturned, "rate": _rate(overturned, decided)}
        for label, decided, overturned in sorted(rows.order_by(), key=lambda r: (r[0] is None, r[0] or ""))
    ]


TRANSPARENCY_REPORT = dashboard.register_report(
    key="transparency",
    title=gettext_lazy("Transparency report"),
    description=gettext_lazy("DSA Art. 15 and 24 numbers for any period, as CSV or a printable page."),
    url_name="reports:transparency",
    permissions=("moderation.view_decision", "moderation.view_notice", "moderation.view_appeal"),
    order=10,
)
