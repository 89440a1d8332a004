"""The moderation console: the prioritised queue, the case screen, policies and notifiers."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db import models
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from moderation import selectors
from moderation.forms import BulkDecideForm, DecideForm
from moderation.models import Appeal, Case, Decision, Listing, ListingImage, Notice, Notifier, Policy, Strike
from moderation.models.decisions import Action
from moderation.services import appeals as appeal_services
from moderation.services import cases as case_services
from moderation.services import decisions as decision_services
from moderation.services import notifiers as notifier_services
from moderation.services import policies as policy_services
from portal.admin_site import ReadOnlyAdmin, ServiceRefusalMixin
from portal.audit import evidence
from portal.errors import DomainError
from portal.roles import is_auditor


class LookaheadPaginator(Paginator):
    """Counts nothing: fetches one row past the page to know whether a next page exists.

    The queue table grows without bound; COUNT(*) over it on every page view is
    the slow query this avoids.
    """

    def __init__(self, object_list, per_page, *, page_hint: int = 1, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.page_hint = max(page_hint, 1)

    @cached_property
    def count(self) -> int:
        start = (self.page_hint - 1) * self.per_page
        return start + len(self.object_list[start : start + self.per_page + 1])


class NoCountAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        try:
            page = int(request.GET.get("p", 1))
        except ValueError:
            page = 1
        return LookaheadPaginator(queryset, per_page, page_hint=page, orphans=orphans)

    list_max_show_all = 100  # "show all" only ever offered for short lists


class TypedFilter(admin.SimpleListFilter):
    """A sidebar filter you type into (an id or part of a name) instead of a list of every
    seller or brand: listing 10,000 sellers cost a scan of all cases on every page view."""

    template = "admin/moderation/typed_filter.html"
    id_path = ""
    name_path = ""

    def lookups(self, request, model_admin):
        return [("", "")]  # the admin shows a filter only when it has lookups

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(**{self.id_path: int(value)})
        return queryset.filter(**{f"{self.name_path}__icontains": value[:100]})

    def choices(self, changelist):
        params = changelist.get_filters_params()
        yield {
            "query_parts": [
                (key, item)
                for key, values in params.items()
                if key != self.parameter_name
                for item in (values if isinstance(values, list) else [values])
            ],
            "selected": bool(self.value()),
        }


class SellerFilter(TypedFilter):
    title = _("seller")
    parameter_name = "seller"
    id_path = "listing__seller_id"
    name_path = "listing__seller__legal_name"


class BrandFilter(TypedFilter):
    title = _("brand")
    parameter_name = "brand"
    id_path = "listing__brand_id"
    name_path = "listing__brand__name"


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("open", _("open (default)")),
            ("mine", _("claimed by me")),
            ("unassigned", _("unassigned")),
            ("overdue", _("overdue")),
            ("escalated", _("escalated")),
            ("appealed", _("appealed")),
            ("all", _("all, including decided")),
        ]

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            selected = self.value() == lookup or (self.value() is None and lookup == "open")
            yield {
                "selected": selected,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value() or "open"
        open_cases = queryset.filter(status__in=Case.OPEN_STATUSES)
        if value == "open":
            return open_cases
        if value == "mine":
            return open_cases.filter(assigned_to=request.user, claimed_until__gt=now)
        if value == "unassigned":
            return open_cases.exclude(claimed_until__gt=now)
        if value == "overdue":
            return open_cases.filter(due_at__lt=now)
        if value == "escalated":
            return queryset.filter(status=Case.Status.ESCALATED)
        if value == "appealed":
            return queryset.filter(status=Case.Status.APPEALED)
        return queryset


# The case screen shows this many audit events, oldest first; past it, a link opens the full timeline.
CASE_EVENTS_SHOWN = 300


def _matched_listing_ids(case: Case) -> list[int]:
    """Listings removed as counterfeit whose images this case's listing matched (from the detection findings)."""
    return [int(pk) for pk in (case.findings or {}).get("image_counterfeit", []) if str(pk).isdigit()]


@admin.register(Case)
class CaseAdmin(NoCountAdmin):
    list_display = (
        "case_link",
        "priority",
        "why",
        "listing_title",
        "seller",
        "brand",
        "reason",
        "source",
        "status",
        "due",
        "claimed_by",
    )
    list_display_links = None
    list_select_related = ("listing", "listing__seller", "listing__brand", "assigned_to")
    list_filter = (
        QueueFilter,
        "reason",
        "source",
        "automated",
        BrandFilter,
        SellerFilter,
    )
    search_fields = ("=id", "listing__external_id", "listing__title")
    ordering = ("-priority", "due_at", "pk")
    list_per_page = 50
    actions = ("bulk_dismiss", "bulk_decide")
    change_list_template = "admin/moderation/case/change_list.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return request.user.has_perm("moderation.add_decision") and not is_auditor(request.user)

    # --- list columns (no query per row: everything comes from list_select_related or JSON) ---

    @admin.display(description=_("case"), ordering="pk")
    def case_link(self, obj):
        return format_html('<a href="{}">#{}</a>', reverse("admin:moderation_case_change", args=[obj.pk]), obj.pk)

    @admin.display(description=_("why"))
    def why(self, obj):
        top = sorted(obj.signals or [], key=lambda s: -s["points"])[:3]
        return "; ".join(
            f"{s['label']} (+{s['points']})" if s["points"] >= 0 else f"{s['label']} ({s['points']})" for s in top
        )

    @admin.display(description=_("listing"))
    def listing_title(self, obj):
        return obj.listing.title

    @admin.display(description=_("seller"))
    def seller(self, obj):
        return obj.listing.seller

    @admin.display(description=_("brand"))
    def brand(self, obj):
        return obj.listing.brand or "—"

    @admin.display(description=_("SLA due"), ordering="due_at")
    def due(self, obj):
        if obj.overdue:
            return format_html(
                '<strong class="hm-overdue">{} ({})</strong>',
                timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M"),
                _("overdue"),
            )
        return timezone.localtime(obj.due_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("claimed by"))
    def claimed_by(self, obj):
        if obj.assigned_to_id and obj.claimed_until and obj.claimed_until > timezone.now():
            return obj.assigned_to.get_username()
        return "—"

    # --- bulk actions ---

    @admin.action(description=_("Dismiss selected cases (no action)"), permissions=["decide"])
    def bulk_dismiss(self, request, queryset):
        done, problems = decision_services.cases_bulk_decide(
            cases=list(queryset), actor=request.user, action=Action.DISMISS, policy=None
        )
        self._report_bulk(request, done, problems)

    @admin.action(description=_("Remove selected listings under one policy…"), permissions=["decide"])
    def bulk_decide(self, request, queryset):
        if "apply" in request.POST:
            form = BulkDecideForm(request.POST)
            if form.is_valid():
                policy = form.cleaned_data["policy"]
                done, problems = decision_services.cases_bulk_decide(
                    cases=list(queryset),
                    actor=request.user,
                    action=policy.default_action,
                    policy=policy,
                    explanation=form.cleaned_data["explanation"],
                )
                self._report_bulk(request, done, problems)
                return None
        else:
            form = BulkDecideForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide %(n)d cases under one policy") % {"n": queryset.count()},
            "form": form,
            "cases": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/moderation/case/bulk_decide.html", context)

    def _report_bulk(self, request, done, problems):
        self.message_user(request, _("%(n)d case(s) decided.") % {"n": done}, messages.SUCCESS)
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)

    # --- the case screen and its POST endpoints ---

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("claim-next/", wrap(self.claim_next_view), name="moderation_case_claim_next"),
            path("<int:pk>/claim/", wrap(self.claim_view), name="moderation_case_claim"),
            path("<int:pk>/renew/", wrap(self.renew_view), name="moderation_case_renew"),
            path("<int:pk>/release/", wrap(self.release_view), name="moderation_case_release"),
            path("<int:pk>/escalate/", wrap(self.escalate_view), name="moderation_case_escalate"),
            path("<int:pk>/note/", wrap(self.note_view), name="moderation_case_note"),
            path("<int:pk>/decide/", wrap(self.decide_view), name="moderation_case_decide"),
            path("<int:pk>/appeal/<int:appeal_id>/", wrap(self.appeal_view), name="moderation_case_appeal"),
            path("<int:pk>/images/<int:image_id>/", wrap(self.image_view), name="moderation_case_image"),
            *super().get_urls(),
        ]

    def image_view(self, request, pk: int, image_id: int):
        """The stored preview of one of the case's listing images (served from private storage)."""
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        case = get_object_or_404(Case.objects.only("pk", "listing_id", "findings"), pk=pk)
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        # the case's own listing, or a removed counterfeit its images matched (shown side by side)
        shown = [case.listing_id, *_matched_listing_ids(case)]
        image = get_object_or_404(ListingImage, pk=image_id, listing_id__in=shown)
        if not image.preview_name or not default_storage.exists(image.preview_name):
            raise Http404(_("No stored preview for this image."))
        response = FileResponse(default_storage.open(image.preview_name, "rb"), content_type="image/jpeg")
        response["Content-Disposition"] = f'inline; filename="listing-image-{image.pk}.jpg"'
        response["Cache-Control"] = "private, no-store"
        return response

    def _post_only(self, request, perm: str = "moderation.change_case"):
        if request.method != "POST" or is_auditor(request.user) or not request.user.has_perm(perm):
            raise PermissionDenied

    def _case_url(self, case_id):
        return HttpResponseRedirect(reverse("admin:moderation_case_change", args=[case_id]))

    def _run(self, request, case_id, fn, success):
        try:
            fn()
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, success, messages.SUCCESS)
        return self._case_url(case_id)

    def claim_next_view(self, request):
        self._post_only(request)
        case = case_services.case_claim_next(actor=request.user)
        if case is None:
            self.message_user(request, _("The queue is empty: nothing to claim."), messages.INFO)
            return HttpResponseRedirect(reverse("admin:moderation_case_changelist"))
        self.message_user(
            request, _("You hold case #%(id)s for %(m)d minutes.") % {"id": case.pk, "m": case_services.claim_minutes()}
        )
        return self._case_url(case.pk)

    def claim_view(self, request, pk):
        self._post_only(request)
        case = get_object_or_404(Case, pk=pk)
        return self._run(request, pk, lambda: case_services.case_claim(case=case, actor=request.user), _("Claimed."))

    def renew_view(self, request, pk):
        self._post_only(request)
        case = get_object_or_404(Case, pk=pk)
        return self._run(
            request, pk, lambda: case_services.case_renew_claim(case=case, actor=request.user), _("Claim renewed.")
        )

    def release_view(self, request, pk):
        self._post_only(request)
        case = get_object_or_404(Case, pk=pk)
        return self._run(
            request, pk, lambda: case_services.case_release(case=case, actor=request.user), _("Released to the queue.")
        )

    def escalate_view(self, request, pk):
        self._post_only(request)
        case = get_object_or_404(Case, pk=pk)
        reason = request.POST.get("reason", "").strip() or str(_("escalated by a moderator"))
        return self._run(
            request,
            pk,
            lambda: case_services.case_escalate(case=case, actor=request.user, reason=reason),
            _("Escalated to senior moderators."),
        )

    def note_view(self, request, pk):
        self._post_only(request, "moderation.add_casenote")
        case = get_object_or_404(Case, pk=pk)
        body = request.POST.get("body", "")
        return self._run(
            request, pk, lambda: case_services.case_add_note(case=case, actor=request.user, body=body), _("Note added.")
        )

    def decide_view(self, request, pk):
        self._post_only(request, "moderation.add_decision")
        case = get_object_or_404(Case, pk=pk)
        form = DecideForm(request.POST, actions=self._action_choices(request))
        if not form.is_valid():
            return self.change_view(request, str(pk), decide_form=form)
        data = form.cleaned_data
        try:
            decision = decision_services.case_decide(
                case=case,
                actor=request.user,
                action=data["action"],
                policy=data["policy"],
                explanation=data["explanation"],
                ends_at=data["ends_at"],
                territorial_scope=data["territorial_scope"],
                unfounded=data["unfounded"],
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self._case_url(pk)
        self.message_user(request, _("Decided: %(d)s.") % {"d": decision}, messages.SUCCESS)
        return self._case_url(pk)

    def appeal_view(self, request, pk, appeal_id):
        self._post_only(request, "moderation.decide_appeal")
        appeal = get_object_or_404(Appeal, pk=appeal_id, decision__case_id=pk)
        overturn = request.POST.get("outcome") == "overturn"
        explanation = request.POST.get("explanation", "")
        return self._run(
            request,
            pk,
            lambda: appeal_services.appeal_decide(
                appeal=appeal, actor=request.user, overturn=overturn, explanation=explanation
            ),
            _("Appeal decided."),
        )

    def _action_choices(self, request):
        choices = [(a.value, a.label) for a in Action]
        if not request.user.has_perm("moderation.terminate_seller"):
            choices = [c for c in choices if c[0] != Action.TERMINATE_SELLER]
        return choices

    def change_view(self, request, object_id, form_url="", extra_context=None, decide_form=None):
        if request.method == "POST" and decide_form is None:
            raise PermissionDenied  # the case screen changes nothing directly; its forms post to services
        case = get_object_or_404(
            Case.objects.select_related("listing", "listing__seller", "listing__brand", "assigned_to"), pk=object_id
        )
        if not self.has_view_or_change_permission(request, case):
            raise PermissionDenied
        listing = case.listing
        decisions = list(case.decisions.select_related("policy", "decided_by").prefetch_related("appeals"))
        pending_appeals = [a for d in decisions for a in d.appeals.all() if a.status == Appeal.Status.PENDING]
        # The same timeline as the audit pages and the evidence pack: the case, its listing,
        # notices, decisions, appeals and strikes (moderation/evidence.py says which).
        events = list(evidence.timeline("moderation.case", str(case.pk), case)[: CASE_EVENTS_SHOWN + 1])
        now = timezone.now()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Case #%(id)s") % {"id": case.pk},
            "subtitle": None,
            "opts": self.model._meta,
            "original": case,
            "case": case,
            "listing": listing,
            "images": list(listing.images.all()),
            "matched_images": list(
                ListingImage.objects.filter(listing_id__in=_matched_listing_ids(case))
                .exclude(preview_name="")
                .select_related("listing")
                .order_by("listing_id", "pk")
            ),
            "notices": list(case.notices.select_related("notifier").order_by("received_at")),
            "history": selectors.seller_history(seller=listing.seller, brand=listing.brand),
            "notes": list(case.notes.select_related("author")),
            "events": events[:CASE_EVENTS_SHOWN],
            "events_truncated": len(events) > CASE_EVENTS_SHOWN,
            "decisions": decisions,
            "pending_appeals": pending_appeals,
            "held_by_me": case.assigned_to_id == request.user.pk and case.claimed_until and case.claimed_until > now,
            "held_by_other": case.claimed_by_other(request.user, now=now),
            "may_work": not is_auditor(request.user) and request.user.has_perm("moderation.change_case"),
            "may_decide": case.is_open and self.has_decide_permission(request),
            "may_decide_appeal": request.user.has_perm("moderation.decide_appeal") and not is_auditor(request.user),
            "decide_form": decide_form or DecideForm(actions=self._action_choices(request)),
            "findings": case.findings or {},
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/moderation/case/case_screen.html", context, status=400 if decide_form is not None else 200
        )


@admin.register(Listing)
class ListingAdmin(NoCountAdmin, ReadOnlyAdmin):
    list_display = ("external_id", "title", "seller", "brand", "price", "currency", "status", "updated_at")
    list_select_related = ("seller", "brand")
    list_filter = ("status",)
    search_fields = ("=external_id", "title")
    readonly_fields = ("restricted_by",)


@admin.register(Notice)
class NoticeAdmin(NoCountAdmin, ReadOnlyAdmin):
    list_display = ("id", "received_at", "listing", "reason", "notifier", "channel", "outcome", "case")
    list_select_related = ("listing", "notifier", "case")
    list_filter = ("reason", "channel", "outcome")
    search_fields = ("=id", "listing__external_id", "notifier_email")


@admin.register(Notifier)
class NotifierAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "kind",
        "email",
        "standing",
        "notices_decided",
        "notices_upheld",
        "notices_unfounded",
        "accuracy_pct",
    )
    list_filter = ("kind", "standing")
    search_fields = ("name", "email")
    actions = ("warn", "deprioritise", "suspend", "restore")

    @admin.display(description=_("upheld"))
    def accuracy_pct(self, obj):
        return "—" if obj.accuracy is None else f"{obj.accuracy:.0%}"

    def has_manage_notifiers_permission(self, request):
        return request.user.has_perm("moderation.manage_notifiers")

    def _set(self, request, queryset, standing, reason):
        for notifier in queryset:
            try:
                notifier_services.notifier_set_standing(
                    notifier=notifier, standing=standing, actor=request.user, reason=str(reason)
                )
            except DomainError as exc:
                self.message_user(request, f"{notifier}: {exc.message}", messages.ERROR)

    @admin.action(description=_("Warn (unfounded notices)"), permissions=["manage_notifiers"])
    def warn(self, request, queryset):
        self._set(request, queryset, Notifier.Standing.WARNED, _("Many of your notices were manifestly unfounded."))

    @admin.action(description=_("Deprioritise their notices"), permissions=["manage_notifiers"])
    def deprioritise(self, request, queryset):
        self._set(
            request,
            queryset,
            Notifier.Standing.DEPRIORITISED,
            _("After a warning, your notices kept being manifestly unfounded; we review them with lower priority."),
        )

    @admin.action(description=_("Suspend processing their notices (DSA Art. 23)"), permissions=["manage_notifiers"])
    def suspend(self, request, queryset):
        self._set(
            request,
            queryset,
            Notifier.Standing.SUSPENDED,
            _("After a warning, your notices kept being manifestly unfounded; we stop processing them for now."),
        )

    @admin.action(description=_("Restore good standing"), permissions=["manage_notifiers"])
    def restore(self, request, queryset):
        self._set(request, queryset, Notifier.Standing.GOOD, _("Your notices are processed normally again."))


def _https_urls(field, **kwargs):
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class PolicyForm(forms.ModelForm):
    class Meta:
        formfield_callback = _https_urls  # outside the admin; PolicyAdmin.formfield_overrides inside it
        model = Policy
        fields = policy_services.EDITABLE_FIELDS

    def clean(self):
        data = super().clean()
        # The service's own rules, shown next to their fields before anything is saved.
        errors = policy_services.policy_errors(
            statement_template=data.get("statement_template", ""), dsa_keywords=data.get("dsa_keywords", [])
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)
        return data


@admin.register(Policy)
class PolicyAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    # A refusal the form could not foresee (it runs policy_errors) comes back as an error on
    # the form the senior moderator sent, with what they typed and nothing saved.
    form = PolicyForm
    # Set here, not as the form's formfield_callback: the admin builds the form with its own callback.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("code", "title", "ground", "default_action", "strike_points", "dsa_category", "active")
    list_filter = ("ground", "active")
    search_fields = ("code", "title")

    def has_delete_permission(self, request, obj=None):
        return False  # decisions refer to policies; retire one with "active" instead

    def save_model(self, request, obj, form, change):
        values = {field: form.cleaned_data[field] for field in policy_services.EDITABLE_FIELDS}
        saved = policy_services.policy_save(actor=request.user, values=values, policy=obj if change else None)
        obj.pk = saved.pk


@admin.register(Decision)
class DecisionAdmin(NoCountAdmin, ReadOnlyAdmin):
    list_display = ("id", "decided_at", "action", "policy", "listing", "seller", "decided_by", "status")
    list_select_related = ("policy", "listing", "seller", "decided_by")
    list_filter = ("action", "status")
    search_fields = ("=id", "listing__external_id")


@admin.register(Appeal)
class AppealAdmin(NoCountAdmin, ReadOnlyAdmin):
    list_display = ("id", "submitted_at", "decision", "status", "decided_by", "case_link")
    list_select_related = ("decision", "decided_by")
    list_filter = ("status",)

    @admin.display(description=_("case"))
    def case_link(self, obj):
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:moderation_case_change", args=[obj.decision.case_id]),
            obj.decision.case_id,
        )


@admin.register(Strike)
class StrikeAdmin(NoCountAdmin, ReadOnlyAdmin):
    list_display = ("id", "seller", "points", "created_at", "expires_at", "voided_at")
    list_select_related = ("seller",)
