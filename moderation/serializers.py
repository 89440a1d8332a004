from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from moderation import dsa
from moderation.models import Decision, Listing, Notice, Reason
from sellers.models import Brand, Seller

MAX_IMAGES = 12
MAX_BATCH = 500


class ListingInputSerializer(serializers.Serializer):
    seller = serializers.PrimaryKeyRelatedField(queryset=Seller.objects.all(), help_text=_("Hallmark seller id"))
    brand = serializers.PrimaryKeyRelatedField(queryset=Brand.objects.all(), allow_null=True, required=False)
    title = serializers.CharField(max_length=300)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    category = serializers.CharField(max_length=100, allow_blank=True, required=False, default="")
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text=_("ISO 4217, e.g. EUR"))
    url = serializers.URLField(max_length=500)
    image_urls = serializers.ListField(
        child=serializers.URLField(max_length=1000), max_length=MAX_IMAGES, required=False, default=list
    )
    country = serializers.RegexField(r"^[A-Z]{2}$", required=False, allow_blank=True, default="")

    def validate_image_urls(self, value):
        if len(value) != len(set(value)):
            raise serializers.ValidationError(_("Each image URL may appear only once."))
        return value


class ListingBatchItemSerializer(ListingInputSerializer):
    external_id = serializers.CharField(max_length=100)


class ListingBatchInputSerializer(serializers.Serializer):
    listings = ListingBatchItemSerializer(many=True, allow_empty=False, max_length=MAX_BATCH)

    def validate_listings(self, value):
        ids = [item["external_id"] for item in value]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Each external_id may appear only once per batch."))
        return value


class ListingOutputSerializer(serializers.ModelSerializer):
    seller = serializers.IntegerField(source="seller_id")
    brand = serializers.IntegerField(source="brand_id", allow_null=True)

    class Meta:
        model = Listing
        fields = (
            "id",
            "external_id",
            "seller",
            "brand",
            "title",
            "category",
            "price",
            "currency",
            "url",
            "image_urls",
            "country",
            "status",
            "status_reason",
            "created_at",
            "updated_at",
        )


class BatchResultSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    id = serializers.IntegerField()
    created = serializers.BooleanField()
    status = serializers.CharField()


class BatchOutputSerializer(serializers.Serializer):
    results = BatchResultSerializer(many=True)


class NoticeInputSerializer(serializers.Serializer):
    listing = serializers.CharField(max_length=100, help_text=_("the listing's marketplace id (external_id)"))
    reason = serializers.ChoiceField(choices=Reason.choices)
    explanation = serializers.CharField(
        min_length=20,
        max_length=5000,
        help_text=_("a substantiated explanation why the listing is unlawful or infringing"),
    )
    evidence_urls = serializers.ListField(
        child=serializers.URLField(max_length=1000), max_length=20, required=False, default=list
    )
    notifier_name = serializers.CharField(max_length=200)
    notifier_email = serializers.EmailField(max_length=254)
    good_faith = serializers.BooleanField(
        help_text=_("the notifier confirms in good faith that the notice is accurate and complete (DSA Art. 16(2)(d))")
    )

    def validate_good_faith(self, value):
        if value is not True:
            raise serializers.ValidationError(_("The good-faith statement must be confirmed."))
        return value

    def listing_named(self) -> str:
        """The listing id as sent, if the field's own checks pass it (a string, no NUL, not too long), else ""."""
        data = self.initial_data
        raw = data.get("listing") if isinstance(data, Mapping) else None
        if not isinstance(raw, str):
            return ""
        try:
            return self.fields["listing"].run_validation(raw)
        except serializers.ValidationError:
            return ""

    def validate_listing(self, value):
        # The view may have read the listing already, with the notifier.
        listing = self.context.get("listing")
        if listing is None or listing.external_id != value:
            listing = Listing.objects.filter(external_id=value).first()
        if listing is None:
            raise serializers.ValidationError(_("No listing with this id is known."))
        return listing


class NoticeOutputSerializer(serializers.Serializer):
    # Declared field by field, not a ModelSerializer: it answers every notice, and a
    # ModelSerializer builds its fields from the model on each use.
    id = serializers.IntegerField()
    listing = serializers.CharField(source="listing.external_id")
    case = serializers.IntegerField(
        source="case_id", allow_null=True, help_text=_("empty until the notice is triaged into a case")
    )
    reason = serializers.ChoiceField(choices=Reason.choices)
    outcome = serializers.ChoiceField(choices=Notice.Outcome.choices)
    received_at = serializers.DateTimeField()


class DsaStatementSerializer(serializers.Serializer):
    """A statement of reasons in the EU DSA Transparency Database API submission format."""

    decision_visibility = serializers.ListField(child=serializers.CharField(), required=False)
    decision_provision = serializers.CharField(required=False)
    decision_account = serializers.CharField(required=False)
    account_type = serializers.CharField()
    decision_ground = serializers.CharField()
    decision_ground_reference_url = serializers.URLField(required=False)
    illegal_content_legal_ground = serializers.CharField(required=False)
    illegal_content_explanation = serializers.CharField(required=False)
    incompatible_content_ground = serializers.CharField(required=False)
    incompatible_content_explanation = serializers.CharField(required=False)
    incompatible_content_illegal = serializers.CharField(required=False)
    content_type = serializers.ListField(child=serializers.CharField())
    category = serializers.CharField()
    category_specification = serializers.ListField(child=serializers.CharField(), required=False)
    territorial_scope = serializers.ListField(child=serializers.CharField())
    content_date = serializers.CharField()
    application_date = serializers.CharField()
    end_date_visibility_restriction = serializers.CharField(required=False)
    end_date_account_restriction = serializers.CharField(required=False)
    end_date_service_restriction = serializers.CharField(required=False)
    decision_facts = serializers.CharField()
    source_type = serializers.CharField()
    automated_detection = serializers.CharField()
    automated_decision = serializers.CharField()
    puid = serializers.CharField()

    def to_representation(self, instance: Decision):
        return dsa.statement(instance)
