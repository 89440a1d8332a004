"""The marketplace's gate: "may seller S list brand B in country C, category K?"."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_auth import Scope
from portal.db import fetch_prepared
from sellers.models import Brand, BrandAuthorization, BrandOwnerApiKey, Seller
from sellers.selectors import gate_answer
from sellers.serializers import (
    BadRequestSerializer,
    ErrorDetailSerializer,
    GateAnswerSerializer,
    GateQuerySerializer,
)


@dataclass
class _Found:
    brand_id: int
    protected: bool
    seller_status: str | None
    key_is_owners: bool
    key_owns_brand: bool
    candidates: list[BrandAuthorization]


@functools.cache
def _gate_sql(*, by_id: bool) -> str:
    # Hand-written because this is the marketplace's hot path: building the
    # equivalent ORM query (filtered LEFT JOIN, three subqueries) cost several
    # times its execution. Plain SQL that PostgreSQL and SQLite both run; the
    # name lookup matches the UPPER(name) index the Brand model declares.
    tables = {
        "brand": Brand._meta.db_table,
        "authz": BrandAuthorization._meta.db_table,
        "seller": Seller._meta.db_table,
        "keys": BrandOwnerApiKey._meta.db_table,
    }
    where = "b.id = %s" if by_id else "(UPPER(b.name) = UPPER(%s) OR b.slug = %s)"
    # Only table names from model metadata are formatted in; every value is a parameter.
    return (
        "SELECT b.id, b.protected,"  # noqa: S608
        " (SELECT s.status FROM {seller} s WHERE s.id = %s),"
        " EXISTS (SELECT 1 FROM {keys} k WHERE k.api_key_id = %s),"
        " EXISTS (SELECT 1 FROM {keys} k WHERE k.api_key_id = %s AND k.owner_id = b.owner_id),"
        " a.id, a.status, a.basis, a.territories, a.categories, a.valid_from, a.valid_until"
        " FROM {brand} b LEFT JOIN {authz} a ON a.brand_id = b.id AND a.seller_id = %s"
        " WHERE " + where + " ORDER BY b.id, a.id"
    ).format(**tables)


def _lookup(ref: str, *, seller_id: int, api_key) -> _Found | None:
    """Everything the gate needs in one query, or None when no brand matches.

    The brand is found by id, name (case-insensitive) or slug; each row also
    carries the seller's status (None when there is no such seller), whether
    the calling key belongs to a brand owner and owns this brand, and one of
    the seller's authorizations for the brand (a LEFT JOIN, so a brand without
    any still gives one row).
    """
    ref = ref.strip()
    by_id = ref.isascii() and ref.isdigit() and len(ref) <= 18  # fits a 64-bit key; otherwise it is a name
    where = [int(ref)] if by_id else [ref, ref.lower()]
    rows = fetch_prepared(
        "gate_by_id" if by_id else "gate_by_name",
        _gate_sql(by_id=by_id),
        [seller_id, api_key.pk, api_key.pk, seller_id, *where],
    )
    found = None
    for brand_id, protected, seller_status, is_owners, owns, authz_id, *authz in rows:
        if found is None:
            found = _Found(brand_id, bool(protected), seller_status, bool(is_owners), bool(owns), [])
        elif brand_id != found.brand_id:
            break  # a name of one brand that is the slug of another: the older brand wins
        if authz_id is not None:
            found.candidates.append(_authorization(authz_id, brand_id, authz))
    return found


def _authorization(pk: int, brand_id: int, values: list) -> BrandAuthorization:
    status, basis, territories, categories, valid_from, valid_until = values
    return BrandAuthorization(
        pk=pk,
        brand_id=brand_id,
        status=status,
        basis=basis,
        territories=_json(territories),
        categories=_json(categories),
        valid_from=_date(valid_from),
        valid_until=_date(valid_until),
    )


def _json(value):
    # Django has psycopg return jsonb as text, and SQLite stores text: decode both the same way.
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


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
        answer = gate_answer(
            seller_status=found.seller_status,
            brand_protected=found.protected,
            candidates=found.candidates,
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
