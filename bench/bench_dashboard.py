"""The console home's dashboard and the transparency report on the seeded data.

In-process (Django's test client, a superuser with a verified second factor,
so every panel renders): 30 requests each of the console home, the
transparency report for the last 30 days and for the last 365 days, and its
CSV; the statements each page sends; each panel's builder timed on its own.
Baseline: the console's app index for "portal" (same log-in and chrome, no
panels). Checks: console home p95 under 500 ms; a year's report under 2 s;
the home page's statement count does not depend on the data.
"""

import time
from datetime import timedelta

from common import check, console_client, emit, setup_django, summary, timed_get

setup_django()

from django.test import RequestFactory  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal import dashboard  # noqa: E402

REQUESTS = 30


def main() -> None:
    client, user = console_client("bench-dashboard", superuser=True)
    today = timezone.localdate()
    month = f"start={(today - timedelta(days=29)).isoformat()}&end={today.isoformat()}"
    year = f"start={(today - timedelta(days=364)).isoformat()}&end={today.isoformat()}"
    metrics = {}
    home, home_sql = timed_get(client, "/console/", REQUESTS)
    metrics["console home (all panels)"] = {**summary(home), "statements": len(home_sql)}
    base, base_sql = timed_get(client, "/console/portal/", REQUESTS)
    metrics["baseline: console app index, no panels"] = {**summary(base), "statements": len(base_sql)}
    report_month, month_sql = timed_get(client, f"/console/reports/transparency/?{month}", 10)
    metrics["transparency report, 30 days"] = {**summary(report_month), "statements": len(month_sql)}
    report_year, year_sql = timed_get(client, f"/console/reports/transparency/?{year}", 5)
    metrics["transparency report, 365 days"] = {**summary(report_year), "statements": len(year_sql)}
    csv_year, _ = timed_get(client, f"/console/reports/transparency.csv?{year}", 5)
    metrics["transparency CSV, 365 days"] = summary(csv_year)

    request = RequestFactory().get("/console/")
    request.user = user
    ctx = dashboard.PanelContext(request=request, user=user, now=timezone.now())
    for panel in dashboard.panels():
        samples = []
        for _ in range(10):
            started = time.perf_counter()
            panel.build(ctx)
            samples.append(time.perf_counter() - started)
        metrics[f"panel {panel.key}"] = summary(samples)
    slowest = sorted(home_sql, key=lambda q: float(q["time"]), reverse=True)[:3]
    metrics["slowest statements (console home)"] = [
        f"{float(q['time']) * 1000:.1f} ms: {q['sql'][:200]}" for q in slowest
    ]

    from moderation.models import Case, Decision

    metrics["cases"] = Case.objects.count()
    metrics["decisions"] = Decision.objects.count()
    home_p95 = metrics["console home (all panels)"]["p95_ms"]
    year_p95 = metrics["transparency report, 365 days"]["p95_ms"]
    emit(
        "dashboard and transparency report",
        metrics,
        [
            check("console home p95 (ms)", home_p95, "< 500 ms", home_p95 < 500),
            check("transparency report for a year, p95 (ms)", year_p95, "< 2000 ms", year_p95 < 2000),
            check("console home statements", len(home_sql), "<= 30", len(home_sql) <= 30),
        ],
    )


if __name__ == "__main__":
    main()
