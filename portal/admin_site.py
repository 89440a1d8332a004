"""Hallmark's console: Django's admin behind a second factor and role checks."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied
from django.db import models
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django_otp.forms import OTPAuthenticationFormMixin

from portal import audit
from portal.errors import DomainError
from portal.roles import is_auditor


class ConsoleLoginForm(AdminAuthenticationForm, OTPAuthenticationFormMixin):
    """Username, password and the current code from the staff member's authenticator app."""

    otp_token = forms.CharField(
        label=_("Authentication code"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The six-digit code from your authenticator app."),
    )
    # The mixin asks for these; we match the token against all the user's devices.
    otp_device = None
    otp_challenge = None

    def _chosen_device(self, user):
        # Staff carry one authenticator app; the code is checked against it.
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()

    def clean(self):
        cleaned = super().clean()
        user = self.get_user()
        if user is not None and not self.cleaned_data.get("otp_token"):
            raise forms.ValidationError(_("Enter the code from your authenticator app."), code="token_required")
        self.clean_otp(user)
        return cleaned


class AuditHistoryMixin:
    """Replace the admin's "History" page with the object's audit events."""

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        events = audit.events_for(obj).select_related(None)
        return self.admin_site.audit_history_response(request, model_admin=self, obj=obj, events=events)

    def get_actions(self, request):
        # Auditors never get an action, whatever permissions an action declares.
        if is_auditor(request.user):
            return {}
        return super().get_actions(request)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A console page that shows records and never adds, changes or deletes them."""

    # The read-only page still builds a form: say how a URL without a scheme reads (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def replace_registration(model, model_admin) -> None:
    """Register ``model_admin`` for a model a third-party app already put in the console (or not)."""
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)


class ServiceRefusalMixin:
    """Show a service's refusal while saving as an error on the form the officer sent, with nothing saved.

    The admin calls services from ``save_model`` (and friends), after the form has
    validated. When a service raises ``DomainError`` there, the exception leaves the
    change-form view's transaction, so everything this submission wrote is rolled
    back. The view then runs once more on the same POST, with the refusal added to
    the form's validation (next to ``DomainError.field`` when the form has that
    field, above the form otherwise): the form is invalid, nothing is saved, and the
    page shows what the officer typed and why it was refused.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            if request.method != "POST":
                raise
            request._hallmark_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_hallmark_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                self.add_error(refusal.field if refusal.field in self.fields else None, refusal.message)
                return cleaned

        return RefusedForm


class HallmarkAdminSite(admin.AdminSite):
    site_header = _("Hallmark console")
    site_title = _("Hallmark")
    index_title = _("Trust & safety")
    enable_nav_sidebar = True

    @property
    def login_form(self):
        return ConsoleLoginForm if settings.HALLMARK_STAFF_2FA else AdminAuthenticationForm

    @property
    def login_template(self):
        return "admin/hallmark_login.html"

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_staff):
            return False
        if settings.HALLMARK_STAFF_2FA and not user.is_verified():
            return False
        if is_auditor(user):
            access = getattr(user, "auditor_access", None)
            if access is None or not access.is_open():
                return False
        return True

    def register(self, model_or_iterable, admin_class=None, **options):
        # Every admin, ours or a library's, gets the audit-trail history view.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditHistoryMixin):
            admin_class = type(admin_class.__name__, (AuditHistoryMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):
        from portal.audit import views as audit_views

        return audit_views.console_urls(self) + super().get_urls()

    def get_app_list(self, request, app_label=None):
        from portal.audit import views as audit_views

        return audit_views.with_audit_pages(request, super().get_app_list(request, app_label), app_label)

    def each_context(self, request):
        ctx = super().each_context(request)
        ctx["hallmark_read_only"] = request.user.is_authenticated and is_auditor(request.user)
        return ctx

    def audit_history_response(self, request, *, model_admin, obj, events):
        opts = model_admin.model._meta
        context = {
            **self.each_context(request),
            "title": _("Audit history: %s") % obj,
            "subtitle": None,
            "events": events,
            "module_name": str(opts.verbose_name_plural).capitalize(),
            "object": obj,
            "opts": opts,
            "preserved_filters": model_admin.get_preserved_filters(request),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/hallmark_object_history.html", context)
