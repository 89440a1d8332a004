"""A small, varied audit history: people and the system, non-ASCII text, IPs, a redacted payload."""

from __future__ import annotations

from portal import audit, context
from portal.audit.models import AuditEvent
from portal.roles import Role
from tests.factories import UserFactory, staff
from tests.helpers import recorded


def seed_history(n: int = 12) -> list[AuditEvent]:
    officer = staff(Role.VETTING_OFFICER)
    subject = UserFactory(first_name="Zoë")
    events = []
    token = context.set_current(context.RequestContext(request_id="req-seed", ip="2001:db8::7"))
    try:
        for i in range(n):
            events.append(
                recorded(
                    action=audit.PortalAction.USER_CHANGED if i % 3 else audit.PortalAction.USER_ROLES_CHANGED,
                    actor=officer if i % 2 else None,
                    target=subject,
                    changes={"email": {"before": f"zoë{i}@example.com", "after": f"z{i}@example.com"}, "n": i * 1.5},
                    reason=f'Änderung {i}, "quoted"\nsecond line',
                )
            )
    finally:
        context.reset(token)
    audit.redact_payload(event_ids=[events[1].pk])
    return events


def tamper(event: AuditEvent, **fields) -> None:
    """Change a stored event behind the application's back, as an attacker with database access could."""
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("ALTER TABLE portal_auditevent DISABLE TRIGGER USER")
        AuditEvent.objects.filter(pk=event.pk).update(**fields)
        if postgres:
            cursor.execute("ALTER TABLE portal_auditevent ENABLE TRIGGER USER")


def auditor():
    from datetime import timedelta

    from django.utils import timezone

    from portal.models import AuditorAccess

    user = staff(Role.AUDITOR)
    now = timezone.now()
    AuditorAccess.objects.create(
        user=user, firm="Example Assurance", starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30)
    )
    return user
