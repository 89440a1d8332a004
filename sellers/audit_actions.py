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
