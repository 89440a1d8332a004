"""Statement budgets of the hot paths measured in bench/ (guards for CI)."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal import services
from portal.api_auth import Scope
from sellers.models import BrandAuthorization, Seller

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sealer_apart(settings):
    # The budgets are the writers' own statements; sealing is the sealer's work (inline only on SQLite).
    settings.HALLMARK_AUDIT_SEAL_INLINE = False


@pytest.fixture
def seeded(capsys):
    call_command(
        "seed_scale",
        "--preset=small",
        "--json",
        "--sellers=40",
        "--brands=20",
        "--listings=0",
        "--reports=0",
        "--cases=0",
        "--events=0",
        "--fingerprints=0",
        "--moderators=0",
    )
    capsys.readouterr()


def test_the_gate_answers_in_four_statements_whatever_the_seller_holds(seeded, client, django_assert_max_num_queries):
    _key, secret = services.api_key_create(name="gate", scopes=[Scope.AUTHORIZATIONS_READ], actor=None)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = reverse("api:authorizations-check")
    client.get(url, {"seller": 1, "brand": 1, "country": "DE", "category": "bags"}, **headers)  # key's first use
    busiest = (
        BrandAuthorization.objects.filter(seller__status=Seller.Status.ACTIVE, status="approved")
        .values_list("seller_id", "brand_id")
        .first()
    )
    assert busiest is not None
    seller, brand = busiest
    with django_assert_max_num_queries(4):
        response = client.get(url, {"seller": seller, "brand": brand, "country": "DE", "category": "bags"}, **headers)
    assert response.status_code == 200


def test_claiming_the_next_case_costs_a_fixed_number_of_statements():
    """bench_claim drains the queue with 16 moderators; each claim must stay this cheap however long the queue."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from moderation.services.cases import case_claim_next
    from portal.roles import Role, roles_of
    from tests.factories import staff
    from tests.moderation.factories import CaseFactory

    moderator = staff(Role.MODERATOR)
    roles_of(moderator)  # read once per signed-in user, as in a request
    for priority in range(30):
        CaseFactory(priority=priority)
    # held lease, next case (locked), lease it, its audit event (SQLite appends the event in four)
    budget = 4 if connection.vendor == "postgresql" else 7

    def statements(**kwargs):
        with CaptureQueriesContext(connection) as captured:
            case = case_claim_next(actor=moderator)
        sent = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        return case, sent

    first, sent = statements()
    assert first.priority == 29 and len(sent) <= budget, sent
    case_claim_next(actor=staff(Role.MODERATOR, username="second-moderator"))
    again, sent = statements()
    assert again == first and len(sent) <= budget, sent  # a moderator gets back the case they hold
