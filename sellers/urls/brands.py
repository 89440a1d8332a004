"""URLs: a seller's brand authorizations."""

urlpatterns: list = []
