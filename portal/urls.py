from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from portal import api, views

# The schema and its browsable page are public documentation.
_public = {"permission_classes": [AllowAny], "authentication_classes": []}

api_v1 = [
    path("me", api.MeView.as_view(), name="me"),
    path("audit-events", api.AuditEventList.as_view(), name="audit-events"),
    path("audit-events/export", api.AuditExportView.as_view(), name="audit-events-export"),
    path("audit-log/checkpoint", api.AuditCheckpointView.as_view(), name="audit-log-checkpoint"),
    path("audit-log/proofs/inclusion", api.InclusionProofView.as_view(), name="audit-log-inclusion"),
    path("audit-log/proofs/consistency", api.ConsistencyProofView.as_view(), name="audit-log-consistency"),
    path("", include("moderation.api_urls")),
    path("schema/", SpectacularAPIView.as_view(**_public), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema", **_public), name="docs"),
    path("", include("sellers.api_urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("audit-log/checkpoint", views.public_checkpoint, name="audit-log-checkpoint"),
    # Before the console: its catch-all would answer these paths with a 404 first.
    path("console/reports/", include("moderation.report_urls")),
    path("console/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/v1/", include((api_v1, "api"))),
    # The apps' own pages (string includes: portal imports no app).
    path("", include("sellers.urls")),
    path("", include("moderation.urls")),
]
