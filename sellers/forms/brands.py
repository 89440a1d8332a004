"""Seller form: request the right to list a brand."""

from __future__ import annotations

import re
from dataclasses import MISSING

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sellers.models import Brand, BrandAuthorization, Document
from sellers.services.brands import RequestTerms, clean_categories, clean_territories, validate_request

PROOF_KINDS = (
    Document.Kind.TRADEMARK_CERTIFICATE,
    Document.Kind.LETTER_OF_AUTHORIZATION,
    Document.Kind.INVOICE,
)
# Which kind an upload becomes, per basis (the seller never types a kind).
UPLOAD_KIND = {
    BrandAuthorization.Basis.TRADEMARK_OWNER: Document.Kind.TRADEMARK_CERTIFICATE,
    BrandAuthorization.Basis.LOA_FIRST_LEVEL: Document.Kind.LETTER_OF_AUTHORIZATION,
    BrandAuthorization.Basis.LOA_SECOND_LEVEL: Document.Kind.LETTER_OF_AUTHORIZATION,
    BrandAuthorization.Basis.DISTRIBUTOR_INVOICES: Document.Kind.INVOICE,
}


def _codes(value: str) -> list[str]:
    return [part for part in re.split(r"[\s,;]+", value or "") if part]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class AuthorizationRequestForm(forms.Form):
    brand = forms.ModelChoiceField(
        label=_("Brand"), queryset=Brand.objects.filter(protected=True).order_by("name"), empty_label=None
    )
    basis = forms.ChoiceField(
        label=_("Your right to the brand"), choices=BrandAuthorization.Basis.choices, widget=forms.RadioSelect
    )
    territories = forms.CharField(
        label=_("Countries"),
        required=False,
        help_text=_("ISO country codes separated by commas, e.g. DE, AT, FR. Leave empty for worldwide."),
    )
    categories = forms.CharField(
        label=_("Product categories"),
        required=False,
        help_text=_("Category codes separated by commas, e.g. shoes, bags. Leave empty for all categories."),
    )
    valid_from = forms.DateField(label=_("First day of the right"), required=False, widget=DateInput())
    valid_until = forms.DateField(
        label=_("Last day of the right"),
        required=False,
        widget=DateInput(),
        help_text=_("Required for a letter of authorization: the last day its term covers."),
    )
    licensor_name = forms.CharField(label=_("Who signed your letter of authorization"), required=False, max_length=200)
    upstream_licensor_name = forms.CharField(
        label=_("Second-level only: the trademark owner who authorized your licensor"), required=False, max_length=200
    )
    upstream_valid_until = forms.DateField(
        label=_("Second-level only: last day of the owner's letter to your licensor"),
        required=False,
        widget=DateInput(),
    )
    supplier_name = forms.CharField(label=_("Invoices only: supplier"), required=False, max_length=200)
    latest_invoice_date = forms.DateField(
        label=_("Invoices only: date of the newest invoice"), required=False, widget=DateInput()
    )
    document = forms.FileField(
        label=_("Proof document"),
        required=False,
        help_text=_(
            "PDF, JPEG or PNG: the trademark certificate, your letter of authorization, or an invoice, as fits "
            "your basis."
        ),
    )
    second_document = forms.FileField(
        label=_("Second proof document"),
        required=False,
        help_text=_("Second-level only: the owner's letter to your licensor. Or a further invoice."),
    )
    existing_documents = forms.ModelMultipleChoiceField(
        label=_("Or use documents you uploaded before"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Anything the reviewer should know"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, seller, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.seller = seller
        self.today = today or timezone.localdate()
        self.fields["existing_documents"].queryset = (
            Document.objects.filter(seller=seller, kind__in=PROOF_KINDS)
            .exclude(status=Document.Status.REJECTED)
            .order_by("-uploaded_at")
        )
        self.fields["existing_documents"].label_from_instance = lambda doc: (
            f"{doc.get_kind_display()} — {doc.original_name} ({doc.get_status_display()})"
        )

    def clean_territories(self) -> list[str]:
        return clean_territories(_codes(self.cleaned_data["territories"]))

    def clean_categories(self) -> list[str]:
        return clean_categories(_codes(self.cleaned_data["categories"]))

    def clean(self):
        # The service's own rules, so every problem is shown at once next to its field.
        data = super().clean()
        basis = data.get("basis")
        if not basis:
            return data
        fields = RequestTerms.__dataclass_fields__
        terms = RequestTerms(
            **{
                name: data.get(name) or (field.default if field.default is not MISSING else [])
                for name, field in fields.items()
            }
        )
        uploads = [
            Document(seller=self.seller, kind=UPLOAD_KIND[basis], status=Document.Status.PROCESSING)
            for name in ("document", "second_document")
            if data.get(name)
        ]
        documents = [*data.get("existing_documents", []), *uploads]
        for field, message in validate_request(
            terms, documents=documents, seller=self.seller, today=self.today
        ).items():
            if field == "documents":
                field = "document"
            if field not in self.errors:
                self.add_error(field, message)
        return data
