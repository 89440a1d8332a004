"""Portal endpoints: who am I (key check) and the audit trail for auditors."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api_auth import Scope
from portal.audit.export import EVENT_FIELDS, AuditEventFilterSet
from portal.audit.models import AuditEvent


class KeySerializer(serializers.Serializer):
    name = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    """The calling key's name and scopes: a cheap way for an integrator to check a key."""

    required_scopes: tuple[str, ...] = ()

    @extend_schema(responses=KeySerializer)
    def get(self, request):
        key = request.auth
        return Response(KeySerializer({"name": key.name, "scopes": key.scopes}).data)


class AuditEventSerializer(serializers.ModelSerializer):
    created_at = serializers.SerializerMethodField()
    actor_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = AuditEvent
        fields = EVENT_FIELDS

    def get_created_at(self, obj) -> str:
        from portal.audit import format_time

        return format_time(obj.created_at)


class SeqCursorPagination(CursorPagination):
    ordering = "seq"
    page_size = 200
    max_page_size = 1000
    page_size_query_param = "page_size"


class _FileFormatNegotiation(DefaultContentNegotiation):
    """``?format=`` names the export's file format here, not a DRF renderer; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class AuditExportView(APIView):
    """The audit trail (same filters) as one streamed CSV or JSON Lines file; the export is an audit event."""

    required_scopes = (Scope.AUDIT_READ,)
    content_negotiation_class = _FileFormatNegotiation

    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=["jsonl", "csv"], description="file format (default jsonl)"),
            *[OpenApiParameter(name, str) for name in AuditEventFilterSet.base_filters],
        ],
        responses={(200, "application/x-ndjson"): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY},
    )
    def get(self, request):
        from portal.audit.export import FORMATS, export_response

        fmt = request.query_params.get("format", "jsonl")
        params = request.query_params.copy()
        params.pop("format", None)
        filterset = AuditEventFilterSet(params, queryset=AuditEvent.objects.all())
        errors = dict(filterset.errors) if not filterset.is_valid() else {}
        if fmt not in FORMATS:
            errors["format"] = [f"Choose one of: {', '.join(FORMATS)}."]
        if errors:
            raise serializers.ValidationError({k: [str(m) for m in v] for k, v in errors.items()})
        key = request.auth
        # The export is the key owner's act (an auditor's key has one); a key without an owner is "system".
        return export_response(
            filterset=filterset, user=key.owner, fmt=fmt, via=f"api key {key.prefix}", by=f"API key {key.name}"
        )


class AuditEventList(generics.ListAPIView):
    """The audit trail in chain order, with the fields needed to recompute each hash."""

    required_scopes = (Scope.AUDIT_READ,)
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    pagination_class = SeqCursorPagination
    queryset = AuditEvent.objects.filter(seq__isnull=False, leaf_hash__isnull=False)  # sealed: in the log


class CheckpointSerializer(serializers.Serializer):
    tree_size = serializers.IntegerField()
    root_hash = serializers.CharField(help_text="standard base64 of the 32-byte RFC 9162 root")
    note = serializers.CharField(help_text="the C2SP signed note: checkpoint text, blank line, signatures")
    verifier_key = serializers.CharField(help_text="this log's Ed25519 verifier key, in signed-note key text")


class ProofSerializer(serializers.Serializer):
    format = serializers.CharField()
    hashes = serializers.ListField(child=serializers.CharField(), help_text="standard base64, RFC 9162 order")


def _whole(request, name: str, *, required: bool) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        if required:
            raise serializers.ValidationError({name: ["This parameter is required."]})
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise serializers.ValidationError({name: ["A whole number of events (1 or more) is required."]})
    return int(raw)


def _proof(make, *args):
    from portal.audit.proofs import ProofUnavailable

    try:
        return Response(make(*args))
    except ProofUnavailable as exc:
        raise serializers.ValidationError({"detail": [str(exc)]}) from None


class AuditCheckpointView(APIView):
    """The newest signed checkpoint of the log (also public, without a key, at /audit-log/checkpoint)."""

    required_scopes = (Scope.AUDIT_READ,)

    @extend_schema(responses=CheckpointSerializer)
    def get(self, request):
        from portal.audit import notes, proofs

        latest = proofs.latest_checkpoint()
        if latest is None:
            raise NotFound("The log has no signed checkpoint yet.")
        return Response(
            CheckpointSerializer(
                {
                    "tree_size": latest.tree_size,
                    "root_hash": latest.root_b64,
                    "note": latest.note,
                    "verifier_key": notes.verifiers()[0].text,
                }
            ).data
        )


class InclusionProofView(APIView):
    """Proof that event ``seq`` is in the tree of ``tree_size`` events (default: the newest checkpoint)."""

    required_scopes = (Scope.AUDIT_READ,)

    @extend_schema(
        parameters=[OpenApiParameter("seq", int, required=True), OpenApiParameter("tree_size", int)],
        responses=ProofSerializer,
    )
    def get(self, request):
        from portal.audit.proofs import inclusion

        return _proof(inclusion, _whole(request, "seq", required=True), _whole(request, "tree_size", required=False))


class ConsistencyProofView(APIView):
    """Proof that the tree of ``new_size`` events (default: the newest) extends the one of ``old_size``."""

    required_scopes = (Scope.AUDIT_READ,)

    @extend_schema(
        parameters=[OpenApiParameter("old_size", int, required=True), OpenApiParameter("new_size", int)],
        responses=ProofSerializer,
    )
    def get(self, request):
        from portal.audit.proofs import consistency

        return _proof(
            consistency, _whole(request, "old_size", required=True), _whole(request, "new_size", required=False)
        )
