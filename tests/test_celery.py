"""The Celery app is configured for reliable delivery, and runs tasks in-process only without a broker."""

import os
import subprocess
import sys
from pathlib import Path

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


def test_tasks_survive_a_killed_worker_and_carry_only_json() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]


def _always_eager_with(broker_url: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "CELERY_BROKER_URL": broker_url}
    script = "from config.celery import app; print(app.conf.task_always_eager)"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_tasks_run_in_process_only_when_no_broker_is_configured() -> None:
    assert _always_eager_with("") == "True"
    assert _always_eager_with("redis://127.0.0.1:6379/0") == "False"
