"""Audit trail costs.

1. An audited state change against the very same change without the audit
   event, each in its own transaction, interleaved. Target: at most 1.3 times.
   Measured twice: (a) the real services ``seller_suspend`` then
   ``seller_reinstate`` on sellers without listings, the baseline being the
   same calls with ``portal.audit.record`` replaced by a no-op; (b) the bare
   minimum change (lock, check, ``save(update_fields=…)``), the harshest
   comparison, with the statements each variant sends.
2. ``verify_chain`` over every seeded event; baseline: reading the same rows
   by keyset without verifying. Target: at least 50,000 events/s.
3. Streamed export (JSON Lines, ``portal.audit_export``) of every event,
   peak memory of the process. Target: under 200 MB.
"""

import statistics
import time

from common import check, current_rss_mb, emit, peak_rss_mb, preset, setup_django, summary

setup_django()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from portal import audit  # noqa: E402
from portal.models import AuditEvent  # noqa: E402
from sellers.audit_actions import SellerAction  # noqa: E402
from sellers.models import Seller  # noqa: E402
from sellers.services import seller as seller_services  # noqa: E402

CHANGES = {"small": 300, "large": 1000}[preset()]


@transaction.atomic
def change(seller_id: int, *, audited: bool, flip: int) -> None:
    seller = Seller.objects.select_for_update().get(pk=seller_id)
    if seller.status != Seller.Status.ACTIVE:
        raise RuntimeError("the bench seller must stay active")
    before = seller.status_reason
    seller.status_reason = f"bench note {flip}"
    seller.save(update_fields=["status_reason"])
    if audited:
        audit.record(
            action=SellerAction.SELLER_REINSTATED,
            actor=None,
            target=seller,
            changes={"status_reason": {"before": before, "after": seller.status_reason}},
            reason="benchmark",
        )


def audited_change() -> dict:
    sellers = list(Seller.objects.filter(status=Seller.Status.ACTIVE).values_list("pk", flat=True)[:CHANGES])
    with_audit, without = [], []
    for i in range(CHANGES):
        seller = sellers[i % len(sellers)]
        for audited, samples in (
            ((True, with_audit), (False, without)) if i % 2 else ((False, without), (True, with_audit))
        ):
            started = time.perf_counter()
            change(seller, audited=audited, flip=i)
            samples.append(time.perf_counter() - started)
    ratio = statistics.median(with_audit) / statistics.median(without)
    statements = {}
    for audited in (True, False):
        with CaptureQueriesContext(connection) as captured:
            change(sellers[0], audited=audited, flip=-1)
        statements["with audit" if audited else "without"] = [q["sql"][:60] for q in captured.captured_queries]
    return {
        "with audit event": summary(with_audit),
        "without (baseline)": summary(without),
        "ratio": round(ratio, 2),
        "statements with audit": len(statements["with audit"]),
        "statements without": len(statements["without"]),
        "statements the audit adds": [q for q in statements["with audit"] if q not in statements["without"]],
    }


def _no_record(**_kwargs):
    return None


def service_change() -> dict:
    """seller_suspend + seller_reinstate, with and without the audit event."""
    fresh = Seller.objects.bulk_create(
        Seller(legal_name=f"Bench Audit {i} Ltd", country="GB", contact_email=f"b{i}@example.com", status="active")
        for i in range(50)
    )
    real_record = audit.record
    with_audit, without = [], []

    def cycle(seller, audited: bool, samples: list) -> None:
        audit.record = real_record if audited else _no_record
        try:
            started = time.perf_counter()
            seller_services.seller_suspend(seller=seller, actor=None, reason="Benchmark suspension.")
            seller_services.seller_reinstate(seller=seller, actor=None, reason="Benchmark reinstatement.")
            samples.append((time.perf_counter() - started) / 2)
        finally:
            audit.record = real_record

    for i in range(CHANGES // 2):
        seller = fresh[i % len(fresh)]
        order = ((True, with_audit), (False, without)) if i % 2 else ((False, without), (True, with_audit))
        for audited, samples in order:
            cycle(seller, audited, samples)
    ratio = statistics.median(with_audit) / statistics.median(without)
    return {"with audit event": summary(with_audit), "without (baseline)": summary(without), "ratio": round(ratio, 2)}


def verify() -> dict:
    started = time.perf_counter()
    rows = sum(1 for _ in audit._rows())
    read = time.perf_counter() - started
    started = time.perf_counter()
    result = audit.verify_chain()
    took = time.perf_counter() - started
    return {
        "events": result.count,
        "chain ok": result.ok,
        "verify seconds": round(took, 2),
        "verify events/s": round(result.count / took),
        "keyset read only (baseline) events/s": round(rows / read),
    }


def export() -> dict:
    try:
        from portal.audit import export as audit_export
    except ImportError:
        audit_export = None
    rss_before = current_rss_mb()
    started = time.perf_counter()
    size = events = 0
    if audit_export is not None:
        filterset = audit_export.AuditEventFilterSet(data={}, queryset=AuditEvent.objects.all())
        response = audit_export.export_response(filterset=filterset, user=None, fmt="jsonl", via="benchmark")
        for chunk in response.streaming_content:
            size += len(chunk)
            events += 1
        how = "portal.audit_export JSON Lines (export_response streaming_content)"
    else:
        for row in audit._rows():
            size += len(repr(row))
            events += 1
        how = "keyset iteration (portal.audit_export not present)"
    took = time.perf_counter() - started
    return {
        "how": how,
        "lines": events,
        "MB written": round(size / 2**20, 1),
        "seconds": round(took, 1),
        "RSS before export (MB)": rss_before,
        "peak RSS of the process (MB)": peak_rss_mb(),
    }


def main() -> None:
    service = service_change()
    changed = audited_change()
    verified = verify()
    exported = export()
    emit(
        "audit",
        {
            "seller services, suspend/reinstate (ms per change)": service,
            "bare change (ms)": changed,
            "verify_chain": verified,
            "streamed export": exported,
        },
        [
            check("seller service with audit / without (median)", service["ratio"], "≤ 1.3", service["ratio"] <= 1.3),
            check(
                "bare change with audit / without (median)",
                changed["ratio"],
                "≤ 1.3",
                changed["ratio"] <= 1.3,
            ),
            check(
                "verify_chain events/s", verified["verify events/s"], "≥ 50,000", verified["verify events/s"] >= 50_000
            ),
            check("chain verifies", verified["chain ok"], "ok", verified["chain ok"]),
            check(
                f"export of {exported['lines']:,} lines, peak RSS (MB)",
                exported["peak RSS of the process (MB)"],
                "< 200 MB",
                exported["peak RSS of the process (MB)"] < 200,
            ),
        ],
    )


if __name__ == "__main__":
    main()
