"""A worker is SIGKILLed while it processes a document.

With late acknowledgement the task stays in Redis' unacked set; once the
visibility timeout passes, the next worker gets it again. The pipeline step
holds a row lock in one transaction, so the killed attempt left nothing
behind, and the document ends processed exactly once.
"""

from __future__ import annotations

import io
import random
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from portal.audit.models import AuditEvent
from portal.models import ImageFingerprint
from sellers.models import Document
from sellers.services.documents import document_upload
from tests.sellers.factories import seller_with_member
from tests.workers import Worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _large_photo() -> bytes:
    """A 12-megapixel JPEG: large enough that processing takes a noticeable moment."""
    rng = random.Random(4)
    image = Image.new("RGB", (4000, 3000))
    tile = Image.frombytes("RGB", (200, 150), bytes(rng.randrange(256) for _ in range(200 * 150 * 3)))
    for x in range(0, 4000, 200):
        for y in range(0, 3000, 150):
            image.paste(tile, (x, y))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def test_a_killed_worker_leaves_the_document_to_be_processed_exactly_once(tmp_path):
    seller, member = seller_with_member()
    fast_redelivery = {"CELERY_VISIBILITY_TIMEOUT": "3", "CELERY_RESTORE_INTERVAL": "1"}
    first = Worker(tmp_path / "a", **fast_redelivery)
    try:
        document = document_upload(
            seller=seller,
            kind=Document.Kind.PROOF_OF_ADDRESS,
            uploaded_file=SimpleUploadedFile("shopfront.jpg", _large_photo(), content_type="image/jpeg"),
            actor=member,
        )
        first.wait_for("sellers.tasks.process_document", timeout=30)  # received: processing starts now
        time.sleep(0.2)
        first.kill()
    finally:
        first.stop()
    document.refresh_from_db()
    if document.status != Document.Status.PROCESSING:
        pytest.fail("the document was processed before the kill; the test input must be larger")

    second = Worker(tmp_path / "b", **fast_redelivery)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and document.status == Document.Status.PROCESSING:
            time.sleep(0.5)
            document.refresh_from_db()
    finally:
        second.stop()

    assert document.status == Document.Status.ACCEPTED, document.rejection_reason or "still processing"
    accepted = AuditEvent.objects.filter(target_type="sellers.document", target_id=str(document.pk))
    assert accepted.filter(action__endswith="accepted").count() == 1
    assert ImageFingerprint.objects.filter(object_type="sellers.document", object_id=str(document.pk)).count() == 1
