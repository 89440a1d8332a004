from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("seller/decisions/", views.decision_list, name="seller-decisions"),
    path("seller/decisions/<int:pk>/", views.decision_detail, name="seller-decision"),
    path("seller/decisions/<int:pk>/appeal/", views.decision_appeal, name="seller-appeal"),
]
