"""The marketplace's gate: "may seller S list brand B in country C, category K?"."""

from __future__ import annotations

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_auth import Scope
from sellers.models import Brand, BrandAuthorization, BrandOwnerApiKey, Seller
from sellers.selectors import GATE_FIELDS, may_list
from sellers.serializers import (
    BadRequestSerializer,
    ErrorDetailSerializer,
    GateAnswerSerializer,
    GateQuerySerializer,
)


def _lookup(ref: str, *, seller_id: int, api_key) -> Brand | None:
    """Everything the gate needs in one query, or None when no brand matches.

    The brand is found by id, name (case-insensitive, served by the UPPER(name)
    index) or slug. It carries the seller's status (``seller_status``, None when
    there is no such seller), whether the calling key belongs to a brand owner
    (``key_is_owners``) and owns this brand (``key_owns_brand``), and the
    seller's authorizations for it (``seller_authorizations``), read through a
    LEFT JOIN on the same statement: one row per authorization, or one row for
    a brand the seller holds none for.
    """
    ref = ref.strip()
    by_id = ref.isascii() and ref.isdigit() and len(ref) <= 18  # fits a 64-bit key; otherwise it is a name
    match = Q(pk=int(ref)) if by_id else Q(name__iexact=ref) | Q(slug=ref.lower())
    owner_keys = BrandOwnerApiKey.objects.filter(api_key_id=api_key.pk)
    rows = (
        Brand.objects.filter(match)
        .only("pk", "protected")
        .annotate(
            seller_status=Subquery(Seller.objects.filter(pk=seller_id).order_by().values("status")[:1]),
            key_is_owners=Exists(owner_keys),
            key_owns_brand=Exists(owner_keys.filter(owner_id=OuterRef("owner_id"))),
            held=FilteredRelation("authorizations", condition=Q(authorizations__seller_id=seller_id)),
            **{f"held_{name}": F(f"held__{name}") for name in _AUTHZ_COLUMNS},
        )
        .order_by("pk", "held__id")
    )
    found = None
    for row in rows:
        if found is None:
            found = row
            found.seller_authorizations = []
        elif row.pk != found.pk:
            break  # a name of one brand that is the slug of another: the older brand wins
        if row.held_id is not None:
            found.seller_authorizations.append(
                BrandAuthorization(brand_id=row.pk, **{name: getattr(row, f"held_{name}") for name in _AUTHZ_COLUMNS})
            )
    return found


# An authorization's columns the gate's rule reads (sellers.selectors.GATE_FIELDS, by column).
_AUTHZ_COLUMNS = ("id", *(name for name in GATE_FIELDS if name != "pk"))


class AuthorizationCheckView(APIView):
    """The hot path: two queries per answer (the API key; then brand, seller status and authorizations together)."""

    required_scopes = (Scope.AUTHORIZATIONS_READ,)

    @extend_schema(
        operation_id="authorizations_check",
        summary="May this seller list this brand?",
        description=(
            "Answers whether an active seller may list a brand in a country and product category today. "
            "Unprotected brands are open to every active seller; protected brands need an approved, current "
            "authorization whose territories and categories cover the listing. Suspended or terminated sellers "
            "are never allowed. `reason` explains the answer in words a seller can read."
        ),
        parameters=[GateQuerySerializer],
        responses={
            200: GateAnswerSerializer,
            400: OpenApiResponse(BadRequestSerializer, description="A parameter is missing or malformed."),
            403: OpenApiResponse(
                ErrorDetailSerializer,
                description="The key lacks the scope, or is a brand owner's key asking about another brand.",
            ),
            404: OpenApiResponse(ErrorDetailSerializer, description="Unknown seller or brand."),
        },
        examples=[
            OpenApiExample(
                "allowed",
                value={
                    "allowed": True,
                    "reason": "Authorized (letter of authorization from the owner).",
                    "authorization": {"id": 42, "basis": "loa_first_level", "valid_until": "2027-03-31"},
                },
                response_only=True,
            ),
            OpenApiExample(
                "denied",
                value={
                    "allowed": False,
                    "reason": "The seller's authorization for this brand expired on 2026-10-31.",
                    "authorization": None,
                },
                response_only=True,
            ),
        ],
        tags=["brand gate"],
    )
    def get(self, request):
        query = GateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        found = _lookup(params["brand"], seller_id=params["seller"], api_key=request.auth)
        # An unknown seller is reported first, whether or not the brand exists.
        if (found is None and not Seller.objects.filter(pk=params["seller"]).exists()) or (
            found is not None and found.seller_status is None
        ):
            raise NotFound(_("No seller with id %(id)s.") % {"id": params["seller"]})
        if found is None:
            raise NotFound(_("No brand with id, name or slug “%(ref)s”.") % {"ref": params["brand"]})
        if found.key_is_owners and not found.key_owns_brand:
            # A rights holder may check sellers of its own brands, not its competitors'.
            raise PermissionDenied(_("This key belongs to a brand owner and may ask only about that owner's brands."))
        answer = may_list(
            seller=Seller(pk=params["seller"], status=found.seller_status),
            brand=found,
            authorizations=found.seller_authorizations,
            country=params["country"],
            category=params["category"],
        )
        authz = answer.authorization
        # Built by hand: this is the hot path, and the shape is GateAnswerSerializer's (documented above).
        return Response(
            {
                "allowed": answer.allowed,
                "reason": answer.reason,
                "authorization": None
                if authz is None
                else {
                    "id": authz.pk,
                    "basis": authz.basis,
                    "valid_until": authz.valid_until.isoformat() if authz.valid_until else None,
                },
            }
        )
