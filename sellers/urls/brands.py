"""URLs: a seller's brand authorizations."""

from django.urls import path

from sellers.views import brands as views

urlpatterns = [
    path("seller/brands/", views.authorization_list, name="brand-authorizations"),
    path("seller/brands/request/", views.authorization_request_view, name="brand-authorization-request"),
]
