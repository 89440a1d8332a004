"""System checks for what Hallmark assumes of its environment."""

from django.core import checks
from django.db import connections


@checks.register()
def postgresql_through_our_backend(app_configs, **kwargs):
    return engine_errors({alias: connections[alias] for alias in connections})


def engine_errors(wrappers) -> list[checks.Error]:
    """The audit trail queues its appends on the connection (``portal.db_backend``); Django's own backend cannot."""
    return [
        checks.Error(
            f"Database {alias!r} is PostgreSQL through {conn.settings_dict['ENGINE']!r}.",
            hint='Set its ENGINE to "portal.db_backend" (portal/settings.py does this for a DATABASE_URL).',
            id="portal.E001",
        )
        for alias, conn in wrappers.items()
        if conn.vendor == "postgresql" and not hasattr(conn, "send_with_commit")
    ]
