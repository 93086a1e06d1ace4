"""The set-based caseload recompute: facts gathered in one statement, rules applied, rows upserted."""

import datetime
import zoneinfo
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Program, User
from careplans.models import GoalStatus
from caseloads.models import CaseloadStatus, IntensityLevel
from caseloads.recompute import gather_facts, recompute_caseloads
from engagement.models import LifeEventKind, ReadinessView
from patients.models import CareTeamRole, Enrollment, Phase
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.conftest import MakeEnrollment
from tests.engagement.factories import CheckInFactory, ContactFactory, LifeEventFactory, SuccessMomentFactory
from tests.patients.factories import CareTeamMemberFactory

pytestmark = pytest.mark.django_db
L = IntensityLevel


def day(program: Program, days_ago: int) -> datetime.date:
    return program.today() - datetime.timedelta(days=days_ago)


def noon(program: Program, days_ago: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day(program, days_ago), datetime.time(12), tzinfo=zoneinfo.ZoneInfo(program.time_zone)
    )


def settle(enrollment: Enrollment, *, enrolled_days_ago: int, phase: str = Phase.WELLNESS) -> Enrollment:
    """Move the enrolment back in time and into a phase (test setup only)."""
    enrolled_on = day(enrollment.program, enrolled_days_ago)
    Enrollment.objects.filter(pk=enrollment.pk).update(
        enrolled_on=enrolled_on, referred_on=enrolled_on, phase=phase
    )
    enrollment.refresh_from_db()
    return enrollment


def status_of(enrollment: Enrollment) -> CaseloadStatus:
    return CaseloadStatus.objects.get(enrollment=enrollment)


def stored_rows() -> list[dict[str, Any]]:
    return list(CaseloadStatus.objects.order_by("enrollment_id").values())


def ready_to_graduate(enrollment: Enrollment, *, with_pcp: bool = True) -> None:
    program = enrollment.program
    settle(enrollment, enrolled_days_ago=300)
    plan = CarePlanFactory(enrollment=enrollment)
    GoalFactory(care_plan=plan, status=GoalStatus.ACHIEVED, achieved_on=day(program, 20))
    CheckInFactory(enrollment=enrollment, occurred_on=day(program, 3), confidence=8,
                   readiness_to_graduate=ReadinessView.READY)  # fmt: skip
    ContactFactory(enrollment=enrollment, occurred_at=noon(program, 3))
    if with_pcp:
        CareTeamMemberFactory(enrollment=enrollment, role=CareTeamRole.PRIMARY_CARE_PROVIDER)


class TestRecommendation:
    def test_a_recent_ed_visit_recommends_high_and_says_so(self, enrollment: Enrollment) -> None:
        program = enrollment.program
        settle(enrollment, enrolled_days_ago=200)
        ContactFactory(enrollment=enrollment, occurred_at=noon(program, 2))
        LifeEventFactory(enrollment=enrollment, kind=LifeEventKind.ED_VISIT, occurred_on=day(program, 4))

        recompute_caseloads(program=program)

        status = status_of(enrollment)
        assert status.recommended_level == L.HIGH
        assert any(reason.startswith("ED visit on") for reason in status.recommendation_reasons)
        # A new row takes the recommendation as its current level.
        assert status.current_level == L.HIGH

    def test_early_engagement_recommends_at_least_medium(self, enrollment: Enrollment) -> None:
        ContactFactory(enrollment=enrollment, occurred_at=noon(enrollment.program, 0))

        recompute_caseloads(program=enrollment.program)

        status = status_of(enrollment)
        assert status.recommended_level in (L.MEDIUM, L.HIGH)
        assert any(reason.startswith("Building trust") for reason in status.recommendation_reasons)

    def test_the_team_level_is_kept_and_the_difference_is_a_suggestion(self, enrollment: Enrollment) -> None:
        program = enrollment.program
        settle(enrollment, enrolled_days_ago=200)
        CaseloadStatusFactory(enrollment=enrollment, recommended_level=L.LOW, current_level=L.LOW)
        LifeEventFactory(enrollment=enrollment, kind=LifeEventKind.ADMISSION, occurred_on=day(program, 1))

        recompute_caseloads(program=program)

        status = status_of(enrollment)
        assert (status.recommended_level, status.current_level) == (L.HIGH, L.LOW)


class TestCadence:
    def test_next_due_counts_from_the_last_reached_contact_and_flags_overdue(
        self, enrollment: Enrollment
    ) -> None:
        program = enrollment.program
        settle(enrollment, enrolled_days_ago=200)
        CaseloadStatusFactory(enrollment=enrollment, recommended_level=L.LOW, current_level=L.LOW)
        reached = ContactFactory(enrollment=enrollment, occurred_at=noon(program, 20))
        attempt = ContactFactory(enrollment=enrollment, occurred_at=noon(program, 2), is_reached=False)
        ContactFactory(enrollment=enrollment, occurred_at=noon(program, 40))

        recompute_caseloads(program=program)

        status = status_of(enrollment)
        # Low: 2 reached contacts per 30 days, so every 15 days after the last reached contact.
        assert status.next_contact_due_on == day(program, 5)
        assert status.is_overdue is True
        assert status.last_reached_contact_at == reached.occurred_at
        assert status.last_attempt_at == attempt.occurred_at
        assert status.reached_contacts_last_30_days == 1

    def test_a_contact_inside_the_interval_is_not_overdue(self, enrollment: Enrollment) -> None:
        program = enrollment.program
        settle(enrollment, enrolled_days_ago=200)
        CaseloadStatusFactory(enrollment=enrollment, recommended_level=L.MEDIUM, current_level=L.MEDIUM)
        ContactFactory(enrollment=enrollment, occurred_at=noon(program, 2))

        recompute_caseloads(program=program)

        status = status_of(enrollment)
        assert status.next_contact_due_on == day(program, 2) + datetime.timedelta(days=7)
        assert status.is_overdue is False


class TestGraduationAndPhase:
    def test_readiness_is_stored_with_every_criterion(self, enrollment: Enrollment) -> None:
        ready_to_graduate(enrollment)

        recompute_caseloads(program=enrollment.program)

        status = status_of(enrollment)
        assert status.is_graduation_candidate is True
        assert len(status.graduation_criteria) == 6
        assert all(item["met"] is True for item in status.graduation_criteria)
        assert set(status.graduation_criteria[0]) == {"label", "met", "detail"}

    def test_an_unmet_criterion_is_shown_unmet(self, enrollment: Enrollment) -> None:
        ready_to_graduate(enrollment, with_pcp=False)

        recompute_caseloads(program=enrollment.program)

        status = status_of(enrollment)
        assert status.is_graduation_candidate is False
        unmet = [item["label"] for item in status.graduation_criteria if not item["met"]]
        assert unmet == ["Connected to a primary care provider"]

    def test_engagement_with_plan_contacts_and_trust_suggests_wellness(self, enrollment: Enrollment) -> None:
        program = enrollment.program
        CarePlanFactory(enrollment=enrollment)
        for days_ago in (1, 2, 3):
            ContactFactory(enrollment=enrollment, occurred_at=noon(program, days_ago))
        SuccessMomentFactory(enrollment=enrollment, occurred_on=day(program, 1))

        recompute_caseloads(program=program)

        assert status_of(enrollment).suggested_phase == Phase.WELLNESS

    def test_without_a_trust_moment_no_phase_is_suggested(self, enrollment: Enrollment) -> None:
        program = enrollment.program
        CarePlanFactory(enrollment=enrollment)
        for days_ago in (1, 2, 3):
            ContactFactory(enrollment=enrollment, occurred_at=noon(program, days_ago))

        recompute_caseloads(program=program)

        assert status_of(enrollment).suggested_phase == ""


class TestOverrides:
    def test_a_running_override_is_kept(self, enrollment: Enrollment, care_manager: User) -> None:
        program = enrollment.program
        CaseloadStatusFactory(
            enrollment=enrollment, recommended_level=L.HIGH, current_level=L.LOW,
            override_reason="Prefers fewer calls while at her daughter's.",
            override_until=day(program, -10), override_by=care_manager,
        )  # fmt: skip
        LifeEventFactory(enrollment=enrollment, occurred_on=day(program, 2))

        recompute_caseloads(program=program)

        status = status_of(enrollment)
        assert (status.recommended_level, status.current_level) == (L.HIGH, L.LOW)
        assert status.override_until == day(program, -10)
        assert status.override_by == care_manager

    def test_an_expired_override_is_cleared_and_the_level_follows_the_recommendation(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        program = enrollment.program
        CaseloadStatusFactory(
            enrollment=enrollment, recommended_level=L.HIGH, current_level=L.LOW,
            override_reason="Away for two weeks.", override_until=day(program, 1), override_by=care_manager,
        )  # fmt: skip
        LifeEventFactory(enrollment=enrollment, occurred_on=day(program, 2))

        recompute_caseloads(program=program)

        status = status_of(enrollment)
        assert (status.recommended_level, status.current_level) == (L.HIGH, L.HIGH)
        assert (status.override_reason, status.override_until, status.override_by) == ("", None, None)


@pytest.fixture
def population(make_enrollment: MakeEnrollment, care_manager: User) -> list[Enrollment]:
    """Five people with different stories."""
    crisis, engaging, graduating, quiet, overridden = (
        make_enrollment(care_manager=care_manager) for _ in range(5)
    )
    program = crisis.program
    LifeEventFactory(enrollment=crisis, kind=LifeEventKind.READMISSION, occurred_on=day(program, 5))
    CheckInFactory(enrollment=crisis, occurred_on=day(program, 30), confidence=7)
    CheckInFactory(enrollment=crisis, occurred_on=day(program, 1), confidence=3)
    ContactFactory(enrollment=engaging, occurred_at=noon(program, 1))
    ready_to_graduate(graduating)
    settle(quiet, enrolled_days_ago=100)
    ContactFactory(enrollment=quiet, occurred_at=noon(program, 50), is_reached=False)
    CaseloadStatusFactory(
        enrollment=overridden, recommended_level=L.MEDIUM, current_level=L.HIGH,
        override_reason="Housing court next week.", override_until=day(program, -5), override_by=care_manager,
    )  # fmt: skip
    return [crisis, engaging, graduating, quiet, overridden]


class TestIdempotenceAndReuse:
    def test_running_twice_writes_nothing_the_second_time(self, population: list[Enrollment]) -> None:
        program = population[0].program

        first = recompute_caseloads(program=program)
        before = stored_rows()
        second = recompute_caseloads(program=program)

        assert (first.enrolments, first.written, first.unchanged) == (5, 5, 0)
        assert (second.enrolments, second.written, second.unchanged) == (5, 0, 5)
        # computed_at included: an unchanged row is not touched.
        assert stored_rows() == before

    def test_a_change_rewrites_only_that_row(self, population: list[Enrollment]) -> None:
        program = population[0].program
        recompute_caseloads(program=program)
        before = {row["enrollment_id"]: row for row in stored_rows()}

        ContactFactory(enrollment=population[3], occurred_at=noon(program, 0))
        result = recompute_caseloads(program=program)

        after = {row["enrollment_id"]: row for row in stored_rows()}
        assert (result.written, result.unchanged) == (1, 4)
        changed = [pk for pk in after if after[pk] != before[pk]]
        assert changed == [population[3].pk]

    def test_one_enrolment_and_the_whole_program_give_identical_results(
        self, population: list[Enrollment]
    ) -> None:
        program = population[0].program
        today = program.today()
        whole = gather_facts(program=program, today=today)
        assert set(whole) == {enrollment.pk for enrollment in population}
        for enrollment in population:
            assert gather_facts(program=program, today=today, enrollment_ids=[enrollment.pk]) == {
                enrollment.pk: whole[enrollment.pk]
            }

        for enrollment in population:
            recompute_caseloads(program=program, enrollment_ids=[enrollment.pk])
        one_by_one = [{**row, "id": None, "computed_at": None, "updated_at": None} for row in stored_rows()]
        CaseloadStatus.objects.exclude(override_reason__gt="").delete()
        recompute_caseloads(program=program)
        all_at_once = [{**row, "id": None, "computed_at": None, "updated_at": None} for row in stored_rows()]
        assert all_at_once == one_by_one

    def test_statuses_outside_care_are_left_alone(
        self, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        graduated = make_enrollment(status="graduated", care_manager=care_manager)
        kept = CaseloadStatusFactory(enrollment=graduated)

        result = recompute_caseloads(program=graduated.program)

        assert result.enrolments == 0
        assert stored_rows() == list(CaseloadStatus.objects.filter(pk=kept.pk).values())


class TestSetBased:
    def _add(self, make_enrollment: MakeEnrollment, care_manager: User, count: int) -> None:
        program = care_manager.program
        for _ in range(count):
            enrollment = make_enrollment(care_manager=care_manager)
            ContactFactory(enrollment=enrollment, occurred_at=noon(program, 3))
            LifeEventFactory(enrollment=enrollment, occurred_on=day(program, 40))
            CheckInFactory(enrollment=enrollment, occurred_on=day(program, 2))

    def _queries(self, program: Program, enrolments: int) -> int:
        CaseloadStatus.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            result = recompute_caseloads(program=program)
        assert (result.enrolments, result.written) == (enrolments, enrolments)
        return len(queries)

    def test_the_number_of_queries_does_not_grow_with_the_population(
        self, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        program = care_manager.program
        self._add(make_enrollment, care_manager, 3)
        few = self._queries(program, 3)
        self._add(make_enrollment, care_manager, 27)
        many = self._queries(program, 30)
        assert few == many
        # The full-run lock and its release, policy, criteria, the facts statement, one upsert (in a
        # savepoint) per chunk, and the count of enrolments in care.
        assert many == 9


class TestCommand:
    def test_it_prints_progress_and_a_summary(self, population: list[Enrollment]) -> None:
        program = population[0].program
        out = StringIO()

        call_command("recompute_caseloads", program=program.pk, stdout=out)
        call_command("recompute_caseloads", enrollment=population[0].pk, stdout=out)

        lines = out.getvalue().splitlines()
        assert f"{program}: recomputed 5 of 5 enrolments …" in lines
        assert any(line.startswith("Recomputed 5 enrolments: 5 written, 0 unchanged in ") for line in lines)
        assert f"{program}: recomputed 1 of 1 enrolments …" in lines
        assert any(line.startswith("Recomputed 1 enrolments: 0 written, 1 unchanged in ") for line in lines)


@pytest.mark.django_db(transaction=True)
def test_the_recompute_task_runs_on_a_real_worker_through_redis(make_enrollment, care_manager) -> None:
    from caseloads.models import CaseloadStatus
    from tests.celery_worker import celery_worker, wait_for

    enrollment = make_enrollment(care_manager=care_manager)

    with celery_worker() as send:
        send("caseloads.recompute_caseloads", enrollment.program_id)
        wait_for(
            lambda: CaseloadStatus.objects.filter(enrollment=enrollment).exists(),
            what="the enrolment's caseload status to be stored",
        )

    status = CaseloadStatus.objects.get(enrollment=enrollment)
    assert status.recommended_level in ("low", "medium", "high")
    assert status.next_contact_due_on is not None
