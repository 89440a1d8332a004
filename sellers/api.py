"""The marketplace's gate: "may seller S list brand B in country C, category K?"."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_auth import Scope
from sellers.models import Brand, BrandOwnerApiKey, Seller
from sellers.selectors import may_list
from sellers.serializers import (
    BadRequestSerializer,
    ErrorDetailSerializer,
    GateAnswerSerializer,
    GateQuerySerializer,
)


def _brand_and_seller(ref: str, *, seller_id: int, api_key) -> Brand | None:
    """The brand by id, name (case-insensitive, served by an index on UPPER(name)) or slug, in one query.

    The same round trip carries the seller's status (``seller_status``, None
    when there is no such seller) and whether the calling key belongs to a
    brand owner and that owner owns this brand: the gate is the marketplace's
    hot path, so each answer costs the key lookup, this query and at most one
    more for the seller's authorizations.
    """
    ref = ref.strip()
    match = Q(pk=int(ref)) if ref.isdigit() else Q(name__iexact=ref) | Q(slug=ref.lower())
    owner_keys = BrandOwnerApiKey.objects.filter(api_key_id=api_key.pk)
    return (
        Brand.objects.filter(match)
        .only("pk", "protected", "name")
        .annotate(
            seller_status=Subquery(Seller.objects.filter(pk=seller_id).values("status")[:1]),
            key_is_owners=Exists(owner_keys),
            key_owns_brand=Exists(owner_keys.filter(owner_id=OuterRef("owner_id"))),
        )
        .order_by("pk")
        .first()
    )


class AuthorizationCheckView(APIView):
    """The hot path: three queries at most (API key; brand with seller status; the authorizations)."""

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
        brand = _brand_and_seller(params["brand"], seller_id=params["seller"], api_key=request.auth)
        # Unknown seller is reported first, whether or not the brand exists.
        if (brand is None and not Seller.objects.filter(pk=params["seller"]).exists()) or (
            brand is not None and brand.seller_status is None
        ):
            raise NotFound(_("No seller with id %(id)s.") % {"id": params["seller"]})
        if brand is None:
            raise NotFound(_("No brand with id, name or slug “%(ref)s”.") % {"ref": params["brand"]})
        if brand.key_is_owners and not brand.key_owns_brand:
            # A rights holder may check sellers of its own brands, not its competitors'.
            raise PermissionDenied(_("This key belongs to a brand owner and may ask only about that owner's brands."))
        seller = Seller(pk=params["seller"], status=brand.seller_status)
        answer = may_list(seller=seller, brand=brand, country=params["country"], category=params["category"])
        return Response(
            GateAnswerSerializer(
                {"allowed": answer.allowed, "reason": answer.reason, "authorization": answer.authorization}
            ).data
        )
