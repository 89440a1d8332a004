"""A real Celery worker on Redis triages the notices the API received (services run of CI)."""

from __future__ import annotations

import time

import pytest

from moderation.models import Case, Notice
from moderation.selectors import awaiting_triage
from portal.api_auth import Scope
from portal.models import Notification
from tests.moderation.factories import ListingFactory, api_key
from tests.workers import Worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_burst_of_api_notices_is_triaged_by_the_worker(tmp_path, client, settings):
    settings.MODERATION_TRIAGE_DELAY = 0.5
    _key, full = api_key(Scope.REPORTS_WRITE, name="Brand protection desk")
    listings = [ListingFactory() for _ in range(3)]
    worker = Worker(tmp_path)
    try:
        for i in range(12):
            response = client.post(
                "/api/v1/reports",
                {
                    "listing": listings[i % 3].external_id,
                    "reason": "counterfeit",
                    "explanation": "The serial number on the tag does not exist; the brand confirmed it is fake.",
                    "notifier_name": "Fiona Flagger",
                    "notifier_email": "fiona@flaggers.example.org",
                    "good_faith": True,
                },
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {full}",
            )
            assert response.status_code == 201, response.content
            assert response.json()["case"] is None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and awaiting_triage().exists():
            time.sleep(0.2)
    finally:
        worker.stop()

    # then: every notice is in its listing's one open case, and each notifier got a receipt
    assert not awaiting_triage().exists(), worker.log[-20:]
    assert Case.objects.count() == 3
    for listing in listings:
        assert Notice.objects.filter(listing=listing, case__listing=listing).count() == 4
    assert Notification.objects.filter(kind="moderation.notice.receipt").count() == 12
    # and the burst shared triage runs instead of sending one per notice
    runs = [line for line in worker.log if "moderation.tasks.triage_notices" in line and "received" in line]
    assert 1 <= len(runs) < 12, runs
