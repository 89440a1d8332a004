"""Fuzz the whole API from its own OpenAPI schema (schemathesis + hypothesis).

Every operation in /api/v1/schema/ is called with generated input, authenticated
with a key holding every scope: no response may be a 5xx, and every documented
response must match its schema. New endpoints are picked up automatically.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from portal import services
from portal.api_auth import Scope

EXAMPLES = int(os.environ.get("HALLMARK_FUZZ_EXAMPLES", "300"))
# CI replays the same generated calls every run (a landing must not hinge on luck);
# local runs draw new ones, which is how new bugs are found.
DERANDOMIZE = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Calls go straight to the WSGI app, so Django's request signals would close
    the connection that holds the test's transaction; Django's own test client
    disconnects the same handlers."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def all_scopes_key(db):
    _, full = services.api_key_create(name="fuzzer", scopes=list(Scope.ALL), actor=None)
    return full


def _load_schema():
    # Generating the schema touches no database, so it can happen at collection.
    from portal.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)


schema = _load_schema()


@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    derandomize=DERANDOMIZE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.django_db
def test_api_survives_generated_input(case, all_scopes_key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {all_scopes_key}"},
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
