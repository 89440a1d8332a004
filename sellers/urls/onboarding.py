"""URLs: invitations, the application wizard, status and documents."""

urlpatterns: list = []
