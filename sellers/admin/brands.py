"""Console: brands, their owners, trademark registrations and the brand authorization review."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_site import AuditHistoryMixin, ServiceRefusalMixin
from portal.errors import DomainError
from sellers.models import (
    Brand,
    BrandAuthorization,
    BrandImage,
    BrandOwner,
    BrandOwnerApiKey,
    BrandOwnerContact,
    BrandReferencePrice,
    TrademarkRegistration,
)
from sellers.services import brands as svc


class BrandOwnerContactInline(admin.TabularInline):
    model = BrandOwnerContact
    extra = 0


class BrandOwnerApiKeyInline(admin.TabularInline):
    """Read-only: a link limits its key to the owner's brands, so unlinking would widen the key.

    Keys are issued with the owners list's "Issue a brand-gate API key" action (audited)
    and revoked under Portal > API keys.
    """

    model = BrandOwnerApiKey
    extra = 0
    fields = readonly_fields = ("api_key",)
    verbose_name_plural = _("API keys (issue them with the action on the owners list; revoke under Portal > API keys)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BrandOwner)
class BrandOwnerAdmin(ServiceRefusalMixin, AuditHistoryMixin, admin.ModelAdmin):
    list_display = ("name", "country", "website", "brand_count")
    search_fields = ("name", "contacts__email")
    readonly_fields = ("created_at",)  # set when the owner is registered, never edited
    inlines = [BrandOwnerContactInline, BrandOwnerApiKeyInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["issue_api_key"]

    def has_issue_key_permission(self, request) -> bool:
        return request.user.has_perm("portal.add_apikey")

    @admin.action(description=_("Issue a brand-gate API key to each selected owner"), permissions=["issue_key"])
    def issue_api_key(self, request, queryset):
        for owner in queryset:
            _link, secret = svc.brand_owner_api_key_issue(owner=owner, actor=request.user)
            self.message_user(
                request,
                gettext("Key for %(owner)s — copy it now, it will not be shown again: %(key)s")
                % {"owner": owner.name, "key": secret},
                messages.WARNING,
            )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(brand_count=Count("brands"))

    @admin.display(description=_("brands"), ordering="brand_count")
    def brand_count(self, obj) -> int:
        return obj.brand_count

    def save_model(self, request, obj, form, change):
        # A rights holder's details and contacts are audited registry changes: each goes through its service.
        if change:
            svc.brand_owner_update(
                owner=obj, name=obj.name, country=obj.country, website=obj.website, actor=request.user
            )
            return
        created = svc.brand_owner_create(name=obj.name, country=obj.country, website=obj.website, actor=request.user)
        obj.pk = created.pk
        obj.created_at = created.created_at

    def save_formset(self, request, form, formset, change):
        if formset.model is not BrandOwnerContact:
            return super().save_formset(request, form, formset, change)
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            svc.brand_owner_contact_remove(contact=row, actor=request.user)
        for row in rows:
            row.owner = form.instance
            svc.brand_owner_contact_save(contact=row, actor=request.user)
        return None


class TrademarkInline(admin.TabularInline):
    model = TrademarkRegistration
    extra = 0
    fields = ("office", "number", "owner_name", "nice_classes", "registered_on", "expires_on")


class ReferencePriceForm(forms.ModelForm):
    def clean(self):
        data = super().clean()
        errors = svc.reference_price_errors(
            category=data.get("category", ""), currency=data.get("currency", ""), amount=data.get("amount")
        )
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)
        return data


class ReferencePriceInline(admin.TabularInline):
    model = BrandReferencePrice
    form = ReferencePriceForm
    extra = 0
    fields = ("category", "currency", "amount", "updated_at")
    readonly_fields = ("updated_at",)


class BrandImageInline(admin.TabularInline):
    """Official images are added through ``brand_image_add`` (re-encoded and hashed), never typed in."""

    model = BrandImage
    extra = 0
    fields = ("title", "width", "height", "phash", "sha256", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class BrandForm(forms.ModelForm):
    class Meta:
        model = Brand
        fields = ("name", "protected", "owner")

    def clean_name(self):
        # The registry compares names without case ("nike" is "Nike"): say so on the form, not as an error page.
        name = self.cleaned_data["name"].strip()
        if Brand.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A brand with this name already exists."))
        return name


class BrandImageUploadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    image = forms.ImageField(label=_("Official product image (JPEG, PNG or WebP)"))


def _refusal(exc: ValidationError) -> DomainError:
    """A registry service's refusal (a name taken since the form checked, say), for ServiceRefusalMixin to show."""
    field = next(iter(exc.message_dict), None) if hasattr(exc, "error_dict") else None
    return DomainError(" ".join(exc.messages), field=field)


@admin.register(Brand)
class BrandAdmin(ServiceRefusalMixin, AuditHistoryMixin, admin.ModelAdmin):
    form = BrandForm
    change_form_template = "admin/sellers/brand/change_form.html"
    list_display = ("name", "protected", "owner", "trademark_count", "authorization_count")
    list_filter = ("protected",)
    list_select_related = ("owner",)
    search_fields = ("name", "slug", "trademarks__number")
    inlines = [TrademarkInline, ReferencePriceInline, BrandImageInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                trademark_count=Count("trademarks", distinct=True),
                authorization_count=Count("authorizations", distinct=True),
            )
        )

    @admin.display(description=_("trademarks"), ordering="trademark_count")
    def trademark_count(self, obj) -> int:
        return obj.trademark_count

    @admin.display(description=_("authorizations"), ordering="authorization_count")
    def authorization_count(self, obj) -> int:
        return obj.authorization_count

    def get_urls(self):
        return [
            path(
                "<path:object_id>/images/add/",
                self.admin_site.admin_view(self.add_image_view),
                name="sellers_brand_add_image",
            ),
            *super().get_urls(),
        ]

    def add_image_view(self, request, object_id):
        brand = get_object_or_404(Brand, pk=object_id)
        if not self.has_change_permission(request, brand):
            raise PermissionDenied
        form = BrandImageUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                svc.brand_image_add(
                    brand=brand,
                    uploaded_file=form.cleaned_data["image"],
                    title=form.cleaned_data["title"],
                    actor=request.user,
                )
            except ValidationError as exc:
                for message in exc.message_dict.get("image", exc.messages):
                    form.add_error("image", message)
            else:
                self.message_user(request, gettext("Image added and fingerprinted."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:sellers_brand_change", args=[brand.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": brand,
            "title": gettext("Add an official image of %(brand)s") % {"brand": brand.name},
            "form": form,
        }
        return TemplateResponse(request, "admin/sellers/brand/add_image.html", context)

    def save_model(self, request, obj, form, change):
        # Creation and the protected flag are audited state changes; go through the services.
        if not change:
            try:
                created = svc.brand_create(name=obj.name, protected=obj.protected, owner=obj.owner, actor=request.user)
            except ValidationError as exc:
                raise _refusal(exc) from exc
            obj.pk, obj.slug, obj.created_at = created.pk, created.slug, created.created_at
            return
        if "protected" in form.changed_data:
            svc.brand_set_protected(brand=obj, protected=obj.protected, actor=request.user)
        if {"name", "owner"} & set(form.changed_data):
            try:
                svc.brand_update(brand=obj, name=obj.name, owner=obj.owner, actor=request.user)
            except ValidationError as exc:
                raise _refusal(exc) from exc

    def save_formset(self, request, form, formset, change):
        # Trademarks and reference prices are audited registry changes: each row goes through its service.
        if formset.model not in (TrademarkRegistration, BrandReferencePrice):
            return super().save_formset(request, form, formset, change)
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            if formset.model is TrademarkRegistration:
                svc.trademark_remove(registration=row, actor=request.user)
            else:
                svc.brand_reference_price_remove(price=row, actor=request.user)
        for row in rows:
            if formset.model is TrademarkRegistration:
                svc.trademark_save(registration=row, actor=request.user)
                continue
            if row.pk and {"category", "currency"} & set(_changed(formset, row)):
                old = BrandReferencePrice.objects.get(pk=row.pk)
                svc.brand_reference_price_remove(price=old, actor=request.user)
            svc.brand_reference_price_set(
                brand=row.brand, category=row.category, currency=row.currency, amount=row.amount, actor=request.user
            )


def _changed(formset, instance) -> list[str]:
    return next((f.changed_data for f in formset.forms if f.instance is instance), [])


# --- Authorization review ----------------------------------------------------------------


def checklist_form_class(basis: str) -> type[forms.Form]:
    fields = {key: forms.BooleanField(label=label, required=False) for key, label in svc.checklist_for(basis)}
    fields["note"] = forms.CharField(
        label=_("Note to the seller (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    return type("ChecklistForm", (forms.Form,), fields)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason the seller will read"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


@admin.register(BrandAuthorization)
class BrandAuthorizationAdmin(AuditHistoryMixin, admin.ModelAdmin):
    change_form_template = "admin/sellers/brandauthorization/change_form.html"
    list_display = ("id", "seller", "brand", "basis", "status", "valid_from", "valid_until", "created_at")
    list_filter = ("status", "basis", ("brand", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("seller", "brand")
    search_fields = ("seller__legal_name", "seller__trading_name", "brand__name")
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-created_at",)
    actions = ["start_review"]
    fieldsets = (
        (None, {"fields": ("seller", "brand", "basis", "status", "territory_list", "category_list")}),
        (_("Term"), {"fields": ("valid_from", "valid_until", "upstream_valid_until")}),
        (
            _("Proof as stated by the seller"),
            {
                "fields": (
                    "licensor_name",
                    "upstream_licensor_name",
                    "supplier_name",
                    "latest_invoice_date",
                    "seller_note",
                )
            },
        ),
        (
            _("Decision"),
            {"fields": ("reviewer", "decided_at", "decision_reason", "checklist", "ended_at", "requested_by")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        # Every change goes through a service (the review panel above the record).
        return [*(f.name for f in self.model._meta.fields if f.name != "id"), "territory_list", "category_list"]

    @admin.display(description=_("countries"))
    def territory_list(self, obj) -> str:
        return ", ".join(obj.territories) or gettext("worldwide")

    @admin.display(description=_("categories"))
    def category_list(self, obj) -> str:
        return ", ".join(obj.categories) or gettext("all")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Take the selected requests into review"), permissions=["change"])
    def start_review(self, request, queryset):
        done = 0
        for authz in queryset.filter(status=BrandAuthorization.Status.REQUESTED):
            svc.authorization_start_review(authorization=authz, actor=request.user)
            done += 1
        self.message_user(request, gettext("%(n)s request(s) taken into review.") % {"n": done}, messages.SUCCESS)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/decide/<str:decision>/",
                self.admin_site.admin_view(self.decide_view),
                name="sellers_brandauthorization_decide",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        authz = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if authz is not None:
            extra.update(self.review_context(request, authz))
        extra.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def review_context(self, request, authz: BrandAuthorization, forms_with_errors: dict | None = None) -> dict:
        S = BrandAuthorization.Status
        flags = svc.document_flags(authorization=authz)
        documents = [(doc, flags.get(doc.pk, [])) for doc in authz.documents.order_by("pk")]
        trademarks = list(authz.brand.trademarks.all())
        can_decide = self.has_change_permission(request, authz)
        given = forms_with_errors or {}
        return {
            "authz": authz,
            "review_documents": documents,
            "reuse_flag_count": sum(len(f) for _doc, f in documents),
            "brand_trademarks": trademarks,
            "brand_owner": authz.brand.owner,
            "can_decide": can_decide,
            "is_open": authz.status in (S.REQUESTED, S.IN_REVIEW),
            "is_requested": authz.status == S.REQUESTED,
            "is_approved": authz.status == S.APPROVED,
            "checklist_form": given.get("approve") or checklist_form_class(authz.basis)(prefix="approve"),
            "reject_form": given.get("reject") or ReasonForm(prefix="reject"),
            "revoke_form": given.get("revoke") or ReasonForm(prefix="revoke"),
        }

    def decide_view(self, request, object_id, decision):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        authz = get_object_or_404(BrandAuthorization.objects.select_related("seller", "brand"), pk=object_id)
        if not self.has_change_permission(request, authz):
            raise PermissionDenied
        change_url = reverse("admin:sellers_brandauthorization_change", args=[authz.pk])
        form = None
        try:
            if decision == "start_review":
                svc.authorization_start_review(authorization=authz, actor=request.user)
                done = gettext("Taken into review.")
            elif decision == "approve":
                form = checklist_form_class(authz.basis)(request.POST, prefix="approve")
                form.is_valid()
                confirmed = [key for key, _label in svc.checklist_for(authz.basis) if form.cleaned_data.get(key)]
                svc.authorization_approve(
                    authorization=authz, actor=request.user, checklist=confirmed, note=form.cleaned_data.get("note", "")
                )
                done = gettext("Approved. The seller has been told.")
            elif decision in ("reject", "revoke"):
                form = ReasonForm(request.POST, prefix=decision)
                if not form.is_valid():
                    raise DomainError(gettext("Give a reason the seller can read."))
                service = svc.authorization_reject if decision == "reject" else svc.authorization_revoke
                service(authorization=authz, actor=request.user, reason=form.cleaned_data["reason"])
                done = (
                    gettext("Rejected. The seller has been told why.")
                    if decision == "reject"
                    else gettext("Revoked. The seller has been told why; their listings of the brand are restricted.")
                )
            else:
                raise DomainError(gettext("Unknown decision."))
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            # Show the screen again with what the officer ticked or typed, nothing lost.
            extra = self.review_context(request, authz, forms_with_errors={decision: form} if form else None)
            extra.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
            return super().change_view(_as_get(request), str(authz.pk), "", extra)
        self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(change_url)


def _as_get(request):
    # Render the change page (a GET screen) from within the POST that failed.
    request.method = "GET"
    return request
