"""Notice intake: ``POST /api/v1/reports`` under gunicorn (2 workers).

Each request files a real notice about a random seeded listing: the notice
and its audit event are stored and a triage run is sent to Redis after the
commit, as in production. Baseline, in alternating rounds: a trivial
authenticated DRF endpoint on the same stack that parses the same JSON body.
Target: throughput at least 0.5 of the baseline's (the median of the rounds'
ratios).

Triage is work deferred, not work saved: after the load, this process drains
the notices the run filed (each joins its listing's open case or opens one,
rescored, and its receipt is written) and reports the rate, checking that
every notice reached a case.
"""

import contextlib
import json
import os
import random
import statistics
import time

from common import check, emit, gunicorn, interleaved, load_totals, preset, round_ratios, setup_django, skip

setup_django()

from django.urls import Resolver404, resolve  # noqa: E402

from portal import services  # noqa: E402
from portal.api_auth import Scope  # noqa: E402

ROUNDS = 6
SECONDS = {"small": 3, "large": 7}[preset()]
CONCURRENCY = 8
MAX_REQUESTS = 20_000
BROKER = "redis://127.0.0.1:6379/13"
QUEUE = "hallmark-bench"
REPORTS = "/api/v1/reports"


def main() -> None:
    try:
        resolve(REPORTS)
        from moderation.models import Listing, Notice
        from moderation.selectors import awaiting_triage
        from moderation.services.notices import notices_triage_pending
    except (Resolver404, ImportError, LookupError):
        skip("notice intake", "POST /api/v1/reports is not there yet")
        return
    _key, secret = services.api_key_create(name="bench reports", scopes=[Scope.REPORTS_WRITE], actor=None)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    rng = random.Random(9)
    listings = list(Listing.objects.values_list("external_id", flat=True)[:20_000])
    reasons = ["counterfeit", "trademark_infringement", "unauthorized_seller"]
    bodies = [
        json.dumps(
            {
                "listing": rng.choice(listings),
                "reason": rng.choice(reasons),
                "explanation": "The hologram and serial number do not match the genuine product; photos copied.",
                "evidence_urls": ["https://brand.example/official/123"],
                "notifier_name": "Brand Protection Desk",
                "notifier_email": "protection@brand.example",
                "good_faith": True,
            }
        ).encode()
        for _ in range(4000)
    ]
    before = Notice.objects.count()

    def report(i):
        return "POST", REPORTS, bodies[i % len(bodies)], headers

    def baseline(i):
        return "POST", "/api/v1/bench/ping", bodies[i % len(bodies)], headers

    os.environ.update(CELERY_BROKER_URL=BROKER, CELERY_QUEUE=QUEUE)
    try:
        with gunicorn(workers=2) as port:
            runs = interleaved(
                port,
                {"baseline": baseline, "reports": report},
                rounds=ROUNDS,
                seconds=SECONDS,
                concurrency=CONCURRENCY,
                max_requests=MAX_REQUESTS,
            )
    finally:
        _purge_queue()
    totals = {name: load_totals(parts) for name, parts in runs.items()}
    waiting = awaiting_triage().count()
    started = time.perf_counter()
    triaged = 0
    while batch := notices_triage_pending(limit=5000):
        triaged += batch
    triage_seconds = time.perf_counter() - started
    ratios = round_ratios(runs, "reports", "baseline")
    ratio = statistics.median(ratios)
    filed = Notice.objects.count() - before
    created = totals["reports"]["statuses"].get("201", 0) + sum(p["warmup"] for p in runs["reports"])
    emit(
        "notice intake",
        {
            "setup": f"gunicorn 2 sync workers, {CONCURRENCY} client threads, {ROUNDS} rounds of {SECONDS}s each",
            "POST /api/v1/reports": totals["reports"],
            "baseline (trivial authenticated POST)": totals["baseline"],
            "notices filed": filed,
            "throughput ratio by round": ratios,
            "throughput ratio (median of rounds)": round(ratio, 2),
            "triage afterwards (one process)": {
                "notices": triaged,
                "seconds": round(triage_seconds, 1),
                "notices/s": round(triaged / triage_seconds, 1) if triage_seconds else 0,
            },
        },
        [
            check("reports / baseline throughput (median of rounds)", round(ratio, 2), "≥ 0.5", ratio >= 0.5),
            check("reports p95 (ms)", totals["reports"]["p95_ms (worst round)"], "reported", True),
            check(
                "every 201 (and warm-up) filed a notice",
                f"{created} / {filed}",
                "equal",
                created == filed and created > 0,
            ),
            check(
                "notices left waiting for triage",
                awaiting_triage().count(),
                f"0 (of {waiting})",
                not awaiting_triage().exists(),
            ),
        ],
    )


def _purge_queue() -> None:
    import redis

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(BROKER).delete(QUEUE)


if __name__ == "__main__":
    main()
