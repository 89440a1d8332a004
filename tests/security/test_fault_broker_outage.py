"""The broker is unreachable while sellers upload and notifiers report.

Requests must still succeed and lose nothing: the rows are written, the
enqueue failure is logged, and once the broker is back the periodic sweeps
finish the work (documents in quarantine, outbox notifications, image fetches,
notices waiting for triage).
"""

from __future__ import annotations

import io
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from moderation.models import Listing, ListingImage, Notice
from moderation.tasks import sweep_pending_images, triage_notices
from portal.api_auth import Scope
from portal.celery import app
from portal.models import Notification
from portal.tasks import sweep_outbox
from sellers.models import Document
from sellers.services.documents import document_upload
from sellers.tasks.recovery import sweep_quarantined_documents
from tests.moderation.factories import api_key
from tests.sellers.factories import seller_with_member

pytestmark = pytest.mark.django_db(transaction=True)


def _png(seed: int) -> bytes:
    image = Image.new("RGB", (64, 64), (seed * 40 % 255, 120, 200))
    for x in range(0, 64, 8):
        for y in range(0, 64, 8):
            image.putpixel((x, y), (255 - seed, x * 3, y * 3))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def image_server(settings):
    """A loopback HTTP server standing in for the marketplace's image CDN."""
    body = _png(3)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.MODERATION_IMAGE_HOSTS = ["127.0.0.1"]
    settings.MODERATION_IMAGE_ALLOW_PRIVATE = True
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def broker_down(settings):
    """Point Celery at a closed loopback port, as if Redis had died."""
    # Celery caches its producer pool per broker URL; swap it so publishing
    # really goes to the dead address, and put the live one back afterwards.
    previous = (app.conf.broker_url, app._pool)
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app.conf.task_always_eager = False
    app._pool = None

    def back_up():
        app.conf.broker_url, app._pool = previous
        app.conf.task_always_eager = True

    yield back_up
    back_up()


def _age(model, pk, field, minutes=30):
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(minutes=minutes)})


def test_requests_succeed_and_sweeps_finish_the_work_after_the_outage(client, image_server, broker_down):
    seller, member = seller_with_member()
    _, listings_key = api_key(Scope.LISTINGS_WRITE, name="marketplace")
    _, reports_key = api_key(Scope.REPORTS_WRITE, name="flagger")

    # while the broker is down
    document = document_upload(
        seller=seller,
        kind=Document.Kind.PROOF_OF_ADDRESS,
        uploaded_file=SimpleUploadedFile("utility-bill.png", _png(7), content_type="image/png"),
        actor=member,
    )
    listing_response = client.put(
        "/api/v1/listings/FAULT-1",
        {
            "seller": seller.pk,
            "title": "Leather wallet",
            "description": "Brown leather",
            "category": "accessories",
            "price": "49.00",
            "currency": "EUR",
            "url": "https://shop.example.com/items/FAULT-1",
            "image_urls": [f"{image_server}/wallet.png"],
            "country": "DE",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {listings_key}",
    )
    notice_response = client.post(
        "/api/v1/reports",
        {
            "listing": "FAULT-1",
            "reason": "counterfeit",
            "explanation": "Stitching and logo do not match the brand's genuine wallets.",
            "notifier_name": "Brand Protection",
            "notifier_email": "protect@example.org",
            "good_faith": True,
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {reports_key}",
    )

    # then: every request succeeded and its rows exist, waiting
    assert listing_response.status_code in (200, 201), listing_response.content
    assert notice_response.status_code == 201, notice_response.content
    document.refresh_from_db()
    assert document.status == Document.Status.PROCESSING
    image = ListingImage.objects.get(listing__external_id="FAULT-1")
    assert image.status == ListingImage.Status.PENDING
    notice = Notice.objects.get(listing__external_id="FAULT-1")
    assert notice.case_id is None, "the notice waits for the triage run the broker could not take"
    pending = list(Notification.objects.filter(status=Notification.Status.PENDING))

    # when the broker is back, beat runs the sweeps
    broker_down()
    _age(Document, document.pk, "uploaded_at")
    _age(Listing, image.listing_id, "updated_at")
    for row in pending:
        _age(Notification, row.pk, "created_at")
    assert sweep_quarantined_documents() == 1
    sweep_pending_images()
    assert sweep_outbox() == len(pending)
    assert triage_notices() == 1  # the triage sweep; the receipt it writes is sent at once

    # then nothing was lost
    document.refresh_from_db()
    assert document.status == Document.Status.ACCEPTED, document.rejection_reason
    image.refresh_from_db()
    assert image.status == ListingImage.Status.FINGERPRINTED, image.refusal_reason
    notice.refresh_from_db()
    assert notice.case is not None and notice.case.listing.external_id == "FAULT-1"
    receipt = Notification.objects.get(kind="moderation.notice.receipt", target_id=str(notice.pk))
    assert receipt.status == Notification.Status.SENT
    assert not Notification.objects.filter(status=Notification.Status.PENDING).exists()
