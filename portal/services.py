"""Writes owned by the portal: API keys, staff accounts, auditor windows."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import api_auth, audit
from portal.errors import DomainError
from portal.models import ApiKey, AuditorAccess, User
from portal.roles import Role, has_role


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str], actor, owner: User | None = None) -> tuple[ApiKey, str]:
    """Create a key; return it with the full secret, which is never stored."""
    name = name.strip()
    if not name:
        raise DomainError("An API key needs a name.", code="invalid")
    unknown = sorted(set(scopes) - set(api_auth.Scope.ALL))
    if unknown:
        raise DomainError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(api_auth.Scope.ALL)}.")
    if not scopes:
        raise DomainError("An API key needs at least one scope.", code="invalid")
    if owner is not None and not owner.is_active:
        # api_auth refuses a key whose owner is deactivated: such a key would be dead on arrival.
        raise DomainError(
            f"{owner.get_username()} is deactivated; a key they own would be refused from the start.",
            code="invalid",
            field="owner",
        )
    full, prefix, digest = api_auth.generate()
    key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        secret_hash=digest,
        scopes=sorted(set(scopes)),
        created_by=actor if actor else None,
        owner=owner,
    )
    audit.record(
        action=audit.PortalAction.API_KEY_CREATED,
        actor=actor,
        target=key,
        changes={"name": name, "scopes": key.scopes, "owner": owner.get_username() if owner else None},
    )
    return key, full


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, actor, reason: str) -> ApiKey:
    api_key = ApiKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked_at is not None:
        return api_key
    api_key.revoked_at = timezone.now()
    api_key.revoked_reason = reason
    api_key.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record(action=audit.PortalAction.API_KEY_REVOKED, actor=actor, target=api_key, reason=reason)
    return api_key


_AUDITED_USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


@transaction.atomic
def user_save_from_console(*, user: User, form, change: bool, actor) -> User:
    """Save a user edited in the console and record what changed (never the password)."""
    before = User.objects.filter(pk=user.pk).values(*_AUDITED_USER_FIELDS).first() or {} if change else {}
    user.save()
    after = {f: getattr(user, f) for f in _AUDITED_USER_FIELDS}
    changes = audit.diff(before, after)
    if "password" in form.changed_data:
        changes["password"] = {"before": "…", "after": "changed"}
    if not change:
        action = audit.PortalAction.USER_CREATED
    elif before.get("is_active") and not user.is_active:
        action = audit.PortalAction.USER_DEACTIVATED
    else:
        action = audit.PortalAction.USER_CHANGED
    if changes or not change:
        audit.record(action=action, actor=actor, target=user, changes=changes)
    return user


@transaction.atomic
def user_password_changed(*, user: User, actor) -> None:
    """Record that ``actor`` set ``user``'s password in the console (the caller saved it in this transaction)."""
    audit.record(
        action=audit.PortalAction.USER_CHANGED,
        actor=actor,
        target=user,
        changes={"password": {"before": "…", "after": "changed"}},
    )


@transaction.atomic
def user_roles_changed(*, user: User, before: set[str], after: set[str], actor) -> None:
    audit.record(
        action=audit.PortalAction.USER_ROLES_CHANGED,
        actor=actor,
        target=user,
        changes={"roles": {"before": sorted(before), "after": sorted(after)}},
    )


_AUDITED_WINDOW_FIELDS = ("firm", "starts_at", "ends_at")


def auditor_access_problems(
    *, user: User | None, firm: str, starts_at: datetime | None, ends_at: datetime | None
) -> dict[str, str]:
    """What stops this access window from being set, by field name; empty when nothing does.

    ``auditor_access_set`` refuses on any of these. The console form asks first so that
    each message sits next to its field, ahead of the model's own check of the window's
    order (whose message names a database constraint, not the problem). Missing values
    are left to the form's required fields.
    """
    problems: dict[str, str] = {}
    if user is not None and not has_role(user, Role.AUDITOR):
        problems["user"] = _("Give this user the auditor role first; only auditors get an access window.")
    if not firm.strip():
        problems["firm"] = _("Name the auditing firm the auditor works for.")
    if starts_at and ends_at and ends_at <= starts_at:
        problems["ends_at"] = _("The window must end after it starts.")
    return problems


@transaction.atomic
def auditor_access_set(*, user: User, firm: str, starts_at: datetime, ends_at: datetime, actor) -> AuditorAccess:
    """Give an auditor their access window, or move it. One window per auditor.

    The console lets auditors in only inside the window, and ``auditors_expire``
    deactivates them when it ends. The event targets the auditor's account, where
    their log-ins and expiry are recorded too.
    """
    problems = auditor_access_problems(user=user, firm=firm, starts_at=starts_at, ends_at=ends_at)
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, code="invalid", field=field)
    access = AuditorAccess.objects.select_for_update().filter(user=user).first()
    before = {f: getattr(access, f) for f in _AUDITED_WINDOW_FIELDS} if access else {}
    access = access or AuditorAccess(user=user)
    access.firm, access.starts_at, access.ends_at = firm.strip(), starts_at, ends_at
    changes = audit.diff(before, {f: getattr(access, f) for f in _AUDITED_WINDOW_FIELDS})
    if not changes:
        return access
    access.save()
    audit.record(action=audit.PortalAction.AUDITOR_WINDOW_SET, actor=actor, target=user, changes=changes)
    return access


def auditors_expire(*, now=None) -> int:
    """Deactivate auditors whose access window has ended. Idempotent."""
    now = now or timezone.now()
    count = 0
    for access in AuditorAccess.objects.filter(ends_at__lte=now, user__is_active=True).select_related("user"):
        with transaction.atomic():
            user = User.objects.select_for_update().get(pk=access.user_id)
            if not user.is_active:
                continue
            user.is_active = False
            user.save(update_fields=["is_active"])
            for key in ApiKey.objects.filter(owner=user, revoked_at__isnull=True):
                api_key_revoke(api_key=key, actor=None, reason="the owner's auditor access window ended")
            audit.record(
                action=audit.PortalAction.AUDITOR_EXPIRED,
                actor=None,
                target=user,
                changes={"is_active": {"before": True, "after": False}},
                reason=f"access window ended at {audit.format_time(access.ends_at)}",
            )
            count += 1
    return count


# --- Second factors -------------------------------------------------------------------
# Who gave whom an authenticator or backup codes, and when, is part of the trail: a
# device added to someone else's account is how a second factor would be taken over.
# The events name the device and which of its fields changed, never a key or code.


def _device_label(device) -> str:
    return f"{device._meta.label_lower}#{device.pk} ({device.name})"


@transaction.atomic
def otp_device_save(*, device, changed: list[str], actor, created: bool) -> None:
    """Save a second-factor device edited in the console (django-otp's pages), audited."""
    device.save()
    if not created and not changed:
        return
    audit.record(
        action=audit.PortalAction.OTP_DEVICE_ADDED if created else audit.PortalAction.OTP_DEVICE_CHANGED,
        actor=actor,
        target=device.user,
        changes={"device": _device_label(device), "fields": sorted(changed), "confirmed": device.confirmed},
    )


@transaction.atomic
def otp_device_tokens_save(*, device, saved: list, removed: list, actor) -> None:
    """Backup codes of a static device added, corrected or removed in the console (values not recorded)."""
    added = sum(1 for token in saved if token.pk is None)
    for token in removed:
        token.delete()
    for token in saved:
        token.save()
    if saved or removed:
        audit.record(
            action=audit.PortalAction.OTP_DEVICE_CHANGED,
            actor=actor,
            target=device.user,
            changes={
                "device": _device_label(device),
                "backup_codes": {"added": added, "changed": len(saved) - added, "removed": len(removed)},
            },
        )


@transaction.atomic
def otp_device_remove(*, device, actor) -> None:
    audit.record(
        action=audit.PortalAction.OTP_DEVICE_REMOVED,
        actor=actor,
        target=device.user,
        changes={"device": _device_label(device)},
    )
    device.delete()


@transaction.atomic
def lockouts_reset(*, attempts, actor) -> int:
    """Forget failed log-ins (django-axes' records) so the account and address may try again, audited.

    Each record is one account name and address; the event is on the account name,
    as the failed log-ins and the lock-out themselves are.
    """
    count = 0
    for attempt in attempts:
        audit.record(
            action=audit.PortalAction.LOCKOUT_RESET,
            actor=actor,
            target_type="portal.user",
            target_id=attempt.username or "-",
            target_display=attempt.username or "",
            changes={"ip": attempt.ip_address, "failures": attempt.failures_since_start},
        )
        attempt.delete()
        count += 1
    return count
