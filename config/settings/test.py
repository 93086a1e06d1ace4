"""Tests: fast password hashing, a fixed key, tasks in-process unless a broker is configured."""

from config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "django-insecure-test-only-tandem-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# Tasks sent by the code under test run in-process, right after the commit that sends them, even when CI
# names a broker: a test about a task runs a real worker of its own (tests/celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
