"""Seller pages: my brand authorizations, and a request for a new one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.errors import DomainError
from sellers.decorators import seller_member_required
from sellers.forms.brands import UPLOAD_KIND, AuthorizationRequestForm
from sellers.models import BrandAuthorization
from sellers.services.brands import RequestTerms, authorization_request

TERM_FIELDS = (
    "basis",
    "territories",
    "categories",
    "valid_from",
    "valid_until",
    "licensor_name",
    "upstream_licensor_name",
    "upstream_valid_until",
    "supplier_name",
    "latest_invoice_date",
)


NOT_A_SELLER = "sellers/brands/not_a_seller.html"  # what the brand pages show an account that acts for no seller


@never_cache
@require_safe
@seller_member_required(refusal_template=NOT_A_SELLER)
def authorization_list(request):
    authorizations = (
        BrandAuthorization.objects.filter(seller=request.seller).select_related("brand").order_by("-created_at")
    )
    return render(request, "sellers/brands/list.html", {"authorizations": authorizations, "seller": request.seller})


def _upload(request, form, basis: str) -> list:
    from sellers.services.documents import document_upload

    documents = []
    for field in ("document", "second_document"):
        uploaded = form.cleaned_data.get(field)
        if uploaded:
            documents.append(
                document_upload(
                    seller=request.seller,
                    kind=UPLOAD_KIND[basis],
                    uploaded_file=uploaded,
                    actor=request.user,
                    **(
                        {"issued_on": form.cleaned_data.get("latest_invoice_date")}
                        if basis == BrandAuthorization.Basis.DISTRIBUTOR_INVOICES
                        else {}
                    ),
                )
            )
    return documents


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@seller_member_required(refusal_template=NOT_A_SELLER)
def authorization_request_view(request):
    form = AuthorizationRequestForm(request.POST or None, request.FILES or None, seller=request.seller)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = RequestTerms(**{name: data[name] for name in TERM_FIELDS})
        try:
            # Uploads and the request stand or fall together: a refused request keeps no orphan documents.
            with transaction.atomic():
                documents = [*data["existing_documents"], *_upload(request, form, data["basis"])]
                authz = authorization_request(
                    seller=request.seller,
                    brand=data["brand"],
                    terms=terms,
                    documents=documents,
                    actor=request.user,
                    note=data.get("note", ""),
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = "document" if field == "documents" else field
                for error in errors:
                    form.add_error(target if target in form.fields else None, error)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Your request to list %(brand)s was sent. We will e-mail you the decision.")
                % {"brand": authz.brand.name},
            )
            return redirect("sellers:brand-authorizations")
    return render(request, "sellers/brands/request.html", {"form": form}, status=400 if form.errors else 200)
