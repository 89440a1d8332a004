"""What every benchmark script shares: Django set-up, statistics, the result line,
a gunicorn server and a bounded load client (loopback only).

A script prints exactly one line starting with ``RESULT `` followed by JSON:
``{"name", "metrics": {...}, "checks": [{"what", "target", "value", "ok"}]}``;
bench/run.py collects those lines into bench/RESULTS.md.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = "127.0.0.1"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    if "postgres" not in os.environ.get("DATABASE_URL", ""):
        raise SystemExit("benchmarks run against PostgreSQL only: set DATABASE_URL=postgres://… (bench/run.py does)")
    import django

    django.setup()


def preset() -> str:
    return os.environ.get("BENCH_PRESET", "small")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def summary(samples: list[float]) -> dict[str, float]:
    """Median, p95 and max of durations in seconds, as milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "n": len(ordered),
        "median_ms": ms(statistics.median(ordered)),
        "p95_ms": ms(p95),
        "max_ms": ms(ordered[-1]),
    }


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so the next peak is this step's own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_since_reset_mb() -> float:
    with open("/proc/self/status") as f:
        kb = int(next(line for line in f if line.startswith("VmHWM")).split()[1])
    return round(kb / 1024, 1)


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def check(what: str, value: float, target: str, ok: bool) -> dict:
    return {"what": what, "value": value, "target": target, "ok": bool(ok)}


def emit(name: str, metrics: dict, checks: list[dict]) -> None:
    print("RESULT " + json.dumps({"name": name, "metrics": metrics, "checks": checks}), flush=True)


# --- HTTP -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(workers: int = 2):
    """Serve the project (bench settings) on a free loopback port; yield the port."""
    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings")
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "portal.wsgi:application",
            f"--bind={LOOPBACK}:{port}",
            f"--workers={workers}",
            "--log-level=warning",
            "--timeout=60",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection(LOOPBACK, port, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start within 30 s")
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def load(
    port: int,
    make_request: Callable[[int], tuple[str, str, bytes | None, dict[str, str]]],
    *,
    concurrency: int,
    max_requests: int,
    seconds: float,
    warmup: int = 20,
) -> dict:
    """Send requests from ``concurrency`` threads until ``max_requests`` or ``seconds``.

    ``make_request(i)`` returns (method, path, body, headers). Always 127.0.0.1.
    Returns throughput, latency summary and status counts.
    """
    for i in range(warmup):
        _send(port, *make_request(-1 - i))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(max_requests))
    stop_at = time.monotonic() + seconds

    def worker():
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            started = time.perf_counter()
            status = _send(port, *make_request(i))
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": round(wall, 2),
        "rps": round(len(latencies) / wall, 1),
        **summary(latencies),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "warmup": warmup,
    }


def interleaved(
    port: int,
    makers: dict[str, Callable[[int], tuple[str, str, bytes | None, dict[str, str]]]],
    *,
    rounds: int,
    seconds: float,
    concurrency: int,
    max_requests: int,
) -> dict[str, list[dict]]:
    """``load`` each endpoint in turn, ``rounds`` times, the order reversed every round.

    Short alternating rounds put an endpoint and its baseline under the same
    conditions: a neighbour's burst on this shared machine lands on both, and
    the ratio of each round's pair (``round_ratios``) is what to compare.
    """
    runs: dict[str, list[dict]] = {name: [] for name in makers}
    names = list(makers)
    for i in range(rounds):
        for name in names if i % 2 == 0 else names[::-1]:
            runs[name].append(
                load(port, makers[name], concurrency=concurrency, max_requests=max_requests, seconds=seconds)
            )
    return runs


def round_ratios(runs: dict[str, list[dict]], name: str, baseline: str) -> list[float]:
    """Throughput of ``name`` over ``baseline``, round by round."""
    return [round(a["rps"] / b["rps"], 3) for a, b in zip(runs[name], runs[baseline], strict=True)]


def load_totals(parts: list[dict]) -> dict:
    """One endpoint's rounds together: throughput, worst round's latencies, statuses."""
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


def _send(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        conn.close()


def console_client(username_prefix: str, *, groups: tuple[str, ...] = (), superuser: bool = False):
    """A test client signed in to the console as a new staff user with a confirmed second factor."""
    import uuid

    from django.contrib.auth.models import Group
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portal.models import User

    user = User.objects.create_user(
        username=f"{username_prefix}-{uuid.uuid4().hex[:6]}", is_staff=True, is_superuser=superuser
    )
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client, user


def timed_get(client, url: str, repeat: int) -> tuple[list[float], list[dict]]:
    """Server time of ``repeat`` GETs after a warm-up, and the statements of one more."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        samples.append(time.perf_counter() - started)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return samples, captured.captured_queries


def skip(name: str, reason: str) -> None:
    print("RESULT " + json.dumps({"name": name, "skipped": reason, "metrics": {}, "checks": []}), flush=True)
