"""Seller-facing pages (/seller/…, /invite/…). One module per area."""

from sellers.urls import brands, onboarding

app_name = "sellers"
urlpatterns = [*onboarding.urlpatterns, *brands.urlpatterns]
