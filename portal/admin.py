from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.admin_site import ReadOnlyAdmin, ServiceRefusalMixin, replace_registration
from portal.api_auth import Scope
from portal.audit.export import EVENT_FIELDS
from portal.audit.models import AuditEvent
from portal.models import ApiKey, AuditorAccess, Notification, User


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor_display", "actor_role", "action", "target_type", "target_id", "reason")
    list_filter = ("actor_role", "target_type", "action")
    search_fields = ("action", "target_id", "actor_display", "request_id", "hash")
    date_hierarchy = "created_at"
    show_full_result_count = False
    list_per_page = 50
    ordering = ("-seq",)
    fields = tuple(f for f in EVENT_FIELDS if f != "actor_id")


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "to_email", "subject", "status", "attempts", "sent_at")
    list_filter = ("status", "kind")
    search_fields = ("to_email", "subject", "target_id")
    show_full_result_count = False


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    list_display = ("name", "prefix", "scopes", "owner", "created_at", "last_used_at", "revoked_at")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix")
    readonly_fields = ("prefix", "created_at", "created_by", "last_used_at", "revoked_at", "revoked_reason")
    actions = ("revoke_keys",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("name", "scopes", "owner")
        return ("name", "scopes", "owner", *self.readonly_fields)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is None else ("name", "scopes", "owner", *self.readonly_fields)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "scopes":
            from django import forms

            return forms.MultipleChoiceField(
                choices=[(s, s) for s in Scope.ALL], widget=forms.CheckboxSelectMultiple, label=_("Scopes")
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            raise PermissionDenied
        # A refusal (DomainError) becomes an error on this form, with nothing saved: see ServiceRefusalMixin.
        key, full = services.api_key_create(
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            actor=request.user,
            owner=form.cleaned_data.get("owner"),
        )
        obj.pk = key.pk
        messages.warning(request, _("Copy this key now; it will not be shown again: %(key)s") % {"key": full})

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke selected API keys"), permissions=["change"])
    def revoke_keys(self, request, queryset):
        count = 0
        for key in queryset:
            if key.revoked_at is None:
                services.api_key_revoke(api_key=key, actor=request.user, reason="revoked in the console")
                count += 1
        self.message_user(request, _("%(count)d key(s) revoked.") % {"count": count})


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_staff", "is_active", "roles", "last_login")
    list_filter = ("is_staff", "is_active", "groups")

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return ", ".join(g.name for g in obj.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def save_model(self, request, obj, form, change):
        services.user_save_from_console(user=obj, form=form, change=change, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the new password itself; record it in the same transaction.
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                services.user_password_changed(user=self.get_object(request, id), actor=request.user)
        return response

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.groups.values_list("name", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("name", flat=True))
        if before != after:
            services.user_roles_changed(user=form.instance, before=before, after=after, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Accounts are deactivated, never deleted: audit events refer to them.
        return False


class RoleAdmin(DjangoGroupAdmin, ReadOnlyAdmin):
    """Roles are defined in portal/roles.py; the console shows them, nobody edits them here."""


replace_registration(Group, RoleAdmin)


class AuditorAccessForm(forms.ModelForm):
    class Meta:
        model = AuditorAccess
        fields = ("user", "firm", "starts_at", "ends_at")

    def clean(self):
        cleaned = super().clean()
        # The rules are the service's; asking here puts each message next to its field.
        user = self.instance.user if self.instance.pk else cleaned.get("user")
        problems = services.auditor_access_problems(
            user=user,
            firm=cleaned.get("firm") or "",
            starts_at=cleaned.get("starts_at"),
            ends_at=cleaned.get("ends_at"),
        )
        for field, message in problems.items():
            if field not in self.errors:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(AuditorAccess)
class AuditorAccessAdmin(ServiceRefusalMixin, admin.ModelAdmin):
    form = AuditorAccessForm
    list_display = ("user", "firm", "starts_at", "ends_at")
    search_fields = ("user__username", "firm")
    autocomplete_fields = ("user",)

    def get_readonly_fields(self, request, obj=None):
        # A window belongs to one auditor: handing it to someone else would end the first
        # auditor's access without an event on their account. Give the other person their own.
        return ("user",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        access = services.auditor_access_set(
            user=obj.user, firm=obj.firm, starts_at=obj.starts_at, ends_at=obj.ends_at, actor=request.user
        )
        obj.pk = access.pk

    def has_delete_permission(self, request, obj=None):
        return False


# --- Second-factor devices: django-otp's pages, with every change audited -------------
# Staff enrol through these pages (an administrator adds the device and shows its QR
# code), so they stay; saving and deleting go through portal.services.


class AuditedDeviceMixin:
    def save_model(self, request, obj, form, change):
        services.otp_device_save(device=obj, changed=list(form.changed_data), actor=request.user, created=not change)

    def save_formset(self, request, form, formset, change):
        # The static device's backup codes (its one inline).
        saved = formset.save(commit=False)
        services.otp_device_tokens_save(
            device=form.instance, saved=saved, removed=formset.deleted_objects, actor=request.user
        )

    def delete_model(self, request, obj):
        services.otp_device_remove(device=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for device in queryset:
            services.otp_device_remove(device=device, actor=request.user)


class AuditedTOTPDeviceAdmin(AuditedDeviceMixin, TOTPDeviceAdmin):
    pass


class AuditedStaticDeviceAdmin(AuditedDeviceMixin, StaticDeviceAdmin):
    pass


replace_registration(TOTPDevice, AuditedTOTPDeviceAdmin)
replace_registration(StaticDevice, AuditedStaticDeviceAdmin)


# --- Lock-outs: django-axes' page, where deleting a record lets the account try again -----


class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    def delete_model(self, request, obj):
        services.lockouts_reset(attempts=[obj], actor=request.user)

    def delete_queryset(self, request, queryset):
        services.lockouts_reset(attempts=list(queryset), actor=request.user)


# django-axes' log-in history is evidence: readable in the console, never edited or deleted there.
class ReadOnlyAccessLogAdmin(ReadOnlyAdmin, AccessLogAdmin):
    pass


class ReadOnlyAccessFailureLogAdmin(ReadOnlyAdmin, AccessFailureLogAdmin):
    pass


if getattr(settings, "AXES_ENABLE_ADMIN", True):  # axes puts its pages in the console only then
    replace_registration(AccessAttempt, AuditedAccessAttemptAdmin)
    replace_registration(AccessLog, ReadOnlyAccessLogAdmin)
    replace_registration(AccessFailureLog, ReadOnlyAccessFailureLogAdmin)
