"""Reads compiled once per kind of viewer (a caseload's rows, the care manager under review): each
viewer still gets exactly what the access rules let them see, with their own ids."""

import pytest
from django.http import Http404

from accounts.models import Role
from caseloads.dashboard import DASHBOARD_ROLES, care_manager_for_review, care_managers_overseen_by
from caseloads.selectors import CaseloadFilters, caseload_of, caseload_rows
from patients.access import _viewer_stand_in, enrollments_visible_to, viewer_kind
from patients.models import CareTeamRole, EnrollmentStatus, Phase
from patients.services import care_team_member_add, enrollment_change_phase
from tests.accounts.factories import TeamMembershipFactory, UserFactory
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseload(make_enrollment, care_manager, team_a, team_b, care_manager_other_team):
    """`care_manager`, in teams A and B, is primary for two people of team A and one of team B; team B's
    care manager is on the care team of the first."""
    TeamMembershipFactory(team=team_b, user=care_manager)  # works in both teams
    in_a = [make_enrollment(care_manager=care_manager, team=team_a) for _ in range(2)]
    in_b = make_enrollment(care_manager=care_manager, team=team_b)
    care_team_member_add(
        enrollment=in_a[0],
        user=care_manager_other_team,
        role=CareTeamRole.SOCIAL_WORKER,
        acting_user=care_manager,
    )
    return {"a": {e.pk for e in in_a}, "b": {in_b.pk}, "helped": {in_a[0].pk}}


def _ids(viewer, care_manager) -> set[int]:
    return {row.pk for row in caseload_rows(viewer=viewer, care_manager=care_manager)}


def test_each_viewer_gets_the_people_the_access_rule_gives_them(
    caseload,
    care_manager,
    care_manager_same_team,
    care_manager_other_team,
    supervisor,
    supervisor_other_team,
    program_admin,
    program_lead,
    other_program_admin,
) -> None:
    everyone = caseload["a"] | caseload["b"]
    expected = [
        (care_manager, everyone),
        # Same role as the first: the statement compiled for it runs with these ids.
        (care_manager_same_team, caseload["a"]),
        (care_manager_other_team, caseload["b"] | caseload["helped"]),
        (supervisor, caseload["a"]),
        (supervisor_other_team, caseload["b"]),
        (program_admin, everyone),
        (program_lead, everyone),
        (other_program_admin, set()),
    ]
    for viewer, people in expected:
        assert _ids(viewer, care_manager) == people, viewer.username
        assert (
            set(caseload_of(viewer=viewer, care_manager=care_manager).values_list("pk", flat=True)) == people
        )


def test_someone_signed_out_or_without_a_program_sees_no_caseload(
    caseload, care_manager, program_admin
) -> None:
    program_admin.is_active = False
    assert _ids(program_admin, care_manager) == set()
    care_manager.program_id = None
    assert _ids(care_manager, care_manager) == set()


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_a_stand_in_viewer_is_read_as_the_viewer_it_stands_for(role, program, team_a) -> None:
    viewer = UserFactory(program=program, role=role)
    TeamMembershipFactory(team=team_a, user=viewer)
    kind = viewer_kind(viewer)
    assert kind == role
    stand_in = _viewer_stand_in(kind, pk=viewer.pk, program_id=viewer.program_id)

    assert str(enrollments_visible_to(stand_in).query) == str(enrollments_visible_to(viewer).query)
    if role in DASHBOARD_ROLES:
        assert str(care_managers_overseen_by(stand_in).query) == str(care_managers_overseen_by(viewer).query)


def test_filters_apply_to_the_rows_read(make_enrollment, care_manager) -> None:
    first = make_enrollment(care_manager=care_manager, status=EnrollmentStatus.ACTIVE)
    second = make_enrollment(care_manager=care_manager, status=EnrollmentStatus.OUTREACH)
    CaseloadStatusFactory(enrollment=first, care_manager=care_manager, current_level="high")
    enrollment_change_phase(
        enrollment=first, phase=Phase.WELLNESS, evidence="Keeps her appointments", acting_user=care_manager
    )
    first.patient.preferred_name = "Ximena"
    first.patient.mrn = "MRN-77"
    first.patient.save()

    def found(**filters: str) -> list[int]:
        rows = caseload_rows(
            viewer=care_manager, care_manager=care_manager, filters=CaseloadFilters(**filters)
        )
        return sorted(row.pk for row in rows)

    assert found() == sorted([first.pk, second.pk])
    assert found(search="  xIMEN ") == [first.pk]
    assert found(search="mrn-77") == [first.pk]
    assert found(search="MRN-7") == []
    assert found(status=EnrollmentStatus.OUTREACH) == [second.pk]
    assert found(level="high") == [first.pk]
    assert found(phase=Phase.WELLNESS) == [first.pk]
    assert found(phase=Phase.ENGAGEMENT) == [second.pk]


def test_the_care_manager_under_review_is_found_for_each_viewer_with_their_own_ids(
    care_manager,
    care_manager_other_team,
    supervisor,
    supervisor_other_team,
    program_lead,
    other_program_admin,
) -> None:
    # The supervisors share a role, so the second runs the statement compiled for the first.
    for viewer, theirs, not_theirs in [
        (supervisor, care_manager, care_manager_other_team),
        (supervisor_other_team, care_manager_other_team, care_manager),
    ]:
        found = care_manager_for_review(user=viewer, care_manager_id=theirs.pk)
        assert (found.pk, str(found), found.program_id) == (theirs.pk, str(theirs), theirs.program_id)
        with pytest.raises(Http404):
            care_manager_for_review(user=viewer, care_manager_id=not_theirs.pk)
    assert care_manager_for_review(user=program_lead, care_manager_id=care_manager_other_team.pk).pk == (
        care_manager_other_team.pk
    )
    with pytest.raises(Http404):
        care_manager_for_review(user=other_program_admin, care_manager_id=care_manager.pk)
    # Not a care manager: nobody reviews a supervisor's caseload.
    with pytest.raises(Http404):
        care_manager_for_review(user=program_lead, care_manager_id=supervisor.pk)
