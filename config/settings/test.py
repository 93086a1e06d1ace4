"""Tests: fast password hashing, a fixed key, tasks in-process unless a broker is configured."""

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "django-insecure-test-only-tandem-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
