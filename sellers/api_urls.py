"""The sellers app's API under /api/v1/ (mounted by portal.urls with a string include)."""

from django.urls import path

from sellers import api

urlpatterns = [
    path("authorizations/check", api.AuthorizationCheckView.as_view(), name="authorizations-check"),
]
