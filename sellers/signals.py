"""Seller-side events that other apps act on.

``sellers`` never imports ``moderation``; when something here must change
listings, it sends one of these signals (after commit) and moderation's
receivers do the rest. Every signal passes keyword arguments only.
"""

from django.dispatch import Signal

# seller=<Seller>, actor=<User|None>, reason=str — the seller may no longer sell.
seller_suspended = Signal()
# seller=<Seller>, actor=<User|None>, reason=str — the relationship ended.
seller_terminated = Signal()
# seller=<Seller>, actor=<User|None> — suspension lifted or seller approved.
seller_reinstated = Signal()
# authorization=<BrandAuthorization>, actor=<User|None>, reason=str — expired or revoked.
authorization_ended = Signal()
