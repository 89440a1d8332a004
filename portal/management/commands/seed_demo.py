"""Demo accounts (one per role) and believable data, for the embedded mode.

Idempotent: running it twice leaves one of everything. Refused in production.
"""

from __future__ import annotations

import base64
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import audit, services
from portal.models import AuditorAccess, User
from portal.roles import Role

DEFAULT_PASSWORD = "hallmark-demo-2026"

# username, role (None = superuser), first name, last name
DEMO_ACCOUNTS = [
    ("demo-seller", Role.SELLER_MEMBER, "Sam", "Seller"),
    ("demo-officer", Role.VETTING_OFFICER, "Olivia", "Officer"),
    ("demo-moderator", Role.MODERATOR, "Max", "Moderator"),
    ("demo-senior", Role.SENIOR_MODERATOR, "Selma", "Senior"),
    ("demo-auditor", Role.AUDITOR, "Ada", "Auditor"),
    ("demo-admin", None, "Alex", "Admin"),
]

# Apps add their own demo data by receiving this signal (portal imports no app).
seed_demo_data = Signal()


class Command(BaseCommand):
    help = "Create one demo account per role (with TOTP devices for staff) and demo data."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD, help="password for every demo account")

    def handle(self, *args, password: str, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo is refused when DJANGO_ENV=production")
        from django.contrib.auth.models import Group

        rows = []
        with transaction.atomic():
            for username, role, first, last in DEMO_ACCOUNTS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
                )
                user.is_staff = role is None or role != Role.SELLER_MEMBER
                user.is_superuser = role is None
                user.is_active = True
                user.set_password(password)
                user.save()
                if role is not None:
                    user.groups.set([Group.objects.get(name=role)])
                if created:
                    audit.record(
                        action=audit.PortalAction.USER_CREATED,
                        actor=None,
                        target=user,
                        changes={"role": str(role or "admin")},
                        reason="demo data",
                    )
                secret = ""
                if user.is_staff:
                    device = TOTPDevice.objects.filter(user=user, name="demo").first()
                    if device is None:
                        device = TOTPDevice.objects.create(user=user, name="demo", confirmed=True)
                        audit.record(
                            action=audit.PortalAction.TOTP_DEVICE_CREATED, actor=None, target=user, reason="demo data"
                        )
                    secret = base64.b32encode(device.bin_key).decode()
                if role == Role.AUDITOR:
                    # A window that always has a month left, set (and audited) by the console's own service.
                    now = timezone.now()
                    access = AuditorAccess.objects.filter(user=user).first()
                    if access is None or access.ends_at < now + timedelta(days=30):
                        services.auditor_access_set(
                            user=user,
                            firm="Example Assurance LLP",
                            starts_at=now - timedelta(days=1),
                            ends_at=now + timedelta(days=90),
                            actor=None,
                        )
                rows.append((username, str(role.label) if role else "administrator", secret))
            seed_demo_data.send(sender=self.__class__, stdout=self.stdout)

        self.stdout.write(self.style.SUCCESS(f"Demo accounts (password for all: {password})"))
        for username, label, secret in rows:
            line = f"  {username:<16} {label:<18}"
            if secret:
                line += f" TOTP secret {secret}"
            self.stdout.write(line)
        if settings.HALLMARK_STAFF_2FA:
            self.stdout.write(
                "Staff sign in at /console/ with a code from an authenticator app holding the secret above,\n"
                "or print the current one with:  .venv/bin/python manage.py totp_code demo-officer"
            )
