"""The console review screen: checklist, reuse flags, approve / reject / revoke through services."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from portal.audit.models import AuditEvent
from portal.roles import Role
from sellers.models import Brand, BrandAuthorization, Document, TrademarkRegistration
from sellers.services.brands import checklist_for
from tests.factories import staff
from tests.helpers import login_staff
from tests.sellers.brand_helpers import B, full_checklist, terms_for
from tests.sellers.factories import BrandAuthorizationFactory, BrandFactory, DocumentFactory, seller_with_member

pytestmark = pytest.mark.django_db
S = BrandAuthorization.Status


@pytest.fixture
def officer_client(client):
    login_staff(client, staff(Role.VETTING_OFFICER))
    return client


def _request_today(basis=B.LOA_FIRST_LEVEL):
    from django.utils import timezone

    from sellers.services.brands import authorization_request
    from tests.sellers.brand_helpers import documents_for

    today = timezone.localdate()
    seller, member = seller_with_member()
    overrides = {}
    if basis in (B.LOA_FIRST_LEVEL, B.LOA_SECOND_LEVEL):
        overrides = {"valid_from": today, "valid_until": today.replace(year=today.year + 1)}
    if basis == B.LOA_SECOND_LEVEL:
        overrides["upstream_valid_until"] = today.replace(year=today.year + 2)
    if basis == B.DISTRIBUTOR_INVOICES:
        overrides["latest_invoice_date"] = today
    return authorization_request(
        seller=seller,
        brand=BrandFactory(),
        terms=terms_for(basis, **overrides),
        documents=documents_for(seller, basis),
        actor=member,
    )


def _change_url(authz):
    return reverse("admin:sellers_brandauthorization_change", args=[authz.pk])


def _decide_url(authz, decision):
    return reverse("admin:sellers_brandauthorization_decide", args=[authz.pk, decision])


def test_changelist_has_constant_queries(officer_client, django_assert_max_num_queries):
    for _ in range(3):
        BrandAuthorizationFactory()
    url = reverse("admin:sellers_brandauthorization_changelist")
    officer_client.get(url)
    with django_assert_max_num_queries(16) as few:
        first = officer_client.get(url)
    for _ in range(10):
        BrandAuthorizationFactory()
    with django_assert_max_num_queries(len(few)):
        second = officer_client.get(url)
    assert first.status_code == second.status_code == 200


@pytest.mark.parametrize("basis", list(B))
def test_review_screen_shows_the_basis_checklist(officer_client, basis):
    authz = _request_today(basis)
    TrademarkRegistration.objects.create(brand=authz.brand, office="EUIPO", number="018000001", owner_name="Acme AG")
    page = officer_client.get(_change_url(authz)).content.decode()
    for _key, label in checklist_for(basis):
        assert escape(str(label)) in page
    assert "018000001" in page
    assert "Take into review" in page


def test_reused_document_is_flagged_on_the_review_screen(officer_client):
    authz = _request_today()
    letter = authz.documents.get()
    Document.objects.filter(pk=letter.pk).update(sha256="cd" * 32)
    DocumentFactory(kind=Document.Kind.LETTER_OF_AUTHORIZATION, sha256="cd" * 32)
    page = officer_client.get(_change_url(authz)).content.decode()
    assert "reuse flag" in page
    assert "Same file as document #" in page and "ReuseFlag(" not in page  # words, not a Python dump


def test_approve_needs_the_whole_checklist_and_keeps_the_ticks(officer_client):
    authz = _request_today()
    items = full_checklist(authz.basis)
    partial = {f"approve-{key}": "on" for key in items[:2]}
    response = officer_client.post(_decide_url(authz, "approve"), partial)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Confirm every checklist item" in page
    assert page.count("checked") >= 2
    authz.refresh_from_db()
    assert authz.status == S.REQUESTED

    response = officer_client.post(
        _decide_url(authz, "approve"), {**{f"approve-{key}": "on" for key in items}, "approve-note": "Fine."}
    )
    assert response.status_code == 302
    authz.refresh_from_db()
    assert authz.status == S.APPROVED and authz.decision_reason == "Fine."
    assert AuditEvent.objects.filter(action="seller.authorization.approved", target_id=str(authz.pk)).exists()


def test_start_review_then_reject_with_reason(officer_client, django_capture_on_commit_callbacks):
    authz = _request_today()
    assert officer_client.post(_decide_url(authz, "start_review")).status_code == 302
    authz.refresh_from_db()
    assert authz.status == S.IN_REVIEW

    response = officer_client.post(_decide_url(authz, "reject"), {"reject-reason": ""})
    assert response.status_code == 200 and "Give a reason" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        officer_client.post(_decide_url(authz, "reject"), {"reject-reason": "The letter is not signed."})
    authz.refresh_from_db()
    assert authz.status == S.REJECTED and authz.decision_reason == "The letter is not signed."
    assert "The letter is not signed." in mail.outbox[-1].body


def test_revoke_from_the_screen(officer_client):
    authz = BrandAuthorizationFactory()
    assert "Revoke" in officer_client.get(_change_url(authz)).content.decode()
    officer_client.post(_decide_url(authz, "revoke"), {"revoke-reason": "Counterfeits found in a test buy."})
    authz.refresh_from_db()
    assert authz.status == S.REVOKED


def test_changelist_action_takes_requests_into_review(officer_client):
    authz = _request_today()
    officer_client.post(
        reverse("admin:sellers_brandauthorization_changelist"),
        {"action": "start_review", "_selected_action": [authz.pk]},
    )
    authz.refresh_from_db()
    assert authz.status == S.IN_REVIEW


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.AUDITOR])
def test_readers_cannot_decide(client, role):
    user = staff(role)
    if role == Role.AUDITOR:
        from datetime import timedelta

        from django.utils import timezone

        from portal.models import AuditorAccess

        now = timezone.now()
        AuditorAccess.objects.create(
            user=user, firm="Example", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
        )
    login_staff(client, user)
    authz = _request_today()
    page = client.get(_change_url(authz))
    assert page.status_code == 200 and "Approve" not in page.content.decode()
    response = client.post(_decide_url(authz, "reject"), {"reject-reason": "no"})
    assert response.status_code == 403
    authz.refresh_from_db()
    assert authz.status == S.REQUESTED


def _brand_form(name: str) -> dict:
    return {
        "name": name,
        "protected": "on",
        "trademarks-TOTAL_FORMS": "0",
        "trademarks-INITIAL_FORMS": "0",
        "reference_prices-TOTAL_FORMS": "0",
        "reference_prices-INITIAL_FORMS": "0",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }


def test_a_brand_name_differing_only_in_case_is_refused_on_the_form(officer_client):
    assert officer_client.post(reverse("admin:sellers_brand_add"), _brand_form("Nordlicht")).status_code == 302
    response = officer_client.post(reverse("admin:sellers_brand_add"), _brand_form("nordlicht"))
    assert response.status_code == 200
    assert "A brand with this name already exists." in response.content.decode()
    assert Brand.objects.filter(name__iexact="nordlicht").count() == 1


def test_brand_created_in_the_console_is_audited(officer_client):
    response = officer_client.post(reverse("admin:sellers_brand_add"), _brand_form("Nordlicht"))
    assert response.status_code == 302, response.content.decode()[:2000]
    brand = Brand.objects.get(name="Nordlicht")
    assert brand.slug == "nordlicht" and brand.protected
    assert AuditEvent.objects.filter(action="seller.brand.created", target_id=str(brand.pk)).exists()


def test_officer_adds_an_official_image_in_the_console(officer_client):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    brand = BrandFactory()
    url = reverse("admin:sellers_brand_add_image", args=[brand.pk])
    assert url in officer_client.get(reverse("admin:sellers_brand_change", args=[brand.pk])).content.decode()

    bad = officer_client.post(url, {"image": SimpleUploadedFile("x.png", b"not an image")})
    assert bad.status_code == 200 and not brand.images.exists()

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="JPEG")
    response = officer_client.post(
        url, {"title": "Front view", "image": SimpleUploadedFile("front.jpg", buffer.getvalue())}
    )
    assert response.status_code == 302
    image = brand.images.get()
    assert image.title == "Front view" and image.width == 40


def test_registry_edits_in_the_console_go_through_audited_services(officer_client):
    from sellers.models import BrandReferencePrice, TrademarkRegistration

    assert officer_client.post(reverse("admin:sellers_brand_add"), _brand_form("Nordlicht")).status_code == 302
    brand = Brand.objects.get(name="Nordlicht")
    url = reverse("admin:sellers_brand_change", args=[brand.pk])
    form = {
        **_brand_form("Nordlicht Outdoor"),
        "trademarks-TOTAL_FORMS": "1",
        "trademarks-0-office": "EUIPO",
        "trademarks-0-number": "018000001",
        "trademarks-0-owner_name": "Nordlicht Outdoor AG",
        "trademarks-0-nice_classes": "[25]",
        "trademarks-0-registered_on": "2020-01-01",
        "trademarks-0-expires_on": "2030-01-01",
        "reference_prices-TOTAL_FORMS": "1",
        "reference_prices-0-category": "Shoes & Bags",
        "reference_prices-0-currency": "EUR",
        "reference_prices-0-amount": "120.00",
    }
    refused = officer_client.post(url, form)
    assert refused.status_code == 200  # a category the registry refuses is a form error, nothing is saved
    assert "Use a category code" in refused.content.decode()
    assert not TrademarkRegistration.objects.exists() and Brand.objects.get(pk=brand.pk).name == "Nordlicht"

    form["reference_prices-0-category"] = "jackets"
    assert officer_client.post(url, form).status_code == 302
    brand.refresh_from_db()
    assert brand.name == "Nordlicht Outdoor"
    assert TrademarkRegistration.objects.get(brand=brand).expires_on.isoformat() == "2030-01-01"
    assert BrandReferencePrice.objects.get(brand=brand).category == "jackets"
    actions = set(
        AuditEvent.objects.filter(target_type="sellers.brand", target_id=str(brand.pk)).values_list("action", flat=True)
    )
    assert {"seller.brand.updated", "seller.brand.trademark_saved", "seller.brand.reference_price_set"} <= actions


def _management(client, url) -> dict:
    """Empty management forms for every inline on the page, as the browser would send them."""
    data = {}
    for inline in client.get(url).context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return data


def test_brand_owner_details_and_contacts_edited_in_the_console_are_audited(officer_client):
    from sellers.models import BrandOwner, BrandOwnerContact

    add = reverse("admin:sellers_brandowner_add")
    form = {
        "name": "Nordlicht AG",
        "country": "DE",
        "website": "https://nordlicht.example",
        **_management(officer_client, add),
    }
    assert officer_client.post(add, form).status_code == 302
    owner = BrandOwner.objects.get(name="Nordlicht AG")
    url = reverse("admin:sellers_brandowner_change", args=[owner.pk])

    unchanged = officer_client.post(url, {**form, **_management(officer_client, url)})
    assert unchanged.status_code == 302
    events = AuditEvent.objects.filter(target_type="sellers.brandowner", target_id=str(owner.pk))
    assert set(events.values_list("action", flat=True)) == {"seller.brand_owner.created"}  # nothing changed

    edit = {
        **form,
        **_management(officer_client, url),
        "website": "https://nordlicht-outdoor.example",
        "contacts-TOTAL_FORMS": "1",
        "contacts-0-name": "Brand Protection",
        "contacts-0-email": "protection@nordlicht.example",
        "contacts-0-is_primary": "on",
    }
    assert officer_client.post(url, edit).status_code == 302
    contact = BrandOwnerContact.objects.get(owner=owner)
    updated = events.get(action="seller.brand_owner.updated")
    assert updated.changes == {
        "website": {"before": "https://nordlicht.example", "after": "https://nordlicht-outdoor.example"}
    }
    saved = events.get(action="seller.brand_owner.contact_saved")
    assert saved.changes["contact"] == contact.pk
    assert saved.changes["email"] == {"before": None, "after": "protection@nordlicht.example"}

    # Officers may not delete contacts (the inline offers no delete box); an administrator may.
    from django.test import Client

    from tests.factories import UserFactory

    admin_client = Client()
    login_staff(admin_client, UserFactory(is_staff=True, is_superuser=True))
    removal = {
        **edit,
        "contacts-INITIAL_FORMS": "1",
        "contacts-0-id": str(contact.pk),
        "contacts-0-owner": str(owner.pk),
        "contacts-0-DELETE": "on",
    }
    assert admin_client.post(url, removal).status_code == 302
    assert not BrandOwnerContact.objects.filter(owner=owner).exists()
    assert events.get(action="seller.brand_owner.contact_removed").changes["email"] == "protection@nordlicht.example"
