"""Moderation endpoints: listing sync, notices, and statements of reasons for the DSA database."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation import dsa, selectors
from moderation.models import Decision, Notice
from moderation.serializers import (
    BatchOutputSerializer,
    DsaStatementSerializer,
    ListingBatchInputSerializer,
    ListingInputSerializer,
    ListingOutputSerializer,
    NoticeInputSerializer,
    NoticeOutputSerializer,
)
from moderation.services.listings import listing_upsert
from moderation.services.notices import notice_submit
from moderation.services.notifiers import notifier_for_key
from portal.api_auth import ApiKeyRateThrottle, Scope
from portal.errors import DomainError


def _via(request) -> str:
    return f"API key {request.auth.name}" if request.auth is not None else ""


class ListingUpsertView(APIView):
    """Create or update one listing by its marketplace id (idempotent)."""

    required_scopes = (Scope.LISTINGS_WRITE,)

    @extend_schema(
        request=ListingInputSerializer, responses={200: ListingOutputSerializer, 201: ListingOutputSerializer}
    )
    def put(self, request, external_id: str):
        if len(external_id) > 100:
            raise ValidationError({"external_id": ["At most 100 characters."]})
        serializer = ListingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing, created = listing_upsert(
            external_id=external_id, data=serializer.validated_data, actor=None, via=_via(request)
        )
        return Response(
            ListingOutputSerializer(listing).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class ListingBatchView(APIView):
    """Upsert up to 500 listings in one call. Invalid input rejects the whole batch, naming each bad item."""

    required_scopes = (Scope.LISTINGS_WRITE,)

    @extend_schema(request=ListingBatchInputSerializer, responses=BatchOutputSerializer)
    def post(self, request):
        serializer = ListingBatchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        results = []
        with transaction.atomic():
            for item in serializer.validated_data["listings"]:
                data = dict(item)
                external_id = data.pop("external_id")
                listing, created = listing_upsert(external_id=external_id, data=data, actor=None, via=_via(request))
                results.append(
                    {"external_id": external_id, "id": listing.pk, "created": created, "status": listing.status}
                )
        return Response({"results": results})


class ReportThrottle(ApiKeyRateThrottle):
    scope = "reports"

    def get_rate(self):
        return getattr(settings, "MODERATION_REPORT_RATE", "600/min")


class NoticeCreateView(APIView):
    """File a notice (DSA Art. 16). Send an ``Idempotency-Key`` header so a retry returns the first notice.

    The answer confirms receipt. The notice joins its listing's case a moment
    later, when a triage run picks it up: ``case`` is empty until then, and
    ``GET`` on the answer's ``Location`` (``/api/v1/reports/<id>``) tells it.
    """

    required_scopes = (Scope.REPORTS_WRITE,)
    throttle_classes = [ReportThrottle]

    @extend_schema(
        request=NoticeInputSerializer,
        responses={201: NoticeOutputSerializer, 200: NoticeOutputSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
    )
    def post(self, request):
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise ValidationError({"Idempotency-Key": ["At most 100 characters."]})
        serializer = NoticeInputSerializer(data=request.data)
        # Only a listing id that passes the field's own checks is looked up with the notifier.
        notifier, listing = selectors.notice_intake_rows(
            api_key_id=request.auth.pk, external_id=serializer.listing_named()
        )
        if notifier is None:  # the key's first notice
            notifier = notifier_for_key(request.auth)
        if key:
            existing = Notice.objects.filter(notifier=notifier, idempotency_key=key).first()
            if existing is not None:
                return Response(NoticeOutputSerializer(existing).data, status=status.HTTP_200_OK)
        serializer.context["listing"] = listing
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        notice, created = notice_submit(
            listing=data["listing"],
            notifier=notifier,
            reason=data["reason"],
            explanation=data["explanation"],
            evidence_urls=data["evidence_urls"],
            notifier_name=data["notifier_name"],
            notifier_email=data["notifier_email"],
            good_faith=data["good_faith"],
            channel=Notice.Channel.API,
            idempotency_key=key,
            triage_now=False,
        )
        return Response(
            NoticeOutputSerializer(notice).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": reverse("api:moderation-api:report", kwargs={"pk": notice.pk})},
        )


class NoticeDetailView(APIView):
    """A notice this key filed: its case once triage has filed it, and its outcome once decided."""

    required_scopes = (Scope.REPORTS_WRITE,)

    @extend_schema(responses=NoticeOutputSerializer)
    def get(self, request, pk: int):
        notice = Notice.objects.select_related("listing").filter(pk=pk, notifier__api_key=request.auth).first()
        if notice is None:
            raise Http404(f"No notice {pk} was filed with this key.")
        return Response(NoticeOutputSerializer(notice).data)


class DsaStatementView(APIView):
    """One decision's statement of reasons in the EU DSA Transparency Database submission format."""

    required_scopes = (Scope.DECISIONS_READ,)

    @extend_schema(responses=DsaStatementSerializer)
    def get(self, request, pk: int):
        decision = Decision.objects.select_related("policy", "listing").filter(pk=pk).first()
        if decision is None:
            raise Http404(f"No decision with id {pk}.")
        try:
            body = dsa.statement(decision)
        except dsa.NotExportable as exc:
            raise DomainError(str(exc), code="not_exportable") from None
        return Response(body)


class DecisionCursor(CursorPagination):
    ordering = ("decided_at", "pk")
    page_size = 100
    max_page_size = 100  # the database accepts at most 100 statements per call
    page_size_query_param = "page_size"


class DsaStatementList(generics.ListAPIView):
    """Every exportable statement of reasons, oldest first, in pages of up to 100 (one database bulk call each)."""

    required_scopes = (Scope.DECISIONS_READ,)
    serializer_class = DsaStatementSerializer
    pagination_class = DecisionCursor
    filterset_fields = ()

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.DATE, description="decided on or after this day (YYYY-MM-DD)"),
            OpenApiParameter("until", OpenApiTypes.DATE, description="decided before this day (YYYY-MM-DD)"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        rows = dsa.exportable(Decision.objects.select_related("policy", "listing"))
        errors = {}
        for name, lookup in (("since", "decided_at__date__gte"), ("until", "decided_at__date__lt")):
            raw = self.request.query_params.get(name)
            if not raw:
                continue
            try:
                rows = rows.filter(**{lookup: date.fromisoformat(raw)})
            except ValueError:
                errors[name] = ["Use a date as YYYY-MM-DD."]
        if errors:
            raise ValidationError(errors)
        return rows
