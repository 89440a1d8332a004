"""The seller's evidence pack: vetting decisions, documents' metadata and hashes, brand authorizations.

Found by ``portal.audit.evidence`` through ``autodiscover_modules("evidence")``. The
pack leaves the system, so it carries what an auditor needs to check the
vetting (decisions, reasons, checks, document hashes), not the KYB answers
themselves nor the payment account (masked only).
"""

from __future__ import annotations

from portal import audit
from portal.audit.evidence import Provider, Section, register
from sellers.models import Application, BrandAuthorization, Document, Invitation, Recertification, Seller


def _time(value) -> str | None:
    return audit.format_time(value) if value else None


def _user(user) -> str | None:
    return user.get_username() if user is not None else None


@register
class SellerEvidence(Provider):
    target_type = "sellers.seller"

    def get_object(self, target_id: str):
        if not str(target_id).isdigit():
            return None
        return Seller.objects.filter(pk=int(target_id)).first()

    def related_targets(self, seller):
        pairs = [("sellers.seller", str(seller.pk))]
        related = (
            ("sellers.application", Application.objects.filter(seller=seller)),
            ("sellers.document", Document.objects.filter(seller=seller)),
            ("sellers.brandauthorization", BrandAuthorization.objects.filter(seller=seller)),
            ("sellers.invitation", Invitation.objects.filter(seller=seller)),
            ("sellers.recertification", Recertification.objects.filter(seller=seller)),
        )
        for target_type, queryset in related:
            pairs += [(target_type, str(pk)) for pk in queryset.values_list("pk", flat=True)]
        pairs += [("portal.user", str(pk)) for pk in seller.members.values_list("user_id", flat=True)]
        return pairs

    def sections(self, seller):
        yield Section(
            "seller.json",
            "the seller, its status and its members",
            rows=[
                {
                    "id": seller.pk,
                    "legal_name": seller.legal_name,
                    "trading_name": seller.trading_name,
                    "country": seller.country,
                    "status": seller.status,
                    "status_reason": seller.status_reason,
                    "approved_at": _time(seller.approved_at),
                    "suspended_until": _time(seller.suspended_until),
                    "relationship_ended_at": _time(seller.relationship_ended_at),
                    "created_at": _time(seller.created_at),
                    "members": [
                        {"user": _user(m.user), "is_owner": m.is_owner, "since": _time(m.created_at)}
                        for m in seller.members.select_related("user").order_by("pk")
                    ],
                }
            ],
        )
        yield Section(
            "applications.json",
            "vetting decisions with their reasons and the officer's checklist",
            rows=[
                {
                    "id": app.pk,
                    "kind": app.kind,
                    "status": app.status,
                    "submitted_at": _time(app.submitted_at),
                    "decision_due_at": _time(app.decision_due_at),
                    "decided_at": _time(app.decided_at),
                    "decided_by": _user(app.decided_by),
                    "decision_reason": app.decision_reason,
                    "changes_requested": app.changes_requested,
                    "self_certification_version": app.self_certification_version,
                    "self_certified_at": _time(app.self_certified_at),
                    "payment_account": app.payment_account_masked,
                    "checks": [
                        {
                            "requirement": check.requirement,
                            "status": check.status,
                            "note": check.note,
                            "checked_by": _user(check.checked_by),
                            "checked_at": _time(check.checked_at),
                        }
                        for check in app.checks.all()
                    ],
                }
                for app in Application.objects.filter(seller=seller)
                .select_related("decided_by")
                .prefetch_related("checks__checked_by")
                .order_by("pk")
            ],
        )
        yield Section(
            "documents.json",
            "documents' metadata and content hashes (the files themselves stay in Hallmark)",
            rows=[
                {
                    "id": doc.pk,
                    "kind": doc.kind,
                    "status": doc.status,
                    "original_name": doc.original_name,
                    "content_type": doc.content_type,
                    "size": doc.size,
                    "sha256": doc.sha256,
                    "phash": f"{doc.phash & 0xFFFFFFFFFFFFFFFF:016x}" if doc.phash is not None else None,
                    "uploaded_by": _user(doc.uploaded_by),
                    "uploaded_at": _time(doc.uploaded_at),
                    "processed_at": _time(doc.processed_at),
                    "rejection_reason": doc.rejection_reason,
                }
                for doc in Document.objects.filter(seller=seller).select_related("uploaded_by").order_by("pk")
            ],
        )
        yield Section(
            "brand_authorizations.json",
            "brand authorizations, their basis, scope, term and decision",
            rows=[
                {
                    "id": authz.pk,
                    "brand": authz.brand.name,
                    "basis": authz.basis,
                    "status": authz.status,
                    "territories": authz.territories,
                    "categories": authz.categories,
                    "valid_from": authz.valid_from.isoformat() if authz.valid_from else None,
                    "valid_until": authz.valid_until.isoformat() if authz.valid_until else None,
                    "decided_at": _time(authz.decided_at),
                    "decision_reason": authz.decision_reason,
                    "documents": sorted(d.pk for d in authz.documents.all()),
                }
                for authz in BrandAuthorization.objects.filter(seller=seller)
                .select_related("brand")
                .prefetch_related("documents")
                .order_by("pk")
            ],
        )
        yield Section(
            "recertifications.json",
            "yearly recertifications",
            rows=[
                {
                    "id": r.pk,
                    "due_on": r.due_on.isoformat(),
                    "status": r.status,
                    "application": r.application_id,
                    "suspended_at": _time(r.suspended_at),
                    "completed_at": _time(r.completed_at),
                }
                for r in Recertification.objects.filter(seller=seller).order_by("pk")
            ],
        )
