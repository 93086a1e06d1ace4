"""Who may see and change which enrolment: the persona matrix on the access helpers."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Program, Role, User
from patients.access import (
    can_edit_enrollment,
    can_see_part2,
    enrollment_for_user,
    enrollments_visible_to,
    patient_for_user,
    patients_visible_to,
)
from patients.models import CareTeamRole, Enrollment, EnrollmentStatus
from patients.services import care_team_member_add, care_team_member_end
from tests.accounts.factories import TeamFactory, UserFactory
from tests.conftest import MakeEnrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def visible_by_name(
    enrollment: Enrollment,
    enrollment_other_team: Enrollment,
    make_enrollment: MakeEnrollment,
    other_program: Program,
) -> dict[str, Enrollment]:
    """Team A's and team B's enrolments, a referral not yet in a team, and one in another program."""
    return {
        "team_a": enrollment,
        "team_b": enrollment_other_team,
        "unassigned_referral": make_enrollment(status=EnrollmentStatus.REFERRED),
        "other_program": make_enrollment(
            status=EnrollmentStatus.ACTIVE, team=TeamFactory(program=other_program)
        ),
    }


VISIBILITY = [
    ("care_manager", {"team_a"}),
    ("care_manager_same_team", {"team_a"}),
    ("care_manager_other_team", {"team_b"}),
    ("supervisor", {"team_a"}),
    ("supervisor_other_team", {"team_b"}),
    ("program_admin", {"team_a", "team_b", "unassigned_referral"}),
    ("program_lead", {"team_a", "team_b", "unassigned_referral"}),
    ("other_program_admin", {"other_program"}),
    ("anonymous_user", set()),
]


@pytest.mark.parametrize(("persona", "expected"), VISIBILITY)
def test_enrollments_visible_to_each_persona(
    request: pytest.FixtureRequest, visible_by_name: dict[str, Enrollment], persona: str, expected: set[str]
) -> None:
    user = request.getfixturevalue(persona)
    names_by_pk = {enrollment.pk: name for name, enrollment in visible_by_name.items()}

    visible = enrollments_visible_to(user)

    assert {names_by_pk[pk] for pk in visible.values_list("pk", flat=True)} == expected


@pytest.mark.parametrize(("persona", "expected"), VISIBILITY)
def test_patients_visible_to_each_persona(
    request: pytest.FixtureRequest, visible_by_name: dict[str, Enrollment], persona: str, expected: set[str]
) -> None:
    user = request.getfixturevalue(persona)
    names_by_patient = {enrollment.patient_id: name for name, enrollment in visible_by_name.items()}

    visible = patients_visible_to(user)

    assert {names_by_patient[pk] for pk in visible.values_list("pk", flat=True)} == expected


@pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_admin"])
def test_an_inactive_user_sees_nothing(
    request: pytest.FixtureRequest, visible_by_name: dict[str, Enrollment], persona: str
) -> None:
    user = request.getfixturevalue(persona)
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert enrollments_visible_to(user).exists() is False
    assert patients_visible_to(user).exists() is False


def test_a_care_manager_outside_every_team_and_care_team_sees_nothing(
    visible_by_name: dict[str, Enrollment], program: Program
) -> None:
    newcomer = UserFactory(program=program, role=Role.CARE_MANAGER)

    assert enrollments_visible_to(newcomer).exists() is False


def test_patient_for_user_returns_a_patient_of_the_users_team(
    care_manager: User, enrollment: Enrollment
) -> None:
    assert patient_for_user(care_manager, enrollment.patient_id) == enrollment.patient


def test_patient_for_user_hides_another_teams_patient_behind_404(
    care_manager: User, enrollment_other_team: Enrollment
) -> None:
    with pytest.raises(Http404):
        patient_for_user(care_manager, enrollment_other_team.patient_id)


def test_patient_for_user_hides_another_programs_patient_behind_404(
    other_program_admin: User, enrollment: Enrollment
) -> None:
    with pytest.raises(Http404):
        patient_for_user(other_program_admin, enrollment.patient_id)


def test_patient_for_user_answers_404_for_an_unknown_id(care_manager: User, enrollment: Enrollment) -> None:
    with pytest.raises(Http404):
        patient_for_user(care_manager, enrollment.patient_id + 10_000)


EDIT_MATRIX = [
    ("care_manager", True),
    ("care_manager_same_team", False),
    ("care_manager_other_team", False),
    ("supervisor", True),
    ("supervisor_other_team", False),
    ("program_admin", True),
    ("program_lead", False),
    ("other_program_admin", False),
    ("anonymous_user", False),
]


@pytest.mark.parametrize(("persona", "expected"), EDIT_MATRIX)
def test_can_edit_enrollment_for_each_persona(
    request: pytest.FixtureRequest, enrollment: Enrollment, persona: str, expected: bool
) -> None:
    assert can_edit_enrollment(request.getfixturevalue(persona), enrollment) is expected


def test_a_same_team_colleague_reads_but_cannot_write(
    care_manager_same_team: User, enrollment: Enrollment
) -> None:
    assert enrollment_for_user(care_manager_same_team, enrollment.pk) == enrollment
    with pytest.raises(PermissionDenied):
        enrollment_for_user(care_manager_same_team, enrollment.pk, for_write=True)


def test_the_primary_care_manager_reads_and_writes(care_manager: User, enrollment: Enrollment) -> None:
    assert enrollment_for_user(care_manager, enrollment.pk, for_write=True) == enrollment


def test_another_teams_enrolment_is_404_even_for_write(
    care_manager: User, enrollment_other_team: Enrollment
) -> None:
    with pytest.raises(Http404):
        enrollment_for_user(care_manager, enrollment_other_team.pk, for_write=True)


def test_a_colleague_added_to_the_care_team_can_edit_until_they_leave(
    care_manager: User, care_manager_same_team: User, enrollment: Enrollment
) -> None:
    member = care_team_member_add(
        enrollment=enrollment,
        role=CareTeamRole.SOCIAL_WORKER,
        user=care_manager_same_team,
        acting_user=care_manager,
    )
    assert can_edit_enrollment(care_manager_same_team, enrollment) is True

    care_team_member_end(member=member, acting_user=care_manager)

    assert can_edit_enrollment(care_manager_same_team, enrollment) is False


def test_a_colleague_from_another_team_added_to_the_care_team_can_read_and_edit(
    care_manager: User, care_manager_other_team: User, enrollment: Enrollment
) -> None:
    # care_team_member_add accepts any user of the program, so membership must grant access.
    care_team_member_add(
        enrollment=enrollment,
        role=CareTeamRole.PEER_SPECIALIST,
        user=care_manager_other_team,
        acting_user=care_manager,
    )

    assert enrollments_visible_to(care_manager_other_team).filter(pk=enrollment.pk).exists() is True
    assert can_edit_enrollment(care_manager_other_team, enrollment) is True


PART2_MATRIX = [
    ("care_manager", True),
    ("care_manager_same_team", False),
    ("care_manager_other_team", False),
    ("supervisor", False),
    ("program_admin", False),
    ("program_lead", False),
    ("other_program_admin", False),
]


@pytest.mark.parametrize(("persona", "expected"), PART2_MATRIX)
def test_part2_content_is_for_the_current_care_team_only(
    request: pytest.FixtureRequest, enrollment: Enrollment, persona: str, expected: bool
) -> None:
    assert can_see_part2(request.getfixturevalue(persona), enrollment) is expected


def test_part2_access_follows_care_team_membership(
    care_manager: User, care_manager_same_team: User, enrollment: Enrollment
) -> None:
    member = care_team_member_add(
        enrollment=enrollment, role=CareTeamRole.NURSE, user=care_manager_same_team, acting_user=care_manager
    )
    assert can_see_part2(care_manager_same_team, enrollment) is True

    care_team_member_end(member=member, acting_user=care_manager)

    assert can_see_part2(care_manager_same_team, enrollment) is False


def test_a_program_lead_is_read_only(program_lead: User, enrollment: Enrollment) -> None:
    assert program_lead.role == Role.PROGRAM_LEAD
    assert enrollment_for_user(program_lead, enrollment.pk) == enrollment
    with pytest.raises(PermissionDenied):
        enrollment_for_user(program_lead, enrollment.pk, for_write=True)


@pytest.mark.django_db
def test_a_returning_persons_record_shows_their_open_episode(
    make_enrollment, care_manager, program_admin
) -> None:
    from patients.models import EnrollmentStatus
    from patients.selectors import current_enrollment_of

    earlier = make_enrollment(status=EnrollmentStatus.DECLINED, care_manager=care_manager)
    returning = make_enrollment(status=EnrollmentStatus.REFERRED, patient=earlier.patient)

    assert current_enrollment_of(user=program_admin, patient=earlier.patient) == returning
