"""Who may open a seller page: the one gate for every view a seller's members use.

It lives in ``sellers`` (it needs ``seller_for_user``); the moderation app's
seller pages import it from here, which the layering contract allows
(moderation → sellers → portal), while ``portal`` may not know about sellers.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from sellers.selectors import seller_for_user

NOT_A_SELLER_TEMPLATE = "sellers/no_access.html"


def seller_member_required(view=None, *, refusal_template: str = NOT_A_SELLER_TEMPLATE):
    """Signed-in members of a seller only; the view finds its seller in ``request.seller``.

    A visitor who is not signed in goes to the log-in page and comes back after;
    a signed-in account that acts for no seller (staff, say) gets
    ``refusal_template`` with status 403, so each area can say why in its own words.
    Use it bare, ``@seller_member_required``, or ``@seller_member_required(refusal_template=...)``.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            seller = seller_for_user(request.user)
            if seller is None:
                return render(request, refusal_template, status=403)
            request.seller = seller  # the pages scope every query by it
            return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
