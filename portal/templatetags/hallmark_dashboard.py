"""``{% dashboard_panels %}`` and ``{% dashboard_reports %}`` for the console home (templates/admin/index.html)."""

from __future__ import annotations

from django import template

from portal import dashboard

register = template.Library()


@register.inclusion_tag("admin/dashboard/panels.html", takes_context=True)
def dashboard_panels(context):
    request = context["request"]
    return {"panels": dashboard.render_panels(request), "request": request}


@register.inclusion_tag("admin/dashboard/reports.html", takes_context=True)
def dashboard_reports(context):
    request = context["request"]
    return {"reports": dashboard.visible_reports(request.user), "request": request}


@register.inclusion_tag("admin/dashboard/chart.html")
def chart(chart, numbers_visible=False):
    """One chart and its numbers as a table (visually hidden unless ``numbers_visible``)."""
    return {"chart": chart, "numbers_visible": numbers_visible}
