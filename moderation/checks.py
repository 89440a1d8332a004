"""Start-up checks of the moderation settings (``manage.py check`` runs them, and so does every start)."""

from __future__ import annotations

from django.core import checks


@checks.register(checks.Tags.compatibility)
def strike_thresholds_in_order(app_configs=None, **kwargs):
    """The strike ladder must climb: warn ≤ restrict new listings ≤ suspend ≤ propose termination."""
    from moderation.services.strikes import thresholds

    ladder = ("warn", "restrict_new", "suspend", "propose_termination")
    steps = thresholds()
    points = [steps[name] for name in ladder]
    if points != sorted(points):
        shown = ", ".join(f"{name}={steps[name]}" for name in ladder)
        return [
            checks.Error(
                f"MODERATION_STRIKE_THRESHOLDS must climb (warn ≤ restrict_new ≤ suspend ≤ propose_termination); "
                f"with the defaults filled in they are {shown}.",
                id="moderation.E001",
            )
        ]
    return []
