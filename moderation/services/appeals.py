from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from moderation.audit_actions import ModerationAction
from moderation.models import Appeal, Case, Decision, Strike
from moderation.services import strikes
from moderation.services.decisions import ACTIONS
from portal import audit
from portal.errors import DomainError, InvalidTransition, PermissionDeniedError
from portal.notifications import notify
from sellers.selectors import seller_for_user


@transaction.atomic
def appeal_submit(*, decision: Decision, actor, grounds: str) -> Appeal:
    """A seller member appeals a decision about their business (DSA Art. 20: free, at least six months)."""
    seller = seller_for_user(actor)
    if seller is None or seller.pk != decision.seller_id:
        raise PermissionDeniedError(_("You can only appeal decisions about your own business."))
    if not grounds.strip():
        raise DomainError(_("Tell us why the decision is wrong."), code="invalid")
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if not ACTIONS[decision.action].restrictive:
        raise InvalidTransition(_("There is nothing to appeal: no measure was taken against you."))
    if decision.status != Decision.Status.IN_FORCE:
        raise InvalidTransition(_("This decision was already reviewed on appeal."))
    if timezone.now() > decision.appeal_until:
        raise InvalidTransition(
            _("The appeal period for this decision ended on %(d)s.") % {"d": decision.appeal_until.date()}
        )
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(decision=decision, submitted_by=actor, grounds=grounds.strip())
    except IntegrityError:
        raise InvalidTransition(_("An appeal of this decision is already pending.")) from None
    case = Case.objects.select_for_update().get(pk=decision.case_id)
    if case.status == Case.Status.DECIDED:
        case.status = Case.Status.APPEALED
        case.save(update_fields=["status"])
    audit.record(
        action=ModerationAction.APPEAL_SUBMITTED, actor=actor, target=appeal, changes={"decision": decision.pk}
    )
    notify(
        kind="moderation.appeal.received",
        to_email=decision.seller.contact_email,
        subject=_("We received your appeal of decision #%(id)s") % {"id": decision.pk},
        template="emails/moderation/appeal_received.txt",
        context={"appeal": appeal, "decision": decision},
        target=appeal,
    )
    return appeal


@transaction.atomic
def appeal_decide(*, appeal: Appeal, actor, overturn: bool, explanation: str) -> Appeal:
    """A senior moderator other than the first decider upholds or overturns (four eyes)."""
    if not actor.has_perm("moderation.decide_appeal"):
        raise PermissionDeniedError(_("Only a senior moderator may decide an appeal."))
    if not explanation.strip():
        raise DomainError(_("Explain the outcome: the seller reads it."), code="invalid")
    appeal = Appeal.objects.select_for_update(of=("self",)).select_related("decision").get(pk=appeal.pk)
    if appeal.status != Appeal.Status.PENDING:
        raise InvalidTransition(_("This appeal was already decided."))
    decision = Decision.objects.select_for_update().get(pk=appeal.decision_id)
    if decision.decided_by_id == actor.pk:
        raise PermissionDeniedError(
            _("You took the original decision; another senior moderator must decide the appeal.")
        )
    now = timezone.now()
    reason = explanation.strip()
    if overturn:
        ACTIONS[decision.action].reverse(decision=decision, actor=actor, reason=reason)
        strike = Strike.objects.filter(decision=decision).first()
        if strike is not None:
            strikes.strike_void(strike=strike, actor=actor, reason=_("decision overturned on appeal"))
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.decided_by = actor
    appeal.decided_at = now
    appeal.outcome_explanation = reason
    appeal.save(update_fields=["status", "decided_by", "decided_at", "outcome_explanation"])
    decision.status = Decision.Status.OVERTURNED if overturn else Decision.Status.UPHELD
    decision.save(update_fields=["status"])
    case = Case.objects.select_for_update().get(pk=decision.case_id)
    before = case.status
    case.status = Case.Status.CLOSED
    case.closed_at = now
    case.save(update_fields=["status", "closed_at"])
    audit.record(
        action=ModerationAction.APPEAL_OVERTURNED if overturn else ModerationAction.APPEAL_UPHELD,
        actor=actor,
        target=appeal,
        changes={"status": {"before": Appeal.Status.PENDING, "after": appeal.status}, "decision": decision.pk},
        reason=reason,
    )
    audit.record(
        action=ModerationAction.CASE_CLOSED,
        actor=actor,
        target=case,
        changes={"status": {"before": before, "after": Case.Status.CLOSED}},
    )
    notify(
        kind="moderation.appeal.outcome",
        to_email=decision.seller.contact_email,
        subject=_("Your appeal of decision #%(id)s: %(outcome)s")
        % {"id": decision.pk, "outcome": appeal.get_status_display()},
        template="emails/moderation/appeal_outcome.txt",
        context={"appeal": appeal, "decision": decision, "overturned": overturn},
        target=appeal,
    )
    return appeal
