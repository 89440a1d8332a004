"""What each role may do with the sellers app's models (merged into portal/roles.py's table)."""

from portal.roles import READ_WRITE, VIEW, Role, extend

extend(
    Role.VETTING_OFFICER,
    {
        "sellers.seller": VIEW,
        "sellers.sellermember": VIEW,
        "sellers.document": VIEW,
        "sellers.brand": READ_WRITE,
        "sellers.trademarkregistration": READ_WRITE,
        "sellers.brandauthorization": ("view", "change"),
    },
)
extend(Role.MODERATOR, {"sellers.seller": VIEW, "sellers.brand": VIEW, "sellers.brandauthorization": VIEW})
extend(
    Role.SENIOR_MODERATOR,
    {"sellers.seller": ("view", "change"), "sellers.brand": VIEW, "sellers.brandauthorization": VIEW},
)
