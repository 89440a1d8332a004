import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"]


def test_healthz_is_503_naming_the_broker_when_it_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Port 9 (discard) on loopback: nothing listens there on these machines.
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:9/0"
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["down"] == ["broker"]
    assert body["database"]["ok"] is True


def test_security_headers_on_every_response(client):
    for url in (reverse("home"), reverse("login"), reverse("admin:login"), reverse("healthz")):
        response = client.get(url)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in csp, url
        script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert "unsafe-inline" not in script_src, url
        assert "frame-ancestors 'none'" in csp, url
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert response.headers["Referrer-Policy"] == "same-origin", url
        assert response.headers["X-Request-ID"], url


def test_request_id_is_echoed_only_when_harmless(client):
    assert client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abc-123").headers["X-Request-ID"] == "abc-123"
    generated = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="<script>").headers["X-Request-ID"]
    assert generated != "<script>" and len(generated) == 32


def test_documents_have_no_public_url(client, settings):
    from django.core.files.storage import default_storage

    with pytest.raises(NotImplementedError):
        default_storage.url("anything.pdf")
    default_storage.save("secret.pdf", __import__("io").BytesIO(b"%PDF-1.4 secret"))
    assert client.get(settings.MEDIA_URL + "secret.pdf").status_code == 404


def test_home_page_renders(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Trust & safety for our marketplace" in response.content


def test_an_outage_answers_web_pages_in_html_and_the_api_in_json(rf):
    from django.db import OperationalError

    from portal.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    outage = OperationalError("could not connect to server: Connection refused")
    page = middleware.process_exception(rf.get("/seller/"), outage)
    api = middleware.process_exception(rf.get("/api/v1/me"), outage)
    assert page.status_code == api.status_code == 503
    assert page["Content-Type"].startswith("text/html") and b"temporarily unavailable" in page.content
    assert json.loads(api.content)["code"] == "unavailable" and api["Retry-After"] == "5"
    assert middleware.process_exception(rf.get("/seller/"), ValueError("a bug")) is None
