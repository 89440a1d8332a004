"""A real Celery worker on Redis runs the document pipeline (services run of CI)."""

from __future__ import annotations

import time

import pytest

from sellers.models import Document
from sellers.services.documents import document_upload
from tests.sellers.factories import seller_with_member
from tests.sellers.onboarding_helpers import jpeg_bytes, upload
from tests.workers import Worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _wait(document: Document) -> Document:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        document.refresh_from_db()
        if document.status != Document.Status.PROCESSING:
            break
        time.sleep(0.2)
    return document


def test_the_worker_accepts_an_image_and_refuses_html(tmp_path):
    worker = Worker(tmp_path)
    try:
        seller, user = seller_with_member()
        good = document_upload(seller=seller, kind="id_document", uploaded_file=upload(jpeg_bytes(2)), actor=user)
        bad = document_upload(seller=seller, kind="tax_document", uploaded_file=upload(b"<html></html>"), actor=user)
        good, bad = _wait(good), _wait(bad)
    finally:
        worker.stop()
    assert good.status == Document.Status.ACCEPTED and good.phash is not None and good.stored_name
    assert bad.status == Document.Status.REJECTED and "web page" in bad.rejection_reason
