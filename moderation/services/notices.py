"""Notice intake (DSA Art. 16): record and acknowledge a notice, then triage it into a case.

Two steps, so a burst of notices costs the sender one short write each:

* ``notice_submit(triage_now=False)`` (the API) stores the notice and its
  audit event and answers. The notice waits for triage (``case`` is empty)
  and a triage run is scheduled for after the commit.
* ``notices_triage_pending`` (the ``triage_notices`` task, and a periodic
  sweep for runs a dead broker or worker lost) joins each waiting notice to its
  listing's open case or opens one, rescoring it, and sends the notifier's
  receipt e-mail.

``notice_submit`` with ``triage_now`` (the default) does both in one
transaction, for the public form and the demo data, where a person waits for
the page anyway and one notice at a time arrives.
"""

from __future__ import annotations

import logging
import time

from celery import current_app
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import selectors
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
logger = logging.getLogger(__name__)
TRIAGE_BATCH = 50  # waiting ids read at a time


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
    triage_now: bool = True,
    actor=None,
) -> tuple[Notice, bool]:
    """Record a notice and its audit event; (notice, created).

    With ``triage_now`` the notice joins its case in this transaction, so the
    case is known when this returns. Without it the notice waits for a triage
    run, sent after the commit (``schedule_triage``).

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
    audit.record(
        action=ModerationAction.NOTICE_RECEIVED,
        actor=actor,
        target=notice,
        changes={"listing": listing.external_id, "reason": reason, "channel": channel},
        reason=f"notifier #{notifier.pk} ({notifier.kind})",
    )
    if triage_now:
        notice_triage(notice=notice, actor=actor)
    else:
        transaction.on_commit(schedule_triage)
    return notice, True


# --- Triage ----------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def notice_triage(*, notice: Notice, actor=None) -> Case:
    """Join the notice to its listing's open case (or open one) and send the receipt.

    Call with the notice locked (or just created) and not yet triaged.
    """
    listing = notice.listing
    notify(
        kind="moderation.notice.receipt",
        to_email=notice.notifier_email,
        subject=_("We received your notice #%(id)s") % {"id": notice.pk},
        template="emails/moderation/notice_receipt.txt",
        context={"notice": notice, "listing": listing},
        target=notice,
    )
    source = _SOURCE_BY_KIND.get(notice.notifier.kind, Case.Source.NOTICE)
    case, _opened = case_open_or_raise(listing=listing, reason=notice.reason, source=source, actor=actor, notice=notice)
    return case


def notices_triage_pending(*, limit: int = 2000) -> int:
    """Triage up to ``limit`` waiting notices, oldest first; how many were triaged.

    Each notice is triaged in a transaction of its own, which locks it with SKIP
    LOCKED: runs in several workers share the work, never triage a notice twice,
    and hold a case's lock only as long as one notice takes (a batch holding
    many cases could deadlock with another run or a listing sync). A notice
    whose triage fails is logged, left waiting for the next run, and not tried
    again in this one.
    """
    done, passed = 0, set()  # passed: failed here, or taken by another run
    while done < limit:
        # The waiting ids alone, without locks: a plain walk of the partial index, whatever
        # the planner believes about the backlog (a burst outruns its statistics).
        ids = list(
            selectors.awaiting_triage()
            .exclude(pk__in=passed)
            .order_by("pk")
            .values_list("pk", flat=True)[:TRIAGE_BATCH]
        )
        if not ids:
            break
        for pk in ids:
            if done >= limit:
                break
            try:
                with transaction.atomic():
                    notice = (
                        selectors.awaiting_triage()
                        .filter(pk=pk)
                        .select_related("listing", "notifier")
                        .select_for_update(skip_locked=True, of=("self",))
                        .first()
                    )
                    if notice is None:  # another run has it, or has filed it
                        passed.add(pk)
                        continue
                    notice_triage(notice=notice)
            except Exception:  # one bad notice must not hold up the others
                logger.exception("could not triage notice %s; it waits for the next run", pk)
                passed.add(pk)
                continue
            done += 1
    return done


# When this process last sent a triage run, and when that run starts: a notice committed
# before that start is triaged by it, so no second run is sent for it.
_scheduled_start = 0.0
# A run starts no earlier than its ETA; this margin keeps a notice committed at the
# last moment (or a worker's clock a little ahead) from being missed.
_MARGIN = 0.2


def schedule_triage() -> None:
    """After a notice commits: send a triage run unless one this process sent has not started yet.

    A run is sent with a short delay so that a burst of notices shares one. With
    eager Celery (the embedded mode) the run happens here and now. A run the
    broker refused is logged; the next notice, or the periodic sweep, sends another.
    """
    global _scheduled_start
    from moderation.tasks import triage_notices

    delay = float(getattr(settings, "MODERATION_TRIAGE_DELAY", 1.0))
    now = time.monotonic()
    eager = current_app.conf.task_always_eager
    if not eager and now < _scheduled_start - _MARGIN:
        return
    try:
        triage_notices.apply_async(countdown=delay)
    except Exception:  # the broker is down: the sweep triages what waits
        logger.exception("could not send a notice triage run; the sweep will")
        return
    _scheduled_start = now + delay
