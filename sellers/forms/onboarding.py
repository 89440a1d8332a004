"""Forms of the invitation page and the application wizard (server-side validation only)."""

from __future__ import annotations

from datetime import timedelta

import phonenumbers
import stdnum
from django import forms
from django.contrib.auth import password_validation
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import rtn as us_rtn

from sellers.documents import MAX_BYTES
from sellers.models.onboarding import SELF_CERTIFICATION_VERSION

COUNTRIES = [
    ("", _("Choose a country")),
    ("AT", _("Austria")),
    ("AU", _("Australia")),
    ("BE", _("Belgium")),
    ("BG", _("Bulgaria")),
    ("CA", _("Canada")),
    ("CH", _("Switzerland")),
    ("CN", _("China")),
    ("CY", _("Cyprus")),
    ("CZ", _("Czechia")),
    ("DE", _("Germany")),
    ("DK", _("Denmark")),
    ("EE", _("Estonia")),
    ("ES", _("Spain")),
    ("FI", _("Finland")),
    ("FR", _("France")),
    ("GB", _("United Kingdom")),
    ("GR", _("Greece")),
    ("HR", _("Croatia")),
    ("HU", _("Hungary")),
    ("IE", _("Ireland")),
    ("IT", _("Italy")),
    ("JP", _("Japan")),
    ("LT", _("Lithuania")),
    ("LU", _("Luxembourg")),
    ("LV", _("Latvia")),
    ("MT", _("Malta")),
    ("NL", _("Netherlands")),
    ("NO", _("Norway")),
    ("PL", _("Poland")),
    ("PT", _("Portugal")),
    ("RO", _("Romania")),
    ("SE", _("Sweden")),
    ("SI", _("Slovenia")),
    ("SK", _("Slovakia")),
    ("US", _("United States")),
]
_TAX_ID_MODULES = ("vat", "ein", "tin")


def validate_tax_id(country: str, value: str) -> str:
    """Check a tax/VAT id with python-stdnum where the country has a validator; return its compact form."""
    for name in _TAX_ID_MODULES:
        module = stdnum.get_cc_module(country.lower(), name)
        if module is None:
            continue
        try:
            return module.validate(value)
        except StdnumError as exc:
            raise forms.ValidationError(
                _("This is not a valid tax / VAT id for %(country)s (%(problem)s).")
                % {"country": country, "problem": exc.message},
                code="tax_id",
            ) from exc
    return value.strip()


def _clean_strings(cleaned: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in cleaned.items() if not hasattr(v, "read")}


class AccessibleForm(forms.Form):
    """Ties each error message to its control for screen readers (WCAG 3.3.1)."""

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"id_{name}_error"


class WizardForm(AccessibleForm):
    """A step of the wizard; ``answers()`` is what the service stores."""

    def answers(self) -> dict:
        return _clean_strings(self.cleaned_data)


class InvitationAcceptForm(AccessibleForm):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password."),
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_password2(self):
        one, two = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if one and two and one != two:
            raise forms.ValidationError(_("The two passwords differ."), code="password_mismatch")
        if two:
            from portal.models import User

            password_validation.validate_password(two, User(username=self.email, email=self.email))
        return two


class BusinessForm(WizardForm):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200)
    trading_name = forms.CharField(label=_("Trading name"), max_length=200, required=False)
    entity_type = forms.ChoiceField(
        label=_("You sell as"),
        choices=[("company", _("a company")), ("individual", _("an individual trader"))],
        widget=forms.RadioSelect,
    )
    country = forms.ChoiceField(label=_("Country of registration"), choices=COUNTRIES)
    trade_register = forms.CharField(
        label=_("Trade register"), max_length=200, help_text=_("For example: Amtsgericht München, Companies House.")
    )
    registration_number = forms.CharField(label=_("Registration number"), max_length=64)
    tax_id = forms.CharField(
        label=_("Tax / VAT id"), max_length=32, help_text=_("Checked against the rules of your country.")
    )

    def clean(self):
        cleaned = super().clean()
        country, tax_id = cleaned.get("country"), cleaned.get("tax_id")
        if country and tax_id:
            try:
                cleaned["tax_id"] = validate_tax_id(country, tax_id)
            except forms.ValidationError as exc:
                self.add_error("tax_id", exc)
        return cleaned


class ContactsForm(WizardForm):
    street = forms.CharField(label=_("Street and number"), max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES)
    phone = forms.CharField(
        label=_("Phone"), max_length=40, help_text=_("With the country code, for example +49 89 1234567.")
    )
    email = forms.EmailField(label=_("E-mail for customers and notices"))

    def clean(self):
        cleaned = super().clean()
        phone, country = cleaned.get("phone"), cleaned.get("country")
        if phone:
            try:
                number = phonenumbers.parse(phone, country or None)
            except phonenumbers.NumberParseException:
                number = None
            if number is None or not phonenumbers.is_valid_number(number):
                self.add_error("phone", _("This is not a valid phone number. Include the country code, e.g. +49…."))
            else:
                cleaned["phone"] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return cleaned


def _check_upload(upload):
    if upload is None:
        return upload
    if upload.size > MAX_BYTES:
        raise forms.ValidationError(_("The file is larger than 10 MB. Please upload a smaller scan or a PDF."))
    if upload.size == 0:
        raise forms.ValidationError(_("The file is empty."))
    return upload


class DocumentField(forms.FileField):
    widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("PDF, JPEG, PNG or WebP, at most 10 MB."))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        return _check_upload(super().clean(data, initial))


class RepresentativeForm(WizardForm):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    role = forms.CharField(
        label=_("Role in the business"), max_length=100, help_text=_("For example: managing director.")
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}), help_text=_("YYYY-MM-DD")
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=COUNTRIES)
    id_document = DocumentField(label=_("ID document (passport or identity card)"))
    conditional = ("id_document",)

    def __init__(self, *args, has_id_document: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_id_document = has_id_document

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate() - timedelta(days=18 * 365):
            raise forms.ValidationError(_("The legal representative must be an adult."))
        return value

    def clean_id_document(self):
        upload = self.cleaned_data.get("id_document")
        if upload is None and not self.has_id_document:
            raise forms.ValidationError(_("Upload the representative's ID document."))
        return upload


class PaymentForm(AccessibleForm):
    conditional = ("iban", "routing_number", "account_number")  # required by the account type, not "optional"
    holder = forms.CharField(label=_("Account holder"), max_length=200)
    account_type = forms.ChoiceField(
        label=_("Account type"),
        choices=[("iban", _("IBAN (Europe and elsewhere)")), ("us", _("US bank account (routing and account number)"))],
        widget=forms.RadioSelect,
    )
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False, help_text=_("For an IBAN account."))
    routing_number = forms.CharField(
        label=_("Routing number (ABA)"), max_length=9, required=False, help_text=_("For a US bank account.")
    )
    account_number = forms.CharField(label=_("Account number"), max_length=17, required=False)
    bank_country = forms.ChoiceField(label=_("Country of the bank"), choices=COUNTRIES)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("account_type") == "iban":
            value = cleaned.get("iban", "")
            if not value:
                self.add_error("iban", _("Enter the IBAN."))
            else:
                try:
                    cleaned["account"] = stdnum_iban.validate(value)
                except StdnumError:
                    self.add_error("iban", _("This IBAN is not valid: check the country code and the digits."))
        elif cleaned.get("account_type") == "us":
            rtn, number = cleaned.get("routing_number", ""), "".join(cleaned.get("account_number", "").split())
            try:
                rtn = us_rtn.validate(rtn) if rtn else None
            except StdnumError:
                rtn = None
            if not rtn:
                self.add_error("routing_number", _("This routing number is not valid (9 digits with a check digit)."))
            if not (number.isdigit() and 4 <= len(number) <= 17):
                self.add_error("account_number", _("The account number has 4 to 17 digits."))
            if rtn and number.isdigit():
                cleaned["account"] = f"{rtn}/{number}"
        return cleaned


class DocumentsForm(AccessibleForm):
    conditional = ("business_registration", "proof_of_address", "proof_of_address_date", "tax_document")
    business_registration = DocumentField(label=_("Business registration (extract from the trade register)"))
    proof_of_address = DocumentField(label=_("Proof of address (utility bill or bank statement)"))
    proof_of_address_date = forms.DateField(
        label=_("Date on the proof of address"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("It must not be older than 6 months."),
    )
    tax_document = DocumentField(label=_("Tax document (VAT or tax registration certificate)"))

    def __init__(self, *args, have: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.have = have or set()

    def clean(self):
        cleaned = super().clean()
        for name in ("business_registration", "proof_of_address", "tax_document"):
            if name in self.errors:
                continue
            if cleaned.get(name) is None and name not in self.have:
                self.add_error(name, _("Upload this document."))
        if cleaned.get("proof_of_address") is not None:
            issued = cleaned.get("proof_of_address_date")
            today = timezone.localdate()
            if issued is None:
                self.add_error("proof_of_address_date", _("Enter the date printed on the proof of address."))
            elif issued > today:
                self.add_error("proof_of_address_date", _("The date cannot be in the future."))
            elif issued < today - timedelta(days=183):
                self.add_error(
                    "proof_of_address_date", _("The proof of address is older than 6 months. Upload a recent one.")
                )
        return cleaned


class CertificationForm(AccessibleForm):
    version = SELF_CERTIFICATION_VERSION
    confirm = forms.BooleanField(
        label=_(
            "I certify that the business offers only products that comply with the applicable law of the "
            "European Union and of the countries it sells to, that the information given is true, and that I "
            "will report any change within 14 days."
        ),
        error_messages={"required": _("Tick the box to give the self-certification.")},
    )
