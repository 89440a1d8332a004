"""Log-in events on the audit trail: auditors want to know who was in the console."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal import audit


@receiver(user_logged_in, dispatch_uid="hallmark.audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit.record(action=audit.PortalAction.LOGIN, actor=user, target=user)


@receiver(user_logged_out, dispatch_uid="hallmark.audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(action=audit.PortalAction.LOGOUT, actor=user, target=user)


@receiver(user_login_failed, dispatch_uid="hallmark.audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit.record(
        action=audit.PortalAction.LOGIN_FAILED,
        actor=None,
        target_type="portal.user",
        target_id=username or "-",
        target_display=username,
    )
