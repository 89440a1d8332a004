from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation.audit_actions import ModerationAction
from moderation.models import Case, Listing, Notice, Notifier
from moderation.services.cases import case_open_or_raise
from portal import audit
from portal.errors import DomainError
from portal.notifications import notify

_SOURCE_BY_KIND = {
    Notifier.Kind.TRUSTED_FLAGGER: Case.Source.TRUSTED_FLAGGER,
    Notifier.Kind.BRAND_OWNER: Case.Source.BRAND_OWNER,
}


@transaction.atomic
def notice_submit(
    *,
    listing: Listing,
    notifier: Notifier,
    reason: str,
    explanation: str,
    notifier_name: str,
    notifier_email: str,
    good_faith: bool,
    channel: str,
    evidence_urls: list[str] | None = None,
    idempotency_key: str = "",
    actor=None,
) -> tuple[Notice, bool]:
    """Record a notice, join or open the listing's case, and confirm receipt.

    With an idempotency key, a retry returns the first notice (created=False)
    instead of filing a second one, also when both arrive at the same moment.
    """
    if idempotency_key:
        existing = Notice.objects.filter(notifier=notifier, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    if not good_faith:
        raise DomainError(_("A notice needs the good-faith statement."), code="invalid")
    if notifier.standing == Notifier.Standing.SUSPENDED:
        raise DomainError(
            _("Notices from this notifier are not processed: it was suspended for manifestly unfounded notices."),
            code="notifier_suspended",
        )
    # A savepoint only where a concurrent retry can collide on the idempotency key.
    try:
        with transaction.atomic(savepoint=bool(idempotency_key)):
            notice = Notice.objects.create(
                listing=listing,
                notifier=notifier,
                channel=channel,
                reason=reason,
                explanation=explanation.strip(),
                evidence_urls=evidence_urls or [],
                notifier_name=notifier_name.strip(),
                notifier_email=notifier_email.strip(),
                good_faith=True,
                idempotency_key=idempotency_key,
                received_at=timezone.now(),
            )
    except IntegrityError:
        if not idempotency_key:
            raise
        return Notice.objects.get(notifier=notifier, idempotency_key=idempotency_key), False
    notify(
        kind="moderation.notice.receipt",
        to_email=notice.notifier_email,
        subject=_("We received your notice #%(id)s") % {"id": notice.pk},
        template="emails/moderation/notice_receipt.txt",
        context={"notice": notice, "listing": listing},
        target=notice,
    )
    # The audit events come last: each holds the chain's lock until the commit.
    source = _SOURCE_BY_KIND.get(notifier.kind, Case.Source.NOTICE)
    case, _opened = case_open_or_raise(listing=listing, reason=reason, source=source, actor=actor, notice=notice)
    audit.record(
        action=ModerationAction.NOTICE_RECEIVED,
        actor=actor,
        target=notice,
        changes={"listing": listing.external_id, "reason": reason, "channel": channel, "case": case.pk},
        reason=f"notifier #{notifier.pk} ({notifier.kind})",
    )
    return notice, True
