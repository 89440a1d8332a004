"""The sellers app's part of the audit vocabulary. Add new actions here."""

import enum

from portal.audit import register_actions


@register_actions
class SellerAction(enum.StrEnum):
    SELLER_CREATED = "seller.seller.created"
    SELLER_APPROVED = "seller.seller.activated"
    SELLER_SUSPENDED = "seller.seller.suspended"
    SELLER_REINSTATED = "seller.seller.reinstated"
    SELLER_TERMINATED = "seller.seller.terminated"
    SELLER_DATA_DELETED = "seller.seller.kyb_deleted"


@register_actions
class BrandAction(enum.StrEnum):
    BRAND_OWNER_CREATED = "seller.brand_owner.created"
    BRAND_CREATED = "seller.brand.created"
    BRAND_PROTECTION_CHANGED = "seller.brand.protection_changed"
    BRAND_IMAGE_ADDED = "seller.brand.image_added"
    BRAND_PRICE_SET = "seller.brand.reference_price_set"
    AUTHORIZATION_REQUESTED = "seller.authorization.requested"
    AUTHORIZATION_REVIEW_STARTED = "seller.authorization.review_started"
    AUTHORIZATION_APPROVED = "seller.authorization.approved"
    AUTHORIZATION_REJECTED = "seller.authorization.rejected"
    AUTHORIZATION_REVOKED = "seller.authorization.revoked"
    AUTHORIZATION_EXPIRED = "seller.authorization.expired"
    AUTHORIZATION_EXPIRY_REMINDED = "seller.authorization.expiry_reminded"
