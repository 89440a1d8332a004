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
# Onboarding and vetting (issue 3): officers run the queue, invite, and alone see payment accounts unmasked.
extend(
    Role.VETTING_OFFICER,
    {
        "sellers.invitation": READ_WRITE,
        "sellers.application": ("view", "change"),
        "sellers.applicationcheck": ("view", "change"),
        "sellers.recertification": VIEW,
        "sellers.view_payment_account": None,
    },
)
# Brand registry and authorizations (issue 4): officers keep the registry; moderators read it to judge listings.
_BRAND_REGISTRY = (
    "sellers.brandowner",
    "sellers.brandownercontact",
    "sellers.brandreferenceprice",
    "sellers.brandimage",
)
extend(Role.VETTING_OFFICER, {model: READ_WRITE for model in _BRAND_REGISTRY} | {"sellers.brandownerapikey": VIEW})
extend(Role.MODERATOR, {"sellers.brandreferenceprice": VIEW, "sellers.brandimage": VIEW, "sellers.brandowner": VIEW})
extend(
    Role.SENIOR_MODERATOR,
    {"sellers.brandreferenceprice": VIEW, "sellers.brandimage": VIEW, "sellers.brandowner": VIEW},
)
