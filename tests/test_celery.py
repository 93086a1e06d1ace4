"""The Celery app is configured for reliable delivery, and runs tasks in-process only without a broker."""

from config.celery import app
from tests.subprocesses import run_django_snippet


def test_tasks_survive_a_killed_worker_and_carry_only_json() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"
    assert app.conf.accept_content == ["json"]


def _always_eager_with(broker_url: str, settings_module: str = "config.settings.local") -> str:
    script = "from config.celery import app; print(app.conf.task_always_eager)"
    return run_django_snippet(
        script, environment={"CELERY_BROKER_URL": broker_url, "DJANGO_SETTINGS_MODULE": settings_module}
    )


def test_tasks_run_in_process_only_when_no_broker_is_configured() -> None:
    assert _always_eager_with("") == "True"
    assert _always_eager_with("redis://127.0.0.1:6379/0") == "False"


def test_under_test_settings_tasks_sent_by_the_code_run_in_process_even_with_a_broker() -> None:
    # A test about a task starts a real worker of its own (tests/celery_worker.py).
    assert _always_eager_with("redis://127.0.0.1:6379/0", "config.settings.test") == "True"
