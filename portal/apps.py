from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.db.models.signals import post_migrate


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Hallmark"

    def ready(self) -> None:
        from portal import checks, roles, schema, signals  # noqa: F401  (connects receivers, registers checks and extensions)

        # Runs after the last app's migrations so every model's permissions exist.
        post_migrate.connect(roles.sync_roles, sender=self, dispatch_uid="hallmark.sync_roles")


class HallmarkAdminConfig(AdminConfig):
    default_site = "portal.admin_site.HallmarkAdminSite"
