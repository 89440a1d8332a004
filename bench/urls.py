"""The project's URLs plus a trivial authenticated endpoint: the HTTP baseline.

The baseline runs the same stack as the endpoints under test (middleware,
API-key authentication, scope permission, throttle, JSON rendering) and does
no work of its own, so "endpoint / baseline" is what the endpoint itself costs.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from bench import plain_admin
from portal.urls import urlpatterns as project_urlpatterns


class PingView(APIView):
    required_scopes = ()  # any valid key

    @extend_schema(exclude=True, responses=inline_serializer("Ping", {"ok": serializers.BooleanField()}))
    def get(self, request):
        return Response({"ok": True})

    @extend_schema(exclude=True)
    def post(self, request):
        return Response({"ok": True, "fields": len(request.data)}, status=201)


urlpatterns = [
    path("api/v1/bench/ping", PingView.as_view(), name="bench-ping"),
    path("bench-plain-console/", plain_admin.site.urls),
    *project_urlpatterns,
]
