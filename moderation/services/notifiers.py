from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from moderation.audit_actions import ModerationAction
from moderation.models import Notice, Notifier
from portal import audit
from portal.errors import DomainError, InvalidTransition, PermissionDeniedError
from portal.notifications import notify

S = Notifier.Standing


def unfounded_warning_at() -> int:
    return int(getattr(settings, "MODERATION_NOTIFIER_UNFOUNDED_WARNING", 3))


def notifier_for_key(api_key) -> Notifier:
    """The notifier an API key speaks for; the marketplace's own key gets a platform notifier."""
    notifier = Notifier.objects.filter(api_key=api_key).first()
    if notifier is not None:
        return notifier
    kind, name, email = Notifier.Kind.PLATFORM, api_key.name, "trust@hallmark.invalid"
    owner = _brand_owner_of(api_key)
    if owner is not None:
        contact = owner.contacts.order_by("-is_primary", "pk").first()
        kind, name = Notifier.Kind.BRAND_OWNER, owner.name
        email = contact.email if contact else email
    try:
        with transaction.atomic():
            return Notifier.objects.create(api_key=api_key, kind=kind, name=name, email=email)
    except IntegrityError:
        return Notifier.objects.get(api_key=api_key)


def _brand_owner_of(api_key):
    """The brand owner holding this key, if the sellers app links one (read defensively)."""
    try:
        link = api_key.brand_owner_link
    except Exception:  # no link (DoesNotExist) or no such relation in this schema
        return None
    return getattr(link, "owner", None)


def notifier_for_public(*, name: str, email: str) -> Notifier:
    email = email.strip().lower()
    notifier = Notifier.objects.filter(api_key__isnull=True, email=email).first()
    if notifier is not None:
        return notifier
    try:
        with transaction.atomic():
            return Notifier.objects.create(kind=Notifier.Kind.PUBLIC, name=name.strip(), email=email)
    except IntegrityError:
        return Notifier.objects.get(api_key__isnull=True, email=email)


def record_outcome(*, notice: Notice, outcome: str, actor, explanation: str) -> None:
    """Tell the notifier what became of their notice and update their reputation (in the caller's transaction)."""
    if notice.outcome != Notice.Outcome.PENDING:
        return
    notice.outcome = outcome
    notice.save(update_fields=["outcome"])
    notifier = Notifier.objects.select_for_update().get(pk=notice.notifier_id)
    notifier.notices_decided += 1
    notifier.notices_upheld += outcome == Notice.Outcome.UPHELD
    notifier.notices_unfounded += outcome == Notice.Outcome.UNFOUNDED
    notifier.save(update_fields=["notices_decided", "notices_upheld", "notices_unfounded"])
    audit.record(action=ModerationAction.NOTICE_OUTCOME, actor=actor, target=notice, changes={"outcome": outcome})
    notify(
        kind="moderation.notice.outcome",
        to_email=notice.notifier_email,
        subject=_("The outcome of your notice #%(id)s") % {"id": notice.pk},
        template="emails/moderation/notice_outcome.txt",
        context={"notice": notice, "outcome": notice.get_outcome_display(), "explanation": explanation},
        target=notice,
    )
    if (
        outcome == Notice.Outcome.UNFOUNDED
        and notifier.standing == S.GOOD
        and notifier.notices_unfounded >= unfounded_warning_at()
    ):
        _change_standing(notifier, standing=S.WARNED, actor=None, reason=_("Repeated manifestly unfounded notices."))


def _change_standing(notifier: Notifier, *, standing: str, actor, reason: str) -> Notifier:
    before = notifier.standing
    notifier.standing = standing
    notifier.standing_reason = reason
    notifier.save(update_fields=["standing", "standing_reason"])
    audit.record(
        action=ModerationAction.NOTIFIER_STANDING_CHANGED,
        actor=actor,
        target=notifier,
        changes={"standing": {"before": before, "after": standing}},
        reason=reason,
    )
    notify(
        kind="moderation.notifier.standing",
        to_email=notifier.email,
        subject=_("About the notices you send us"),
        template="emails/moderation/notifier_standing.txt",
        context={"notifier": notifier, "standing": notifier.get_standing_display(), "reason": reason},
        target=notifier,
    )
    return notifier


@transaction.atomic
def notifier_set_standing(*, notifier: Notifier, standing: str, actor, reason: str) -> Notifier:
    """Warn, deprioritise, suspend or restore a notifier (DSA Art. 23: a warning comes first)."""
    if not actor.has_perm("moderation.manage_notifiers"):
        raise PermissionDeniedError(_("Only a senior moderator may change a notifier's standing."))
    if not reason.strip():
        raise DomainError(_("Say why: the notifier is told."), code="invalid")
    notifier = Notifier.objects.select_for_update().get(pk=notifier.pk)
    if notifier.standing == standing:
        return notifier
    if standing in (S.DEPRIORITISED, S.SUSPENDED) and notifier.standing == S.GOOD:
        raise InvalidTransition(_("Warn the notifier first (DSA Art. 23 requires a prior warning)."))
    return _change_standing(notifier, standing=standing, actor=actor, reason=reason)
