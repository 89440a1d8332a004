"""The console's reports, mounted by portal/urls.py at console/reports/ (a string include)."""

from django.urls import path

from moderation import report_views

app_name = "reports"

urlpatterns = [
    path("transparency/", report_views.report_page, name="transparency"),
    path("transparency/print/", report_views.report_print, name="transparency_print"),
    path("transparency.csv", report_views.report_csv, name="transparency_csv"),
]
