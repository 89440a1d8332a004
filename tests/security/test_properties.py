"""Property tests (hypothesis) for the parsers and validators hostile input reaches.

Valid values built from the standards' own check-digit rules are accepted; a
single changed digit is always refused (both ISO 7064 MOD 11-10 and IBAN's
MOD 97-10 detect every single substitution); and arbitrary text never raises
anything but a validation error.
"""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban
from stdnum.iso7064 import mod_11_10

from moderation.models import Listing
from moderation.serializers import ListingInputSerializer, NoticeInputSerializer
from portal.api_auth import Scope
from sellers.forms.onboarding import COUNTRIES, BusinessForm, ContactsForm, PaymentForm
from tests.moderation.factories import api_key
from tests.sellers.factories import SellerFactory

FAST = hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COUNTRY_CODES = [code for code, _ in COUNTRIES if code]
text = st.text(max_size=80)


def _business(**overrides) -> BusinessForm:
    data = {
        "legal_name": "Example Trading GmbH",
        "entity_type": "company",
        "country": "DE",
        "trade_register": "Amtsgericht München",
        "registration_number": "HRB 123456",
        "tax_id": "",
        **overrides,
    }
    return BusinessForm(data=data)


def _substitute(value: str, index: int, digit: int) -> str | None:
    """The value with one digit changed, or None when the digit would not change."""
    if not value[index].isdigit() or int(value[index]) == digit:
        return None
    return value[:index] + str(digit) + value[index + 1 :]


german_vat_body = st.from_regex(r"[1-9][0-9]{7}", fullmatch=True)


@FAST
@given(body=german_vat_body, index=st.integers(0, 8), digit=st.integers(0, 9))
def test_german_vat_ids_with_a_right_check_digit_pass_and_one_wrong_digit_fails(body, index, digit):
    valid = body + mod_11_10.calc_check_digit(body)
    assert _business(tax_id=f"DE{valid}").is_valid()
    mutated = _substitute(valid, index, digit)
    if mutated is not None and mutated[0] != "0":
        form = _business(tax_id=f"DE{mutated}")
        assert not form.is_valid()
        assert "tax_id" in form.errors


@FAST
@given(country=st.sampled_from(COUNTRY_CODES), tax_id=text)
def test_any_tax_id_text_gives_a_field_error_or_passes(country, tax_id):
    form = _business(country=country, tax_id=tax_id)
    if not form.is_valid():
        assert set(form.errors) <= {"tax_id"}


bban = st.from_regex(r"[0-9]{18}", fullmatch=True)


def _payment(iban: str) -> PaymentForm:
    return PaymentForm(data={"holder": "Example GmbH", "account_type": "iban", "iban": iban, "bank_country": "DE"})


@FAST
@given(body=bban, index=st.integers(4, 21), digit=st.integers(0, 9))
def test_ibans_with_right_check_digits_pass_and_any_single_changed_digit_fails(body, index, digit):
    valid = "DE" + stdnum_iban.calc_check_digits("DE00" + body) + body
    form = _payment(valid)
    assert form.is_valid(), form.errors
    mutated = _substitute(valid, index, digit)
    if mutated is not None:
        form = _payment(mutated)
        assert not form.is_valid()
        assert "iban" in form.errors


@FAST
@given(value=text)
def test_any_iban_text_gives_a_field_error_or_passes(value):
    form = _payment(value)
    if not form.is_valid():
        assert set(form.errors) <= {"iban"}


def _contacts(**overrides) -> ContactsForm:
    data = {
        "street": "Marienplatz 1",
        "postal_code": "80331",
        "city": "München",
        "country": "DE",
        "phone": "",
        "email": "shop@example.com",
        **overrides,
    }
    return ContactsForm(data=data)


@pytest.mark.parametrize("region", COUNTRY_CODES)
def test_each_countrys_example_phone_number_is_accepted_in_e164(region):
    number = phonenumbers.example_number(region)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    form = _contacts(country=region, phone=national)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@FAST
@given(phone=text, country=st.sampled_from(COUNTRY_CODES))
def test_any_phone_text_gives_a_field_error_or_a_valid_number(phone, country):
    form = _contacts(phone=phone, country=country)
    if form.is_valid():
        assert phonenumbers.is_valid_number(phonenumbers.parse(form.cleaned_data["phone"]))
    else:
        assert set(form.errors) <= {"phone"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.django_db
@FAST
@given(data=st.dictionaries(st.sampled_from([*NoticeInputSerializer().fields, "extra"]), json_values))
def test_notice_input_never_raises_beyond_field_errors(data):
    serializer = NoticeInputSerializer(data=data)
    if not serializer.is_valid():
        assert set(serializer.errors) <= set(NoticeInputSerializer().fields) | {"non_field_errors"}


@pytest.fixture
def listings_key(db):
    SellerFactory()  # so that some generated seller ids exist
    return api_key(Scope.LISTINGS_WRITE)[1]


@pytest.mark.django_db
@FAST
@given(body=st.dictionaries(st.sampled_from(list(ListingInputSerializer().fields)), json_values))
def test_listing_upsert_with_arbitrary_json_is_a_400_or_a_stored_listing(client, listings_key, body):
    key = listings_key
    before = Listing.objects.count()
    response = client.put(
        "/api/v1/listings/PROP-1", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code in (200, 201, 400), response.content[:300]
    if response.status_code == 400:
        assert Listing.objects.count() == before
        assert set(response.json()) <= set(ListingInputSerializer().fields) | {"non_field_errors", "detail"}
