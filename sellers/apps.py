from importlib import import_module

from django.apps import AppConfig


class SellersConfig(AppConfig):
    name = "sellers"
    verbose_name = "Sellers"

    def ready(self) -> None:
        # Registers the audit vocabulary, the role grants and the demo-data receiver.
        from sellers import audit_actions, demo_brands, roles  # noqa: F401

        # Onboarding demo connects after demo_brands, whose active reseller must exist first.
        import_module("sellers.demo")
