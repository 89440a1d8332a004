"""The case's evidence pack, and moderation's part of a seller's pack.

Found by ``portal.audit.evidence`` through ``autodiscover_modules("evidence")``.
Statements of reasons are given as decided and, for restrictive decisions, in
the EU DSA Transparency Database submission format.
"""

from __future__ import annotations

from django.core.files.storage import default_storage

from moderation import dsa
from moderation.models import Appeal, Case, Decision, Notice, Strike
from portal import audit, fingerprints
from portal.audit.evidence import Extension, Provider, Section, register, register_extension


def _time(value) -> str | None:
    return audit.format_time(value) if value else None


def _user(user) -> str | None:
    return user.get_username() if user is not None else None


def _decision_row(decision: Decision) -> dict:
    try:
        transparency_db = dsa.statement(decision)
    except dsa.NotExportable:
        transparency_db = None
    return {
        "id": decision.pk,
        "puid": str(decision.puid),
        "case": decision.case_id,
        "listing": decision.listing_id,
        "seller": decision.seller_id,
        "action": decision.action,
        "status": decision.status,
        "policy": decision.policy.code if decision.policy else None,
        "decided_by": _user(decision.decided_by),
        "decided_at": _time(decision.decided_at),
        "statement_of_reasons": {
            "measure": decision.action,
            "territorial_scope": decision.territorial_scope,
            "ends_at": _time(decision.ends_at),
            "facts": decision.facts,
            "explanation": decision.explanation,
            "from_notice": decision.from_notice,
            "trusted_flagger": decision.trusted_flagger,
            "automated_detection": decision.automated_detection,
            "automated_decision": decision.automated_decision,
            "legal_or_contractual_ground": decision.policy.reference if decision.policy else None,
            "appeal_until": _time(decision.appeal_until),
        },
        "transparency_database_submission": transparency_db,
    }


def _appeal_row(appeal: Appeal) -> dict:
    return {
        "id": appeal.pk,
        "decision": appeal.decision_id,
        "status": appeal.status,
        "submitted_by": _user(appeal.submitted_by),
        "submitted_at": _time(appeal.submitted_at),
        "grounds": appeal.grounds,
        "decided_by": _user(appeal.decided_by),
        "decided_at": _time(appeal.decided_at),
        "outcome_explanation": appeal.outcome_explanation,
    }


def _decisions(queryset):
    return queryset.select_related("policy", "decided_by", "listing").order_by("pk")


@register
class CaseEvidence(Provider):
    target_type = "moderation.case"

    def get_object(self, target_id: str):
        if not str(target_id).isdigit():
            return None
        return Case.objects.select_related("listing").filter(pk=int(target_id)).first()

    def label(self, case) -> str:
        return f"{case} — {case.listing}"

    def related_targets(self, case):
        decision_ids = list(Decision.objects.filter(case=case).values_list("pk", flat=True))
        pairs = [("moderation.case", str(case.pk)), ("moderation.listing", str(case.listing_id))]
        pairs += [
            ("moderation.notice", str(pk)) for pk in Notice.objects.filter(case=case).values_list("pk", flat=True)
        ]
        pairs += [("moderation.decision", str(pk)) for pk in decision_ids]
        pairs += [
            ("moderation.appeal", str(pk))
            for pk in Appeal.objects.filter(decision_id__in=decision_ids).values_list("pk", flat=True)
        ]
        pairs += [
            ("moderation.strike", str(pk))
            for pk in Strike.objects.filter(decision_id__in=decision_ids).values_list("pk", flat=True)
        ]
        return pairs

    def sections(self, case):
        listing = case.listing
        yield Section(
            "case.json",
            "the case, its source, signals and dates",
            rows=[
                {
                    "id": case.pk,
                    "status": case.status,
                    "source": case.source,
                    "reason": case.reason,
                    "automated": case.automated,
                    "priority": case.priority,
                    "signals": case.signals,
                    "findings": case.findings,
                    "opened_at": _time(case.opened_at),
                    "due_at": _time(case.due_at),
                    "escalated_at": _time(case.escalated_at),
                    "decided_at": _time(case.decided_at),
                    "closed_at": _time(case.closed_at),
                    "listing": {
                        "id": listing.pk,
                        "external_id": listing.external_id,
                        "seller": listing.seller_id,
                        "brand": listing.brand_id,
                        "title": listing.title,
                        "url": listing.url,
                        "price": str(listing.price),
                        "currency": listing.currency,
                        "status": listing.status,
                        "status_reason": listing.status_reason,
                    },
                }
            ],
        )
        yield Section(
            "notices.json",
            "the notices (DSA Art. 16) that joined the case",
            rows=[
                {
                    "id": n.pk,
                    "channel": n.channel,
                    "reason": n.reason,
                    "notifier": {"id": n.notifier_id, "kind": n.notifier.kind, "name": n.notifier_name},
                    "notifier_email": n.notifier_email,
                    "explanation": n.explanation,
                    "evidence_urls": n.evidence_urls,
                    "good_faith": n.good_faith,
                    "outcome": n.outcome,
                    "outcome_notified_at": _time(n.outcome_notified_at),
                    "received_at": _time(n.received_at),
                }
                for n in Notice.objects.filter(case=case).select_related("notifier").order_by("pk")
            ],
        )
        decisions = list(_decisions(Decision.objects.filter(case=case)))
        yield Section(
            "decisions.json",
            "decisions and their statements of reasons (DSA Art. 17)",
            rows=[_decision_row(d) for d in decisions],
        )
        yield Section(
            "appeals.json",
            "appeals (DSA Art. 20) and their outcome",
            rows=[
                _appeal_row(a)
                for a in Appeal.objects.filter(decision__in=decisions)
                .select_related("submitted_by", "decided_by")
                .order_by("pk")
            ],
        )
        yield from _image_sections(listing)
        yield Section(
            "notes.json",
            "moderators' notes",
            rows=[
                {"author": _user(note.author), "created_at": _time(note.created_at), "body": note.body}
                for note in case.notes.select_related("author").order_by("pk")
            ],
        )


def _image_sections(listing):
    """The listing's images as moderators saw them: what was fetched, when, its hashes, and the stored preview."""
    images = list(listing.images.order_by("pk"))
    stored = {}
    for image in images:
        if image.preview_name and default_storage.exists(image.preview_name):
            with default_storage.open(image.preview_name, "rb") as preview:
                stored[image.pk] = preview.read()
    yield Section(
        "images.json",
        "the listing's images: URL, fetch result and time, SHA-256 of the fetched file, perceptual hash, preview file",
        rows=[
            {
                "id": image.pk,
                "url": image.url,
                "status": image.status,
                "refusal_reason": image.refusal_reason,
                "fetched_at": _time(image.fetched_at),
                "sha256_of_fetched_file": image.sha256,
                "perceptual_hash": f"{fingerprints.to_unsigned(image.phash):016x}" if image.phash is not None else None,
                "preview": f"images/{image.pk}.jpg" if image.pk in stored else None,
            }
            for image in images
        ],
    )
    for image_id, data in stored.items():
        yield Section(
            f"images/{image_id}.jpg",
            "preview of the fetched image (re-encoded JPEG, as shown on the case screen)",
            data=data,
        )


@register_extension
class SellerModerationEvidence(Extension):
    """A seller's pack also holds the moderation decisions about it, their appeals and its strikes."""

    target_type = "sellers.seller"

    def related_targets(self, seller):
        decision_ids = list(Decision.objects.filter(seller=seller).values_list("pk", flat=True))
        pairs = [("moderation.decision", str(pk)) for pk in decision_ids]
        pairs += [
            ("moderation.strike", str(pk)) for pk in Strike.objects.filter(seller=seller).values_list("pk", flat=True)
        ]
        return pairs

    def sections(self, seller):
        decisions = list(_decisions(Decision.objects.filter(seller=seller)))
        yield Section(
            "moderation_decisions.json",
            "moderation decisions about the seller's listings, with statements of reasons",
            rows=[_decision_row(d) for d in decisions],
        )
        yield Section(
            "appeals.json",
            "the seller's appeals",
            rows=[
                _appeal_row(a)
                for a in Appeal.objects.filter(decision__in=decisions)
                .select_related("submitted_by", "decided_by")
                .order_by("pk")
            ],
        )
        yield Section(
            "strikes.json",
            "strikes against the seller (live until they expire or are voided)",
            rows=[
                {
                    "id": s.pk,
                    "decision": s.decision_id,
                    "points": s.points,
                    "created_at": _time(s.created_at),
                    "expires_at": _time(s.expires_at),
                    "voided_at": _time(s.voided_at),
                    "void_reason": s.void_reason,
                }
                for s in Strike.objects.filter(seller=seller).order_by("pk")
            ],
        )
