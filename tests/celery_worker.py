"""A real Celery worker, against Redis and the test database, for tests about tasks.

The worker runs in its own process with the test settings, reading the very database this test run
uses; a test sends it a task by name through Redis and waits for what the task stores.

    with celery_worker() as send:
        send("caseloads.recompute_caseloads", program.pk)
        wait_for(lambda: ..., what="...")

`send` is also the handle on the worker: `send.pid` is the worker's own process id (with the solo pool
that process runs the tasks), `send.kill()` ends it with SIGKILL as a crash would, and `send.start()`
starts a new worker on the same queue. `celery_worker(env={...})` adds environment variables (settings
read at start-up, such as CELERY_VISIBILITY_TIMEOUT); `broker_url` picks another Redis database.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from celery import Celery
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"


def broker_url_with_database(number: int, url: str = BROKER_URL) -> str:
    """`url` pointing at another Redis database (the path of a redis:// URL is the database number)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


def _database_url() -> str:
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


class Worker:
    """Worker processes serving one queue, one at a time; calling it sends a task to that queue."""

    def __init__(self, *, env: Mapping[str, str], broker_url: str) -> None:
        self.queue = f"tandem-test-{uuid.uuid4().hex[:8]}"
        self.broker_url = broker_url
        self._env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url,
            **env,
        }
        # Not the current app: shared tasks resolve to the current app, and this process's own sends
        # (on commit, in-process without a broker) must keep going through config.celery.app.
        # The write URL, because Celery prefers CELERY_BROKER_URL from the environment to `broker`.
        self._sender = Celery(set_as_current=False)
        self._sender.conf.broker_write_url = broker_url
        self._process: subprocess.Popen[str] | None = None
        # Every process started, with its log (a file, so a chatty worker never blocks on a full pipe),
        # and whether this test ended it on purpose.
        self._started: list[tuple[subprocess.Popen[str], IO[str]]] = []
        self._killed: set[int] = set()

    def __call__(self, name: str, *args: Any) -> None:
        self.send(name, *args)

    def send(self, name: str, *args: Any) -> None:
        """Send the task `name` with positional `args` to this worker's queue, through Redis."""
        self._sender.send_task(name, args=list(args), queue=self.queue)

    @property
    def pid(self) -> int:
        """The running worker's own process id: with the solo pool, the process that runs the tasks."""
        if self._process is None:
            raise RuntimeError("No worker is running.")
        return self._process.pid

    def start(self) -> None:
        """Start a worker on the queue (a new process after `kill()`)."""
        if self._process is not None and self._process.poll() is None:
            raise RuntimeError(f"A worker is already running (pid {self._process.pid}).")
        log = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=self._env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._started.append((self._process, log))

    def kill(self) -> None:
        """SIGKILL the running worker, by its own pid, as a crash or an OOM kill would; wait until it is gone.

        It gets no chance to acknowledge, restore or clean up anything.
        """
        process = self._process
        if process is None:
            raise RuntimeError("No worker is running.")
        self._killed.add(process.pid)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        self._process = None

    def stop(self) -> None:
        """Stop every process still running (warm shutdown) and close the sender; print unexpected output."""
        for process, log in self._started:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            expected = (0, -signal.SIGTERM) + ((-signal.SIGKILL,) if process.pid in self._killed else ())
            if process.returncode not in expected:
                log.seek(0)
                print(f"Worker {process.pid} exited with {process.returncode}:\n{log.read()}")
            log.close()
        self._process = None
        self._sender.close()


@contextmanager
def celery_worker(*, env: Mapping[str, str] | None = None, broker_url: str = BROKER_URL) -> Iterator[Worker]:
    """Start a worker on a queue of its own; yield it, to be called as `send(task_name, *args)`.

    `env`: extra environment variables for the worker process. Stops the worker(s) after.
    """
    worker = Worker(env=env or {}, broker_url=broker_url)
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()


def wait_for(
    condition: Callable[[], bool], *, seconds: float = 60, what: str, interval: float = 0.25
) -> None:
    """Poll until `condition()` holds; fail with `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"Waited {seconds:.0f} s for {what}; the worker did not do it.")
