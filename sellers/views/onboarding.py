"""Seller pages: invitation, application wizard, status, recertification, document downloads."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from portal.errors import DomainError
from portal.roles import is_auditor
from sellers.decorators import seller_member_required
from sellers.forms import onboarding as forms
from sellers.models import Application, Document, Recertification
from sellers.selectors import applications_visible_to, documents_visible_to
from sellers.services import documents as document_services
from sellers.services import onboarding as services

STEPS = [
    ("business", gettext_lazy("Business")),
    ("contacts", gettext_lazy("Contacts")),
    ("representative", gettext_lazy("Legal representative")),
    ("payment", gettext_lazy("Payment account")),
    ("documents", gettext_lazy("Documents")),
    ("certification", gettext_lazy("Self-certification")),
    ("review", gettext_lazy("Review and submit")),
]
STEP_NAMES = [name for name, _label in STEPS]
FORMS = {
    "business": forms.BusinessForm,
    "contacts": forms.ContactsForm,
    "representative": forms.RepresentativeForm,
    "payment": forms.PaymentForm,
    "documents": forms.DocumentsForm,
    "certification": forms.CertificationForm,
}
DOCUMENT_FIELDS = {
    "business_registration": Document.Kind.BUSINESS_REGISTRATION,
    "proof_of_address": Document.Kind.PROOF_OF_ADDRESS,
    "tax_document": Document.Kind.TAX_DOCUMENT,
}


def _open_application(request) -> Application | None:
    return applications_visible_to(request.user).filter(status__in=Application.EDITABLE).first()


# --- invitations ---------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_for_token(token)
    except DomainError as refusal:
        status = 404 if refusal.code == "unknown" else 410
        return render(request, "sellers/invitation_invalid.html", {"message": refusal.message}, status=status)
    if request.user.is_authenticated:
        return render(
            request,
            "sellers/invitation_invalid.html",
            {"message": _("You are signed in already. Sign out first to accept an invitation for a new business.")},
            status=409,
        )
    form = forms.InvitationAcceptForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
            )
        except DomainError as refusal:
            return render(request, "sellers/invitation_invalid.html", {"message": refusal.message}, status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready. Let us start with your business."))
        return redirect("sellers:wizard")
    return render(request, "sellers/invitation_accept.html", {"invitation": invitation, "form": form})


# --- the wizard ---------------------------------------------------------------------------------


@seller_member_required
@require_safe
def wizard(request):
    application = _open_application(request)
    if application is None:
        return redirect("sellers:status")
    missing = {step for step, _what in services.application_missing(application)}
    first = next((s for s in STEP_NAMES if s in missing), "review")
    return redirect("sellers:wizard-step", step=first)


def _initial(application: Application, step: str) -> dict:
    if step == "payment":
        return dict(application.data.get("payment", {}))
    if step == "certification":
        return {"confirm": application.self_certification_version == forms.SELF_CERTIFICATION_VERSION}
    return dict(application.data.get(step, {}))


def _form(step: str, application: Application, documents: dict, data=None, files=None):
    kwargs = {"initial": _initial(application, step)}
    if step == "representative":
        doc = documents.get(Document.Kind.ID_DOCUMENT)
        kwargs["has_id_document"] = doc is not None and doc.status != Document.Status.REJECTED
    if step == "documents":
        kwargs["have"] = {
            field
            for field, kind in DOCUMENT_FIELDS.items()
            if documents.get(kind) is not None and documents[kind].status != Document.Status.REJECTED
        }
    return FORMS[step](data, files, **kwargs)


def _save(request, application: Application, step: str, form) -> None:
    user, seller = request.user, request.seller
    if step == "payment":
        data = form.cleaned_data
        services.application_save_payment(
            application=application,
            holder=data["holder"],
            account=data["account"],
            account_type=data["account_type"],
            bank_country=data["bank_country"],
            actor=user,
        )
    elif step == "documents":
        for field, kind in DOCUMENT_FIELDS.items():
            upload = form.cleaned_data.get(field)
            if upload is not None:
                issued = form.cleaned_data.get("proof_of_address_date") if field == "proof_of_address" else None
                document_services.document_upload(
                    seller=seller, kind=kind, uploaded_file=upload, actor=user, issued_on=issued
                )
    elif step == "certification":
        services.application_certify(application=application, actor=user)
    else:
        answers = form.answers()
        answers.pop("id_document", None)
        services.application_save_step(application=application, step=step, data=answers, actor=user)
        if step == "representative" and form.cleaned_data.get("id_document") is not None:
            document_services.document_upload(
                seller=seller,
                kind=Document.Kind.ID_DOCUMENT,
                uploaded_file=form.cleaned_data["id_document"],
                actor=user,
            )


@never_cache
@seller_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def wizard_step(request, step: str):
    if step not in STEP_NAMES:
        raise Http404(_("There is no such step."))
    application = _open_application(request)
    if application is None:
        messages.info(request, _("Your application is with our vetting team; you can follow it here."))
        return redirect("sellers:status")
    documents = services.application_documents(application)
    error = ""
    form = None
    if step != "review":
        post = request.method == "POST"
        form = _form(step, application, documents, request.POST if post else None, request.FILES if post else None)
        if post and form.is_valid():
            try:
                _save(request, application, step, form)
            except DomainError as refusal:
                error = refusal.message
            else:
                if request.POST.get("action") == "exit":
                    messages.success(request, _("Saved. You can come back any time to continue."))
                    return redirect("sellers:status")
                messages.success(request, _("Saved."))
                return redirect("sellers:wizard-step", step=STEP_NAMES[STEP_NAMES.index(step) + 1])
    elif request.method == "POST":
        try:
            services.application_submit(application=application, actor=request.user)
        except DomainError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("Thank you. Your application is submitted; we decide within 10 days."))
            return redirect("sellers:status")
    application.refresh_from_db()
    documents = services.application_documents(application)
    missing = services.application_missing(application, documents)
    missing_steps = {s for s, _what in missing}
    progress = [
        {"name": name, "label": label, "done": name not in missing_steps and name != "review", "current": name == step}
        for name, label in STEPS
    ]
    context = {
        "application": application,
        "step": step,
        "step_label": dict(STEPS)[step],
        "step_number": STEP_NAMES.index(step) + 1,
        "step_count": len(STEPS),
        "progress": progress,
        "form": form,
        "error": error,
        "documents": documents,
        "missing": missing,
        "certification_version": forms.SELF_CERTIFICATION_VERSION,
        "previous": STEP_NAMES[STEP_NAMES.index(step) - 1] if step != STEP_NAMES[0] else None,
    }
    status = 400 if (form is not None and form.is_bound and not form.is_valid()) or error else 200
    return render(request, "sellers/wizard.html", context, status=status)


# --- status and recertification -------------------------------------------------------------------


@seller_member_required
@require_safe
def status(request):
    seller = request.seller
    applications = list(applications_visible_to(request.user).order_by("-created_at"))
    current = applications[0] if applications else None
    documents = list(documents_visible_to(request.user).filter(seller=seller).order_by("-uploaded_at"))
    recertification = (
        Recertification.objects.filter(
            seller=seller,
            status__in=[Recertification.Status.OPEN, Recertification.Status.SUBMITTED, Recertification.Status.LAPSED],
        )
        .order_by("due_on")
        .first()
    )
    failed = list(current.checks.filter(status="failed")) if current else []
    return render(
        request,
        "sellers/status.html",
        {
            "seller": seller,
            "current": current,
            "applications": applications,
            "documents": documents,
            "recertification": recertification,
            "failed_checks": failed,
            "recertify_now": bool(recertification and services.recertification_window_open(recertification)),
        },
    )


@seller_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def recertify(request):
    seller = request.seller
    recertification = (
        Recertification.objects.filter(
            seller=seller, status__in=[Recertification.Status.OPEN, Recertification.Status.LAPSED]
        )
        .order_by("due_on")
        .first()
    )
    if request.method == "POST":
        try:
            services.recertification_start(seller=seller, actor=request.user)
        except DomainError as refusal:
            messages.error(request, refusal.message)
            return redirect("sellers:status")
        return redirect("sellers:wizard")
    return render(request, "sellers/recertify.html", {"recertification": recertification})


@never_cache
@seller_member_required
@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request):
    """Confirm, then withdraw the seller's open application."""
    application = applications_visible_to(request.user).filter(status__in=Application.OPEN).first()
    if application is None:
        messages.info(request, _("There is no open application to withdraw."))
        return redirect("sellers:status")
    if request.method == "POST":
        if request.POST.get("confirm") != "withdraw":
            messages.error(request, _("Confirm with the button below to withdraw the application."))
            return render(request, "sellers/withdraw.html", {"application": application}, status=400)
        reason = request.POST.get("reason", "")[:1000]
        try:
            services.application_withdraw(application=application, actor=request.user, reason=reason)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your application was withdrawn. You can start again whenever you are ready."))
        return redirect("sellers:status")
    return render(request, "sellers/withdraw.html", {"application": application})


# --- documents -----------------------------------------------------------------------------------------


def _may_download(request) -> None:
    # Staff download on the console's terms: second factor, and an auditor only inside their window.
    if request.user.is_staff and not admin.site.has_permission(request):
        raise Http404(_("No such document."))


def _serve(request, pk: int, *, thumbnail: bool):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _may_download(request)
    document = documents_visible_to(request.user).filter(pk=pk, status=Document.Status.ACCEPTED).first()
    name = document and (document.thumbnail_name if thumbnail else document.stored_name)
    if not name:
        raise Http404(_("No such document."))
    if is_auditor(request.user):
        document_services.document_record_download(document=document, actor=request.user)
    extension = "png" if thumbnail else name.rsplit(".", 1)[-1]
    filename = f"{document.kind}-{document.pk}{'-preview' if thumbnail else ''}.{extension}"
    response = FileResponse(
        default_storage.open(name, "rb"),
        as_attachment=True,
        filename=filename,
        content_type="image/png" if thumbnail else document.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def document_download(request, pk: int):
    return _serve(request, pk, thumbnail=False)


@require_safe
def document_thumbnail(request, pk: int):
    return _serve(request, pk, thumbnail=True)
