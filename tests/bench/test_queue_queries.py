"""The queue page's statements stay flat (the small-preset guard for bench/bench_queue.py)."""

import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.models import Case, Notice
from portal.roles import Role
from tests.factories import staff
from tests.helpers import login_staff

pytestmark = pytest.mark.django_db

QUEUE = "/console/moderation/case/"
WHOLE_TABLE_COUNT = re.compile(r'SELECT COUNT\(\*\).*FROM "moderation_case"(?!.*WHERE)', re.S)
SMALL = [
    "--sellers=40",
    "--brands=15",
    "--listings=400",
    "--reports=1200",
    "--cases=360",
    "--events=0",
    "--fingerprints=0",
    "--moderators=2",
]


@pytest.fixture
def queue_client(client, capsys):
    call_command("seed_scale", "--preset=small", "--json", *SMALL)
    capsys.readouterr()
    login_staff(client, staff(Role.MODERATOR))
    return client


@pytest.fixture
def per_page():
    model_admin = admin.site._registry[Case]
    original = model_admin.list_per_page

    def set_rows(rows: int) -> None:
        model_admin.list_per_page = rows

    yield set_rows
    model_admin.list_per_page = original


def _statements(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_statements_do_not_grow_with_the_page_size(queue_client, per_page, django_assert_max_num_queries):
    assert Case.objects.filter(status__in=Case.OPEN_STATUSES).count() >= 100
    per_page(25)
    small = _statements(queue_client)
    per_page(100)
    with django_assert_max_num_queries(len(small)):
        response = queue_client.get(QUEUE)
    assert len(response.context["cl"].result_list) == 100


def test_statements_do_not_grow_with_notices_per_case(queue_client, per_page):
    per_page(25)
    before = _statements(queue_client)
    template = Notice.objects.filter(case__isnull=False).first()
    first_page = Case.objects.filter(status__in=Case.OPEN_STATUSES).order_by("-priority", "due_at", "pk")[:25]
    fields = [f.attname for f in Notice._meta.concrete_fields if not f.primary_key]
    Notice.objects.bulk_create(
        Notice(**{**{name: getattr(template, name) for name in fields}, "case_id": c.pk, "listing_id": c.listing_id})
        for c in first_page
        for _ in range(20)
    )
    assert len(_statements(queue_client)) == len(before)


def test_no_count_over_the_whole_cases_table(queue_client, per_page):
    per_page(25)
    counts = [sql for sql in _statements(queue_client) if WHOLE_TABLE_COUNT.search(sql)]
    assert counts == []
