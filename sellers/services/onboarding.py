"""Invitations, applications, vetting decisions, recertification and retention."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.errors import DomainError, InvalidTransition, PermissionDeniedError
from portal.models import ImageFingerprint
from portal.notifications import notify
from portal.roles import Role
from portal.tasks_util import enqueue_on_commit
from sellers import crypto, kyb
from sellers.audit_actions import OnboardingAction, SellerAction
from sellers.models import Application, ApplicationCheck, Document, Invitation, Recertification, Seller, SellerMember
from sellers.models.onboarding import (
    DECISION_DAYS,
    INVITATION_DAYS,
    RECERTIFY_DAYS,
    RETENTION_DAYS,
    SELF_CERTIFICATION_VERSION,
    SUSPEND_AFTER_DAYS,
)
from sellers.services.documents import document_delete_files
from sellers.services.seller import seller_activate, seller_reinstate, seller_suspend

logger = logging.getLogger(__name__)

A = Application.Status
Req = ApplicationCheck.Requirement

# The wizard's steps, in order; "documents", "certification" and "review" are not data steps.
DATA_STEPS = ("business", "contacts", "representative", "payment")
REQUIRED_DOCUMENTS = (
    Document.Kind.ID_DOCUMENT,
    Document.Kind.BUSINESS_REGISTRATION,
    Document.Kind.PROOF_OF_ADDRESS,
    Document.Kind.TAX_DOCUMENT,
)
PROOF_OF_ADDRESS_MAX_AGE_DAYS = 183


def _url(name: str, *args) -> str:
    return settings.HALLMARK_SITE_URL.rstrip("/") + reverse(name, args=args)


def _notify_seller(seller: Seller, *, kind: str, subject: str, template: str, context: dict, target=None) -> None:
    if not seller.contact_email:
        return
    notify(
        kind=kind,
        to_email=seller.contact_email,
        subject=subject,
        template=template,
        context={"seller": seller, "status_url": _url("sellers:status"), **context},
        target=target or seller,
    )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- invitations --------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, email: str, business_name: str = "", actor) -> tuple[Invitation, str]:
    """Invite a business by e-mail. Returns the invitation and the raw token (sent, never stored)."""
    email = email.strip().lower()
    if get_user_model().objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise DomainError(_("An account with this e-mail address already exists."))
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation.objects.create(
        email=email,
        business_name=business_name.strip(),
        token_hash=hash_token(token),
        created_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    audit.record(
        action=OnboardingAction.INVITATION_CREATED,
        actor=actor,
        target=invitation,
        changes={"email": email, "business_name": invitation.business_name},
    )
    _send_invitation_after_commit(invitation, token)
    return invitation, token


def _send_invitation_after_commit(invitation: Invitation, token: str) -> None:
    """Mail the link directly, not through the outbox: an outbox row would keep the token in clear.

    If the message is lost, an officer resends the invitation, which issues a new token.
    """
    subject = _("You are invited to sell on our marketplace")
    body = render_to_string(
        "emails/sellers/invitation.txt",
        {"invitation": invitation, "accept_url": _url("sellers:invitation-accept", token), "days": INVITATION_DAYS},
    )
    to = [invitation.email]

    def send():
        try:
            send_mail(subject, body, None, to)
        except Exception:  # SMTP trouble must not fail the officer's request; resending fixes it
            logger.exception("could not send invitation %s", invitation.pk)

    transaction.on_commit(send)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, actor) -> Invitation:
    """Issue a fresh token (the old link stops working) and mail it; the 14 days start again."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state not in ("open", "expired"):
        raise InvalidTransition(
            _("Only an open or expired invitation can be resent (this one is %s).") % invitation.state_label
        )
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    audit.record(
        action=OnboardingAction.INVITATION_RESENT,
        actor=actor,
        target=invitation,
        changes={"expires_at": invitation.expires_at},
    )
    _send_invitation_after_commit(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.state != "open":
        raise InvalidTransition(_("Only an open invitation can be revoked (this one is %s).") % invitation.state_label)
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(action=OnboardingAction.INVITATION_REVOKED, actor=actor, target=invitation)
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The open invitation for a token, or a DomainError saying plainly why not."""
    invitation = Invitation.objects.filter(token_hash=hash_token(token or "")).first()
    if invitation is None:
        raise DomainError(_("This invitation link is not valid. Check that you copied the whole link."), code="unknown")
    state = invitation.state
    if state == "accepted":
        raise DomainError(_("This invitation has already been used. Sign in with the account it created."), code=state)
    if state == "revoked":
        raise DomainError(_("This invitation was withdrawn. Ask your contact for a new one."), code=state)
    if state == "expired":
        raise DomainError(
            _("This invitation expired on %(date)s. Ask your contact for a new one.")
            % {"date": invitation.expires_at.date().isoformat()},
            code=state,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, first_name: str = "", last_name: str = ""):
    """Create the seller's user, its Seller (onboarding) and a draft application."""
    found = invitation_for_token(token)
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    invitation_for_token(token)  # re-check under the lock: two clicks cannot both win
    User = get_user_model()
    if User.objects.filter(Q(email__iexact=invitation.email) | Q(username__iexact=invitation.email)).exists():
        raise DomainError(_("An account with this e-mail address already exists."))
    user = User.objects.create_user(
        username=invitation.email,
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    user.groups.add(Group.objects.get(name=Role.SELLER_MEMBER))
    seller = Seller.objects.create(
        legal_name=invitation.business_name or invitation.email,
        country="",
        contact_email=invitation.email,
        status=Seller.Status.ONBOARDING,
    )
    SellerMember.objects.create(seller=seller, user=user, is_owner=True)
    Application.objects.create(seller=seller)
    invitation.accepted_at = timezone.now()
    invitation.seller = seller
    invitation.save(update_fields=["accepted_at", "seller"])
    audit.record(action=SellerAction.SELLER_CREATED, actor=user, target=seller, changes={"status": seller.status})
    audit.record(
        action=OnboardingAction.INVITATION_ACCEPTED, actor=user, target=invitation, changes={"seller": seller.pk}
    )
    return user


# --- the wizard ----------------------------------------------------------------------------


def _locked_app(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _editable(application: Application) -> Application:
    application = _locked_app(application)
    if not application.is_editable:
        raise InvalidTransition(
            _("The application is %(status)s and cannot be changed now.") % {"status": application.get_status_display()}
        )
    return application


@transaction.atomic
def application_save_step(*, application: Application, step: str, data: dict, actor) -> Application:
    if step not in DATA_STEPS or step == "payment":
        raise DomainError(_("Unknown step %(step)s.") % {"step": step})
    application = _editable(application)
    before = application.data.get(step, {})
    application.data = {**application.data, step: data}
    application.save(update_fields=["data"])
    audit.record(
        action=OnboardingAction.APPLICATION_SAVED,
        actor=actor,
        target=application,
        changes={"step": step, "fields": audit.diff(before, data)},
    )
    return application


@transaction.atomic
def application_save_payment(
    *, application: Application, holder: str, account: str, account_type: str, bank_country: str, actor
) -> Application:
    """Store the payment account encrypted; only its masked form stays readable."""
    application = _editable(application)
    compact = "".join(account.split()).upper()
    application.payment_account_ciphertext = crypto.encrypt(compact)
    application.payment_account_masked = crypto.mask(compact)
    application.data = {
        **application.data,
        "payment": {"holder": holder, "account_type": account_type, "bank_country": bank_country},
    }
    application.save(update_fields=["payment_account_ciphertext", "payment_account_masked", "data"])
    audit.record(
        action=OnboardingAction.APPLICATION_SAVED,
        actor=actor,
        target=application,
        changes={"step": "payment", "account": application.payment_account_masked},
    )
    return application


@transaction.atomic
def application_certify(*, application: Application, actor) -> Application:
    application = _editable(application)
    application.self_certification_version = SELF_CERTIFICATION_VERSION
    application.self_certified_at = timezone.now()
    application.save(update_fields=["self_certification_version", "self_certified_at"])
    audit.record(
        action=OnboardingAction.APPLICATION_SAVED,
        actor=actor,
        target=application,
        changes={"step": "certification", "version": SELF_CERTIFICATION_VERSION},
    )
    return application


def application_documents(application: Application) -> dict[str, Document | None]:
    """The latest document of each required kind the seller uploaded."""
    latest: dict[str, Document | None] = dict.fromkeys(REQUIRED_DOCUMENTS)
    for document in Document.objects.filter(seller_id=application.seller_id, kind__in=REQUIRED_DOCUMENTS).order_by(
        "uploaded_at", "pk"
    ):
        latest[document.kind] = document
    return latest


def application_missing(application: Application, documents: dict | None = None) -> list[tuple[str, str]]:
    """(step, what) pairs still missing before the application can be submitted."""
    missing = []
    labels = {
        "business": _("Business identity"),
        "contacts": _("Contacts"),
        "representative": _("Legal representative"),
    }
    for step, label in labels.items():
        if not application.data.get(step):
            missing.append((step, label))
    if not application.payment_account_ciphertext:
        missing.append(("payment", _("Payment account")))
    documents = documents if documents is not None else application_documents(application)
    for kind, document in documents.items():
        step = "representative" if kind == Document.Kind.ID_DOCUMENT else "documents"
        label = Document.Kind(kind).label
        if document is None:
            missing.append((step, _("%(document)s: not uploaded") % {"document": label}))
        elif document.status == Document.Status.REJECTED:
            missing.append((step, _("%(document)s: refused, please upload another file") % {"document": label}))
    if application.self_certification_version != SELF_CERTIFICATION_VERSION:
        missing.append(("certification", _("Self-certification")))
    return missing


def _snapshot(application: Application, documents: dict) -> dict:
    return {
        "frozen_at": audit.format_time(timezone.now()),
        "data": application.data,
        "payment_account_masked": application.payment_account_masked,
        "self_certification_version": application.self_certification_version,
        "documents": {
            kind: {"id": d.pk, "sha256": d.sha256, "original_name": d.original_name} if d else None
            for kind, d in documents.items()
        },
    }


@transaction.atomic
def application_submit(*, application: Application, actor) -> Application:
    application = _editable(application)
    documents = application_documents(application)
    missing = application_missing(application, documents)
    if missing:
        raise DomainError(_("The application is not complete: %s.") % "; ".join(str(m[1]) for m in missing))
    before = application.status
    now = timezone.now()
    application.status = A.SUBMITTED
    application.snapshot = _snapshot(application, documents)
    application.submitted_at = now
    application.decision_due_at = now + timedelta(days=DECISION_DAYS)
    application.changes_due_at = None
    application.save(update_fields=["status", "snapshot", "submitted_at", "decision_due_at", "changes_due_at"])
    reopened_checks = []
    for requirement in Req.values:
        check, created = ApplicationCheck.objects.get_or_create(application=application, requirement=requirement)
        if not created and check.status == ApplicationCheck.Status.FAILED:
            # The seller answered a failed check: it needs a fresh look.
            check.status = ApplicationCheck.Status.PENDING
            check.save(update_fields=["status"])
            reopened_checks.append(requirement)
    from sellers.tasks.onboarding import run_kyb_providers

    enqueue_on_commit(run_kyb_providers, application_id=application.pk)
    changes = {"status": {"before": before, "after": A.SUBMITTED}}
    if reopened_checks:
        # Checks are the application's rows; their reset belongs on the application's event.
        changes["checks"] = {
            requirement: {"before": ApplicationCheck.Status.FAILED, "after": ApplicationCheck.Status.PENDING}
            for requirement in reopened_checks
        }
    audit.record(action=OnboardingAction.APPLICATION_SUBMITTED, actor=actor, target=application, changes=changes)
    if application.kind == Application.Kind.RECERTIFICATION:
        # A lapsed recertification stays lapsed (the seller suspended) until the answer is approved.
        for recert in Recertification.objects.select_for_update().filter(
            application=application, status=Recertification.Status.OPEN
        ):
            _recertification_set_status(
                recert,
                status=Recertification.Status.SUBMITTED,
                action=OnboardingAction.RECERTIFICATION_SUBMITTED,
                actor=actor,
            )
    _notify_seller(
        application.seller,
        kind="sellers.application.submitted",
        subject=_("We received your application"),
        template="emails/sellers/application_submitted.txt",
        context={"application": application},
        target=application,
    )
    return application


@transaction.atomic
def application_kyb_annotate(*, application_id: int) -> Application:
    """Write the outside providers' findings as notes on still-pending checks (never a decision)."""
    application = Application.objects.select_for_update().get(pk=application_id)
    if application.status not in (A.SUBMITTED, A.IN_REVIEW):
        return application
    for provider, finding in kyb.run(application.snapshot):
        check = application.checks.filter(requirement=finding.requirement, status=ApplicationCheck.Status.PENDING)
        check = check.first()
        if check is None:
            continue
        line = f"[{provider}] {'✓' if finding.ok else '✗'} {finding.note}"
        if line in check.note:
            continue  # the task may run twice
        check.note = f"{check.note}\n{line}".strip()
        check.save(update_fields=["note"])
        audit.record(
            action=OnboardingAction.APPLICATION_CHECKED,
            actor=None,
            target=application,
            changes={"requirement": finding.requirement, "provider": provider, "ok": finding.ok},
            reason=finding.note,
        )
    return application


# --- vetting ------------------------------------------------------------------------------


def _reviewable(application: Application, *, states=(A.SUBMITTED, A.IN_REVIEW)) -> Application:
    application = _locked_app(application)
    if application.status not in states:
        raise InvalidTransition(
            _("The application is %(status)s; this needs it submitted or in review.")
            % {"status": application.get_status_display()}
        )
    return application


@transaction.atomic
def application_assign(*, application: Application, actor) -> Application:
    """Assign to the acting officer; a submitted application moves into review."""
    application = _reviewable(application)
    before = {"status": application.status, "assigned_to": application.assigned_to_id}
    application.assigned_to = actor
    application.status = A.IN_REVIEW
    application.save(update_fields=["assigned_to", "status"])
    audit.record(
        action=OnboardingAction.APPLICATION_ASSIGNED,
        actor=actor,
        target=application,
        changes=audit.diff(before, {"status": A.IN_REVIEW, "assigned_to": actor.pk}),
    )
    return application


@transaction.atomic
def application_check(*, application: Application, requirement: str, status: str, note: str = "", actor):
    application = _reviewable(application, states=(A.IN_REVIEW,))
    if status == ApplicationCheck.Status.FAILED and not note.strip():
        raise DomainError(_("Say what failed: the note is shown to the seller when you request changes."))
    check = ApplicationCheck.objects.select_for_update().get(application=application, requirement=requirement)
    before = check.status
    check.status = status
    check.note = note.strip()
    check.checked_by = actor
    check.checked_at = timezone.now()
    check.save(update_fields=["status", "note", "checked_by", "checked_at"])
    audit.record(
        action=OnboardingAction.APPLICATION_CHECKED,
        actor=actor,
        target=application,
        changes={"requirement": requirement, "status": {"before": before, "after": status}},
        reason=check.note,
    )
    return check


@transaction.atomic
def application_request_changes(*, application: Application, message: str, actor, days: int = 10) -> Application:
    """Send the application back to the seller with exactly what to fix."""
    if not message.strip():
        raise DomainError(_("Tell the seller exactly what to fix."))
    application = _reviewable(application)
    before = application.status
    application.status = A.CHANGES_REQUESTED
    application.changes_requested = message.strip()
    application.changes_due_at = timezone.now() + timedelta(days=days)
    application.save(update_fields=["status", "changes_requested", "changes_due_at"])
    audit.record(
        action=OnboardingAction.APPLICATION_CHANGES_REQUESTED,
        actor=actor,
        target=application,
        changes={"status": {"before": before, "after": A.CHANGES_REQUESTED}},
        reason=application.changes_requested,
    )
    failed = list(application.checks.filter(status=ApplicationCheck.Status.FAILED))
    _notify_seller(
        application.seller,
        kind="sellers.application.changes_requested",
        subject=_("Your application needs changes"),
        template="emails/sellers/application_changes_requested.txt",
        context={"application": application, "failed": failed},
        target=application,
    )
    return application


def approval_blockers(application: Application) -> list[str]:
    """Why the application cannot be approved yet (empty when it can)."""
    blockers = []
    for check in application.checks.all():
        if check.status != ApplicationCheck.Status.VERIFIED:
            blockers.append(_("%(check)s is not verified") % {"check": check.get_requirement_display()})
    if not application.checks.exists():
        blockers.append(_("the checklist is empty"))
    ids = [d["id"] for d in (application.snapshot.get("documents") or {}).values() if d]
    accepted = set(Document.objects.filter(pk__in=ids, status=Document.Status.ACCEPTED).values_list("pk", flat=True))
    for document_id in ids:
        if document_id not in accepted:
            blockers.append(_("document #%(id)s is not accepted") % {"id": document_id})
    return blockers


@transaction.atomic
def application_approve(*, application: Application, actor, note: str = "") -> Application:
    application = _reviewable(application, states=(A.IN_REVIEW,))
    blockers = approval_blockers(application)
    if blockers:
        raise InvalidTransition(_("The application cannot be approved yet: %s.") % "; ".join(blockers))
    now = timezone.now()
    application.status = A.APPROVED
    application.decided_at = now
    application.decided_by = actor
    application.decision_reason = note.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    seller = Seller.objects.select_for_update().get(pk=application.seller_id)
    business = application.data.get("business", {})
    contacts = application.data.get("contacts", {})
    seller.legal_name = business.get("legal_name") or seller.legal_name
    seller.trading_name = business.get("trading_name", "")
    seller.country = business.get("country") or seller.country
    seller.contact_email = contacts.get("email") or seller.contact_email
    seller.save(update_fields=["legal_name", "trading_name", "country", "contact_email"])
    audit.record(
        action=OnboardingAction.APPLICATION_APPROVED,
        actor=actor,
        target=application,
        changes={"status": {"before": A.IN_REVIEW, "after": A.APPROVED}, "kind": application.kind},
        reason=application.decision_reason,
    )
    if application.kind == Application.Kind.INITIAL:
        seller_activate(seller=seller, actor=actor, reason=_("Application approved."))
    else:
        recert = Recertification.objects.select_for_update().filter(application=application).first()
        if recert is not None:
            lapsed = recert.status == Recertification.Status.LAPSED
            recert.completed_at = now
            _recertification_set_status(
                recert,
                status=Recertification.Status.COMPLETED,
                action=OnboardingAction.RECERTIFICATION_COMPLETED,
                actor=actor,
                also=("completed_at",),
            )
            seller.refresh_from_db()
            if lapsed and seller.status == Seller.Status.SUSPENDED:
                seller_reinstate(seller=seller, actor=actor, reason=_("Recertification approved."))
    _open_recertification(seller=seller, due_on=timezone.localdate() + timedelta(days=RECERTIFY_DAYS))
    _notify_seller(
        seller,
        kind="sellers.application.approved",
        subject=_("Your application is approved"),
        template="emails/sellers/application_approved.txt",
        context={"application": application},
        target=application,
    )
    return application


@transaction.atomic
def application_reject(*, application: Application, actor, reason: str) -> Application:
    if not reason.strip():
        raise DomainError(_("A rejection needs a reason the seller can read."))
    application = _reviewable(application)
    before = application.status
    application.status = A.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_reason = reason.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    audit.record(
        action=OnboardingAction.APPLICATION_REJECTED,
        actor=actor,
        target=application,
        changes={"status": {"before": before, "after": A.REJECTED}},
        reason=application.decision_reason,
    )
    # A refused recertification is no answer: the due date (and the suspension after it) still stands.
    _recertifications_hand_back(application=application, actor=actor, reason="its application was rejected")
    _notify_seller(
        application.seller,
        kind="sellers.application.rejected",
        subject=_("Your application was not approved"),
        template="emails/sellers/application_rejected.txt",
        context={"application": application},
        target=application,
    )
    return application


@transaction.atomic
def payment_account_reveal(*, application: Application, actor) -> str:
    """The payment account in clear, for officers holding the dedicated permission; audited."""
    if not actor.has_perm("sellers.view_payment_account"):
        raise PermissionDeniedError(_("You may not see payment accounts unmasked."))
    audit.record(action=OnboardingAction.PAYMENT_ACCOUNT_REVEALED, actor=actor, target=application)
    return crypto.decrypt(application.payment_account_ciphertext)


# --- recertification ------------------------------------------------------------------------


def _open_recertification(*, seller: Seller, due_on: date) -> Recertification:
    recert = Recertification.objects.create(seller=seller, due_on=due_on)
    audit.record(action=OnboardingAction.RECERTIFICATION_OPENED, actor=None, target=recert, changes={"due_on": due_on})
    return recert


def _recertification_set_status(
    recert: Recertification,
    *,
    status: str,
    action: OnboardingAction,
    actor,
    also: tuple[str, ...] = (),
    reason: str = "",
) -> None:
    """Move a (locked) recertification to ``status`` and record it on the recertification itself.

    ``also`` names other fields the caller has already set on ``recert`` and wants saved
    with the status. Call it inside the service's transaction, so the change and its
    event commit together; the application's own event stays with the application.
    """
    before = recert.status
    recert.status = status
    recert.save(update_fields=["status", *also])
    audit.record(
        action=action,
        actor=actor,
        target=recert,
        changes={"status": {"before": before, "after": status}},
        reason=reason,
    )


def _recertifications_hand_back(*, application: Application, actor, reason: str) -> None:
    """The application answering a recertification was refused or withdrawn: hand the recertification back.

    It no longer points at the application, and a submitted one is due again (open); a
    lapsed one stays lapsed, so the seller stays suspended until a new answer is approved.
    Each recertification gets its own event, after the application's.
    """
    for recert in Recertification.objects.select_for_update().filter(application=application):
        before = {"status": recert.status, "application": application.pk}
        reopened = recert.status == Recertification.Status.SUBMITTED
        if reopened:
            recert.status = Recertification.Status.OPEN
        recert.application = None
        recert.save(update_fields=["status", "application"])
        audit.record(
            # "reopened" only when it is due again; a lapsed or never-submitted one only loses its answer
            action=OnboardingAction.RECERTIFICATION_REOPENED if reopened else OnboardingAction.RECERTIFICATION_DETACHED,
            actor=actor,
            target=recert,
            changes=audit.diff(before, {"status": recert.status, "application": None}),
            reason=reason,
        )


def recertification_window_open(recert: Recertification, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return recert.status == Recertification.Status.LAPSED or (recert.due_on - today).days <= 30


@transaction.atomic
def recertification_start(*, seller: Seller, actor) -> Application:
    """Open the recertification form, pre-filled with the last approved data."""
    recert = (
        Recertification.objects.select_for_update()
        .filter(seller=seller, status__in=[Recertification.Status.OPEN, Recertification.Status.LAPSED])
        .order_by("due_on")
        .first()
    )
    if recert is None:
        raise InvalidTransition(_("No recertification is due."))
    if recert.status == Recertification.Status.OPEN and not recertification_window_open(recert):
        raise InvalidTransition(
            _("Recertification opens 30 days before its due date (%(date)s).") % {"date": recert.due_on.isoformat()}
        )
    if recert.application_id and recert.application.status in Application.OPEN:
        return recert.application
    last = seller.applications.filter(status=A.APPROVED).order_by("-decided_at").first()
    application = Application.objects.create(
        seller=seller,
        kind=Application.Kind.RECERTIFICATION,
        data=dict(last.data) if last else {},
        payment_account_ciphertext=last.payment_account_ciphertext if last else "",
        payment_account_masked=last.payment_account_masked if last else "",
    )
    recert.application = application
    recert.save(update_fields=["application"])
    audit.record(
        action=OnboardingAction.RECERTIFICATION_STARTED,
        actor=actor,
        target=recert,
        changes={"application": application.pk},
    )
    return application


def _remind(recert: Recertification, *, days_left: int, field: str) -> None:
    setattr(recert, field, timezone.now())
    recert.save(update_fields=[field])
    audit.record(
        action=OnboardingAction.RECERTIFICATION_REMINDED, actor=None, target=recert, changes={"days_left": days_left}
    )
    _notify_seller(
        recert.seller,
        kind="sellers.recertification.reminder",
        subject=_("Please recertify your business by %(date)s") % {"date": recert.due_on.isoformat()},
        template="emails/sellers/recertification_reminder.txt",
        context={"recert": recert, "days_left": days_left, "recertify_url": _url("sellers:recertify")},
        target=recert,
    )


@transaction.atomic
def recertification_process(*, recertification_id: int, today: date | None = None) -> Recertification:
    """Send the due reminder or suspend after an unanswered due date. Idempotent."""
    today = today or timezone.localdate()
    recert = Recertification.objects.select_for_update().select_related("seller").get(pk=recertification_id)
    if recert.status == Recertification.Status.SUBMITTED:
        return _lapse_if_changes_unanswered(recert, today=today)
    if recert.status != Recertification.Status.OPEN:
        return recert
    days_left = (recert.due_on - today).days
    if days_left < -SUSPEND_AFTER_DAYS:
        recert.suspended_at = timezone.now()
        _recertification_set_status(
            recert,
            status=Recertification.Status.LAPSED,
            action=OnboardingAction.RECERTIFICATION_LAPSED,
            actor=None,
            also=("suspended_at",),
        )
        reason = _(
            "Your yearly recertification was due on %(date)s and has not been submitted. Selling is suspended "
            "until you submit it at %(url)s and it is approved."
        ) % {"date": recert.due_on.isoformat(), "url": _url("sellers:recertify")}
        if recert.seller.status == Seller.Status.ACTIVE:
            seller_suspend(seller=recert.seller, actor=None, reason=reason)
        _notify_seller(
            recert.seller,
            kind="sellers.recertification.suspended",
            subject=_("Selling suspended: recertification overdue"),
            template="emails/sellers/recertification_suspended.txt",
            context={"recert": recert, "reason": reason},
            target=recert,
        )
    elif days_left <= 7 and recert.reminded_7_at is None:
        _remind(recert, days_left=days_left, field="reminded_7_at")
    elif 7 < days_left <= 30 and recert.reminded_30_at is None:
        _remind(recert, days_left=days_left, field="reminded_30_at")
    return recert


def _lapse_if_changes_unanswered(recert: Recertification, *, today: date) -> Recertification:
    """A submitted recertification sent back for changes that the seller leaves unanswered
    past both the due date and the change deadline lapses like an unsubmitted one."""
    application = recert.application
    if (
        application is None
        or application.status != Application.Status.CHANGES_REQUESTED
        or recert.due_on >= today
        or application.changes_due_at is None
        or timezone.localdate(application.changes_due_at) >= today
    ):
        return recert
    recert.suspended_at = timezone.now()
    _recertification_set_status(
        recert,
        status=Recertification.Status.LAPSED,
        action=OnboardingAction.RECERTIFICATION_LAPSED,
        actor=None,
        also=("suspended_at",),
        reason="changes requested and not answered by their deadline",
    )
    reason = _(
        "Your yearly recertification was due on %(date)s. We asked for changes and did not receive them by "
        "%(deadline)s, so selling is suspended until you make them at %(url)s and they are approved."
    ) % {
        "date": recert.due_on.isoformat(),
        "deadline": timezone.localdate(application.changes_due_at).isoformat(),
        "url": _url("sellers:wizard"),
    }
    if recert.seller.status == Seller.Status.ACTIVE:
        seller_suspend(seller=recert.seller, actor=None, reason=reason)
    _notify_seller(
        recert.seller,
        kind="sellers.recertification.suspended",
        subject=_("Selling suspended: recertification changes not received"),
        template="emails/sellers/recertification_suspended.txt",
        context={"recert": recert, "reason": reason},
        target=recert,
    )
    return recert


def recertification_sweep(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    due_soon = Q(status=Recertification.Status.OPEN, due_on__lte=today + timedelta(days=30))
    sent_back = Q(
        status=Recertification.Status.SUBMITTED,
        due_on__lt=today,
        application__status=Application.Status.CHANGES_REQUESTED,
    )
    ids = list(Recertification.objects.filter(due_soon | sent_back).values_list("pk", flat=True))
    for pk in ids:
        recertification_process(recertification_id=pk, today=today)
    return len(ids)


# --- retention ----------------------------------------------------------------------------------


@transaction.atomic
def seller_kyb_delete(*, seller: Seller, actor, now: datetime | None = None) -> Seller:
    """Delete a former seller's KYB data and documents; redact its audit payloads."""
    now = now or timezone.now()
    seller = Seller.objects.select_for_update().get(pk=seller.pk)
    if seller.kyb_deleted_at:
        return seller
    if not seller.relationship_ended_at or seller.relationship_ended_at > now - timedelta(days=RETENTION_DAYS):
        raise InvalidTransition(_("KYB data is kept for 6 months after the relationship ends."))
    documents = list(Document.objects.filter(seller=seller))
    applications = list(Application.objects.filter(seller=seller).values_list("pk", flat=True))
    invitations = list(Invitation.objects.filter(seller=seller).values_list("pk", flat=True))
    recerts = list(Recertification.objects.filter(seller=seller).values_list("pk", flat=True))
    for document in documents:
        document_delete_files(document=document)
    ImageFingerprint.objects.filter(owner_key=f"seller:{seller.pk}", object_type="sellers.document").delete()
    targets = Q(target_type="sellers.seller", target_id=str(seller.pk))
    for label, ids in (
        ("sellers.document", [d.pk for d in documents]),
        ("sellers.application", applications),
        ("sellers.invitation", invitations),
        ("sellers.recertification", recerts),
    ):
        if ids:
            targets |= Q(target_type=label, target_id__in=[str(i) for i in ids])
    event_ids = list(audit.events().filter(targets, changes__isnull=False).values_list("pk", flat=True))
    redacted = audit.redact_payload(event_ids=event_ids)
    Document.objects.filter(seller=seller).delete()
    Application.objects.filter(seller=seller).update(
        data={}, snapshot={}, payment_account_ciphertext="", payment_account_masked="", changes_requested=""
    )
    ApplicationCheck.objects.filter(application__seller=seller).update(note="")
    Invitation.objects.filter(seller=seller).update(email="", business_name="")
    seller.contact_email = ""
    seller.kyb_deleted_at = now
    seller.save(update_fields=["contact_email", "kyb_deleted_at"])
    audit.record(
        action=SellerAction.SELLER_DATA_DELETED,
        actor=actor,
        target_type="sellers.seller",
        target_id=seller.pk,
        target_display=f"seller #{seller.pk}",
        changes={"documents": len(documents), "redacted_events": redacted},
        reason="retention: 6 months after the relationship ended",
    )
    return seller


def retention_sweep(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = Seller.objects.filter(
        relationship_ended_at__lte=now - timedelta(days=RETENTION_DAYS), kyb_deleted_at__isnull=True
    ).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        seller_kyb_delete(seller=Seller(pk=pk), actor=None, now=now)
        count += 1
    return count


@transaction.atomic
def application_withdraw(*, application: Application, actor, reason: str = "") -> Application:
    """The seller takes back an open application (any state before a decision).

    An initial application withdrawn leaves the seller in onboarding with a fresh
    draft to start over from; a withdrawn recertification leaves the due date
    (and the suspension that follows it) standing.
    """
    application = _locked_app(application)
    if application.status not in Application.OPEN:
        raise InvalidTransition(
            _("The application is %(status)s and can no longer be withdrawn.")
            % {"status": application.get_status_display()}
        )
    before = application.status
    application.status = A.WITHDRAWN
    application.decided_at = timezone.now()
    application.decision_reason = reason.strip()
    application.save(update_fields=["status", "decided_at", "decision_reason"])
    audit.record(
        action=OnboardingAction.APPLICATION_WITHDRAWN,
        actor=actor,
        target=application,
        changes={"status": {"before": before, "after": A.WITHDRAWN}},
        reason=application.decision_reason,
    )
    _recertifications_hand_back(application=application, actor=actor, reason="its application was withdrawn")
    if application.kind == Application.Kind.INITIAL:
        Application.objects.create(seller=application.seller, data=application.data)
    return application
