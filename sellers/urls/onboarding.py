"""URLs: invitations, the application wizard, status and documents."""

from django.urls import path

from sellers.views import onboarding as views

urlpatterns = [
    path("invite/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("seller/", views.status, name="status"),
    path("seller/application/", views.wizard, name="wizard"),
    path("seller/application/withdraw/", views.withdraw, name="withdraw"),
    path("seller/application/<slug:step>/", views.wizard_step, name="wizard-step"),
    path("seller/recertify/", views.recertify, name="recertify"),
    path("seller/documents/<int:pk>/download/", views.document_download, name="document-download"),
    path("seller/documents/<int:pk>/preview/", views.document_thumbnail, name="document-thumbnail"),
]
