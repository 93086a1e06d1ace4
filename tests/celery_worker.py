"""A real Celery worker, against Redis and the test database, for tests about tasks.

The worker runs in its own process with the test settings, reading the very database this test run
uses; a test sends it a task by name through Redis and waits for what the task stores.
"""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@contextmanager
def celery_worker() -> Iterator[Callable[..., None]]:
    """Start a worker on a queue of its own; yield `send(task_name, *args)`. Stops the worker after."""
    queue = f"tandem-test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
    }
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and app
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sender = Celery(broker=BROKER_URL)
    try:
        yield lambda name, *args: sender.send_task(name, args=list(args), queue=queue)
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        sender.close()
        if worker.returncode not in (0, -15):
            print(output)


def wait_for(condition: Callable[[], bool], *, seconds: float = 60, what: str) -> None:
    """Poll until `condition()` holds; fail with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"Waited {seconds:.0f} s for {what}; the worker did not do it.")
