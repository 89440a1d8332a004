"""PostgreSQL stops in the middle of a stream of notice calls.

While it is down every call must fail cleanly (503 with a JSON body, never a
500 page or a hang); once it is back calls succeed within seconds; and no
half-written notice exists: every notice the API confirmed is stored with its
case, and nothing unconfirmed is stored.

This stops and starts the machine's PostgreSQL cluster, so it runs only where
that is acceptable: in CI's services pass (HALLMARK_REQUIRE_SERVICES=1) or
with HALLMARK_FAULT_INJECTION=1.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from moderation.models import Notice
from portal.api_auth import Scope
from tests.conftest import REQUIRE_SERVICES
from tests.moderation.factories import ListingFactory, api_key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _cluster() -> tuple[str, str]:
    """The local cluster (version, name) that serves this test's database port."""
    port = str(connection.settings_dict.get("PORT") or 5432)
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if cluster_port == port:
            return version, name
    raise AssertionError(f"no local PostgreSQL cluster listens on port {port}")


def _pg(action: str) -> None:
    version, name = _cluster()
    extra = ["-m", "fast"] if action == "stop" else []
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action, *extra],
        check=True,
        capture_output=True,
        timeout=60,
    )


def _ready() -> bool:
    port = str(connection.settings_dict.get("PORT") or 5432)
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", port, "-t", "1"], capture_output=True).returncode == 0


def _wait_ready(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _ready():
            return
        time.sleep(0.2)
    raise AssertionError("PostgreSQL did not come back")


@pytest.fixture
def fault_injection_allowed():
    if not (REQUIRE_SERVICES or os.environ.get("HALLMARK_FAULT_INJECTION") == "1"):
        pytest.skip("stops the shared PostgreSQL cluster: set HALLMARK_FAULT_INJECTION=1 (CI's services pass does)")


def _post(url: str, key: str, idem: str, listing: str) -> tuple[int | str, dict]:
    body = json.dumps(
        {
            "listing": listing,
            "reason": "counterfeit",
            "explanation": "The logo is misspelt and the price is a tenth of the brand's own.",
            "notifier_name": "Fault Tester",
            "notifier_email": "faults@example.org",
            "good_faith": True,
        }
    ).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json", "Idempotency-Key": idem},
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:  # loopback only
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, {"raw": raw[:300].decode(errors="replace")}
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        return "transport", {"error": str(exc)}


def test_calls_fail_cleanly_while_postgres_is_down_and_recover(fault_injection_allowed, live_server):
    listing = ListingFactory()
    _, key = api_key(Scope.REPORTS_WRITE)
    url = f"{live_server.url}/api/v1/reports"
    calls: list[tuple[float, str, int | str, dict]] = []
    stop = threading.Event()

    def stream():
        n = 0
        while not stop.is_set():
            n += 1
            idem = f"fault-{n}"
            status, body = _post(url, key, idem, listing.external_id)
            calls.append((time.monotonic(), idem, status, body))
            time.sleep(0.05)

    worker = threading.Thread(target=stream, daemon=True)
    worker.start()
    try:
        time.sleep(1.5)
        _pg("stop")
        down_at = time.monotonic()
        time.sleep(3)
        start_at = time.monotonic()
        _pg("start")
        _wait_ready()
        up_at = time.monotonic()
        time.sleep(6)
    finally:
        stop.set()
        worker.join(timeout=30)
        if not _ready():
            _pg("start")
        _wait_ready()
        connection.close()  # this thread's connection died with the server

    during = [c for c in calls if down_at + 0.5 < c[0] < start_at]
    after = [c for c in calls if c[0] > up_at + 4]
    assert during, "no call was made while PostgreSQL was down"
    assert all(status == 503 for _, _, status, _ in during), {status for _, _, status, _ in during}
    assert all(body.get("code") == "unavailable" for _, _, _, body in during)
    assert after and all(status == 201 for _, _, status, _ in after), [s for _, _, s, _ in after]
    assert not [c for c in calls if c[2] not in (200, 201, 503)], "a call failed with something other than 503"

    # Nothing half-written: exactly the confirmed notices exist, each with its case.
    confirmed = {idem for _, idem, status, _ in calls if status in (200, 201)}
    stored = set(Notice.objects.filter(idempotency_key__startswith="fault-").values_list("idempotency_key", flat=True))
    assert stored == confirmed
    assert not Notice.objects.filter(idempotency_key__startswith="fault-", case__isnull=True).exists()
