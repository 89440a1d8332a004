"""The transparency report (EU DSA Art. 15 and 24) for any period.

Every number is counted from the rows that the audited services write —
notices, cases, decisions, appeals, applications — each of which was created
or changed in the same transaction as its audit event; numbers for which the
rows keep no history (a seller's or a notifier's suspension) are counted from
the audit events themselves. The last table cross-checks the row counts
against the audit trail for the same period, so a reader can see that both
tell the same story.

A period is a range of whole days in the site's time zone, both ends included.
Outcomes (a notice's outcome, an appeal still pending) are as of the time the
report is generated.
"""

from __future__ import annotations

import csv
import enum
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from moderation.audit_actions import ModerationAction
from moderation.models import Appeal, Case, Decision, Notice, Notifier, Policy, Reason
from moderation.models.decisions import Action
from portal import audit, charts, dashboard
from sellers.audit_actions import OnboardingAction, SellerAction
from sellers.models import Application
from sellers.models.onboarding import DECISION_DAYS


@audit.register_actions
class ReportAction(enum.StrEnum):
    TRANSPARENCY_EXPORTED = "moderation.transparency_report.exported"


NO_GROUND = "none"
TOTAL = "total"


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("a period ends on or after its start")

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=timezone.get_current_timezone())

    @property
    def until(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=timezone.get_current_timezone())

    def range(self, field_name: str) -> dict:
        return {f"{field_name}__gte": self.since, f"{field_name}__lt": self.until}

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}_{self.end.isoformat()}"


@dataclass
class Row:
    key: str
    label: str
    values: list


@dataclass
class Table:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (key, label); the first names the row header
    rows: list[Row] = field(default_factory=list)
    note: str = ""

    def add(self, key: str, label, *values) -> None:
        self.rows.append(Row(key=key, label=str(label), values=list(values)))

    def cell(self, row_key: str, column_key: str):
        index = [key for key, _label in self.columns[1:]].index(column_key)
        return next(row for row in self.rows if row.key == row_key).values[index]

    def row(self, row_key: str) -> list:
        return next(row for row in self.rows if row.key == row_key).values


@dataclass
class Section:
    key: str
    title: str
    reference: str
    tables: list[Table]
    charts: list = field(default_factory=list)

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass
class Report:
    period: Period
    generated_at: datetime
    sections: list[Section]

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    def table(self, key: str) -> Table:
        return next(t for s in self.sections for t in s.tables if t.key == key)


def _hours(rows) -> float | None:
    return dashboard.median(dashboard.hours_between(a, b) for a, b in rows)


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


# --- Sections -------------------------------------------------------------------------


def _notices(period: Period) -> Section:
    kinds = list(Notifier.Kind.choices)
    counts = Counter(
        {
            (reason, kind): n
            for reason, kind, n in Notice.objects.filter(**period.range("received_at"))
            .values_list("reason", "notifier__kind")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    by_category = Table(
        key="notices_by_category",
        title=_("Notices received, by category and notifier"),
        columns=[("category", _("Category")), *[(k, str(label)) for k, label in kinds], (TOTAL, _("Total"))],
        note=_("Notices from trusted flaggers (DSA Art. 22) are counted in their own column."),
    )
    for reason, label in Reason.choices:
        values = [counts[(reason, kind)] for kind, _l in kinds]
        by_category.add(reason, label, *values, sum(values))
    by_category.add(
        TOTAL,
        _("Total"),
        *[sum(counts[(r, kind)] for r in Reason.values) for kind, _l in kinds],
        sum(counts.values()),
    )

    outcomes: Counter = Counter()
    for outcome, kind, n in (
        Notice.objects.filter(**period.range("received_at"))
        .values_list("outcome", "notifier__kind")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        outcomes[(outcome, kind == Notifier.Kind.TRUSTED_FLAGGER)] += n
    by_outcome = Table(
        key="notice_outcomes",
        title=_("What became of those notices"),
        columns=[("outcome", _("Outcome")), ("all", _("All notices")), ("trusted_flagger", _("From trusted flaggers"))],
        note=_("Outcomes as of the time this report was generated."),
    )
    for outcome, label in Notice.Outcome.choices:
        by_outcome.add(
            outcome, label, outcomes[(outcome, False)] + outcomes[(outcome, True)], outcomes[(outcome, True)]
        )
    chart = charts.bar_chart(
        key="report-notices",
        title=_("Notices received by category"),
        items=[(row.label, row.values[-1]) for row in by_category.rows if row.key != TOTAL],
        label_header=_("Category"),
        value_header=_("Notices"),
    )
    return Section(
        key="notices",
        title=_("Notices (DSA Art. 16)"),
        reference="DSA Art. 15(1)(b), 24(1)",
        tables=[by_category, by_outcome],
        charts=[chart],
    )


def _actions(period: Period) -> Section:
    decisions = Decision.objects.filter(**period.range("decided_at"))
    grounds = [*Policy.Ground.choices, (NO_GROUND, _("no ground (no action)"))]
    counts = Counter(
        {
            (action, ground or NO_GROUND): n
            for action, ground, n in decisions.values_list("action", "policy__ground")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    by_type = Table(
        key="actions_by_type",
        title=_("Decisions, by measure and ground"),
        columns=[("action", _("Measure")), *[(k, str(label)) for k, label in grounds], (TOTAL, _("Total"))],
    )
    for action, label in Action.choices:
        values = [counts[(action, ground)] for ground, _l in grounds]
        by_type.add(action, label, *values, sum(values))
    by_type.add(
        TOTAL, _("Total"), *[sum(counts[(a, g)] for a in Action.values) for g, _l in grounds], sum(counts.values())
    )

    rows = list(decisions.values_list("from_notice", "trusted_flagger", "case__opened_at", "decided_at"))
    bases = (
        ("notice", _("on a notice (not a trusted flagger)"), lambda r: r[0] and not r[1]),
        ("trusted_flagger", _("on a trusted flagger's notice"), lambda r: r[1]),
        ("own_initiative", _("on our own initiative"), lambda r: not r[0] and not r[1]),
        (TOTAL, _("all decisions"), lambda r: True),
    )
    timing = Table(
        key="time_to_action",
        title=_("Time from case opened to decision"),
        columns=[("basis", _("Basis")), ("decisions", _("Decisions")), ("median_hours", _("Median hours"))],
        note=_("Measured from the moment the case was opened (the first notice or signal) to the decision."),
    )
    for key, label, test in bases:
        picked = [(r[2], r[3]) for r in rows if test(r)]
        timing.add(key, label, len(picked), _round(_hours(picked)))
    chart = charts.bar_chart(
        key="report-actions",
        title=_("Decisions by measure"),
        items=[(row.label, row.values[-1]) for row in by_type.rows if row.key != TOTAL],
        label_header=_("Measure"),
        value_header=_("Decisions"),
    )
    return Section(
        key="actions",
        title=_("Measures taken (DSA Art. 17)"),
        reference="DSA Art. 15(1)(b), 15(1)(c)",
        tables=[by_type, timing],
        charts=[chart],
    )


def _automation(period: Period) -> Section:
    cases = Case.objects.filter(**period.range("opened_at")).aggregate(
        total=Count("pk"), automated=Count("pk", filter=Q(automated=True))
    )
    decisions = Decision.objects.filter(**period.range("decided_at"))
    detected = decisions.filter(automated_detection=True).count()
    levels = dict(decisions.values_list("automated_decision").annotate(n=Count("pk")).order_by())
    table = Table(
        key="automation",
        title=_("Automated means"),
        columns=[("measure", _("What")), ("count", _("Number"))],
        note=_("Automated signals only open cases and set their priority; a person decides."),
    )
    table.add("cases_opened", _("cases opened"), cases["total"])
    table.add("cases_automated", _("cases opened by automated detection"), cases["automated"])
    table.add("decisions_detected", _("decisions on cases found by automated detection"), detected)
    for value, label in Decision.Automation.choices:
        table.add(value, _("decisions: %(level)s") % {"level": label}, levels.get(value, 0))
    return Section(
        key="automation",
        title=_("Automated detection and decisions"),
        reference="DSA Art. 15(1)(c), 15(1)(e)",
        tables=[table],
    )


def _appeals(period: Period) -> Section:
    received = Appeal.objects.filter(**period.range("submitted_at")).count()
    decided = list(
        Appeal.objects.filter(**period.range("decided_at"), status__in=(Appeal.Status.UPHELD, Appeal.Status.OVERTURNED))
        .values_list("status", "submitted_at", "decided_at")
        .order_by()
    )
    pending_at_end = (
        Appeal.objects.filter(submitted_at__lt=period.until)
        .filter(Q(decided_at__isnull=True) | Q(decided_at__gte=period.until))
        .count()
    )
    upheld = sum(1 for status, *_r in decided if status == Appeal.Status.UPHELD)
    overturned = len(decided) - upheld
    median_days = dashboard.median(dashboard.days_between(s, d) for _status, s, d in decided)
    table = Table(
        key="appeals",
        title=_("Complaints against decisions (internal appeals)"),
        columns=[("measure", _("What")), ("count", _("Number"))],
    )
    table.add("received", _("appeals received"), received)
    table.add("decided", _("appeals decided"), len(decided))
    table.add("upheld", _("decision upheld"), upheld)
    table.add("overturned", _("decision overturned (reversed)"), overturned)
    table.add("pending_at_end", _("pending at the end of the period"), pending_at_end)
    table.add("median_days", _("median days to decide an appeal"), _round(median_days))
    chart = charts.bar_chart(
        key="report-appeals",
        title=_("Appeals decided in the period"),
        items=[(_("decision upheld"), upheld), (_("decision overturned"), overturned)],
        label_header=_("Outcome"),
        value_header=_("Appeals"),
    )
    return Section(
        key="appeals",
        title=_("Appeals (DSA Art. 20)"),
        reference="DSA Art. 15(1)(d), 24(1)(a)",
        tables=[table],
        charts=[chart],
    )


def _standing_changes(period: Period) -> Counter:
    """Notifiers moved to each standing in the period, from the audit events (the rows keep no history)."""
    counted: Counter = Counter()
    for changes in (
        audit.events()
        .filter(**period.range("created_at"), action=ModerationAction.NOTIFIER_STANDING_CHANGED)
        .values_list("changes", flat=True)
    ):
        after = ((changes or {}).get("standing") or {}).get("after")
        if after:
            counted[after] += 1
    return counted


def _misuse(period: Period) -> Section:
    measures = Counter(
        dict(
            Decision.objects.filter(
                **period.range("decided_at"), action__in=(Action.SUSPEND_SELLER, Action.TERMINATE_SELLER)
            )
            .values_list("action")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    standing = _standing_changes(period)
    table = Table(
        key="misuse",
        title=_("Measures against misuse"),
        columns=[("measure", _("What")), ("count", _("Number"))],
        note=_(
            "Sellers: suspensions and terminations decided for illegal listings. Notifiers: warnings and suspensions "
            "for manifestly unfounded notices (a warning always comes first)."
        ),
    )
    table.add("sellers_suspended", _("sellers suspended for illegal listings"), measures[Action.SUSPEND_SELLER])
    table.add("sellers_terminated", _("sellers terminated for illegal listings"), measures[Action.TERMINATE_SELLER])
    table.add("notifiers_warned", _("notifiers warned"), standing[Notifier.Standing.WARNED])
    table.add("notifiers_deprioritised", _("notifiers deprioritised"), standing[Notifier.Standing.DEPRIORITISED])
    table.add("notifiers_suspended", _("notifiers suspended"), standing[Notifier.Standing.SUSPENDED])
    return Section(
        key="misuse",
        title=_("Suspensions for misuse (DSA Art. 23)"),
        reference="DSA Art. 23, 24(1)(b)",
        tables=[table],
    )


def _vetting(period: Period, events: Counter) -> Section:
    decided = list(
        Application.objects.filter(
            **period.range("decided_at"), status__in=(Application.Status.APPROVED, Application.Status.REJECTED)
        )
        .values_list("kind", "status", "submitted_at", "decided_at")
        .order_by()
    )
    kinds = list(Application.Kind.choices)
    table = Table(
        key="vetting",
        title=_("Seller vetting (trader traceability, DSA Art. 30)"),
        columns=[("measure", _("What")), *[(k, str(label)) for k, label in kinds], (TOTAL, _("Total"))],
    )

    def split(test) -> list[int]:
        values = [sum(1 for row in decided if row[0] == kind and test(row)) for kind, _l in kinds]
        return [*values, sum(values)]

    table.add("vetted", _("applications decided"), *split(lambda r: True))
    table.add("approved", _("approved"), *split(lambda r: r[1] == Application.Status.APPROVED))
    table.add("rejected", _("rejected"), *split(lambda r: r[1] == Application.Status.REJECTED))
    table.add(
        "late",
        _("decided later than %(days)d days after a complete submission") % {"days": DECISION_DAYS},
        *split(lambda r: r[2] is not None and dashboard.days_between(r[2], r[3]) > DECISION_DAYS),
    )
    sellers = Table(
        key="sellers",
        title=_("Seller accounts"),
        columns=[("measure", _("What")), ("count", _("Number"))],
        note=_("Counted from the audit trail: suspensions for any reason, including an overdue recertification."),
    )
    sellers.add("suspended", _("sellers suspended"), events[SellerAction.SELLER_SUSPENDED])
    sellers.add("reinstated", _("sellers reinstated"), events[SellerAction.SELLER_REINSTATED])
    sellers.add("terminated", _("sellers terminated"), events[SellerAction.SELLER_TERMINATED])
    median = dashboard.median(dashboard.days_between(r[2], r[3]) for r in decided if r[2] is not None)
    timing = Table(
        key="vetting_time",
        title=_("Time to decide an application"),
        columns=[("measure", _("What")), ("days", _("Days"))],
    )
    timing.add("median_days", _("median days from complete submission to decision"), _round(median))
    timing.add("deadline_days", _("deadline"), DECISION_DAYS)
    return Section(
        key="vetting",
        title=_("Sellers vetted, approved, rejected and suspended"),
        reference="DSA Art. 30, 24(1)",
        tables=[table, timing, sellers],
    )


# Each cross-checked number: (row label, the table and cell it comes from, the audit action(s) it matches).
CROSS_CHECKS = (
    (
        "notices",
        gettext_lazy("notices received"),
        ("notices_by_category", TOTAL, TOTAL),
        (ModerationAction.NOTICE_RECEIVED,),
    ),
    ("decisions", gettext_lazy("decisions"), ("actions_by_type", TOTAL, TOTAL), (ModerationAction.DECISION_MADE,)),
    (
        "appeals_received",
        gettext_lazy("appeals received"),
        ("appeals", "received", "count"),
        (ModerationAction.APPEAL_SUBMITTED,),
    ),
    (
        "appeals_upheld",
        gettext_lazy("appeals upheld"),
        ("appeals", "upheld", "count"),
        (ModerationAction.APPEAL_UPHELD,),
    ),
    (
        "appeals_overturned",
        gettext_lazy("appeals overturned"),
        ("appeals", "overturned", "count"),
        (ModerationAction.APPEAL_OVERTURNED,),
    ),
    (
        "applications_approved",
        gettext_lazy("applications approved"),
        ("vetting", "approved", TOTAL),
        (OnboardingAction.APPLICATION_APPROVED,),
    ),
    (
        "applications_rejected",
        gettext_lazy("applications rejected"),
        ("vetting", "rejected", TOTAL),
        (OnboardingAction.APPLICATION_REJECTED,),
    ),
)
EVENT_ACTIONS = {str(action) for *_x, actions in CROSS_CHECKS for action in actions} | {
    str(SellerAction.SELLER_SUSPENDED),
    str(SellerAction.SELLER_REINSTATED),
    str(SellerAction.SELLER_TERMINATED),
}


def _event_counts(period: Period) -> Counter:
    return Counter(
        dict(
            audit.events()
            .filter(**period.range("created_at"), action__in=sorted(EVENT_ACTIONS))
            .values_list("action")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )


def _cross_check(report: Report, events: Counter) -> Section:
    table = Table(
        key="audit_cross_check",
        title=_("Cross-check with the audit trail"),
        columns=[
            ("measure", _("Number")),
            ("report", _("In this report")),
            ("events", _("Audit events")),
            ("matches", _("Same?")),
        ],
        note=_(
            "Audit events of the same period and kind. A difference can only come from an event written a moment "
            "after midnight for a change made a moment before it."
        ),
    )
    for key, label, (table_key, row_key, column_key), actions in CROSS_CHECKS:
        in_report = report.table(table_key).cell(row_key, column_key)
        in_trail = sum(events[str(a)] for a in actions)
        table.add(key, label, in_report, in_trail, _("yes") if in_report == in_trail else _("NO"))
    return Section(key="audit", title=_("Audit trail"), reference="", tables=[table])


def build(period: Period, *, now: datetime | None = None) -> Report:
    now = now or timezone.now()
    events = _event_counts(period)
    sections = [
        _notices(period),
        _actions(period),
        _automation(period),
        _appeals(period),
        _misuse(period),
        _vetting(period, events),
    ]
    report = Report(period=period, generated_at=now, sections=sections)
    sections.append(_cross_check(report, events))
    return report


# --- CSV -------------------------------------------------------------------------------

CSV_HEADER = ["section", "table", "row", "row_label", "column", "column_label", "value"]


def _csv_value(value) -> str:
    return "" if value is None else str(value)


def to_csv(report: Report) -> str:
    """One line per number, so any spreadsheet or script can pivot it; keys are stable, labels translated."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["# " + _("Hallmark transparency report")])
    writer.writerow(["# period_start", report.period.start.isoformat()])
    writer.writerow(["# period_end", report.period.end.isoformat()])
    writer.writerow(["# generated_at", audit.format_time(report.generated_at)])
    writer.writerow(CSV_HEADER)
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                for (column_key, column_label), value in zip(table.columns[1:], row.values, strict=True):
                    writer.writerow(
                        [
                            _safe(section.key),
                            table.key,
                            row.key,
                            _safe(row.label),
                            column_key,
                            _safe(column_label),
                            _csv_value(value),
                        ]
                    )
    return out.getvalue()


def _safe(text: str) -> str:
    """Keep spreadsheets from running a cell as a formula (CSV injection)."""
    text = str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def by_key(report: Report) -> dict:
    """``{table: {row: {column: value}}}`` for tests and the CSV's readers."""
    data: dict = defaultdict(dict)
    for section in report.sections:
        for table in section.tables:
            for row in table.rows:
                data[table.key][row.key] = dict(zip([k for k, _l in table.columns[1:]], row.values, strict=True))
    return dict(data)
