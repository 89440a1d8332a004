from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self) -> None:
        from moderation import audit_actions, checks, demo, receivers, roles  # noqa: F401  (vocabulary, checks, grants, handlers)
