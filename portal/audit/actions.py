"""The audit action vocabulary: each app declares its actions as an enum and registers it.

``record`` refuses anything unregistered, so the vocabulary stays one list an auditor can read.
"""

from __future__ import annotations

import enum

_ACTIONS: dict[str, str] = {}


def register_actions(enum_cls: type[enum.Enum]) -> type[enum.Enum]:
    for member in enum_cls:
        value = str(member.value)
        if value in _ACTIONS and _ACTIONS[value] != enum_cls.__qualname__:
            raise ValueError(f"audit action {value!r} registered twice")
        _ACTIONS[value] = enum_cls.__qualname__
    return enum_cls


def known_actions() -> list[str]:
    return sorted(_ACTIONS)


@register_actions
class PortalAction(enum.StrEnum):
    USER_CREATED = "portal.user.created"
    USER_CHANGED = "portal.user.changed"
    USER_ROLES_CHANGED = "portal.user.roles_changed"
    USER_DEACTIVATED = "portal.user.deactivated"
    LOGIN = "portal.auth.login"
    LOGOUT = "portal.auth.logout"
    LOGIN_FAILED = "portal.auth.login_failed"
    LOCKED_OUT = "portal.auth.locked_out"
    LOCKOUT_RESET = "portal.auth.lockout_reset"
    API_KEY_CREATED = "portal.api_key.created"
    API_KEY_REVOKED = "portal.api_key.revoked"
    AUDITOR_WINDOW_SET = "portal.auditor.window_set"
    AUDITOR_EXPIRED = "portal.auditor.expired"
    AUDIT_EXPORTED = "portal.audit.exported"
    AUDIT_VERIFIED = "portal.audit.verified"
    AUDIT_PROOF_DOWNLOADED = "portal.audit.proof_downloaded"
    AUDIT_CHECKPOINT_WITNESSED = "portal.audit.checkpoint_witnessed"
    TOTP_DEVICE_CREATED = "portal.totp.device_created"
    OTP_DEVICE_CHANGED = "portal.otp.device_changed"
    OTP_DEVICE_REMOVED = "portal.otp.device_removed"
    OTP_DEVICE_ADDED = "portal.otp.device_added"
