"""Serializers of the sellers API (input and output kept apart)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sellers.models import BrandAuthorization
from sellers.services.brands import CATEGORY_RE, COUNTRY_CODES


class GateQuerySerializer(serializers.Serializer):
    seller = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text=_("Hallmark seller id."))
    brand = serializers.CharField(max_length=200, help_text=_("Brand id, or its name (case-insensitive) or slug."))
    country = serializers.CharField(
        min_length=2, max_length=2, help_text=_("ISO 3166-1 alpha-2 code of the market the listing is offered in.")
    )
    category = serializers.CharField(max_length=64, help_text=_("Product category code of the listing."))

    def validate_country(self, value: str) -> str:
        value = value.upper()
        if value not in COUNTRY_CODES:
            raise serializers.ValidationError(_("Not an ISO 3166-1 alpha-2 country code."))
        return value

    def validate_category(self, value: str) -> str:
        value = value.strip().lower()
        if not CATEGORY_RE.match(value):
            raise serializers.ValidationError(_("Use lower-case letters, digits, '.', '_' or '-'."))
        return value


class GateAuthorizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = BrandAuthorization
        fields = ("id", "basis", "valid_until")


class GateAnswerSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.CharField()
    authorization = GateAuthorizationSerializer(allow_null=True)


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class BadRequestSerializer(serializers.Serializer):
    """Each bad or missing parameter with its messages."""

    seller = serializers.ListField(child=serializers.CharField(), required=False)
    brand = serializers.ListField(child=serializers.CharField(), required=False)
    country = serializers.ListField(child=serializers.CharField(), required=False)
    category = serializers.ListField(child=serializers.CharField(), required=False)
