"""Notice intake: ``POST /api/v1/reports`` under gunicorn (2 workers).

Each request files a real notice about a random seeded listing (it joins the
listing's open case or opens one, rescoring it, and queues the receipt
e-mail through Redis as in production). Baseline, interleaved in rounds: a
trivial authenticated DRF endpoint on the same stack that parses the same
JSON body. Target: throughput at least 0.5 of the baseline's.
"""

import contextlib
import json
import os
import random

from common import check, emit, gunicorn, load, preset, setup_django, skip

setup_django()

from django.urls import Resolver404, resolve  # noqa: E402

from portal import services  # noqa: E402
from portal.api_auth import Scope  # noqa: E402

ROUNDS = 2
SECONDS = {"small": 8, "large": 20}[preset()]
CONCURRENCY = 8
MAX_REQUESTS = 20_000
BROKER = "redis://127.0.0.1:6379/13"
QUEUE = "hallmark-bench"
REPORTS = "/api/v1/reports"


def main() -> None:
    try:
        resolve(REPORTS)
        from moderation.models import Listing, Notice
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
    runs = {"reports": [], "baseline": []}
    try:
        with gunicorn(workers=2) as port:
            for _ in range(ROUNDS):
                for name, make in (("baseline", baseline), ("reports", report)):
                    runs[name].append(
                        load(port, make, concurrency=CONCURRENCY, max_requests=MAX_REQUESTS, seconds=SECONDS)
                    )
    finally:
        _purge_queue()
    totals = {name: _totals(parts) for name, parts in runs.items()}
    filed = Notice.objects.count() - before
    created = totals["reports"]["statuses"].get("201", 0) + sum(p["warmup"] for p in runs["reports"])
    ratio = totals["reports"]["rps"] / totals["baseline"]["rps"]
    emit(
        "notice intake",
        {
            "setup": f"gunicorn 2 sync workers, {CONCURRENCY} client threads, {ROUNDS} rounds of {SECONDS}s each",
            "POST /api/v1/reports": totals["reports"],
            "baseline (trivial authenticated POST)": totals["baseline"],
            "notices filed": filed,
            "throughput ratio": round(ratio, 2),
        },
        [
            check("reports / baseline throughput", round(ratio, 2), "≥ 0.5", ratio >= 0.5),
            check("reports p95 (ms)", totals["reports"]["p95_ms (worst round)"], "reported", True),
            check(
                "every 201 (and warm-up) filed a notice",
                f"{created} / {filed}",
                "equal",
                created == filed and created > 0,
            ),
        ],
    )


def _totals(parts: list[dict]) -> dict:
    statuses: dict[str, int] = {}
    for p in parts:
        for k, v in p["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    return {
        "rps": round(sum(p["requests"] for p in parts) / sum(p["seconds"] for p in parts), 1),
        "p95_ms (worst round)": max(p["p95_ms"] for p in parts),
        "median_ms (worst round)": max(p["median_ms"] for p in parts),
        "statuses": statuses,
        "rounds (rps)": [p["rps"] for p in parts],
    }


def _purge_queue() -> None:
    import redis

    with contextlib.suppress(redis.RedisError):
        redis.Redis.from_url(BROKER).delete(QUEUE)


if __name__ == "__main__":
    main()
