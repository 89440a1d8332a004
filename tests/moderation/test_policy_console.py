"""Policies in the console go through moderation.services.policies: audited, and a bad template never saved."""

from __future__ import annotations

import pytest

from moderation.audit_actions import ModerationAction
from moderation.models import Policy
from moderation.models.decisions import Action
from moderation.services.policies import policy_save
from portal.audit.models import AuditEvent
from portal.errors import DomainError, PermissionDeniedError
from portal.roles import Role
from tests.factories import staff
from tests.helpers import login_staff
from tests.moderation.factories import PolicyFactory

pytestmark = pytest.mark.django_db

ADD = "/console/moderation/policy/add/"


def _form(**overrides) -> dict:
    data = {
        "code": "replica-watches",
        "title": "Replica watches",
        "ground": Policy.Ground.ILLEGAL_CONTENT,
        "reference": "Art. 9(2) Regulation (EU) 2017/1001",
        "reference_url": "",
        "statement_template": "The listing {listing} offers replica {brand} watches.",
        "default_action": Action.REMOVE_LISTING,
        "strike_points": "6",
        "dsa_category": Policy.DsaCategory.IP,
        "dsa_keywords": '["KEYWORD_TRADEMARK_INFRINGEMENT"]',
        "active": "on",
    }
    return {**data, **overrides}


def _policy_events():
    return AuditEvent.objects.filter(action=ModerationAction.POLICY_SAVED)


def test_a_senior_moderator_adds_a_policy_and_the_record_holds_its_fields(client):
    senior = staff(Role.SENIOR_MODERATOR)
    login_staff(client, senior)

    response = client.post(ADD, _form())

    assert response.status_code == 302
    policy = Policy.objects.get(code="replica-watches")
    event = _policy_events().get()
    assert event.actor_id == senior.pk and event.target_id == str(policy.pk)
    assert event.changes["title"] == {"before": None, "after": "Replica watches"}
    assert event.changes["strike_points"] == {"before": None, "after": 6}


def test_changing_a_policy_records_before_and_after_of_what_moved(client):
    policy = PolicyFactory()
    login_staff(client, staff(Role.SENIOR_MODERATOR))
    form = _form(code=policy.code, title=policy.title, statement_template=policy.statement_template, strike_points="9")

    response = client.post(f"/console/moderation/policy/{policy.pk}/change/", form)

    assert response.status_code == 302
    event = _policy_events().get()
    assert event.changes["strike_points"] == {"before": 6, "after": 9}
    assert "title" not in event.changes
    assert Policy.objects.get(pk=policy.pk).strike_points == 9


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("The listing {lisitng} is fake.", "{lisitng} is not one of them"),
        ("Sold by {seller.contact_email}.", "{seller.contact_email} is not one of them"),
        ("A lone { brace.", "lone brace"),
    ],
)
def test_a_statement_template_decisions_cannot_fill_is_a_form_error_and_nothing_is_saved(client, template, message):
    login_staff(client, staff(Role.SENIOR_MODERATOR))

    response = client.post(ADD, _form(statement_template=template))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Policy.objects.filter(code="replica-watches").exists()
    assert not _policy_events().exists()


def test_dsa_keywords_that_are_not_a_list_of_words_are_a_form_error(client):
    policy = PolicyFactory()
    login_staff(client, staff(Role.SENIOR_MODERATOR))
    form = _form(code=policy.code, dsa_keywords='{"KEYWORD_TRADEMARK_INFRINGEMENT": 1}')

    response = client.post(f"/console/moderation/policy/{policy.pk}/change/", form)

    assert response.status_code == 200
    assert "list of quoted words" in response.content.decode()
    assert Policy.objects.get(pk=policy.pk).dsa_keywords == ["KEYWORD_TRADEMARK_INFRINGEMENT"]
    assert not _policy_events().exists()


def test_the_service_refuses_a_bad_template_and_a_moderator_without_saving():
    policy = PolicyFactory()
    with pytest.raises(DomainError, match="not one of them"):
        policy_save(actor=staff(Role.SENIOR_MODERATOR), policy=policy, values={"statement_template": "Hello {buyer}."})
    with pytest.raises(PermissionDeniedError):
        policy_save(actor=staff(Role.MODERATOR), policy=policy, values={"strike_points": 1})
    policy.refresh_from_db()
    assert policy.strike_points == 6 and "{buyer}" not in policy.statement_template
    assert not _policy_events().exists()


def test_saving_an_unchanged_policy_records_nothing():
    policy = PolicyFactory()
    policy_save(actor=staff(Role.SENIOR_MODERATOR), policy=policy, values={"title": policy.title})
    assert not _policy_events().exists()


def test_a_reference_url_typed_without_a_scheme_is_saved_as_https(client):
    login_staff(client, staff(Role.SENIOR_MODERATOR))

    response = client.post(ADD, _form(reference_url="eur-lex.europa.eu/eli/reg/2017/1001/oj"))

    assert response.status_code == 302
    assert Policy.objects.get(code="replica-watches").reference_url == "https://eur-lex.europa.eu/eli/reg/2017/1001/oj"
