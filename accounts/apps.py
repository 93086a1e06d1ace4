from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and programs"

    def ready(self) -> None:
        # Registers the token security scheme with drf-spectacular.
        from accounts.api import schema  # noqa: F401
