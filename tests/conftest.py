"""Shared fixtures.

Service-dependent tests are marked (``postgres``, ``celery_worker``,
``browser``). Outside CI a missing service skips them with a note on how to
run them; with ``HALLMARK_REQUIRE_SERVICES=1`` (the services run of .ci/run)
a missing PostgreSQL, Redis or worker fails them, and with ``CI=true`` so does
a missing Chromium. A skip can never hide a dependency CI is meant to test.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("HALLMARK_REQUIRE_SERVICES") == "1"
IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("HALLMARK_CHROMIUM", "/usr/bin/chromium")


def pytest_configure(config):
    # Argon2 (the real hasher) spends ~100 MB and several passes per hash by
    # design; tests create hundreds of users, so they use a fast one.
    # tests/portal/test_settings_and_commands.py checks production keeps Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _missing(reason: str, *, required: bool) -> None:
    if required:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        _missing("needs PostgreSQL: run with DATABASE_URL=postgres://…", required=REQUIRE_SERVICES)
    if item.get_closest_marker("celery_worker") and not settings.CELERY_BROKER_URL:
        _missing("needs Redis and a Celery worker: run with CELERY_BROKER_URL=redis://…", required=REQUIRE_SERVICES)
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        _missing(f"needs Chromium at {CHROMIUM} (apt-get install chromium)", required=REQUIRE_SERVICES or IN_CI)


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    """Every test writes documents into its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _eager_celery_unless_worker(request):
    """Tasks run in-process except in tests that exercise the real worker."""
    from portal.celery import app

    eager = request.node.get_closest_marker("celery_worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager or not settings.CELERY_BROKER_URL
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _audit_sealed_inline(request, settings):
    """Tests see their events sealed at once, as on the embedded default; the sealer's own tests do not."""
    settings.HALLMARK_AUDIT_SEAL_INLINE = request.node.get_closest_marker("sealer") is None


def _audit_triggers(enabled: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE portal_auditevent {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER")


@pytest.fixture(autouse=True)
def _audit_table_append_only_on_postgres(request):
    """Keep the append-only trigger on during every test on PostgreSQL.

    Django cleans up after a transactional test with TRUNCATE, which the trigger
    refuses; so it is switched off just for that clean-up (as the table's owner
    could always do) and on again before the next test.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        yield
        return
    transactional = marker.kwargs.get("transaction", False) or (marker.args and marker.args[0])
    request.getfixturevalue("transactional_db" if transactional else "db")
    _audit_triggers(True)
    yield
    if transactional:
        _audit_triggers(False)
