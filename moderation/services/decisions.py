"""Decisions on cases. Each action is one class (after addons-server's abuse actions):
what it does, how it is undone on appeal, and how it reads in a statement of reasons."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.audit_actions import ModerationAction
from moderation.models import Case, Decision, Notice, Policy
from moderation.models.decisions import Action
from moderation.services import listings as listing_services
from moderation.services import notifiers, strikes
from portal import audit
from portal.errors import DomainError, InvalidTransition, PermissionDeniedError
from portal.notifications import notify
from portal.roles import Role, has_role
from sellers.models import Seller


class DecisionAction:
    action: str = ""
    restrictive = True  # does the seller get a statement of reasons (DSA Art. 17)?
    measure = gettext_lazy("")
    needs_end_date = False

    def check(self, *, actor, ends_at) -> None:
        if self.needs_end_date and ends_at is None:
            raise DomainError(_("A suspension needs an end date."), code="invalid")

    def apply(self, *, decision: Decision, actor) -> None:  # pragma: no cover - overridden
        pass

    def reverse(self, *, decision: Decision, actor, reason: str) -> None:
        pass


class Dismiss(DecisionAction):
    action = Action.DISMISS
    restrictive = False
    measure = gettext_lazy("No action: the listing stays online.")


class Warn(DecisionAction):
    action = Action.WARN
    measure = gettext_lazy("A warning. The listing stays online.")


class RestrictListing(DecisionAction):
    action = Action.RESTRICT_LISTING
    measure = gettext_lazy("The listing is restricted: buyers can no longer find or buy it.")

    def apply(self, *, decision, actor):
        listing_services.listing_restrict(listing=decision.listing, actor=actor, reason=decision.explanation)

    def reverse(self, *, decision, actor, reason):
        listing_services.listing_restore(listing=decision.listing, actor=actor, reason=reason)


class RemoveListing(DecisionAction):
    action = Action.REMOVE_LISTING
    measure = gettext_lazy("The listing is removed from the marketplace.")

    def apply(self, *, decision, actor):
        if decision.listing.status != decision.listing.Status.REMOVED:
            listing_services.listing_remove(listing=decision.listing, actor=actor, reason=decision.explanation)

    def reverse(self, *, decision, actor, reason):
        listing_services.listing_restore(listing=decision.listing, actor=actor, reason=reason)


class SuspendSeller(DecisionAction):
    action = Action.SUSPEND_SELLER
    measure = gettext_lazy("Your seller account is suspended until the end date; your listings are restricted.")
    needs_end_date = True

    def apply(self, *, decision, actor):
        from sellers.services.seller import seller_suspend

        seller = Seller.objects.get(pk=decision.seller_id)
        if seller.status != Seller.Status.ACTIVE:
            raise InvalidTransition(
                _("Only an active seller can be suspended (this one is %(s)s).") % {"s": seller.status}
            )
        seller_suspend(seller=seller, actor=actor, reason=decision.explanation, until=decision.ends_at)

    def reverse(self, *, decision, actor, reason):
        from sellers.services.seller import seller_reinstate

        seller = Seller.objects.get(pk=decision.seller_id)
        if seller.status == Seller.Status.SUSPENDED:
            seller_reinstate(seller=seller, actor=actor, reason=reason)


class TerminateSeller(DecisionAction):
    action = Action.TERMINATE_SELLER
    measure = gettext_lazy("The marketplace ends its relationship with your business; all listings are removed.")

    def check(self, *, actor, ends_at):
        if not actor.has_perm("moderation.terminate_seller"):
            raise PermissionDeniedError(_("Only a senior moderator may terminate a seller."))

    def apply(self, *, decision, actor):
        from sellers.services.seller import seller_terminate

        seller_terminate(seller=Seller.objects.get(pk=decision.seller_id), actor=actor, reason=decision.explanation)

    def reverse(self, *, decision, actor, reason):
        raise InvalidTransition(
            _("A termination cannot be undone from an appeal here; onboard the seller again if the appeal is right.")
        )


ACTIONS: dict[str, DecisionAction] = {
    cls.action: cls() for cls in (Dismiss, Warn, RestrictListing, RemoveListing, SuspendSeller, TerminateSeller)
}


def statement_text(decision: Decision) -> str:
    return render_to_string("moderation/statement.txt", statement_context(decision)).strip()


def statement_context(decision: Decision) -> dict:
    action = ACTIONS[decision.action]
    return {
        "decision": decision,
        "measure": action.measure,
        "policy": decision.policy,
        "listing": decision.listing,
        "scope": ", ".join(decision.territorial_scope) or _("every market where the marketplace operates"),
    }


def _render_explanation(policy: Policy | None, case: Case, extra: str) -> str:
    base = ""
    if policy is not None:
        listing = case.listing
        try:
            base = policy.statement_template.format(
                listing=listing.title, brand=listing.brand.name if listing.brand_id else "", seller=listing.seller
            )
        except (KeyError, IndexError, ValueError):
            base = policy.statement_template
    return "\n\n".join(part for part in (base.strip(), extra.strip()) if part)


def _facts(case: Case, notices: list) -> str:
    lines = []
    if notices:
        reasons = sorted({n.get_reason_display() for n in notices})
        lines.append(
            _("We received %(n)d notice(s) about this listing (%(reasons)s).")
            % {"n": len(notices), "reasons": ", ".join(str(r) for r in reasons)}
        )
    else:
        lines.append(_("We found this listing on our own initiative."))
    findings = case.findings or {}
    if findings.get("no_authorization"):
        lines.append(
            _("The brand %(b)s is protected and the seller held no valid authorization for it.")
            % {"b": findings["no_authorization"]}
        )
    if findings.get("price_ratio") is not None:
        lines.append(
            _("The price was %(p)d%% of the brand's reference price.") % {"p": round(findings["price_ratio"] * 100)}
        )
    if findings.get("image_counterfeit"):
        lines.append(_("The listing's images match a listing removed earlier as counterfeit."))
    if findings.get("image_brand"):
        lines.append(_("The listing's images match the brand's official images."))
    return " ".join(lines)


@transaction.atomic
def case_decide(
    *,
    case: Case,
    actor,
    action: str,
    policy: Policy | None,
    explanation: str = "",
    ends_at: datetime | None = None,
    territorial_scope: list[str] | None = None,
    unfounded: bool = False,
) -> Decision:
    """Decide an open case. The row lock makes a second, concurrent decider wait
    and then fail with a clear conflict instead of deciding twice."""
    if action not in ACTIONS:
        raise DomainError(_("Unknown action %(a)s.") % {"a": action}, code="invalid")
    kind = ACTIONS[action]
    if action != Action.DISMISS and policy is None:
        raise DomainError(_("Choose the policy this decision applies."), code="invalid")
    kind.check(actor=actor, ends_at=ends_at)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("listing", "listing__brand", "listing__seller")
        .get(pk=case.pk)
    )
    if not case.is_open:
        last = case.decisions.order_by("-decided_at").select_related("decided_by").first()
        who = last.decided_by.get_username() if last else _("someone else")
        raise InvalidTransition(
            _("Case #%(id)s was already decided by %(who)s; reload it to see the decision.")
            % {"id": case.pk, "who": who}
        )
    now = timezone.now()
    if case.claimed_by_other(actor, now=now):
        raise DomainError(
            _("Case #%(id)s is claimed by %(user)s; only they can decide it until the claim ends.")
            % {"id": case.pk, "user": case.assigned_to.get_username()},
            code="claimed",
        )
    if case.status == Case.Status.ESCALATED and not (has_role(actor, Role.SENIOR_MODERATOR) or actor.is_superuser):
        raise PermissionDeniedError(_("Escalated cases are decided by senior moderators."))
    notices = list(case.notices.select_related("notifier"))
    decision = Decision.objects.create(
        case=case,
        listing=case.listing,
        seller_id=case.listing.seller_id,
        policy=policy,
        action=action,
        decided_by=actor,
        decided_at=now,
        explanation=_render_explanation(policy, case, explanation) or _("No violation found."),
        facts=_facts(case, notices),
        territorial_scope=territorial_scope or [],
        ends_at=ends_at,
        from_notice=bool(notices),
        trusted_flagger=any(n.notifier.kind == "trusted_flagger" for n in notices),
        automated_detection=case.automated or bool(case.findings),
    )
    kind.apply(decision=decision, actor=actor)
    before = case.status
    case.status = Case.Status.DECIDED
    case.decided_at = now
    case.assigned_to = None
    case.claimed_until = None
    case.save(update_fields=["status", "decided_at", "assigned_to", "claimed_until"])
    audit.record(
        action=ModerationAction.DECISION_MADE,
        actor=actor,
        target=decision,
        changes={
            "case": case.pk,
            "action": action,
            "policy": policy.code if policy else None,
            "ends_at": ends_at,
        },
        reason=decision.explanation[:500],
    )
    audit.record(
        action=ModerationAction.CASE_DECIDED,
        actor=actor,
        target=case,
        changes={"status": {"before": before, "after": Case.Status.DECIDED}, "decision": decision.pk},
    )
    if kind.restrictive:
        notify(
            kind="moderation.decision.statement",
            to_email=case.listing.seller.contact_email,
            subject=_("Statement of reasons: decision #%(id)s about your listing") % {"id": decision.pk},
            template="emails/moderation/statement.txt",
            context={
                **statement_context(decision),
                "statement": statement_text(decision),
                "site_url": settings.HALLMARK_SITE_URL.rstrip("/"),
            },
            target=decision,
        )
        if policy is not None:
            strikes.strike_add(decision=decision, points=policy.strike_points, actor=actor)
    outcome = (
        Notice.Outcome.UPHELD
        if action != Action.DISMISS
        else (Notice.Outcome.UNFOUNDED if unfounded else Notice.Outcome.REJECTED)
    )
    for notice in notices:
        notifiers.record_outcome(notice=notice, outcome=outcome, actor=actor, explanation=str(kind.measure))
    return decision


def cases_bulk_decide(
    *, cases, actor, action: str, policy: Policy | None, explanation: str = ""
) -> tuple[int, list[str]]:
    """Decide several cases under one policy; each is its own transaction so one conflict spoils nothing else."""
    done, problems = 0, []
    for case in cases:
        try:
            case_decide(case=case, actor=actor, action=action, policy=policy, explanation=explanation)
            done += 1
        except DomainError as exc:
            problems.append(f"#{case.pk}: {exc.message}")
    return done, problems
