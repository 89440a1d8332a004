"""Officers approve (with the checklist), reject and revoke; each is audited and told to the seller."""

from datetime import timedelta

import pytest
from django.core import mail

from portal.audit.models import AuditEvent
from portal.errors import DomainError, InvalidTransition
from portal.roles import Role
from sellers import signals
from sellers.models import BrandAuthorization, Document
from sellers.services import brands as svc
from tests.factories import staff
from tests.sellers.brand_helpers import TODAY, B, full_checklist, requested

pytestmark = pytest.mark.django_db
S = BrandAuthorization.Status


@pytest.fixture
def officer():
    return staff(Role.VETTING_OFFICER)


@pytest.fixture
def ended():
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    signals.authorization_ended.connect(receiver)
    yield received
    signals.authorization_ended.disconnect(receiver)


def _events(authz, action):
    return AuditEvent.objects.filter(action=action, target_id=str(authz.pk), target_type="sellers.brandauthorization")


@pytest.mark.parametrize("basis", list(B))
def test_approval_needs_every_checklist_item_of_its_basis(basis, officer, django_capture_on_commit_callbacks):
    authz = requested(basis)
    items = full_checklist(basis)

    with pytest.raises(DomainError, match="checklist"):
        svc.authorization_approve(authorization=authz, actor=officer, checklist=items[:-1], today=TODAY)
    authz.refresh_from_db()
    assert authz.status == S.REQUESTED

    with django_capture_on_commit_callbacks(execute=True):
        svc.authorization_approve(authorization=authz, actor=officer, checklist=items, note="ok", today=TODAY)
    authz.refresh_from_db()
    assert authz.status == S.APPROVED and authz.reviewer == officer and authz.decided_at
    assert set(authz.checklist) == set(items)
    assert _events(authz, "seller.authorization.approved").get().actor_id == officer.pk
    assert mail.outbox[-1].to == [authz.seller.contact_email]
    assert authz.brand.name in mail.outbox[-1].subject


def test_second_level_checklist_asks_for_the_chain():
    keys = full_checklist(B.LOA_SECOND_LEVEL)
    assert {"chain_to_owner", "chain_covers_scope", "licensor_matches_chain", "signed_on_letterhead"} <= set(keys)
    assert "licensor_is_owner" in full_checklist(B.LOA_FIRST_LEVEL)
    assert "invoices_recent" in full_checklist(B.DISTRIBUTOR_INVOICES)


def test_documents_still_processing_block_approval(officer):
    authz = requested(B.LOA_FIRST_LEVEL)
    authz.documents.update(status=Document.Status.PROCESSING)
    with pytest.raises(InvalidTransition, match="document checks"):
        svc.authorization_approve(
            authorization=authz, actor=officer, checklist=full_checklist(authz.basis), today=TODAY
        )


def test_a_term_that_ended_while_waiting_cannot_be_approved(officer):
    authz = requested(B.LOA_FIRST_LEVEL)
    later = authz.valid_until.replace(year=authz.valid_until.year + 1)
    with pytest.raises(InvalidTransition, match="ended"):
        svc.authorization_approve(
            authorization=authz, actor=officer, checklist=full_checklist(authz.basis), today=later
        )


def test_review_start_then_reject_with_reason(officer, django_capture_on_commit_callbacks):
    authz = requested(B.DISTRIBUTOR_INVOICES)
    svc.authorization_start_review(authorization=authz, actor=officer)
    with pytest.raises(InvalidTransition):
        svc.authorization_start_review(authorization=authz, actor=officer)

    with pytest.raises(DomainError, match="reason"):
        svc.authorization_reject(authorization=authz, actor=officer, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        svc.authorization_reject(authorization=authz, actor=officer, reason="The supplier cannot be identified.")
    authz.refresh_from_db()
    assert authz.status == S.REJECTED
    assert _events(authz, "seller.authorization.review_started").exists()
    assert _events(authz, "seller.authorization.rejected").get().reason == "The supplier cannot be identified."
    assert "The supplier cannot be identified." in mail.outbox[-1].body
    with pytest.raises(InvalidTransition):
        svc.authorization_approve(authorization=authz, actor=officer, checklist=full_checklist(authz.basis))


def test_revoke_ends_the_right_and_signals_after_commit(officer, ended, django_capture_on_commit_callbacks):
    authz = requested(B.LOA_FIRST_LEVEL)
    svc.authorization_approve(authorization=authz, actor=officer, checklist=full_checklist(authz.basis), today=TODAY)

    with pytest.raises(DomainError, match="reason"):
        svc.authorization_revoke(authorization=authz, actor=officer, reason="")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        svc.authorization_revoke(authorization=authz, actor=officer, reason="The owner withdrew the letter.")
    assert ended == []  # not before commit
    for callback in callbacks:
        callback()
    assert len(ended) == 1
    assert ended[0]["authorization"].pk == authz.pk
    assert ended[0]["reason"] == "The owner withdrew the letter." and ended[0]["actor"] == officer
    authz.refresh_from_db()
    assert authz.status == S.REVOKED and authz.ended_at and authz.decision_reason == "The owner withdrew the letter."
    assert _events(authz, "seller.authorization.revoked").exists()
    assert "revoked" in mail.outbox[-1].subject
    with pytest.raises(InvalidTransition):
        svc.authorization_revoke(authorization=authz, actor=officer, reason="again")


def test_only_approved_rights_can_be_revoked(officer):
    authz = requested(B.TRADEMARK_OWNER)
    with pytest.raises(InvalidTransition):
        svc.authorization_revoke(authorization=authz, actor=officer, reason="no")
    assert not _events(authz, "seller.authorization.revoked").exists()


def test_reuse_flags_name_documents_another_seller_submitted():
    authz = requested(B.LOA_FIRST_LEVEL)
    letter = authz.documents.get()
    letter.sha256 = "ab" * 32
    letter.save(update_fields=["sha256"])
    flags = svc.document_flags(authorization=authz)
    assert flags == {letter.pk: []}

    from tests.sellers.factories import DocumentFactory

    DocumentFactory(kind=Document.Kind.LETTER_OF_AUTHORIZATION, sha256="ab" * 32)
    flags = svc.document_flags(authorization=authz)
    assert len(flags[letter.pk]) == 1


def test_ownership_cannot_be_approved_without_a_registration_in_force(officer):
    from tests.sellers.brand_helpers import register_trademark
    from tests.sellers.factories import BrandFactory

    brand = BrandFactory()
    register_trademark(brand, expires_on=TODAY - timedelta(days=1), number="LAPSED-1")
    authz = requested(B.TRADEMARK_OWNER, brand=brand)
    with pytest.raises(InvalidTransition, match=r"No trademark registration .* is in force"):
        svc.authorization_approve(
            authorization=authz, actor=officer, checklist=full_checklist(B.TRADEMARK_OWNER), today=TODAY
        )
    authz.refresh_from_db()
    assert authz.status == S.REQUESTED


def test_an_owners_right_ends_when_the_brands_registrations_lapse(officer):
    from sellers.selectors import may_list
    from tests.sellers.brand_helpers import register_trademark
    from tests.sellers.factories import BrandFactory

    brand = BrandFactory()
    lapses = TODAY + timedelta(days=200)
    register_trademark(brand, expires_on=TODAY + timedelta(days=100), number="EARLY-1")
    register_trademark(brand, expires_on=lapses, number="LATE-1")
    register_trademark(brand, expires_on=TODAY - timedelta(days=5), number="GONE-1")
    authz = requested(B.TRADEMARK_OWNER, brand=brand)
    assert authz.valid_until is None  # the owner asked for an open-ended right

    svc.authorization_approve(
        authorization=authz, actor=officer, checklist=full_checklist(B.TRADEMARK_OWNER), today=TODAY
    )
    authz.refresh_from_db()
    assert (authz.status, authz.valid_until) == (S.APPROVED, lapses)
    event = _events(authz, "seller.authorization.approved").get()
    assert event.changes["valid_until"] == {"before": None, "after": lapses.isoformat()}
    assert may_list(seller=authz.seller, brand=brand, country="DE", on=lapses).allowed
    late = may_list(seller=authz.seller, brand=brand, country="DE", on=lapses + timedelta(days=1))
    assert not late.allowed and "expired" in late.reason


def test_a_registration_without_a_recorded_expiry_leaves_the_right_open_ended(officer):
    from tests.sellers.brand_helpers import register_trademark
    from tests.sellers.factories import BrandFactory

    brand = BrandFactory()
    register_trademark(brand, expires_on=None, number="OPEN-1")
    authz = requested(B.TRADEMARK_OWNER, brand=brand)
    svc.authorization_approve(
        authorization=authz, actor=officer, checklist=full_checklist(B.TRADEMARK_OWNER), today=TODAY
    )
    authz.refresh_from_db()
    assert (authz.status, authz.valid_until) == (S.APPROVED, None)
