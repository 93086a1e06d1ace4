"""Which settings module runs, chosen by TANDEM_ENV."""

import os

SETTINGS_BY_ENVIRONMENT = {
    "development": "config.settings.local",
    "production": "config.settings.production",
    "test": "config.settings.test",
}


def select_settings_module() -> None:
    environment = os.environ.get("TANDEM_ENV", "development")
    if environment not in SETTINGS_BY_ENVIRONMENT:
        allowed = ", ".join(sorted(SETTINGS_BY_ENVIRONMENT))
        raise SystemExit(f"TANDEM_ENV={environment!r} is not one of: {allowed}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_BY_ENVIRONMENT[environment])
