"""The console home's panels and the console's reports, contributed by the apps.

``portal`` imports neither app: each app's ``dashboard`` module registers its
panels and reports here and is found by ``autodiscover_modules("dashboard")``
the first time the registry is read. A panel or report is shown to a staff
member holding all of its permissions; auditors see every one (panels only
read, so read-only access is kept by construction).
"""

from __future__ import annotations

import statistics
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString

from portal.roles import is_auditor


@dataclass(frozen=True)
class PanelContext:
    """What a panel's builder gets: who asks and one fixed "now" for every panel on the page."""

    request: object
    user: object
    now: datetime
    # Rows two panels both need are read once per page (see moderation/dashboard.py).
    shared: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def days_ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    build: Callable[[PanelContext], dict]
    permissions: tuple[str, ...]
    order: int = 100


@dataclass(frozen=True)
class Report:
    key: str
    title: str
    description: str
    url_name: str
    permissions: tuple[str, ...]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass
class RenderedPanel:
    panel: Panel
    html: SafeString
    data: dict = field(default_factory=dict)


_PANELS: dict[str, Panel] = {}
_REPORTS: dict[str, Report] = {}
_discovered = False
_discover_lock = threading.Lock()


def register_panel(*, key: str, title, template: str, permissions: Iterable[str], order: int = 100):
    """Decorator for a panel builder: ``build(ctx) -> template context``."""

    def wrap(build: Callable[[PanelContext], dict]):
        _PANELS[key] = Panel(
            key=key, title=title, template=template, build=build, permissions=tuple(permissions), order=order
        )
        return build

    return wrap


def register_report(
    *, key: str, title, description, url_name: str, permissions: Iterable[str], order: int = 100
) -> Report:
    report = Report(
        key=key,
        title=title,
        description=description,
        url_name=url_name,
        permissions=tuple(permissions),
        order=order,
    )
    _REPORTS[key] = report
    return report


def discover() -> None:
    global _discovered
    if _discovered:
        return
    with _discover_lock:
        if not _discovered:
            autodiscover_modules("dashboard")
            _discovered = True


def may_see(user, permissions: Iterable[str]) -> bool:
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return False
    if user.is_superuser or is_auditor(user):
        return True
    return user.has_perms(tuple(permissions))


def panels() -> list[Panel]:
    discover()
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def reports() -> list[Report]:
    discover()
    return sorted(_REPORTS.values(), key=lambda r: (r.order, r.key))


def visible_panels(user) -> list[Panel]:
    return [p for p in panels() if may_see(user, p.permissions)]


def visible_reports(user) -> list[Report]:
    return [r for r in reports() if may_see(user, r.permissions)]


def render_panels(request, *, now: datetime | None = None) -> list[RenderedPanel]:
    ctx = PanelContext(request=request, user=request.user, now=now or timezone.now())
    rendered = []
    for panel in visible_panels(request.user):
        data = panel.build(ctx)
        html = render_to_string(panel.template, {**data, "panel": panel, "now": ctx.now}, request=request)
        rendered.append(RenderedPanel(panel=panel, html=html, data=data))
    return rendered


# --- Small helpers the apps' panels share --------------------------------------------


def median(values: Iterable[float]) -> float | None:
    values = list(values)
    return statistics.median(values) if values else None


def days_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def hours_between(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def admin_url(name: str, *args, query: str = "") -> str:
    """A console URL, or "" when that admin page is not registered (yet)."""
    try:
        url = reverse(f"admin:{name}", args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url
