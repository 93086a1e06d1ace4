"""Recompute requests, the full-run lock, newer rows, daily snapshots and the planned next contact.

A change to an enrolment stores a CaseloadRecomputeRequest in its own transaction and sends the
one-enrolment recompute on commit; without a broker the task runs in-process, which these tests use
(`django_capture_on_commit_callbacks(execute=True)` runs the commit callbacks).
"""

import datetime
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Program, User
from careplans.models import GoalStatus
from caseloads import services
from caseloads.models import (
    CaseloadRecomputeRequest,
    CaseloadSnapshot,
    CaseloadStatus,
    IntensityLevel,
    IntensityPolicy,
)
from caseloads.recompute import caseload_snapshots_take, recompute_caseloads, recompute_requested
from config.celery import app
from engagement.models import ContactMode, LifeEventKind, SuccessKind
from patients.models import Enrollment, EnrollmentStatus, Phase
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.caseloads.recompute_helpers import computed_rows, full_run_lock_held_elsewhere
from tests.caseloads.test_recompute import day, noon, settle
from tests.conftest import MakeEnrollment
from tests.engagement.factories import ContactFactory, SuccessMomentFactory

pytestmark = pytest.mark.django_db
L = IntensityLevel
S = EnrollmentStatus
# The medium level's cadence: 4 reached contacts per 30 days, so one every 7 days.
WEEK = datetime.timedelta(days=7)


@pytest.fixture(autouse=True)
def tasks_in_process() -> Iterator[None]:
    """Tasks sent on commit run here and now, as they do without a broker (CI configures one, and no
    worker serves these tests)."""
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


def requests() -> dict[int, datetime.datetime]:
    return dict(CaseloadRecomputeRequest.objects.values_list("enrollment_id", "requested_at"))


def criterion(status: CaseloadStatus, label_start: str) -> dict[str, Any]:
    (item,) = [item for item in status.graduation_criteria if item["label"].startswith(label_start)]
    return item


class TestRequests:
    def test_one_request_per_enrolment_and_asking_again_moves_its_time(
        self, enrollment: Enrollment, make_enrollment: MakeEnrollment, care_manager: User,
        django_capture_on_commit_callbacks,
    ) -> None:  # fmt: skip
        other = make_enrollment(care_manager=care_manager)
        CaseloadRecomputeRequest.objects.all().delete()

        with django_capture_on_commit_callbacks() as callbacks:
            services.caseload_recompute_soon(enrollment_id=enrollment.pk)
            first = requests()[enrollment.pk]
            services.caseload_recompute_soon(enrollment_id=enrollment.pk)
            services.caseload_recompute_soon(enrollment_id=other.pk)

        assert set(requests()) == {enrollment.pk, other.pk}
        assert requests()[enrollment.pk] > first
        # The sends wait for the commit: nothing was recomputed inside the transaction.
        assert len(callbacks) == 3
        assert not CaseloadStatus.objects.filter(enrollment__in=[enrollment, other]).exists()

    def test_the_task_sent_on_commit_recomputes_the_row_and_clears_the_request(
        self, enrollment: Enrollment, care_manager: User, django_capture_on_commit_callbacks
    ) -> None:
        program = settle(enrollment, enrolled_days_ago=30).program
        with django_capture_on_commit_callbacks(execute=True):
            logged = services.caseload_contact_log(
                enrollment=enrollment, acting_user=care_manager, occurred_at=noon(program, 1),
                mode=ContactMode.PHONE, is_reached=True,
            )  # fmt: skip

        status = CaseloadStatus.objects.get(enrollment=enrollment)
        assert status.last_reached_contact_at == logged.contact.occurred_at
        assert requests() == {}


def _contact(enrollment: Enrollment, user: User) -> Callable[[], Any]:
    return lambda: services.caseload_contact_log(
        enrollment=enrollment, acting_user=user, occurred_at=noon(enrollment.program, 1),
        mode=ContactMode.HOME, is_reached=True, note="Synthetic: visit at home.",
    )  # fmt: skip


def _check_in(enrollment: Enrollment, user: User) -> Callable[[], Any]:
    return lambda: services.check_in_record(
        enrollment=enrollment, acting_user=user, occurred_on=day(enrollment.program, 1), confidence=8
    )


def _life_event(enrollment: Enrollment, user: User) -> Callable[[], Any]:
    return lambda: services.life_event_record(
        enrollment=enrollment, acting_user=user, kind=LifeEventKind.ED_VISIT,
        occurred_on=day(enrollment.program, 2),
    )  # fmt: skip


def _trust_moment(enrollment: Enrollment, user: User) -> Callable[[], Any]:
    CarePlanFactory(enrollment=enrollment)
    for days_ago in (3, 4, 5):
        ContactFactory(enrollment=enrollment, occurred_at=noon(enrollment.program, days_ago))
    return lambda: services.success_moment_record(
        enrollment=enrollment, acting_user=user, occurred_on=day(enrollment.program, 1),
        kind=SuccessKind.TRUST, description="Synthetic: called back on her own.",
    )  # fmt: skip


def _plan_started(enrollment: Enrollment, user: User) -> Callable[[], Any]:
    for days_ago in (3, 4, 5):
        ContactFactory(enrollment=enrollment, occurred_at=noon(enrollment.program, days_ago))
    SuccessMomentFactory(enrollment=enrollment, occurred_on=day(enrollment.program, 2))
    return lambda: services.care_plan_start(
        enrollment=enrollment, acting_user=user, co_created_with="Synthetic: the person and her son"
    )


def _goal_achieved(enrollment: Enrollment, user: User) -> Callable[[], Any]:
    goal = GoalFactory(care_plan=CarePlanFactory(enrollment=enrollment), status=GoalStatus.ACTIVE)
    return lambda: services.care_plan_goal_update(
        goal=goal, acting_user=user, expected_version=goal.version, status=GoalStatus.ACHIEVED
    )


def _reached_yesterday(status: CaseloadStatus) -> bool:
    return status.last_reached_contact_at == noon(status.enrollment.program, 1)


def _confidence_8(status: CaseloadStatus) -> bool:
    item = criterion(status, "Confidence")
    return item["met"] is True and item["detail"] == "Last rated 8."


def _high_for_the_ed_visit(status: CaseloadStatus) -> bool:
    return status.recommended_level == L.HIGH and any(
        reason.startswith("ED visit on") for reason in status.recommendation_reasons
    )


def _wellness_suggested(status: CaseloadStatus) -> bool:
    return status.suggested_phase == Phase.WELLNESS


def _one_goal_achieved(status: CaseloadStatus) -> bool:
    item = criterion(status, "At least 1 goal")
    return item["met"] is True and item["detail"] == "1 achieved."


CHANGES = {
    "contact": (_contact, _reached_yesterday),
    "check-in": (_check_in, _confidence_8),
    "life event": (_life_event, _high_for_the_ed_visit),
    "success moment": (_trust_moment, _wellness_suggested),
    "care plan started": (_plan_started, _wellness_suggested),
    "goal achieved": (_goal_achieved, _one_goal_achieved),
}


class TestEachChangeRecomputesItsEnrolment:
    @pytest.mark.parametrize("change", CHANGES)
    def test_the_row_reflects_the_change_once_committed_and_the_request_is_cleared(
        self, change: str, enrollment: Enrollment, care_manager: User, django_capture_on_commit_callbacks
    ) -> None:
        make_change, reflects = CHANGES[change]
        settle(enrollment, enrolled_days_ago=30, phase=Phase.ENGAGEMENT)
        run = make_change(enrollment, care_manager)
        recompute_caseloads(program=enrollment.program, enrollment_ids=[enrollment.pk])
        before = CaseloadStatus.objects.get(enrollment=enrollment)
        assert not reflects(before)
        CaseloadRecomputeRequest.objects.all().delete()

        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            run()
            # Stored in the change's transaction, before anything is sent.
            assert set(requests()) == {enrollment.pk}

        assert len(callbacks) == 1
        after = CaseloadStatus.objects.get(enrollment=enrollment)
        assert reflects(after)
        assert after.computed_at > before.computed_at
        assert requests() == {}


# Stands for a change committed by someone else while the recompute runs: each caseload row the
# recompute writes has its enrolment asked for again, at that moment (as caseload_recompute_soon does).
ASKED_AGAIN_WHILE_RUNNING = """
CREATE FUNCTION test_ask_again() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {requests} (enrollment_id, requested_at) VALUES (NEW.enrollment_id, clock_timestamp())
    ON CONFLICT (enrollment_id) DO UPDATE SET requested_at = EXCLUDED.requested_at;
    RETURN NULL;
END $$;
CREATE TRIGGER test_ask_again AFTER INSERT OR UPDATE ON {statuses}
    FOR EACH ROW EXECUTE FUNCTION test_ask_again();
"""


@pytest.fixture
def asked_again_while_running() -> Iterator[None]:
    statement = ASKED_AGAIN_WHILE_RUNNING.format(
        requests=connection.ops.quote_name(CaseloadRecomputeRequest._meta.db_table),
        statuses=connection.ops.quote_name(CaseloadStatus._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            f"DROP TRIGGER test_ask_again ON {connection.ops.quote_name(CaseloadStatus._meta.db_table)}; "
            "DROP FUNCTION test_ask_again();"
        )


class TestRequestsDuringARun:
    @pytest.mark.parametrize("narrowed", [False, True], ids=["catch-up", "one-enrolment task"])
    def test_a_request_written_while_the_recompute_runs_is_kept_for_next_time(
        self, narrowed: bool, enrollment: Enrollment, request: pytest.FixtureRequest
    ) -> None:
        ContactFactory(enrollment=enrollment, occurred_at=noon(enrollment.program, 3))
        CaseloadRecomputeRequest.objects.all().delete()
        services.caseload_recompute_soon(enrollment_id=enrollment.pk)
        asked = requests()[enrollment.pk]

        request.getfixturevalue("asked_again_while_running")
        recompute_requested(enrollment_ids=[enrollment.pk] if narrowed else None)

        assert CaseloadStatus.objects.filter(enrollment=enrollment).exists()
        assert set(requests()) == {enrollment.pk}, "the request made during the run is kept"
        assert requests()[enrollment.pk] > asked

    def test_without_a_new_request_the_catch_up_clears_them_all(
        self, enrollment: Enrollment, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        other = make_enrollment(care_manager=care_manager)
        CaseloadRecomputeRequest.objects.all().delete()
        for asked in (enrollment, other):
            services.caseload_recompute_soon(enrollment_id=asked.pk)

        result = recompute_requested()

        assert result.enrolments == 2
        assert requests() == {}
        assert set(computed_rows(enrollment.program)) == {enrollment.pk, other.pk}


class TestFullRuns:
    def test_a_row_computed_after_the_run_gathered_its_facts_is_not_overwritten(
        self, enrollment: Enrollment, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        program = enrollment.program
        other = make_enrollment(care_manager=care_manager)
        recompute_caseloads(program=program)
        # Written by the one-enrolment path after the full run below gathers (its computed_at is later).
        newer = {
            "recommended_level": L.LOW,
            "current_level": L.LOW,
            "recommendation_reasons": ["Synthetic: computed after the full run gathered."],
            "next_contact_due_on": day(program, -20),
            "computed_at": timezone.now() + datetime.timedelta(hours=1),
        }
        CaseloadStatus.objects.filter(enrollment=enrollment).update(**newer)
        for changed in (enrollment, other):
            ContactFactory(enrollment=changed, occurred_at=noon(program, 1))

        result = recompute_caseloads(program=program)

        assert result.skipped is False
        kept = CaseloadStatus.objects.filter(enrollment=enrollment).values(*newer).get()
        assert kept == newer
        assert CaseloadStatus.objects.get(enrollment=other).last_reached_contact_at == noon(program, 1)

    def test_a_full_run_while_another_holds_the_program_lock_is_skipped(self, enrollment: Enrollment) -> None:
        program = enrollment.program

        with full_run_lock_held_elsewhere(program):
            skipped = recompute_caseloads(program=program)
            assert (skipped.skipped, skipped.enrolments, skipped.written) == (True, 0, 0)
            assert not CaseloadStatus.objects.filter(enrollment=enrollment).exists()
            # The one-enrolment path does not take the lock.
            one = recompute_caseloads(program=program, enrollment_ids=[enrollment.pk])
            assert (one.skipped, one.written) == (False, 1)

        after = recompute_caseloads(program=program)
        assert (after.skipped, after.enrolments) == (False, 1)

    def test_the_lock_is_per_program(self, enrollment: Enrollment, other_program: Program) -> None:
        with full_run_lock_held_elsewhere(other_program):
            result = recompute_caseloads(program=enrollment.program)
        assert (result.skipped, result.enrolments, result.written) == (False, 1, 1)


# --- daily snapshots ---------------------------------------------------------------------------


@pytest.fixture
def caseloads_by_hand(
    make_enrollment: MakeEnrollment, care_manager: User, care_manager_same_team: User
) -> dict[str, CaseloadStatus]:
    """Stored rows set by hand: two care managers, plus rows that must not count."""

    def row(status: str, care_manager: User | None, level: str, **flags: bool) -> CaseloadStatus:
        enrollment = make_enrollment(status=status, care_manager=care_manager or care_manager_same_team)
        return CaseloadStatusFactory(
            enrollment=enrollment, care_manager=care_manager, recommended_level=level, current_level=level,
            **flags,
        )  # fmt: skip

    first, second = care_manager, care_manager_same_team
    return {
        "outreach": row(S.OUTREACH, first, L.HIGH, is_overdue=True),
        "active high": row(S.ACTIVE, first, L.HIGH, is_graduation_candidate=True),
        "active medium": row(S.ACTIVE, first, L.MEDIUM, is_overdue=True),
        "maintenance": row(S.MAINTENANCE, first, L.LOW, is_graduation_candidate=True),
        "second low": row(S.ACTIVE, second, L.LOW),
        "second medium": row(S.ACTIVE, second, L.MEDIUM, is_overdue=True),
        # Not counted: out of care, and a row without a care manager.
        "graduated": row(S.GRADUATED, first, L.HIGH, is_overdue=True),
        "nobody's": row(S.ACTIVE, None, L.HIGH),
    }


COUNTS = (
    "outreach_count", "active_count", "maintenance_count", "high_count", "medium_count", "low_count",
    "overdue_count", "graduation_candidate_count", "weighted_load",
)  # fmt: skip


def snapshots(on: datetime.date) -> dict[int, tuple[int, ...]]:
    return {
        row[0]: tuple(row[1:])
        for row in CaseloadSnapshot.objects.filter(taken_on=on).values_list("care_manager_id", *COUNTS)
    }


class TestSnapshots:
    def test_one_row_per_care_manager_with_the_counts_of_their_caseload(
        self, caseloads_by_hand: dict[str, CaseloadStatus], care_manager: User, care_manager_same_team: User
    ) -> None:
        program = care_manager.program
        today = program.today()

        assert caseload_snapshots_take(program=program, today=today) == 2

        assert snapshots(today) == {
            # outreach, active, maintenance; high, medium, low; overdue, candidates; load 3+3+2+1
            care_manager.pk: (1, 2, 1, 2, 1, 1, 2, 2, 9),
            # load 1+2
            care_manager_same_team.pk: (0, 2, 0, 0, 1, 1, 1, 0, 3),
        }
        assert CaseloadSnapshot.objects.count() == 2

    def test_taking_it_again_the_same_day_replaces_the_day_and_another_day_adds_one(
        self, caseloads_by_hand: dict[str, CaseloadStatus], care_manager: User, care_manager_same_team: User
    ) -> None:
        program = care_manager.program
        today = program.today()
        caseload_snapshots_take(program=program, today=today)
        CaseloadStatus.objects.filter(pk=caseloads_by_hand["second low"].pk).update(
            recommended_level=L.HIGH, current_level=L.HIGH, is_overdue=True
        )

        caseload_snapshots_take(program=program, today=today)

        assert CaseloadSnapshot.objects.filter(taken_on=today).count() == 2
        assert snapshots(today)[care_manager_same_team.pk] == (0, 2, 0, 1, 1, 0, 2, 0, 5)
        caseload_snapshots_take(program=program, today=today + datetime.timedelta(days=1))
        assert CaseloadSnapshot.objects.count() == 4

    def test_the_load_uses_the_program_weights(
        self, caseloads_by_hand: dict[str, CaseloadStatus], care_manager: User
    ) -> None:
        program = care_manager.program
        IntensityPolicy.objects.update_or_create(
            program=program, defaults={"high_weight": 5, "medium_weight": 3, "low_weight": 1}
        )

        caseload_snapshots_take(program=program, today=program.today())

        assert snapshots(program.today())[care_manager.pk][-1] == 5 + 5 + 3 + 1


# --- the planned next contact ------------------------------------------------------------------


class TestPlannedNextContact:
    @pytest.fixture
    def log(
        self, enrollment: Enrollment, care_manager: User, django_capture_on_commit_callbacks
    ) -> Callable[..., CaseloadStatus]:
        """Log a contact through the service, commit, and return the recomputed row."""
        settle(enrollment, enrolled_days_ago=200)
        # The team works at medium: the cadence is a reached contact every WEEK.
        CaseloadStatusFactory(enrollment=enrollment, recommended_level=L.MEDIUM, current_level=L.MEDIUM)

        def log(
            days_ago: int, *, reached: bool = True, next_on: datetime.date | None = None
        ) -> CaseloadStatus:
            with django_capture_on_commit_callbacks(execute=True):
                services.caseload_contact_log(
                    enrollment=enrollment, acting_user=care_manager,
                    occurred_at=noon(enrollment.program, days_ago), mode=ContactMode.PHONE,
                    is_reached=reached, next_contact_on=next_on,
                )  # fmt: skip
            return CaseloadStatus.objects.get(enrollment=enrollment)

        return log

    def test_a_date_planned_after_the_last_reached_contact_is_the_next_due_date(
        self, log: Callable[..., CaseloadStatus], enrollment: Enrollment
    ) -> None:
        program = enrollment.program

        status = log(10, next_on=day(program, -3))
        # The cadence alone would say 7 days after the contact: 3 days ago, overdue.
        assert (status.next_contact_due_on, status.is_overdue) == (day(program, -3), False)

        # A later contact that plans nothing keeps the plan while it is ahead of the last reached one.
        status = log(2)
        assert status.next_contact_due_on == day(program, -3)
        status = log(1, reached=False)
        assert status.next_contact_due_on == day(program, -3)

    def test_a_reached_contact_after_the_planned_date_falls_back_to_the_cadence(
        self, log: Callable[..., CaseloadStatus], enrollment: Enrollment
    ) -> None:
        program = enrollment.program

        status = log(20, next_on=day(program, 15))
        assert (status.next_contact_due_on, status.is_overdue) == (day(program, 15), True)

        status = log(12)
        assert (status.next_contact_due_on, status.is_overdue) == (day(program, 12) + WEEK, True)
        status = log(1)
        assert (status.next_contact_due_on, status.is_overdue) == (day(program, 1) + WEEK, False)

    def test_a_date_planned_for_the_day_of_the_contact_is_not_ahead_of_it(
        self, log: Callable[..., CaseloadStatus], enrollment: Enrollment
    ) -> None:
        program = enrollment.program

        status = log(10, next_on=day(program, 10))

        assert (status.next_contact_due_on, status.is_overdue) == (day(program, 10) + WEEK, True)

    def test_an_attempt_after_the_planned_date_does_not_move_it(
        self, log: Callable[..., CaseloadStatus], enrollment: Enrollment
    ) -> None:
        program = enrollment.program

        log(20, next_on=day(program, 15))
        status = log(12, reached=False)

        assert (status.next_contact_due_on, status.is_overdue) == (day(program, 15), True)
