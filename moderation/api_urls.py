from django.urls import path

from moderation import api

app_name = "moderation-api"

urlpatterns = [
    path("listings/batch", api.ListingBatchView.as_view(), name="listing-batch"),
    path("listings/<str:external_id>", api.ListingUpsertView.as_view(), name="listing-upsert"),
    path("reports", api.NoticeCreateView.as_view(), name="reports"),
    path("reports/<int:pk>", api.NoticeDetailView.as_view(), name="report"),
    path("decisions/dsa-statements", api.DsaStatementList.as_view(), name="dsa-statements"),
    path("decisions/<int:pk>/dsa-statement", api.DsaStatementView.as_view(), name="dsa-statement"),
]
