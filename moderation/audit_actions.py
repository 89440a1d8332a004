"""The moderation app's part of the audit vocabulary. Add new actions here."""

import enum

from portal.audit import register_actions


@register_actions
class ModerationAction(enum.StrEnum):
    LISTING_CREATED = "moderation.listing.created"
    LISTING_UPDATED = "moderation.listing.updated"
    LISTING_RESTRICTED = "moderation.listing.restricted"
    LISTING_REMOVED = "moderation.listing.removed"
    LISTING_RESTORED = "moderation.listing.restored"
    IMAGE_FINGERPRINTED = "moderation.listing_image.fingerprinted"
    IMAGE_REFUSED = "moderation.listing_image.refused"
    NOTICE_RECEIVED = "moderation.notice.received"
    NOTICE_OUTCOME = "moderation.notice.outcome"
    CASE_OPENED = "moderation.case.opened"
    CASE_RAISED = "moderation.case.raised"
    CASE_CLAIMED = "moderation.case.claimed"
    CASE_CLAIM_RENEWED = "moderation.case.claim_renewed"
    CASE_RELEASED = "moderation.case.released"
    CASE_ESCALATED = "moderation.case.escalated"
    CASE_NOTE_ADDED = "moderation.case.note_added"
    CASE_DECIDED = "moderation.case.decided"
    CASE_CLOSED = "moderation.case.closed"
    DECISION_MADE = "moderation.decision.made"
    APPEAL_SUBMITTED = "moderation.appeal.submitted"
    APPEAL_UPHELD = "moderation.appeal.upheld"
    APPEAL_OVERTURNED = "moderation.appeal.overturned"
    STRIKE_ADDED = "moderation.strike.added"
    STRIKE_VOIDED = "moderation.strike.voided"
    STRIKE_WARNING = "moderation.strike.warning"
    STRIKE_TERMINATION_PROPOSED = "moderation.strike.termination_proposed"
    POLICY_SAVED = "moderation.policy.saved"
    NOTIFIER_STANDING_CHANGED = "moderation.notifier.standing_changed"
    NOTIFIER_SAVED = "moderation.notifier.saved"
