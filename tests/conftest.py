"""Personas shared by every test: one program with two teams, the people in them, and a second
program whose admin must never see the first one's patients.

Fixtures do not request `db`; mark each test with `pytest.mark.django_db`.
"""

from typing import Protocol

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from accounts.models import Program, Role, Team, User
from patients.models import EndReason, Enrollment, EnrollmentStatus, Patient
from patients.services import enrollment_move, primary_care_manager_assign, referral_receive
from tests.accounts.factories import ProgramFactory, TeamFactory, TeamMembershipFactory, UserFactory
from tests.databases import clone_test_database, drop_test_database, test_run_id
from tests.patients.factories import person_details, referral_details

S = EnrollmentStatus

# The moves after `referred` that reach each status through ALLOWED_TRANSITIONS.
PIPELINE_PATHS: dict[str, tuple[str, ...]] = {
    S.REFERRED: (),
    S.SCREENING: (S.SCREENING,),
    S.OUTREACH: (S.OUTREACH,),
    S.ACTIVE: (S.OUTREACH, S.ACTIVE),
    S.MAINTENANCE: (S.OUTREACH, S.ACTIVE, S.MAINTENANCE),
    S.GRADUATED: (S.OUTREACH, S.ACTIVE, S.GRADUATED),
    S.DECLINED: (S.DECLINED,),
    S.NOT_A_FIT: (S.NOT_A_FIT,),
    S.DISENROLLED: (S.OUTREACH, S.DISENROLLED),
}
# Statuses whose path passes through care, so the enrolment needs a primary care manager.
NEEDS_PRIMARY = frozenset({S.OUTREACH, S.ACTIVE, S.MAINTENANCE, S.GRADUATED, S.DISENROLLED})


@pytest.fixture(scope="session")
def django_db_setup(
    django_test_environment, django_db_blocker, django_db_createdb, django_db_modify_db_settings, request
):
    """Each worker's test database is a copy of a migrated template (see tests/databases.py)."""
    with django_db_blocker.unblock():
        name = clone_test_database(
            connection, rebuild_for_run=test_run_id(request.config) if django_db_createdb else None
        )
    yield
    with django_db_blocker.unblock():
        drop_test_database(connection, name)


class MakeEnrollment(Protocol):
    def __call__(
        self,
        *,
        status: str = ...,
        team: Team | None = ...,
        care_manager: User | None = ...,
        patient: Patient | None = ...,
    ) -> Enrollment: ...


def _team_member(team: Team, *, role: str = Role.CARE_MANAGER, username: str = "", **fields: object) -> User:
    if username:
        fields["username"] = username
    user = UserFactory(program=team.program, role=role, **fields)
    TeamMembershipFactory(team=team, user=user)
    return user


@pytest.fixture
def program() -> Program:
    return ProgramFactory(name="Test Complex Care")


@pytest.fixture
def team_a(program: Program) -> Team:
    return TeamFactory(program=program, name="Team A")


@pytest.fixture
def team_b(program: Program) -> Team:
    return TeamFactory(program=program, name="Team B")


@pytest.fixture
def other_program() -> Program:
    return ProgramFactory(name="Other Test Program")


@pytest.fixture
def care_manager(team_a: Team) -> User:
    return _team_member(team_a, username="care_manager")


@pytest.fixture
def care_manager_same_team(team_a: Team) -> User:
    return _team_member(team_a, username="care_manager_same_team")


@pytest.fixture
def care_manager_other_team(team_b: Team) -> User:
    return _team_member(team_b, username="care_manager_other_team")


@pytest.fixture
def supervisor(team_a: Team) -> User:
    return _team_member(team_a, role=Role.SUPERVISOR, username="supervisor", discipline="rn")


@pytest.fixture
def supervisor_other_team(team_b: Team) -> User:
    return _team_member(team_b, role=Role.SUPERVISOR, username="supervisor_other_team", discipline="rn")


@pytest.fixture
def program_admin(program: Program) -> User:
    return UserFactory(program=program, role=Role.PROGRAM_ADMIN, username="program_admin", is_staff=True)


@pytest.fixture
def program_lead(program: Program) -> User:
    return UserFactory(program=program, role=Role.PROGRAM_LEAD, username="program_lead")


@pytest.fixture
def other_program_admin(other_program: Program) -> User:
    return UserFactory(
        program=other_program, role=Role.PROGRAM_ADMIN, username="other_program_admin", is_staff=True
    )


@pytest.fixture
def anonymous_user() -> AnonymousUser:
    return AnonymousUser()


@pytest.fixture
def make_enrollment(program: Program, team_a: Team) -> MakeEnrollment:
    """Build an enrolment in any status by walking the services from a new referral.

    A primary care manager is assigned when the path passes through care or when `team` or
    `care_manager` is given; without `care_manager` a new one is made in `team` (default team A).
    Pass `patient` for a returning patient whose earlier episodes are closed.
    """

    def make(
        *,
        status: str = S.ACTIVE,
        team: Team | None = None,
        care_manager: User | None = None,
        patient: Patient | None = None,
    ) -> Enrollment:
        if care_manager is None and (status in NEEDS_PRIMARY or team is not None):
            care_manager = _team_member(team or team_a)
        if care_manager is not None:
            enrollment_program = care_manager.program
            acting_user = care_manager
        else:
            enrollment_program = patient.program if patient is not None else program
            acting_user = UserFactory(program=enrollment_program, role=Role.PROGRAM_ADMIN)
        enrollment = referral_receive(
            program=enrollment_program,
            person=person_details(),
            referral=referral_details(),
            acting_user=acting_user,
            existing_patient=patient,
        )
        if care_manager is not None:
            primary_care_manager_assign(
                enrollment=enrollment,
                care_manager=care_manager,
                acting_user=acting_user,
                team_id=team.pk if team is not None else None,
            )
        for to_status in PIPELINE_PATHS[status]:
            enrollment_move(
                enrollment=enrollment,
                to_status=to_status,
                acting_user=acting_user,
                end_reason=EndReason.MOVED_AWAY if to_status == S.DISENROLLED else "",
            )
        return Enrollment.objects.get(pk=enrollment.pk)

    return make


@pytest.fixture
def enrollment(make_enrollment: MakeEnrollment, team_a: Team, care_manager: User) -> Enrollment:
    """Active in team A; `care_manager` is the current primary care manager."""
    return make_enrollment(status=S.ACTIVE, team=team_a, care_manager=care_manager)


@pytest.fixture
def enrollment_other_team(
    make_enrollment: MakeEnrollment, team_b: Team, care_manager_other_team: User
) -> Enrollment:
    """Active in team B; `care_manager_other_team` is the current primary care manager."""
    return make_enrollment(status=S.ACTIVE, team=team_b, care_manager=care_manager_other_team)


class CheckDeferredConstraints(Protocol):
    def __call__(self) -> None: ...


@pytest.fixture
def check_deferred_constraints() -> CheckDeferredConstraints:
    """Run the checks PostgreSQL defers to commit, now.

    A test's transaction is rolled back, never committed, so deferred constraints and constraint
    triggers (one current primary care manager, goal priorities) would otherwise never be checked.
    Call it inside `transaction.atomic()` when a violation is expected, so only that savepoint is lost.
    """

    def check() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    return check
