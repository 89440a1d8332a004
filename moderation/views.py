"""Public notice form and the seller's decision pages. Server-rendered, no JavaScript needed."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from moderation import selectors
from moderation.forms import AppealForm, NoticeForm
from moderation.models import Notice
from moderation.services.appeals import appeal_submit
from moderation.services.decisions import statement_context, statement_text
from moderation.services.notices import notice_submit
from moderation.services.notifiers import notifier_for_public
from portal.errors import DomainError
from sellers.decorators import seller_member_required

REPORT_LIMIT = 10  # notices per client address per hour on the public form


def _throttled(request) -> bool:
    key = f"moderation:report:{request.META.get('REMOTE_ADDR', '')}"
    count = cache.get_or_set(key, 0, 3600)
    if count >= REPORT_LIMIT:
        return True
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
    return False


@require_http_methods(["GET", "POST"])
def report(request):
    if request.method == "POST":
        form = NoticeForm(request.POST)
        if _throttled(request):
            messages.error(request, _("You sent many notices in a short time. Please try again in an hour."))
            return render(request, "moderation/report.html", {"form": form}, status=429)
        if form.is_valid():
            data = form.cleaned_data
            notifier = notifier_for_public(name=data["notifier_name"], email=data["notifier_email"])
            try:
                notice, _created = notice_submit(
                    listing=data["listing"],
                    notifier=notifier,
                    reason=data["reason"],
                    explanation=data["explanation"],
                    evidence_urls=data["evidence_urls"],
                    notifier_name=data["notifier_name"],
                    notifier_email=data["notifier_email"],
                    good_faith=data["good_faith"],
                    channel=Notice.Channel.FORM,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return render(request, "moderation/report_received.html", {"notice": notice})
    else:
        form = NoticeForm(initial={"listing": request.GET.get("listing", "")})
    return render(request, "moderation/report.html", {"form": form})


NOT_A_SELLER = "moderation/no_seller.html"  # what the decision pages show an account that acts for no seller


@seller_member_required(refusal_template=NOT_A_SELLER)
def decision_list(request):
    decisions = selectors.decisions_for_seller(request.seller)[:200]
    strikes = list(selectors.live_strikes(request.seller))
    return render(
        request,
        "moderation/seller_decisions.html",
        {"decisions": decisions, "strike_points": sum(s.points for s in strikes), "seller": request.seller},
    )


@seller_member_required(refusal_template=NOT_A_SELLER)
def decision_detail(request, pk: int):
    decision = get_object_or_404(selectors.decisions_for_seller(request.seller), pk=pk)
    appeals = list(decision.appeals.all())
    return render(
        request,
        "moderation/seller_decision.html",
        {
            **statement_context(decision),
            "statement": statement_text(decision),
            "appeals": appeals,
            "form": AppealForm(),
            "may_appeal": decision.appealable and not any(a.status == "pending" for a in appeals),
        },
    )


@require_POST
@seller_member_required(refusal_template=NOT_A_SELLER)
def decision_appeal(request, pk: int):
    decision = get_object_or_404(selectors.decisions_for_seller(request.seller), pk=pk)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            appeal_submit(decision=decision, actor=request.user, grounds=form.cleaned_data["grounds"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your appeal was received. A senior moderator will review it."))
            return redirect("moderation:seller-decision", pk=decision.pk)
    appeals = list(decision.appeals.all())
    return render(
        request,
        "moderation/seller_decision.html",
        {
            **statement_context(decision),
            "statement": statement_text(decision),
            "appeals": appeals,
            "form": form,
            "may_appeal": True,
        },
        status=400,
    )
