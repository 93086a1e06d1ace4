"""The caseload recompute under failure, with a real worker, Redis and PostgreSQL (issue 5, Reliability):

- a worker SIGKILLed in the middle of a full recompute: the task comes back to a new worker and the
  stored statuses end up as a clean run would leave them, nothing lost and nothing duplicated;
- Redis unreachable (nothing listening, or a server that never answers): logging a contact still
  succeeds at once and the record renders; the recompute happens once the broker is back.

The worker is another process, so these tests commit their data (transaction=True).
"""

import datetime
import logging
import socket
import threading
import time
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import StringIO
from typing import Any

import pytest
from django import db
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from kombu import pools as kombu_pools

from accounts.models import Program
from caseloads import demo_data
from caseloads.models import CaseloadRecomputeRequest, CaseloadSnapshot, CaseloadStatus
from caseloads.recompute import recompute_caseloads
from config.celery import app
from engagement.models import Contact
from patients.models import CARE_STATUSES, Enrollment
from tests.caseloads.recompute_helpers import computed_rows, full_run_lock_holders
from tests.celery_worker import broker_url_with_database, celery_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

# Small chunks with a pause between them make the full run last a few seconds, long enough to kill it
# half-way; a short visibility timeout has Redis hand the unacknowledged task out again soon after.
CHUNK_SIZE = 25
CHUNK_PAUSE_SECONDS = 0.3
VISIBILITY_TIMEOUT = 3
# The killed worker's task waits in Redis' "unacked" set of whichever database the broker uses, and a
# worker restores every unacknowledged task older than its visibility timeout, whoever took it. A
# database of its own keeps this test's 3 s timeout away from other tests' (and other people's) tasks.
KILL_TEST_BROKER_URL = broker_url_with_database(1)


class TestWorkerKilledMidRun:
    def test_the_job_completes_on_a_new_worker_and_equals_a_clean_run(self) -> None:
        call_command("seed_demo", "--patients=400", stdout=StringIO())
        program = Program.objects.get(name=demo_data.PROGRAM_NAME)
        in_care = set(
            Enrollment.objects.filter(program=program, status__in=CARE_STATUSES).values_list("pk", flat=True)
        )
        assert len(in_care) > 8 * CHUNK_SIZE
        # The team's decisions (overrides) stay; every computed row goes, so progress shows as rows.
        CaseloadStatus.objects.filter(override_reason="").delete()
        decisions = list(CaseloadStatus.objects.values())
        assert decisions, "the demo data has overrides to keep"

        env = {
            "CASELOAD_RECOMPUTE_CHUNK_SIZE": str(CHUNK_SIZE),
            "CASELOAD_RECOMPUTE_CHUNK_PAUSE_SECONDS": str(CHUNK_PAUSE_SECONDS),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }
        with celery_worker(env=env, broker_url=KILL_TEST_BROKER_URL) as worker:
            worker.send("caseloads.recompute_caseloads", program.pk)
            wait_for(
                lambda: CaseloadStatus.objects.count() > len(decisions),
                seconds=30,
                interval=0.02,
                what="the first chunk of the full recompute to be written",
            )
            # The task was taken from the queue before its first row was written.
            taken_by = time.monotonic()
            assert full_run_lock_holders(program) == 1, "the worker holds the program's full-run lock"

            worker.kill()
            killed_at = timezone.now()

            written_when_killed = CaseloadStatus.objects.count()
            assert len(decisions) < written_when_killed < len(in_care), "killed half-way"
            # PostgreSQL ends the dead worker's session, and its session lock with it.
            wait_for(
                lambda: full_run_lock_holders(program) == 0,
                seconds=10,
                what="PostgreSQL to release the killed worker's lock",
            )
            assert CaseloadStatus.objects.count() == written_when_killed, "nothing written after the kill"

            # Kombu hands an unacknowledged task out again once it is older than the visibility timeout;
            # a worker looks for such tasks as it starts (and then only every ~100 s), so the new worker
            # starts once the timeout has passed, as an operator or a supervisor restarting it would.
            time.sleep(max(0.0, taken_by + VISIBILITY_TIMEOUT + 0.5 - time.monotonic()))
            worker.start()
            # The task ends with the care managers' snapshots, taken after the full run.
            wait_for(
                lambda: CaseloadSnapshot.objects.filter(computed_at__gt=killed_at).exists(),
                seconds=30,
                interval=0.1,
                what="the redelivered full recompute to complete on the new worker",
            )
            after_recovery = computed_rows(program)
            # The lock is free while the new worker still runs: a full run here is not skipped, and
            # finds nothing left to write.
            assert full_run_lock_holders(program) == 0
            again = recompute_caseloads(program=program)
            assert (again.skipped, again.enrolments, again.written) == (False, len(in_care), 0)

        enrolment_ids = list(
            CaseloadStatus.objects.filter(enrollment__program=program).values_list("enrollment_id", flat=True)
        )
        assert Counter(enrolment_ids).most_common(1)[0][1] == 1, "one row per enrolment"
        assert set(after_recovery) == in_care, "a row for every enrolment in care, none lost"
        assert computed_rows(program) == after_recovery

        # A clean run from the same starting point: the team's decisions, no computed rows.
        CaseloadStatus.objects.all().delete()
        CaseloadStatus.objects.bulk_create(CaseloadStatus(**row) for row in decisions)
        clean = recompute_caseloads(program=program)
        assert (clean.skipped, clean.enrolments) == (False, len(in_care))
        assert computed_rows(program) == after_recovery


# --- Redis unreachable --------------------------------------------------------------------------------


@contextmanager
def nothing_listening() -> Iterator[str]:
    """A broker URL whose port refuses connections (bound, never listening, so nobody else takes it)."""
    with socket.socket() as reserved:
        reserved.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{reserved.getsockname()[1]}/0"


@contextmanager
def blackhole() -> Iterator[str]:
    """A broker URL whose server accepts connections and never answers (a hung or firewalled Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.1)
    held: list[socket.socket] = []
    over = threading.Event()

    def accept() -> None:
        while not over.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            held.append(client)  # kept open, never read from, never written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    finally:
        over.set()
        thread.join(timeout=5)
        server.close()
        for client in held:  # a request still stuck on one of them gets its answer now: closed
            client.close()
    assert held, "the client connected to the blackhole"


def _forget_connections() -> None:
    """Drop the app's cached connection and producer pools, so the next send connects to the broker
    the configuration names now (as Celery does after a fork).

    kombu keeps its pools in a registry shared by the process: closing one there and leaving it would
    leave every later send in this process (eager ones included) with "Acquire on closed pool".
    """
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def broker(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Send this process's tasks to `url` through Redis (never in-process) until the block ends."""
    # The environment wins over the configuration in Celery; CI sets it.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=url, task_always_eager=False)
    _forget_connections()
    try:
        assert app.connection_for_write().as_uri().endswith(url.split("@")[-1].removeprefix("redis://"))
        yield
    finally:
        _forget_connections()
        app.conf.update(saved)


PROGRAM_ZONE = zoneinfo.ZoneInfo("America/New_York")
# A hang guard, not a speed benchmark: one failed send takes about 2 s here (the transport's connect and
# read timeouts), and without those timeouts a send to a server that never answers waits for ever.
PAGE_TIME_LIMIT_SECONDS = 5


# Requests that did not return in time; they are let finish before the database is emptied.
_stuck: list[threading.Thread] = []


@pytest.fixture
def stuck_requests_finish(transactional_db: None) -> Iterator[None]:
    """After the test (its broker gone, so a stuck send gets its error), wait for any request thread that
    `within` gave up on, so it does not write while the test database is flushed."""
    yield
    while _stuck:
        _stuck.pop().join(timeout=20)


def within[T](seconds: float, call: Callable[[], T]) -> T:
    """`call()` in a thread; its result, or a failure (not a hang) if it has not returned after `seconds`."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error
        finally:
            db.connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        _stuck.append(thread)
    assert not thread.is_alive(), f"still waiting after {seconds} s: the request hangs on the broker"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def _minutes_ago(minutes: int) -> str:
    at = timezone.now() - datetime.timedelta(minutes=minutes)
    return timezone.localtime(at, PROGRAM_ZONE).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.usefixtures("stuck_requests_finish")
class TestBrokerUnreachable:
    @pytest.mark.parametrize("down", [nothing_listening, blackhole], ids=["refused", "never-answers"])
    def test_logging_a_contact_succeeds_at_once_and_the_recompute_follows_when_redis_is_back(
        self, down, client, care_manager, enrollment, caplog, monkeypatch
    ) -> None:
        client.force_login(care_manager)
        contact_url = reverse("caseloads:contact-create", kwargs={"patient_id": enrollment.patient_id})
        record_url = reverse("caseloads:patient-record", args=[enrollment.patient_id])
        CaseloadStatus.objects.filter(enrollment=enrollment).delete()
        CaseloadRecomputeRequest.objects.all().delete()
        caplog.set_level(logging.WARNING, logger="caseloads.services")

        with down() as url, broker(url, monkeypatch):
            for minutes_ago, note in ((90, "Synthetic: first call while Redis is down."),
                                      (30, "Synthetic: second call, Redis still down.")):  # fmt: skip
                caplog.clear()
                data = {"mode": "phone", "outcome": "reached", "occurred_at": _minutes_ago(minutes_ago),
                        "duration_minutes": "15", "note": note}  # fmt: skip
                response = within(
                    PAGE_TIME_LIMIT_SECONDS,
                    lambda data=data: client.post(contact_url, data, headers={"HX-Request": "true"}),
                )

                assert response.status_code == 200, response.content.decode()[:500]
                assert "Contact saved." in response.content.decode()
                assert Contact.objects.filter(enrollment=enrollment, note=note).exists()
                # The send really went to the dead broker and failed, and the request waits in the database.
                warnings = [r for r in caplog.records if r.name == "caseloads.services"]
                assert [r.levelno for r in warnings] == [logging.WARNING]
                assert f"enrollment={enrollment.pk}" in warnings[0].getMessage()
                assert warnings[0].exc_info is not None
                assert CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).count() == 1

            page = within(PAGE_TIME_LIMIT_SECONDS, lambda: client.get(record_url))
            assert page.status_code == 200
            assert "second call, Redis still down" in page.content.decode()
            # Nothing ran in-process: the row waits for the worker.
            assert not CaseloadStatus.objects.filter(enrollment=enrollment).exists()

        # The broker is back: the catch-up job (every few minutes from beat) runs on a real worker.
        with celery_worker() as send:
            send("caseloads.recompute_requested")
            wait_for(
                lambda: not CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).exists(),
                seconds=30,
                what="the catch-up job to recompute the enrolment and clear its request",
            )

        status = CaseloadStatus.objects.get(enrollment=enrollment)
        latest = Contact.objects.filter(enrollment=enrollment).latest("occurred_at")
        assert status.last_reached_contact_at == latest.occurred_at
        assert status.reached_contacts_last_30_days == 2
        assert status.is_overdue is False
