"""Suggesting a primary care manager: caseload weighted by intensity against capacity, discipline fit
first, and the numbers behind each suggestion."""

import pytest

from accounts.models import Discipline, Program, Role, Team, User
from caseloads.assignment import care_manager_suggestions
from caseloads.models import IntensityLevel, IntensityPolicy
from patients.models import Enrollment, EnrollmentStatus
from patients.services import primary_care_manager_assign
from tests.accounts.factories import TeamMembershipFactory, UserFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.conftest import MakeEnrollment
from tests.patients.factories import CareTeamMemberFactory

pytestmark = pytest.mark.django_db

S = EnrollmentStatus


def care_manager_in(team: Team, *, capacity: int = 20, discipline: str = Discipline.SOCIAL_WORKER) -> User:
    user = UserFactory(program=team.program, caseload_capacity=capacity, discipline=discipline)
    TeamMembershipFactory(team=team, user=user)
    return user


def give(
    make_enrollment: MakeEnrollment, care_manager: User, level: str | None, *, status: str = S.ACTIVE
) -> Enrollment:
    """A person whose primary care manager is `care_manager`, at `level` (None: no computed status)."""
    enrollment = make_enrollment(status=status, care_manager=care_manager)
    if level is not None:
        CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager, recommended_level=level)
    return enrollment


def row_of(program: Program, user: User, discipline_hint: str = ""):
    suggestions = care_manager_suggestions(program=program, discipline_hint=discipline_hint)
    return next(row for row in suggestions.rows if row.care_manager == user)


class TestTheNumbers:
    def test_two_high_and_one_low_are_seven_points_of_twenty_which_is_35_percent(
        self, program: Program, team_a: Team, make_enrollment: MakeEnrollment
    ) -> None:
        maria = care_manager_in(team_a, capacity=20)
        give(make_enrollment, maria, IntensityLevel.HIGH)
        give(make_enrollment, maria, IntensityLevel.HIGH, status=S.OUTREACH)
        give(make_enrollment, maria, IntensityLevel.LOW, status=S.MAINTENANCE)

        row = row_of(program, maria)

        assert (row.high_count, row.medium_count, row.low_count) == (2, 0, 1)
        assert (row.points, row.capacity, row.load_percent) == (7, 20, 35)
        assert row.teams == "Team A"
        assert row.is_over_capacity is False

    def test_someone_without_a_computed_level_counts_as_medium(
        self, program: Program, team_a: Team, make_enrollment: MakeEnrollment
    ) -> None:
        maria = care_manager_in(team_a, capacity=8)
        give(make_enrollment, maria, None)
        give(make_enrollment, maria, IntensityLevel.MEDIUM)

        row = row_of(program, maria)

        assert (row.high_count, row.medium_count, row.low_count, row.points) == (0, 2, 0, 4)
        assert row.load_percent == 50

    def test_only_current_primary_enrolments_in_outreach_active_or_maintenance_count(
        self,
        program: Program,
        team_a: Team,
        make_enrollment: MakeEnrollment,
        care_manager_same_team: User,
    ) -> None:
        maria = care_manager_in(team_a)
        give(make_enrollment, maria, IntensityLevel.HIGH)
        give(make_enrollment, maria, IntensityLevel.HIGH, status=S.GRADUATED)
        give(make_enrollment, maria, IntensityLevel.HIGH, status=S.DISENROLLED)
        # Maria helps on a colleague's care team, but is not the primary there.
        helped = give(make_enrollment, care_manager_same_team, IntensityLevel.HIGH)
        CareTeamMemberFactory(enrollment=helped, user=maria)
        # Maria handed this one over to a colleague.
        handed_over = give(make_enrollment, maria, IntensityLevel.HIGH)
        primary_care_manager_assign(
            enrollment=handed_over, care_manager=care_manager_same_team, acting_user=maria
        )

        row = row_of(program, maria)

        assert (row.high_count, row.medium_count, row.low_count, row.points) == (1, 0, 0, 3)
        assert row_of(program, care_manager_same_team).high_count == 2

    def test_the_programs_own_weights_are_used(
        self, program: Program, team_a: Team, make_enrollment: MakeEnrollment
    ) -> None:
        IntensityPolicy.objects.create(program=program, high_weight=5, medium_weight=3, low_weight=2)
        maria = care_manager_in(team_a, capacity=40)
        give(make_enrollment, maria, IntensityLevel.HIGH)
        give(make_enrollment, maria, IntensityLevel.HIGH)
        give(make_enrollment, maria, IntensityLevel.MEDIUM)
        give(make_enrollment, maria, IntensityLevel.LOW)

        suggestions = care_manager_suggestions(program=program)
        row = row_of(program, maria)

        assert (suggestions.weights.high, suggestions.weights.medium, suggestions.weights.low) == (5, 3, 2)
        assert row.points == 2 * 5 + 3 + 2
        assert row.load_percent == 38  # 15 of 40 is 37.5 %, rounded half up

    def test_without_a_policy_the_default_weights_are_3_2_1(self, program: Program) -> None:
        weights = care_manager_suggestions(program=program).weights
        assert (weights.high, weights.medium, weights.low) == (3, 2, 1)

    def test_no_capacity_set_shows_no_load_and_comes_last(self, program: Program, team_a: Team) -> None:
        full = care_manager_in(team_a, capacity=0)
        free = care_manager_in(team_a, capacity=10)

        rows = care_manager_suggestions(program=program).rows

        assert [row.care_manager for row in rows] == [free, full]
        assert rows[1].load_percent is None
        assert rows[1].is_over_capacity is True


class TestWhoIsSuggested:
    def test_the_lowest_load_comes_first(
        self, program: Program, team_a: Team, team_b: Team, make_enrollment: MakeEnrollment
    ) -> None:
        busy = care_manager_in(team_a, capacity=10)  # 3 of 10: 30 %
        give(make_enrollment, busy, IntensityLevel.HIGH)
        roomy = care_manager_in(team_b, capacity=30)  # 6 of 30: 20 %
        give(make_enrollment, roomy, IntensityLevel.HIGH)
        give(make_enrollment, roomy, IntensityLevel.HIGH)
        empty = care_manager_in(team_a, capacity=5)

        suggestions = care_manager_suggestions(program=program)

        assert [row.care_manager for row in suggestions.rows] == [
            empty,
            roomy,
            busy,
        ]  # the first is suggested

    def test_a_discipline_fit_comes_first_even_when_busier(
        self, program: Program, team_a: Team, make_enrollment: MakeEnrollment
    ) -> None:
        nurse = care_manager_in(team_a, capacity=10, discipline=Discipline.REGISTERED_NURSE)
        give(make_enrollment, nurse, IntensityLevel.HIGH)
        social_worker = care_manager_in(team_a, capacity=10, discipline=Discipline.SOCIAL_WORKER)
        other_nurse = care_manager_in(team_a, capacity=10, discipline=Discipline.REGISTERED_NURSE)
        give(make_enrollment, other_nurse, IntensityLevel.HIGH)
        give(make_enrollment, other_nurse, IntensityLevel.LOW)

        rows = care_manager_suggestions(program=program, discipline_hint=Discipline.REGISTERED_NURSE).rows

        assert [row.care_manager for row in rows] == [nurse, other_nurse, social_worker]
        assert [row.is_discipline_match for row in rows] == [True, True, False]
        no_hint = care_manager_suggestions(program=program).rows
        assert [row.care_manager for row in no_hint] == [social_worker, nurse, other_nurse]
        assert not any(row.is_discipline_match for row in no_hint)

    def test_only_active_care_managers_of_the_program_are_offered(
        self,
        program: Program,
        team_a: Team,
        care_manager: User,
        supervisor: User,
        program_admin: User,
        other_program_admin: User,
    ) -> None:
        inactive = care_manager_in(team_a)
        inactive.is_active = False
        inactive.save(update_fields=["is_active"])
        UserFactory(program=other_program_admin.program, role=Role.CARE_MANAGER)
        without_team = UserFactory(program=program, role=Role.CARE_MANAGER)

        rows = care_manager_suggestions(program=program).rows

        assert {row.care_manager for row in rows} == {care_manager, without_team}
        assert next(row for row in rows if row.care_manager == without_team).teams == ""

    def test_someone_in_two_teams_shows_both(self, program: Program, team_a: Team, team_b: Team) -> None:
        both = care_manager_in(team_b)
        TeamMembershipFactory(team=team_a, user=both)
        assert row_of(program, both).teams == "Team A, Team B"


def test_two_queries_whatever_the_number_of_care_managers(
    program: Program, team_a: Team, make_enrollment: MakeEnrollment, django_assert_num_queries
) -> None:
    # The program's weights, then every care manager with their counts and teams.
    for _ in range(3):
        give(make_enrollment, care_manager_in(team_a), IntensityLevel.HIGH)
    with django_assert_num_queries(2):
        assert len(care_manager_suggestions(program=program).rows) == 3
    for _ in range(17):
        give(make_enrollment, care_manager_in(team_a), IntensityLevel.LOW)
    with django_assert_num_queries(2):
        rows = care_manager_suggestions(program=program).rows
        assert len(rows) == 20
        assert sum(row.points for row in rows) == 3 * 3 + 17 * 1
