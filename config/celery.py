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
    # Sending a task must not hang a request when Redis is down (see also the transport options in
    # settings).
    broker_connection_timeout=1,
    broker_connection_retry_on_startup=True,
    task_ignore_result=True,
    beat_schedule={
        # Candidates for the program from recorded utilisation, each night (UTC) before the day's work.
        "candidates-nightly": {
            "task": "caseloads.candidates_recompute",
            "schedule": crontab(hour=7, minute=15),
        },
        # Every enrolment's caseload row and each care manager's daily snapshot, each night before the
        # day's work (02:30 in New York in winter); a row computed during the day is kept if newer.
        "caseloads-nightly": {
            "task": "caseloads.recompute_caseloads",
            "schedule": crontab(hour=7, minute=30),
        },
        # Recompute requests left behind while the broker was unreachable.
        "caseload-requests-catch-up": {
            "task": "caseloads.recompute_requested",
            "schedule": crontab(minute="*/5"),
        },
        # The outcome figures (caseloads.outcomes_refresh), every hour; the outcomes page says when.
        "outcomes-hourly": {
            "task": "caseloads.refresh_outcomes",
            "schedule": crontab(minute=40),
        },
    },
    timezone="UTC",
)
app.autodiscover_tasks()
