"""The gate: ``GET /api/v1/authorizations/check`` under gunicorn (2 workers).

A bounded, time-limited client on loopback sends a mix of real questions
(authorized sellers, protected brands without a right, unprotected brands,
brands by name) and, interleaved in rounds, the same number to a trivial
authenticated DRF endpoint on the same stack (the baseline). Target: the
gate's throughput at least 0.7 of the baseline's.
"""

import random
from urllib.parse import urlencode

from common import check, emit, gunicorn, load, load_totals, preset, setup_django, skip

setup_django()

from django.urls import NoReverseMatch, reverse  # noqa: E402

from portal import services  # noqa: E402
from portal.api_auth import Scope  # noqa: E402
from sellers.models import Brand, BrandAuthorization, Seller  # noqa: E402

ROUNDS = 2
SECONDS = {"small": 8, "large": 20}[preset()]
CONCURRENCY = 8
MAX_REQUESTS = 20_000


def questions(rng: random.Random, n: int) -> list[str]:
    approved = list(
        BrandAuthorization.objects.filter(status="approved", seller__status="active").values_list(
            "seller_id", "brand_id", "territories", "categories"
        )[:2000]
    )
    sellers = list(Seller.objects.filter(status="active").values_list("pk", flat=True)[:2000])
    brands = list(Brand.objects.values_list("pk", "name")[:2000])
    paths = []
    for i in range(n):
        kind = i % 4
        if kind == 0 and approved:
            seller, brand, territories, categories = rng.choice(approved)
            country = territories[0] if territories else "DE"
            category = categories[0] if categories else "footwear"
            params = {"seller": seller, "brand": brand, "country": country, "category": category}
        elif kind == 1:
            _brand_id, name = rng.choice(brands)
            params = {"seller": rng.choice(sellers), "brand": name, "country": "FR", "category": "bags"}
        else:
            params = {
                "seller": rng.choice(sellers),
                "brand": rng.choice(brands)[0],
                "country": "US",
                "category": "watches",
            }
        paths.append(f"{reverse('api:authorizations-check')}?{urlencode(params)}")
    return paths


def main() -> None:
    try:
        reverse("api:authorizations-check")
    except NoReverseMatch:
        skip("gate", "GET /api/v1/authorizations/check is not there yet")
        return
    _key, secret = services.api_key_create(name="bench gate", scopes=[Scope.AUTHORIZATIONS_READ], actor=None)
    headers = {"Authorization": f"Bearer {secret}"}
    paths = questions(random.Random(5), 4000)
    ping = reverse("bench-ping")

    def gate(i):
        return "GET", paths[i % len(paths)], None, headers

    def baseline(i):
        return "GET", ping, None, headers

    runs = {"gate": [], "baseline": []}
    with gunicorn(workers=2) as port:
        for _ in range(ROUNDS):
            for name, make in (("baseline", baseline), ("gate", gate)):
                runs[name].append(load(port, make, concurrency=CONCURRENCY, max_requests=MAX_REQUESTS, seconds=SECONDS))
    totals = {name: load_totals(parts) for name, parts in runs.items()}
    ratio = totals["gate"]["rps"] / totals["baseline"]["rps"]
    ok_statuses = set(totals["gate"]["statuses"]) <= {"200", "404"}
    emit(
        "gate",
        {
            "setup": f"gunicorn 2 sync workers, {CONCURRENCY} client threads, {ROUNDS} rounds of {SECONDS}s each",
            "gate": totals["gate"],
            "baseline (trivial authenticated endpoint)": totals["baseline"],
            "throughput ratio": round(ratio, 2),
        },
        [
            check("gate / baseline throughput", round(ratio, 2), "≥ 0.7", ratio >= 0.7),
            check("gate p95 (ms)", totals["gate"]["p95_ms (worst round)"], "reported", True),
            check("gate answered every request (200/404)", totals["gate"]["statuses"], "no 5xx", ok_statuses),
        ],
    )


if __name__ == "__main__":
    main()
