"""Console: sellers, invitations, the application queue and review screen, documents (vetting)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_site import AuditHistoryMixin
from portal.errors import DomainError
from sellers.models import Application, ApplicationCheck, Document, Invitation, Recertification, Seller
from sellers.services import onboarding as svc
from sellers.services.documents import document_reuse_flags


class _ReadOnly:
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(Seller)
class SellerAdmin(_ReadOnly, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("legal_name", "trading_name", "country", "status", "approved_at", "created_at")
    list_filter = ("status", "country")
    search_fields = ("legal_name", "trading_name", "contact_email")
    show_full_result_count = False
    list_per_page = 50


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail of the business contact"))
    business_name = forms.CharField(label=_("Business name"), max_length=200, required=False)


@admin.register(Invitation)
class InvitationAdmin(_ReadOnly, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("email", "business_name", "state_display", "created_at", "expires_at", "created_by", "seller")
    list_select_related = ("created_by", "seller")
    search_fields = ("email", "business_name")
    exclude = ("token_hash",)
    actions = ["revoke", "resend"]
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request):
        return request.user.has_perm("sellers.add_invitation")

    @admin.display(description=_("state"))
    def state_display(self, obj):
        return obj.state_label

    def add_view(self, request, form_url="", extra_context=None):
        """ "Invite by e-mail": the service creates the invitation and mails the single-use link."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                invitation, _token = svc.invitation_create(
                    email=form.cleaned_data["email"],
                    business_name=form.cleaned_data["business_name"],
                    actor=request.user,
                )
            except DomainError as exc:
                form.add_error("email", exc.message)
            else:
                self.message_user(
                    request,
                    gettext("Invitation sent to %(email)s; the link expires on %(date)s.")
                    % {"email": invitation.email, "date": invitation.expires_at.date().isoformat()},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:sellers_invitation_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite a business by e-mail"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/sellers/invitation/invite.html", context)

    @admin.action(description=_("Revoke the selected invitations"), permissions=["change"])
    def revoke(self, request, queryset):
        done = 0
        for invitation in queryset:
            if invitation.state == "open":
                svc.invitation_revoke(invitation=invitation, actor=request.user)
                done += 1
        self.message_user(request, gettext("%(n)s invitation(s) revoked.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Resend the selected invitations with a new link"), permissions=["change"])
    def resend(self, request, queryset):
        done = 0
        for invitation in queryset:
            if invitation.state in ("open", "expired"):
                svc.invitation_resend(invitation=invitation, actor=request.user)
                done += 1
        self.message_user(request, gettext("%(n)s invitation(s) resent.") % {"n": done}, messages.SUCCESS)


@admin.register(Document)
class DocumentAdmin(_ReadOnly, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("id", "kind", "seller", "status", "content_type", "size", "uploaded_at", "download")
    list_filter = ("status", "kind")
    list_select_related = ("seller",)
    search_fields = ("seller__legal_name", "sha256", "original_name")
    show_full_result_count = False
    list_per_page = 50
    exclude = ("quarantine_name", "stored_name", "thumbnail_name")

    def get_readonly_fields(self, request, obj=None):
        hidden = {"quarantine_name", "stored_name", "thumbnail_name"}
        return [f.name for f in self.model._meta.fields if f.name not in hidden] + ["download", "reuse"]

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("file"))
    def download(self, obj):
        if obj.status != Document.Status.ACCEPTED:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("sellers:document-download", args=[obj.pk]), _("download"))

    @admin.display(description=_("reuse by other sellers"))
    def reuse(self, obj):
        flags = document_reuse_flags(document=obj)
        return "; ".join(f.label for f in flags) or gettext("none found")


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("me", _("to me")), ("nobody", _("to nobody"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class DeadlineFilter(admin.SimpleListFilter):
    title = _("decision deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [("overdue", _("overdue")), ("soon", _("due within 3 days"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        waiting = queryset.filter(status__in=[Application.Status.SUBMITTED, Application.Status.IN_REVIEW])
        if self.value() == "overdue":
            return waiting.filter(decision_due_at__lt=now)
        if self.value() == "soon":
            return waiting.filter(decision_due_at__gte=now, decision_due_at__lt=now + timezone.timedelta(days=3))
        return queryset


class CheckRowForm(forms.Form):
    status = forms.ChoiceField(choices=ApplicationCheck.Status.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class TextForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)


@admin.register(Application)
class ApplicationAdmin(_ReadOnly, AuditHistoryMixin, admin.ModelAdmin):
    change_form_template = "admin/sellers/application/review.html"
    list_display = ("id", "seller", "status", "deadline", "assigned_to", "open_checks", "kind", "submitted_at")
    list_filter = ("status", "kind", AssignedFilter, DeadlineFilter)
    list_select_related = ("seller", "assigned_to")
    search_fields = ("seller__legal_name", "seller__trading_name")
    ordering = ("decision_due_at", "-created_at")
    show_full_result_count = False
    list_per_page = 50
    fields = (
        ("seller", "kind", "status"),
        ("submitted_at", "decision_due_at", "assigned_to"),
        ("decided_at", "decided_by"),
        "decision_reason",
        "changes_requested",
    )
    actions = ["assign_to_me"]

    def get_readonly_fields(self, request, obj=None):
        return [
            "seller",
            "kind",
            "status",
            "submitted_at",
            "decision_due_at",
            "assigned_to",
            "decided_at",
            "decided_by",
            "decision_reason",
            "changes_requested",
        ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(pending_checks=Count("checks", filter=~Q(checks__status=ApplicationCheck.Status.VERIFIED)))
        )

    @admin.display(description=_("checks not verified"), ordering="pending_checks")
    def open_checks(self, obj):
        return obj.pending_checks

    @admin.display(description=_("decision due"), ordering="decision_due_at")
    def deadline(self, obj):
        if not obj.decision_due_at or obj.status not in (Application.Status.SUBMITTED, Application.Status.IN_REVIEW):
            return "—"
        days = (obj.decision_due_at - timezone.now()).days
        if days < 0:
            return format_html('<strong class="deadline-overdue">{}</strong>', _("overdue by %(n)s d") % {"n": -days})
        return _("in %(n)s d") % {"n": days}

    @admin.action(description=_("Assign the selected applications to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        done = 0
        for application in queryset.filter(status__in=[Application.Status.SUBMITTED, Application.Status.IN_REVIEW]):
            svc.application_assign(application=application, actor=request.user)
            done += 1
        self.message_user(request, gettext("%(n)s application(s) assigned to you.") % {"n": done}, messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="sellers_application_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if application is not None:
            extra.update(self.review_context(request, application))
        extra.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def review_context(self, request, application: Application, *, revealed: str = "", errors=None) -> dict:
        S = Application.Status
        snapshot = application.snapshot or {}
        ids = [d["id"] for d in (snapshot.get("documents") or {}).values() if d]
        documents = {d.pk: d for d in Document.objects.filter(pk__in=ids)}
        review_documents = []
        for kind, ref in (snapshot.get("documents") or {}).items():
            doc = documents.get(ref["id"]) if ref else None
            label = Document.Kind(kind).label
            review_documents.append((label, doc, document_reuse_flags(document=doc) if doc else []))
        checks = list(application.checks.select_related("checked_by"))
        can_decide = self.has_change_permission(request, application) and application.status in (
            S.SUBMITTED,
            S.IN_REVIEW,
        )
        return {
            "application": application,
            "snap": snapshot.get("data", {}),
            "snapshot": snapshot,
            "review_documents": review_documents,
            "reuse_flag_count": sum(len(f) for _l, _d, f in review_documents),
            "checks": checks,
            "check_choices": ApplicationCheck.Status.choices,
            "blockers": svc.approval_blockers(application) if application.checks.exists() else [],
            "can_decide": can_decide,
            "in_review": application.status == S.IN_REVIEW,
            "may_reveal": request.user.has_perm("sellers.view_payment_account"),
            "revealed": revealed,
            "errors": errors or {},
            "history": list(application.seller.applications.exclude(pk=application.pk).order_by("-created_at")),
        }

    def decide_view(self, request, object_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        application = get_object_or_404(Application.objects.select_related("seller"), pk=object_id)
        if not self.has_change_permission(request, application):
            raise PermissionDenied
        change_url = reverse("admin:sellers_application_change", args=[application.pk])
        revealed = ""
        try:
            if decision == "assign":
                svc.application_assign(application=application, actor=request.user)
                done = gettext("Assigned to you; the application is in review.")
            elif decision == "checks":
                changed = 0
                rows = [  # the rows this post carries
                    (check, CheckRowForm(request.POST, prefix=check.requirement))
                    for check in application.checks.all()
                    if f"{check.requirement}-status" in request.POST
                ]
                refused = [
                    f"{check.get_requirement_display()}: {' '.join(e for errs in form.errors.values() for e in errs)}"
                    for check, form in rows
                    if not form.is_valid()
                ]
                if refused:  # save none of the rows rather than some of them silently
                    raise DomainError(
                        gettext("Nothing was saved. Correct these checks: %(rows)s") % {"rows": "; ".join(refused)}
                    )
                for check, form in rows:
                    status, note = form.cleaned_data["status"], form.cleaned_data["note"].strip()
                    if status != check.status or note != check.note:
                        svc.application_check(
                            application=application,
                            requirement=check.requirement,
                            status=status,
                            note=note,
                            actor=request.user,
                        )
                        changed += 1
                done = gettext("Checklist saved (%(n)s change(s)).") % {"n": changed}
            elif decision in ("request_changes", "reject", "approve"):
                form = TextForm(request.POST, prefix=decision)
                text = request.POST.get(f"{decision}-text", "").strip()
                if decision != "approve" and not form.is_valid():
                    raise DomainError(gettext("Write what the seller will read."))
                if decision == "request_changes":
                    svc.application_request_changes(application=application, message=text, actor=request.user)
                    done = gettext("Changes requested. The seller has been told exactly what to fix.")
                elif decision == "reject":
                    svc.application_reject(application=application, reason=text, actor=request.user)
                    done = gettext("Rejected. The seller has been told why.")
                else:
                    svc.application_approve(application=application, note=text, actor=request.user)
                    done = gettext("Approved. The seller is active and has been told.")
            elif decision == "reveal":
                revealed = svc.payment_account_reveal(application=application, actor=request.user)
                done = ""
            else:
                raise DomainError(gettext("Unknown decision."))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return self._render_again(request, application, errors={decision: request.POST})
        if revealed:
            return self._render_again(request, application, revealed=revealed)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def _render_again(self, request, application, **kwargs):
        application.refresh_from_db()
        extra = self.review_context(request, application, **kwargs)
        extra.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        request.method = "GET"
        return super().change_view(request, str(application.pk), "", extra)


@admin.register(Recertification)
class RecertificationAdmin(_ReadOnly, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("seller", "due_on", "status", "reminded_30_at", "reminded_7_at", "suspended_at", "completed_at")
    list_filter = ("status",)
    list_select_related = ("seller",)
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False
