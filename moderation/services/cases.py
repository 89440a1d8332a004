from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation import selectors
from moderation.audit_actions import ModerationAction
from moderation.models import Case, CaseNote, Listing, Notice, Notifier, Reason
from moderation.services import scoring
from portal import audit
from portal.errors import DomainError, InvalidTransition
from portal.roles import Role, has_role

OPEN = Case.OPEN_STATUSES


def claim_minutes() -> int:
    return int(getattr(settings, "MODERATION_CLAIM_MINUTES", 15))


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().get(pk=case.pk)


# --- Scoring ------------------------------------------------------------------------


def facts_for(case: Case) -> scoring.Facts:
    """What the scorer needs, in two queries however many notices the case has."""
    # One row per distinct (reason, notifier): few, even for a case with many notices.
    rows = (
        Notice.objects.filter(case=case)
        .order_by()  # no default ordering column inside the DISTINCT
        .values_list(
            "reason",
            "notifier_id",
            "notifier__kind",
            "notifier__standing",
            "notifier__notices_decided",
            "notifier__notices_upheld",
        )
        .distinct()
    )
    reasons: set[str] = set()
    notifiers: dict[int, tuple] = {}
    for reason, notifier_id, *notifier in rows:
        reasons.add(reason)
        if notifier_id is not None:
            notifiers[notifier_id] = tuple(notifier)
    accuracies = [upheld / decided for _kind, _standing, decided, upheld in notifiers.values() if decided]
    if Case.listing.is_cached(case):
        seller = case.listing.seller_id
    else:
        seller = Subquery(Listing.objects.filter(pk=case.listing_id).values("seller_id")[:1])
    findings = case.findings or {}
    return scoring.Facts(
        reasons=sorted(reasons) or [case.reason],
        notifier_count=len(notifiers),
        notifier_kinds={kind for kind, *_rest in notifiers.values()},
        mean_accuracy=sum(accuracies) / len(accuracies) if accuracies else None,
        any_deprioritised=any(standing == Notifier.Standing.DEPRIORITISED for _k, standing, *_r in notifiers.values()),
        unauthorized_brand=findings.get("no_authorization", ""),
        price_ratio=findings.get("price_ratio"),
        counterfeit_image_matches=len(findings.get("image_counterfeit", [])),
        brand_image_matches=len(findings.get("image_brand", [])),
        live_strike_points=selectors.live_strike_points(seller),
        overdue=case.is_open and case.due_at < timezone.now(),
    )


def rescore(case: Case, *, save: bool = True) -> Case:
    """Recompute the case's signals and priority (call with the case locked)."""
    signals = scoring.score(facts_for(case))
    case.signals = [s.as_dict() for s in signals]
    case.priority = scoring.total(signals)
    if save:
        case.save(update_fields=["signals", "priority"])
    return case


# --- Opening and raising ---------------------------------------------------------------


def _source_rank(source: str) -> int:
    order = [Case.Source.AUTOMATED, Case.Source.NOTICE, Case.Source.BRAND_OWNER, Case.Source.TRUSTED_FLAGGER]
    return order.index(source)


def _brought_by(notice: Notice | None) -> dict:
    return {"notice": notice.pk} if notice is not None else {}


@transaction.atomic(savepoint=False)
def case_open_or_raise(
    *,
    listing: Listing,
    reason: str,
    source: str,
    actor,
    automated: bool = False,
    findings: dict | None = None,
    notice: Notice | None = None,
) -> tuple[Case, bool]:
    """Return the listing's open case, raising it with what is new, or open one.

    ``notice``, when a notice brings the case, is attached before the case is
    scored, so the score counts it. The partial unique constraint makes a
    concurrent second opener fail; it then joins the case the first one opened.
    A case a notice opens is opened when the notice was received, however late
    triage ran: its SLA and the transparency report's times count from then.
    """
    now = notice.received_at if notice is not None else timezone.now()
    case = Case.objects.select_for_update().filter(listing=listing, status__in=OPEN).first()
    created = False
    if case is None:
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    listing=listing,
                    source=source,
                    reason=reason,
                    automated=automated,
                    findings=findings or {},
                    opened_at=now,
                    due_at=scoring.due_at(opened_at=now, source=source, reason=reason),
                )
            created = True
        except IntegrityError:
            case = Case.objects.select_for_update().get(listing=listing, status__in=OPEN)
    case.listing = listing  # the scorer reads the seller from it
    if notice is not None:
        notice.case = case
        notice.save(update_fields=["case"])
    if created:
        rescore(case)
        audit.record(
            action=ModerationAction.CASE_OPENED,
            actor=actor,
            target=case,
            changes={
                "source": source,
                "reason": reason,
                "automated": automated,
                "priority": case.priority,
                **_brought_by(notice),
            },
            reason=_("opened by automated signals") if automated else "",
        )
        return case, True

    before = {"reason": case.reason, "source": case.source, "due_at": case.due_at, "findings": case.findings}
    merged = {**(case.findings or {}), **(findings or {})}
    if scoring.REASON_SEVERITY.get(reason, 0) > scoring.REASON_SEVERITY.get(case.reason, 0):
        case.reason = reason
    if _source_rank(source) > _source_rank(case.source):
        case.source = source
    if not automated and case.automated:
        case.automated = False  # a person has now reported it too
    case.findings = merged
    sooner = scoring.due_at(opened_at=case.opened_at, source=case.source, reason=case.reason)
    case.due_at = min(case.due_at, sooner)
    old_priority = case.priority
    rescore(case, save=False)
    case.save(update_fields=["reason", "source", "automated", "findings", "due_at", "signals", "priority"])
    after = {"reason": case.reason, "source": case.source, "due_at": case.due_at, "findings": case.findings}
    changes = audit.diff(before, after)
    if changes or case.priority != old_priority or source != Case.Source.AUTOMATED:
        audit.record(
            action=ModerationAction.CASE_RAISED,
            actor=actor,
            target=case,
            changes={**changes, "priority": {"before": old_priority, "after": case.priority}, **_brought_by(notice)},
        )
    return case, False


# --- The queue lease -------------------------------------------------------------------


def claimable_statuses(actor) -> list[str]:
    """Open cases for everyone; escalated ones only for senior moderators."""
    statuses = [Case.Status.OPEN]
    if has_role(actor, Role.SENIOR_MODERATOR) or actor.is_superuser:
        statuses.append(Case.Status.ESCALATED)
    return [str(s) for s in statuses]


def claimable(*, actor, now=None):
    now = now or timezone.now()
    return Case.objects.filter(status__in=claimable_statuses(actor)).filter(
        Q(assigned_to__isnull=True) | Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    )


@transaction.atomic
def case_claim_next(*, actor) -> Case | None:
    """Lease the most urgent unclaimed case to ``actor`` for a few minutes.

    A moderator who already holds a live lease gets that case back. Otherwise
    ``skip_locked`` lets many moderators claim at once: each takes the first
    row nobody else has locked, so no case is handed out twice. The lease and
    its audit event commit together, or neither does.
    """
    now = timezone.now()
    held = (
        Case.objects.filter(status__in=OPEN, assigned_to=actor, claimed_until__gt=now).order_by("claimed_until").first()
    )
    if held is not None:
        return held
    case = (
        claimable(actor=actor, now=now)
        .order_by("-priority", "due_at", "pk")
        .select_for_update(skip_locked=True)
        .first()
    )
    if case is None:
        return None
    return _claim(case, actor=actor, now=now)


def _claim(case: Case, *, actor, now) -> Case:
    before = case.assigned_to_id
    case.assigned_to = actor
    case.claimed_until = now + timedelta(minutes=claim_minutes())
    case.save(update_fields=["assigned_to", "claimed_until"])
    audit.record(
        action=ModerationAction.CASE_CLAIMED,
        actor=actor,
        target=case,
        changes={"assigned_to": {"before": before, "after": actor.pk}, "claimed_until": case.claimed_until},
    )
    return case


@transaction.atomic
def case_claim(*, case: Case, actor) -> Case:
    """Claim one particular case (from the case screen)."""
    case = _locked(case)
    now = timezone.now()
    if not case.is_open:
        raise InvalidTransition(
            _("Case #%(id)s is %(status)s and cannot be claimed.")
            % {"id": case.pk, "status": case.get_status_display()}
        )
    if case.claimed_by_other(actor, now=now):
        raise DomainError(_claimed_message(case), code="claimed")
    return _claim(case, actor=actor, now=now)


def _claimed_message(case: Case) -> str:
    return _("Case #%(id)s is claimed by %(user)s until %(until)s.") % {
        "id": case.pk,
        "user": case.assigned_to.get_username() if case.assigned_to else "?",
        "until": timezone.localtime(case.claimed_until).strftime("%H:%M"),
    }


@transaction.atomic
def case_renew_claim(*, case: Case, actor) -> Case:
    case = _locked(case)
    now = timezone.now()
    if case.assigned_to_id != actor.pk or not case.is_open:
        raise InvalidTransition(_("You do not hold the claim on case #%(id)s.") % {"id": case.pk})
    case.claimed_until = now + timedelta(minutes=claim_minutes())
    case.save(update_fields=["claimed_until"])
    audit.record(
        action=ModerationAction.CASE_CLAIM_RENEWED,
        actor=actor,
        target=case,
        changes={"claimed_until": case.claimed_until},
    )
    return case


@transaction.atomic
def case_release(*, case: Case, actor) -> Case:
    case = _locked(case)
    if case.assigned_to_id is None:
        return case
    if case.assigned_to_id != actor.pk and not has_role(actor, Role.SENIOR_MODERATOR) and not actor.is_superuser:
        raise InvalidTransition(_("Only the moderator holding the claim (or a senior) can release it."))
    before = case.assigned_to_id
    case.assigned_to = None
    case.claimed_until = None
    case.save(update_fields=["assigned_to", "claimed_until"])
    audit.record(
        action=ModerationAction.CASE_RELEASED,
        actor=actor,
        target=case,
        changes={"assigned_to": {"before": before, "after": None}},
    )
    return case


@transaction.atomic
def case_escalate(*, case: Case, actor, reason: str) -> Case:
    case = _locked(case)
    if case.status != Case.Status.OPEN:
        raise InvalidTransition(
            _("Only an open case can be escalated (this one is %(s)s).") % {"s": case.get_status_display()}
        )
    case.status = Case.Status.ESCALATED
    case.escalated_at = timezone.now()
    case.assigned_to = None
    case.claimed_until = None
    case.save(update_fields=["status", "escalated_at", "assigned_to", "claimed_until"])
    rescore(case)
    audit.record(
        action=ModerationAction.CASE_ESCALATED,
        actor=actor,
        target=case,
        changes={"status": {"before": Case.Status.OPEN, "after": Case.Status.ESCALATED}},
        reason=reason,
    )
    return case


@transaction.atomic
def case_add_note(*, case: Case, actor, body: str) -> CaseNote:
    if not body.strip():
        raise DomainError(_("A note cannot be empty."), code="invalid")
    note = CaseNote.objects.create(case=case, author=actor, body=body.strip())
    audit.record(action=ModerationAction.CASE_NOTE_ADDED, actor=actor, target=case, changes={"note_id": note.pk})
    return note


def cases_escalate_overdue(*, now=None) -> int:
    """The SLA sweep: escalate open cases past their due time. Idempotent."""
    now = now or timezone.now()
    count = 0
    for pk in Case.objects.filter(status=Case.Status.OPEN, due_at__lt=now).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            case = Case.objects.select_for_update(skip_locked=True).filter(pk=pk, status=Case.Status.OPEN).first()
            if case is None:
                continue
            case_escalate(case=case, actor=None, reason=_("past its SLA due time"))
            count += 1
    return count


__all__ = [
    "Reason",
    "case_add_note",
    "case_claim",
    "case_claim_next",
    "case_escalate",
    "case_open_or_raise",
    "case_release",
    "case_renew_claim",
    "cases_escalate_overdue",
    "rescore",
]
