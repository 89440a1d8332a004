"""Moderation's data. One module per area; import models from here.

- listings.py   marketplace listings and their images
- notices.py    notifiers and the notices (DSA Art. 16) they send
- cases.py      cases (one open per listing), notes
- decisions.py  policies, decisions with statements of reasons, appeals, strikes
"""

from moderation.models.cases import Case, CaseNote
from moderation.models.decisions import Appeal, Decision, Policy, Strike
from moderation.models.listings import Listing, ListingImage
from moderation.models.notices import Notice, Notifier, Reason

__all__ = [
    "Appeal",
    "Case",
    "CaseNote",
    "Decision",
    "Listing",
    "ListingImage",
    "Notice",
    "Notifier",
    "Policy",
    "Reason",
    "Strike",
]
