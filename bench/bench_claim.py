"""Claim next: 16 concurrent moderators draining open cases.

16 processes, one database connection and one moderator each, call
``case_claim_next`` in a loop; after each claim the case is closed by a plain
UPDATE (standing in for the decision, untimed) so the next call moves on.
Drains 10,000 open cases (large preset) or 2,000 (small). Baseline: one
moderator alone, no contention, on 200 cases. Diagnostic: the same drain
with no audit event (``portal.audit.record`` made a
no-op in the claimers), and the wait events of
the database sessions during the audited drain. Checks: median claim under
20 ms; no case handed out twice.
"""

import multiprocessing
import statistics
import threading
import time
import uuid

from common import check, emit, preset, setup_django, skip, summary

setup_django()

from django.contrib.auth.models import Group  # noqa: E402
from django.db import connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal.models import User  # noqa: E402

CLAIMERS = 16
DRAIN = {"small": 1_000, "large": 10_000}[preset()]
DIAGNOSTIC = {"small": 400, "large": 4_000}[preset()]
ALONE = 200


def moderators(n: int) -> list[int]:
    group = Group.objects.get(name="moderator")
    tag = uuid.uuid4().hex[:6]
    ids = []
    for i in range(n):
        user = User.objects.create_user(username=f"bench-claimer-{tag}-{i}", is_staff=True)
        user.groups.add(group)
        ids.append(user.pk)
    return ids


def drain(user_id: int, budget, results, audited: bool = True) -> None:
    from moderation.models import Case
    from moderation.services.cases import case_claim_next
    from portal import audit

    if not audited:  # diagnostic only, in this child process: no event on either path
        audit.record = lambda **_kwargs: None

    actor = User.objects.get(pk=user_id)
    claims = []
    while True:
        with budget.get_lock():
            if budget.value <= 0:
                break
            budget.value -= 1
        started = time.perf_counter()
        case = case_claim_next(actor=actor)
        took = time.perf_counter() - started
        if case is None:
            break
        claims.append((case.pk, took))
        Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED, closed_at=timezone.now())
    connections.close_all()
    results.put(claims)


def sample_waits(stop: threading.Event, counts: dict[str, int]) -> None:
    """What the database sessions are doing, sampled every 50 ms (pg_stat_activity)."""
    with connections["default"].cursor() as cursor:
        while not stop.is_set():
            cursor.execute(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'running') FROM pg_stat_activity "
                "WHERE datname = current_database() AND backend_type = 'client backend' "
                "AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            for (what,) in cursor.fetchall():
                counts[what] = counts.get(what, 0) + 1
            time.sleep(0.05)
    connections.close_all()


def run(user_ids: list[int], total: int, waits: dict[str, int] | None = None, audited: bool = True):
    ctx = multiprocessing.get_context("fork")
    budget = ctx.Value("i", total)
    results = ctx.Queue()
    connections.close_all()
    started = time.perf_counter()
    procs = [ctx.Process(target=drain, args=(uid, budget, results, audited)) for uid in user_ids]
    for p in procs:
        p.start()
    stop = threading.Event()
    sampler = threading.Thread(target=sample_waits, args=(stop, waits if waits is not None else {}))
    sampler.start()
    claims = []
    try:
        for _ in procs:
            claims += results.get(timeout=600)
        for p in procs:
            p.join()
    finally:
        stop.set()
        sampler.join()
    return claims, time.perf_counter() - started


def main() -> None:
    try:
        from moderation.models import Case
        from moderation.services.cases import case_claim_next  # noqa: F401
    except ImportError:
        skip("claim next", "moderation's case_claim_next is not there yet")
        return
    users = moderators(CLAIMERS + 1)
    open_before = Case.objects.filter(status=Case.Status.OPEN, assigned_to__isnull=True).count()
    alone, alone_wall = run(users[:1], min(ALONE, open_before // 10))
    waits: dict[str, int] = {}
    claims, wall = run(users[1:], min(DRAIN, open_before - len(alone)), waits)
    sampled = sum(waits.values()) or 1
    left = Case.objects.filter(status=Case.Status.OPEN, assigned_to__isnull=True).count()
    unaudited, unaudited_wall = run(users[1:], min(DIAGNOSTIC, left), audited=False)
    ids = [pk for pk, _ in claims + alone + unaudited]
    duplicates = len(ids) - len(set(ids))
    times = [t for _, t in claims]
    concurrent, single = summary(times), summary([t for _, t in alone])
    emit(
        "claim next",
        {
            "open unassigned cases before": open_before,
            f"{CLAIMERS} concurrent claimers": {**concurrent, "claims": len(claims), "seconds": round(wall, 1)},
            "claims per second": round(len(claims) / wall, 1),
            "baseline: one claimer alone": {**single, "claims/s": round(len(alone) / alone_wall, 1)},
            "contention factor (median)": round(statistics.median(times) / statistics.median([t for _, t in alone]), 2),
            "diagnostic: the same drain with no audit event": {
                **summary([t for _, t in unaudited]),
                "claims/s": round(len(unaudited) / unaudited_wall, 1),
            },
            "busy database sessions during the drain, by wait (share of samples)": {
                k: f"{v / sampled:.0%}" for k, v in sorted(waits.items(), key=lambda kv: -kv[1])[:6]
            },
        },
        [
            check("median claim time (ms)", concurrent["median_ms"], "< 20 ms", concurrent["median_ms"] < 20),
            check("p95 claim time (ms)", concurrent["p95_ms"], "reported", True),
            check("cases claimed twice", duplicates, "0", duplicates == 0),
            check("cases drained", len(claims), f"{min(DRAIN, open_before - len(alone)):,}", len(claims) > 0),
        ],
    )


if __name__ == "__main__":
    main()
