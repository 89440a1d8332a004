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
    BRAND_OWNER_UPDATED = "seller.brand_owner.updated"
    BRAND_OWNER_CONTACT_SAVED = "seller.brand_owner.contact_saved"
    BRAND_OWNER_CONTACT_REMOVED = "seller.brand_owner.contact_removed"
    BRAND_OWNER_API_KEY_ISSUED = "seller.brand_owner.api_key_issued"
    BRAND_CREATED = "seller.brand.created"
    BRAND_PROTECTION_CHANGED = "seller.brand.protection_changed"
    BRAND_IMAGE_ADDED = "seller.brand.image_added"
    BRAND_PRICE_SET = "seller.brand.reference_price_set"
    BRAND_PRICE_REMOVED = "seller.brand.reference_price_removed"
    BRAND_UPDATED = "seller.brand.updated"
    TRADEMARK_SAVED = "seller.brand.trademark_saved"
    TRADEMARK_REMOVED = "seller.brand.trademark_removed"
    AUTHORIZATION_REQUESTED = "seller.authorization.requested"
    AUTHORIZATION_REVIEW_STARTED = "seller.authorization.review_started"
    AUTHORIZATION_APPROVED = "seller.authorization.approved"
    AUTHORIZATION_REJECTED = "seller.authorization.rejected"
    AUTHORIZATION_REVOKED = "seller.authorization.revoked"
    AUTHORIZATION_EXPIRED = "seller.authorization.expired"
    AUTHORIZATION_EXPIRY_REMINDED = "seller.authorization.expiry_reminded"


@register_actions
class OnboardingAction(enum.StrEnum):
    INVITATION_CREATED = "seller.invitation.created"
    INVITATION_ACCEPTED = "seller.invitation.accepted"
    INVITATION_REVOKED = "seller.invitation.revoked"
    INVITATION_RESENT = "seller.invitation.resent"
    APPLICATION_SAVED = "seller.application.saved"
    APPLICATION_SUBMITTED = "seller.application.submitted"
    APPLICATION_ASSIGNED = "seller.application.assigned"
    APPLICATION_CHECKED = "seller.application.checked"
    APPLICATION_CHANGES_REQUESTED = "seller.application.changes_requested"
    APPLICATION_APPROVED = "seller.application.approved"
    APPLICATION_REJECTED = "seller.application.rejected"
    APPLICATION_WITHDRAWN = "seller.application.withdrawn"
    PAYMENT_ACCOUNT_REVEALED = "seller.application.payment_account_revealed"
    DOCUMENT_UPLOADED = "seller.document.uploaded"
    DOCUMENT_ACCEPTED = "seller.document.accepted"
    DOCUMENT_REJECTED = "seller.document.rejected"
    DOCUMENT_DOWNLOADED = "seller.document.downloaded"
    RECERTIFICATION_OPENED = "seller.recertification.opened"
    RECERTIFICATION_REMINDED = "seller.recertification.reminded"
    RECERTIFICATION_STARTED = "seller.recertification.started"
    RECERTIFICATION_SUBMITTED = "seller.recertification.submitted"
    RECERTIFICATION_REOPENED = "seller.recertification.reopened"
    RECERTIFICATION_DETACHED = "seller.recertification.answer_detached"
    RECERTIFICATION_COMPLETED = "seller.recertification.completed"
    RECERTIFICATION_LAPSED = "seller.recertification.lapsed"
