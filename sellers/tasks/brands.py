"""Tasks: authorization expiry sweep and reminders."""

from __future__ import annotations

from celery import shared_task

__all__ = ["authorization_sweep", "expire_authorization", "remind_authorization_expiry"]


@shared_task(name="sellers.tasks.authorization_sweep", acks_late=True)
def authorization_sweep() -> dict:
    """Expire rights past ``valid_until`` and warn 30 and 7 days ahead (one task per row)."""
    from sellers.services.brands import authorizations_due

    due = authorizations_due()
    for pk in due.expire:
        expire_authorization.apply_async(kwargs={"authorization_id": pk})
    for days, ids in ((30, due.remind_30), (7, due.remind_7)):
        for pk in ids:
            remind_authorization_expiry.apply_async(kwargs={"authorization_id": pk, "days": days})
    return {"expired": len(due.expire), "reminded_30": len(due.remind_30), "reminded_7": len(due.remind_7)}


@shared_task(name="sellers.tasks.expire_authorization", acks_late=True, reject_on_worker_lost=True)
def expire_authorization(*, authorization_id: int) -> bool:
    from sellers.models import BrandAuthorization
    from sellers.services.brands import authorization_expire

    authz = BrandAuthorization.objects.filter(pk=authorization_id).first()
    return authz is not None and authorization_expire(authorization=authz, actor=None) is not None


@shared_task(name="sellers.tasks.remind_authorization_expiry", acks_late=True, reject_on_worker_lost=True)
def remind_authorization_expiry(*, authorization_id: int, days: int) -> bool:
    from sellers.models import BrandAuthorization
    from sellers.services.brands import authorization_remind_expiry

    authz = BrandAuthorization.objects.filter(pk=authorization_id).first()
    return authz is not None and authorization_remind_expiry(authorization=authz, days=days) is not None
