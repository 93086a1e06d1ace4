"""The Celery app. Without CELERY_BROKER_URL, tasks run in-process (see settings)."""

from celery import Celery
from celery.schedules import crontab

from config.environment import select_settings_module

select_settings_module()

app = Celery("tandem", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    # Longer than any task, so a slow task is not handed to a second worker by Redis.
    broker_transport_options={"visibility_timeout": 3600},
    # `.delay()` must not hang a request when Redis is down.
    broker_connection_timeout=3,
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,
    beat_schedule={
        # Candidates for the program from recorded utilisation, each night (UTC) before the day's work.
        "candidates-nightly": {
            "task": "caseloads.candidates_recompute",
            "schedule": crontab(hour=7, minute=15),
        },
        # The nightly caseload recompute (caseloads.recompute_caseloads) joins the schedule once logging a
        # contact uses the same rules; until then caseload_status_refresh and the recompute would disagree.
    },
    timezone="UTC",
)
app.autodiscover_tasks()
