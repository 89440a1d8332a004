"""What each role may do with the moderation app's models (merged into portal/roles.py's table)."""

from portal.roles import VIEW, Role, extend

_CASEWORK = {
    "moderation.listing": VIEW,
    "moderation.listingimage": VIEW,
    "moderation.notice": VIEW,
    "moderation.notifier": VIEW,
    "moderation.case": ("view", "change"),
    "moderation.casenote": ("view", "add"),
    "moderation.policy": VIEW,
    "moderation.decision": ("view", "add"),
    "moderation.appeal": VIEW,
    "moderation.strike": VIEW,
}

extend(Role.MODERATOR, _CASEWORK)
extend(
    Role.SENIOR_MODERATOR,
    {
        **_CASEWORK,
        "moderation.policy": ("view", "add", "change"),
        "moderation.appeal": ("view", "change"),
        "moderation.notifier": ("view", "change"),
        "moderation.decide_appeal": None,
        "moderation.terminate_seller": None,
        "moderation.manage_notifiers": None,
    },
)
