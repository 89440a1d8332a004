from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP


def current_totp(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def login_staff(client, user, device=None):
    """Log a staff member in with a verified second factor, as the console requires."""
    from tests.factories import totp_device

    device = device or user.totpdevice_set.first() or totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def recorded(**kwargs):
    """``audit.record(**kwargs)``, sealed (as the sealer would a moment later), then the stored event."""
    from portal import audit
    from portal.audit.seal import seal

    event = audit.record(**kwargs)
    seal()
    event.refresh_from_db()
    return event
