"""The queue page: the console changelist of cases, default ordering and filter.

50 requests each at 25 and 100 rows per page, server time measured around the
request in-process (Django's test client, a moderator signed in with a
verified second factor), and the statements each page sends. Baseline: a plain
ModelAdmin with the same ``list_display`` (bench/plain_admin.py), same data.
Checks: p95 under 250 ms; the same number of statements at 25 and 100 rows and
after piling 50 more notices on the first page's cases; no COUNT(*) over the
whole cases table.
"""

import re

from common import check, console_client, emit, setup_django, skip, summary, timed_get

setup_django()


from bench import plain_admin  # noqa: E402

REQUESTS = 50
QUEUE_URL = "/console/moderation/case/"
PLAIN_URL = "/bench-plain-console/moderation/case/"
WHOLE_TABLE_COUNT = re.compile(r'SELECT COUNT\(\*\).*FROM "moderation_case"(?!.*WHERE)', re.S)


def main() -> None:
    if plain_admin.CaseAdmin is None:
        skip("queue page", "moderation's CaseAdmin is not there yet")
        return
    from django.contrib import admin

    from moderation.models import Case, Notice

    real = admin.site._registry[Case]
    plain = plain_admin.site._registry[Case]
    client, _user = console_client("bench-queue-moderator", groups=("moderator",))
    metrics, statements = {}, {}
    for rows in (25, 100):
        real.list_per_page = plain.list_per_page = rows
        samples, sql = timed_get(client, QUEUE_URL, REQUESTS)
        plain_samples, plain_sql = timed_get(client, PLAIN_URL, REQUESTS)
        statements[rows] = sql
        metrics[f"queue, {rows} rows"] = {**summary(samples), "statements": len(sql)}
        metrics[f"baseline plain ModelAdmin, {rows} rows"] = {**summary(plain_samples), "statements": len(plain_sql)}

    # Diagnostic: the same page without the sidebar filters that list every seller and brand.
    full_filters = real.list_filter
    real.list_filter = tuple(f for f in full_filters if not (isinstance(f, tuple) and f[0].startswith("listing__")))
    real.list_per_page = 100
    samples, sql = timed_get(client, QUEUE_URL, REQUESTS)
    real.list_filter = full_filters
    metrics["diagnostic: queue, 100 rows, without the seller/brand sidebar filters"] = {
        **summary(samples),
        "statements": len(sql),
    }

    # Pile notices onto the first page's cases: the statement count must not move.
    first_page = list(Case.objects.filter(status__in=Case.OPEN_STATUSES).order_by(*real.ordering)[:25])
    template = Notice.objects.filter(case__isnull=False).first()
    more = []
    for case in first_page:
        for _ in range(50):
            template.pk = None
            template.case_id, template.listing_id = case.pk, case.listing_id
            more.append(Notice(**{f.attname: getattr(template, f.attname) for f in Notice._meta.concrete_fields}))
    Notice.objects.bulk_create(more, batch_size=2000)
    real.list_per_page = 25
    _, after_notices = timed_get(client, QUEUE_URL, REQUESTS)

    whole_counts = [q for rows in statements for q in statements[rows] if WHOLE_TABLE_COUNT.search(q["sql"])]
    p95 = max(metrics["queue, 25 rows"]["p95_ms"], metrics["queue, 100 rows"]["p95_ms"])
    same_size = len(statements[25]) == len(statements[100])
    same_notices = len(after_notices) == len(statements[25])
    metrics["open cases"] = Case.objects.filter(status__in=Case.OPEN_STATUSES).count()
    metrics["cases"] = Case.objects.count()
    metrics["statements at 25 rows after +50 notices per case"] = len(after_notices)
    slowest = sorted(statements[100], key=lambda q: float(q["time"]), reverse=True)[:3]
    metrics["slowest statements (100 rows)"] = [f"{float(q['time']) * 1000:.1f} ms: {q['sql'][:200]}" for q in slowest]
    emit(
        "queue page",
        metrics,
        [
            check("queue p95, 25 and 100 rows (ms)", p95, "< 250 ms", p95 < 250),
            check(
                "statements at 25 / 100 rows",
                f"{len(statements[25])} / {len(statements[100])}",
                "equal",
                same_size,
            ),
            check(
                "statements with 50 more notices per case",
                f"{len(after_notices)} (was {len(statements[25])})",
                "equal",
                same_notices,
            ),
            check("COUNT(*) over the whole cases table", len(whole_counts), "0", not whole_counts),
        ],
    )


if __name__ == "__main__":
    main()
