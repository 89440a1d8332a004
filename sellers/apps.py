from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "sellers"
    verbose_name = "Sellers"

    def ready(self) -> None:
        from sellers import audit_actions, roles  # noqa: F401  (registers the vocabulary and role grants)
