"""Program settings: the page, each section's save and its refusals (nothing stored), who may use it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import services as accounts
from accounts.errors import DomainError
from accounts.models import Program, Role, Team, TeamMembership, User
from caseloads import settings_services
from caseloads.models import CaseloadStatus, GraduationCriteria, IntensityPolicy
from caseloads.recompute import recompute_caseloads
from caseloads.settings_selectors import program_settings_for
from patients import services as patients
from patients.models import EnrollmentStatus, ScreeningAnswer, ScreeningQuestion, ScreeningResponse
from tests.accounts.factories import TeamFactory, TeamMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SETTINGS = reverse("caseloads:settings")

INTENSITY = {
    "high_contacts_per_30_days": 8,
    "medium_contacts_per_30_days": 4,
    "low_contacts_per_30_days": 2,
    "high_weight": 3,
    "medium_weight": 2,
    "low_weight": 1,
    "crisis_lookback_days": 30,
    "engagement_phase_days": 60,
    "no_contact_days": 21,
    "confidence_drop": 3,
    "step_down_crisis_free_days": 90,
    "step_down_confidence": 7,
}
GRADUATION = {
    "min_months_enrolled": 6,
    "crisis_free_days": 90,
    "min_goals_achieved": 1,
    "min_confidence": 7,
    "requires_primary_care_connection": "on",
    "requires_patient_readiness": "on",
}
PROGRAM = {
    "outreach_attempt_limit": 6,
    "outreach_period_days": 60,
    "assessment_window_days": 30,
    "candidate_admissions": 2,
    "candidate_window_days": 180,
}


def person_post(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "role": user.role,
        "discipline": user.discipline,
        "caseload_capacity": user.caseload_capacity,
    }
    if user.is_active:
        data["is_active"] = "on"
    data |= changes
    return {name: value for name, value in data.items() if value is not None}


def program_row(program: Program) -> dict[str, object]:
    return {name: getattr(Program.objects.get(pk=program.pk), name) for name in PROGRAM}


def question(program: Program, text: str, position: int, *, is_active: bool = True) -> ScreeningQuestion:
    return ScreeningQuestion.objects.create(
        program=program, text=text, position=position, is_active=is_active
    )


def order_of(program: Program) -> list[str]:
    return list(
        ScreeningQuestion.objects.filter(program=program)
        .order_by("position", "pk")
        .values_list("text", flat=True)
    )


@pytest.fixture
def admin_client(client, program_admin):
    client.force_login(program_admin)
    return client


# --- Who may use it ------------------------------------------------------------------------------------


def _settings_urls(team: Team, user: User, question_id: int) -> dict[str, str]:
    return {
        "caseloads:settings": SETTINGS,
        "caseloads:settings-program": reverse("caseloads:settings-program"),
        "caseloads:settings-intensity": reverse("caseloads:settings-intensity"),
        "caseloads:settings-graduation": reverse("caseloads:settings-graduation"),
        "caseloads:settings-team-create": reverse("caseloads:settings-team-create"),
        "caseloads:settings-team-member-add": reverse("caseloads:settings-team-member-add", args=[team.pk]),
        "caseloads:settings-team-member-remove": reverse(
            "caseloads:settings-team-member-remove", args=[team.pk, user.pk]
        ),
        "caseloads:settings-person-update": reverse("caseloads:settings-person-update", args=[user.pk]),
        "caseloads:settings-question-create": reverse("caseloads:settings-question-create"),
        "caseloads:settings-question-update": reverse(
            "caseloads:settings-question-update", args=[question_id]
        ),
    }


SETTINGS_URL_NAMES = [
    "caseloads:settings",
    "caseloads:settings-program",
    "caseloads:settings-intensity",
    "caseloads:settings-graduation",
    "caseloads:settings-team-create",
    "caseloads:settings-team-member-add",
    "caseloads:settings-team-member-remove",
    "caseloads:settings-person-update",
    "caseloads:settings-question-create",
    "caseloads:settings-question-update",
]


@pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_lead"])
@pytest.mark.parametrize("name", SETTINGS_URL_NAMES)
def test_only_program_admins_may_open_or_post_to_settings(
    request, client, program, team_a, care_manager, name: str, persona: str
) -> None:
    user = request.getfixturevalue(persona)
    asked = question(program, "Two or more admissions this year?", 1)
    url = _settings_urls(team_a, care_manager, asked.pk)[name]
    client.force_login(user)
    before = (
        program_row(program),
        User.objects.get(pk=care_manager.pk).caseload_capacity,
        Team.objects.count(),
    )

    response = client.get(url) if name == "caseloads:settings" else client.post(url, PROGRAM | INTENSITY)

    assert response.status_code == 403
    after = (
        program_row(program),
        User.objects.get(pk=care_manager.pk).caseload_capacity,
        Team.objects.count(),
    )
    assert after == before


@pytest.mark.parametrize(
    "name",
    [
        "caseloads:settings-team-member-add",
        "caseloads:settings-team-member-remove",
        "caseloads:settings-person-update",
        "caseloads:settings-question-update",
    ],
)
def test_another_programs_admin_gets_404_for_this_programs_teams_people_and_questions(
    client, program, team_a, care_manager, other_program_admin, name: str
) -> None:
    asked = question(program, "Two or more admissions this year?", 1)
    url = _settings_urls(team_a, care_manager, asked.pk)[name]
    client.force_login(other_program_admin)

    response = client.post(
        url, person_post(care_manager, caseload_capacity=5) | {"text": "Changed?", "user": care_manager.pk}
    )

    assert response.status_code == 404
    assert User.objects.get(pk=care_manager.pk).caseload_capacity == care_manager.caseload_capacity
    assert TeamMembership.objects.filter(team=team_a, user=care_manager).exists()
    assert ScreeningQuestion.objects.get(pk=asked.pk).text == "Two or more admissions this year?"


def test_another_programs_admin_sees_only_their_own_program(
    client, program, team_a, care_manager, other_program, other_program_admin
) -> None:
    question(program, "Two or more admissions this year?", 1)
    TeamFactory(program=other_program, name="Their own team")
    client.force_login(other_program_admin)

    page = client.get(SETTINGS).content.decode()

    assert "Their own team" in page
    assert "Team A" not in page
    assert str(care_manager) not in page
    assert "Two or more admissions this year?" not in page


def test_an_admin_cannot_add_another_programs_person_to_a_team(
    admin_client, program_admin, team_a, other_program_admin
) -> None:
    response = admin_client.post(
        reverse("caseloads:settings-team-member-add", args=[team_a.pk]), {"user": other_program_admin.pk}
    )

    assert response.status_code == 422
    assert "Choose someone from the list." in response.content.decode()
    assert not TeamMembership.objects.filter(user=other_program_admin).exists()
    with pytest.raises(DomainError, match="Choose someone from this program"):
        accounts.team_member_add(team=team_a, user=other_program_admin, acting_user=program_admin)


# --- The page ------------------------------------------------------------------------------------------


def test_the_page_shows_every_section_with_the_programs_settings(
    admin_client, program, team_a, team_b, care_manager, supervisor
) -> None:
    question(program, "Second question?", 2)
    question(program, "First question?", 1)

    response = admin_client.get(SETTINGS)

    page = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "Program",
        "Teams and members",
        "People",
        "Screening questions",
        "Levels of care",
        "Graduation criteria",
    ):
        assert f">{heading}</h2>" in page
    assert page.index("First question?") < page.index("Second question?")
    assert "Team A" in page
    assert "Team B" in page
    assert str(care_manager) in page
    assert str(supervisor) in page
    # No levels of care saved yet: the defaults are shown and nothing is created by looking.
    assert "These are the defaults until you save." in page
    assert 'name="high_contacts_per_30_days" value="8"' in page
    assert not IntensityPolicy.objects.exists()
    assert not GraduationCriteria.objects.exists()


def _grow(program: Program, size: int, *, start: int = 0) -> None:
    for number in range(start, start + size):
        team = TeamFactory(program=program)
        TeamMembershipFactory(team=team, user=UserFactory(program=program))
        question(program, f"Question {number}?", number + 1)


@pytest.mark.parametrize("size", [2, 10])
def test_the_settings_are_read_in_five_queries_whatever_the_programs_size(
    program, program_admin, django_assert_num_queries, size: int
) -> None:
    _grow(program, size)

    with django_assert_num_queries(5):
        settings = program_settings_for(user=program_admin)

    assert len(settings.teams) == size
    assert len(settings.people) == size + 1
    assert len(settings.questions) == size


def test_the_page_takes_as_many_queries_for_ten_teams_as_for_two(
    client, program, program_admin, django_assert_num_queries
) -> None:
    client.force_login(program_admin)

    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(SETTINGS).status_code == 200
        return len(captured)

    _grow(program, 2)
    queries_for_page()  # the first page after signing in also looks up the time zone
    small = queries_for_page()
    _grow(program, 8, start=2)
    assert queries_for_page() == small
    # session, user, the five reads of program_settings_for, the API tokens, session save (with its savepoint)
    with django_assert_num_queries(11):
        client.get(SETTINGS)


def test_a_saved_section_costs_the_same_queries_for_ten_teams_as_for_two(
    admin_client, program, django_assert_num_queries
) -> None:
    url = reverse("caseloads:settings-intensity")
    _grow(program, 2)
    admin_client.get(SETTINGS)  # the first page after signing in also looks up the time zone
    # session, user, the program; the locked program, the policy and its validation and save (each write
    # with its audit context); the section's five reads; session save (with its savepoint)
    with django_assert_num_queries(24):
        assert admin_client.post(url, INTENSITY, headers=HTMX).status_code == 200
    _grow(program, 8, start=2)
    with django_assert_num_queries(24):
        response = admin_client.post(url, INTENSITY | {"medium_contacts_per_30_days": 5}, headers=HTMX)
    assert response.status_code == 200
    assert IntensityPolicy.objects.get(program=program).medium_contacts_per_30_days == 5


# --- Program -------------------------------------------------------------------------------------------


def test_the_program_section_saves_and_htmx_gets_only_the_section(admin_client, program) -> None:
    changed = PROGRAM | {"outreach_attempt_limit": 5, "candidate_window_days": 365}

    response = admin_client.post(reverse("caseloads:settings-program"), changed, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Program settings saved." in page
    assert 'id="program"' in page
    assert 'id="teams"' not in page
    assert "<html" not in page
    assert program_row(program) == changed


def test_the_program_section_without_htmx_goes_back_to_the_section(admin_client, program) -> None:
    response = admin_client.post(
        reverse("caseloads:settings-program"), PROGRAM | {"assessment_window_days": 45}
    )

    assert response.status_code == 302
    assert response["Location"] == f"{SETTINGS}#program"
    assert admin_client.get(response["Location"]).content.decode().count("Program settings saved.") == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("outreach_attempt_limit", 0), ("outreach_period_days", 400), ("candidate_admissions", "")],
)
def test_program_settings_out_of_range_are_refused_and_nothing_changes(
    admin_client, program, field: str, value: object
) -> None:
    before = program_row(program)

    response = admin_client.post(
        reverse("caseloads:settings-program"), PROGRAM | {field: value}, headers=HTMX
    )

    assert response.status_code == 422
    assert "Enter a number from" in response.content.decode()
    assert program_row(program) == before


def test_the_program_service_refuses_a_limit_out_of_range(program, program_admin) -> None:
    with pytest.raises(DomainError, match="Outreach attempts before closing must be between 1 and 20"):
        accounts.program_settings_update(
            program=program, acting_user=program_admin, **(PROGRAM | {"outreach_attempt_limit": 0})
        )


# --- Levels of care ------------------------------------------------------------------------------------


def test_levels_of_care_are_created_on_the_first_save(admin_client, program) -> None:
    changed = INTENSITY | {"high_contacts_per_30_days": 10, "low_weight": 1, "step_down_confidence": 8}

    response = admin_client.post(reverse("caseloads:settings-intensity"), changed, headers=HTMX)

    assert response.status_code == 200
    assert "Levels of care saved. Caseloads are being updated with them now." in (response.content.decode())
    policy = IntensityPolicy.objects.get(program=program)
    assert {name: getattr(policy, name) for name in INTENSITY} == changed


def test_levels_of_care_are_updated_when_they_exist(admin_client, program) -> None:
    IntensityPolicy.objects.create(program=program)

    admin_client.post(reverse("caseloads:settings-intensity"), INTENSITY | {"medium_contacts_per_30_days": 5})

    assert IntensityPolicy.objects.get(program=program).medium_contacts_per_30_days == 5
    assert IntensityPolicy.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"high_contacts_per_30_days": 2, "medium_contacts_per_30_days": 4},
            "Contacts per 30 days must go down from high to medium to low",
        ),
        (
            {"medium_contacts_per_30_days": 2, "low_contacts_per_30_days": 2},
            "you entered high 8, medium 2, low 2",
        ),
        ({"high_weight": 1, "medium_weight": 2}, "Caseload points cannot go up from high to medium to low"),
        ({"low_weight": 3}, "you entered high 3, medium 2, low 3"),
        ({"high_contacts_per_30_days": 31}, "Enter a number from 1 to 30."),
        ({"low_contacts_per_30_days": 0}, "Enter a number from 1 to 30."),
        ({"step_down_confidence": 11}, "Enter a number from 0 to 10."),
        ({"confidence_drop": 0}, "Enter a number from 1 to 10."),
        ({"no_contact_days": 0}, "Enter a number from 1 to 365."),
    ],
)
def test_levels_of_care_out_of_order_or_range_are_refused_and_nothing_is_stored(
    admin_client, program, changes: dict[str, int], message: str
) -> None:
    response = admin_client.post(reverse("caseloads:settings-intensity"), INTENSITY | changes, headers=HTMX)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not IntensityPolicy.objects.exists()


def test_a_refused_change_to_levels_of_care_keeps_the_saved_ones(admin_client, program) -> None:
    IntensityPolicy.objects.create(program=program, high_contacts_per_30_days=9)

    response = admin_client.post(
        reverse("caseloads:settings-intensity"),
        INTENSITY | {"high_contacts_per_30_days": 2, "medium_contacts_per_30_days": 4},
    )

    assert response.status_code == 422
    # The form comes back as it was filled in, so the admin can correct it.
    assert 'name="high_contacts_per_30_days" value="2"' in response.content.decode()
    policy = IntensityPolicy.objects.get(program=program)
    assert (policy.high_contacts_per_30_days, policy.medium_contacts_per_30_days) == (9, 4)


def test_the_intensity_service_checks_ranges_itself(program, program_admin) -> None:
    with pytest.raises(DomainError, match="Confidence needed to step down must be between 0 and 10"):
        settings_services.intensity_policy_update(
            program=program, acting_user=program_admin, **(INTENSITY | {"step_down_confidence": 11})
        )
    assert not IntensityPolicy.objects.exists()


# --- Graduation criteria -------------------------------------------------------------------------------


def test_graduation_criteria_are_created_on_the_first_save(admin_client, program) -> None:
    changed = GRADUATION | {"min_months_enrolled": 9, "min_goals_achieved": 0}
    del changed["requires_patient_readiness"]

    response = admin_client.post(reverse("caseloads:settings-graduation"), changed, headers=HTMX)

    assert response.status_code == 200
    assert "Graduation criteria saved. Graduation readiness is being worked out again now." in (
        response.content.decode()
    )
    criteria = GraduationCriteria.objects.get(program=program)
    assert (criteria.min_months_enrolled, criteria.min_goals_achieved) == (9, 0)
    assert criteria.requires_primary_care_connection is True
    assert criteria.requires_patient_readiness is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_confidence", 11, "Enter a number from 0 to 10."),
        ("min_months_enrolled", 0, "Enter a number from 1 to 36."),
        ("min_months_enrolled", 37, "Enter a number from 1 to 36."),
        ("crisis_free_days", 366, "Enter a number from 1 to 365."),
        ("min_goals_achieved", -1, "Enter a number from 0 to 50."),
    ],
)
def test_graduation_criteria_out_of_range_are_refused_and_nothing_is_stored(
    admin_client, program, field: str, value: int, message: str
) -> None:
    response = admin_client.post(
        reverse("caseloads:settings-graduation"), GRADUATION | {field: value}, headers=HTMX
    )

    assert response.status_code == 422
    assert message in response.content.decode()
    assert not GraduationCriteria.objects.exists()


def test_the_graduation_service_refuses_confidence_11(program, program_admin) -> None:
    arguments = {name: value for name, value in GRADUATION.items() if not name.startswith("requires")}
    with pytest.raises(DomainError, match="between 0 and 10; you entered 11"):
        settings_services.graduation_criteria_update(
            program=program,
            acting_user=program_admin,
            requires_primary_care_connection=True,
            requires_patient_readiness=True,
            **(arguments | {"min_confidence": 11}),
        )
    assert not GraduationCriteria.objects.exists()


# --- Levels of care and graduation criteria reach the caseload rows --------------------------------------


@pytest.fixture
def rows_in_care(make_enrollment, care_manager) -> list[int]:
    """Two people in care with their caseload rows computed, and a second full run that changed nothing."""
    enrollments = [make_enrollment(care_manager=care_manager) for _ in range(2)]
    program = care_manager.program
    assert recompute_caseloads(program=program).written == 2
    assert recompute_caseloads(program=program).written == 0
    return [enrollment.pk for enrollment in enrollments]


def _rows(enrollment_ids: list[int], *fields: str) -> list[tuple[object, ...]]:
    return list(
        CaseloadStatus.objects.filter(enrollment_id__in=enrollment_ids)
        .order_by("enrollment_id")
        .values_list(*fields)
    )


def test_saved_levels_of_care_reach_every_row_once_saved(
    program, program_admin, rows_in_care: list[int], django_capture_on_commit_callbacks
) -> None:
    due_before = _rows(rows_in_care, "next_contact_due_on")
    # Saving asks for the program's full recompute on commit (in-process here, as without a broker).
    with django_capture_on_commit_callbacks(execute=True) as sent:
        settings_services.intensity_policy_update(
            program=program,
            acting_user=program_admin,
            **(INTENSITY | {"high_contacts_per_30_days": 15, "medium_contacts_per_30_days": 10}),
        )

    assert len(sent) == 1
    # Already done: another full run finds nothing to change.
    assert recompute_caseloads(program=program).written == 0
    due_after = _rows(rows_in_care, "next_contact_due_on")
    assert all(after < before for (after,), (before,) in zip(due_after, due_before, strict=True))


def test_saved_graduation_criteria_reach_every_row_once_saved(
    program, program_admin, rows_in_care: list[int], django_capture_on_commit_callbacks
) -> None:
    criteria_before = _rows(rows_in_care, "graduation_criteria")
    arguments = {name: value for name, value in GRADUATION.items() if not name.startswith("requires")}
    with django_capture_on_commit_callbacks(execute=True) as sent:
        settings_services.graduation_criteria_update(
            program=program,
            acting_user=program_admin,
            requires_primary_care_connection=False,
            requires_patient_readiness=False,
            **(arguments | {"min_months_enrolled": 12}),
        )

    assert len(sent) == 1
    assert recompute_caseloads(program=program).written == 0
    criteria_after = _rows(rows_in_care, "graduation_criteria")
    assert all(after != before for after, before in zip(criteria_after, criteria_before, strict=True))


# --- Teams and members ---------------------------------------------------------------------------------


def test_a_team_is_added_and_shown_with_a_message(admin_client, program, team_a) -> None:
    response = admin_client.post(
        reverse("caseloads:settings-team-create"), {"name": "  Westside  "}, headers=HTMX
    )

    page = response.content.decode()
    assert response.status_code == 200
    team = Team.objects.get(program=program, name="Westside")
    assert f'id="team-{team.pk}"' in page
    assert "Team “Westside” added." in page


def test_a_duplicate_team_name_is_refused_whatever_its_case(admin_client, program, team_a) -> None:
    response = admin_client.post(reverse("caseloads:settings-team-create"), {"name": "team a"}, headers=HTMX)

    assert response.status_code == 422
    assert "There is already a team called “Team A”. Choose another name." in response.content.decode()
    assert Team.objects.filter(program=program).count() == 1


def test_the_same_team_name_is_fine_in_another_program(client, team_a, other_program_admin) -> None:
    client.force_login(other_program_admin)

    client.post(reverse("caseloads:settings-team-create"), {"name": "Team A"})

    assert Team.objects.filter(program=other_program_admin.program, name="Team A").exists()


def test_an_empty_team_name_is_refused(admin_client, program) -> None:
    response = admin_client.post(reverse("caseloads:settings-team-create"), {"name": "   "})

    assert response.status_code == 422
    assert "Give the team a name." in response.content.decode()
    assert not Team.objects.filter(program=program).exists()


def test_a_care_manager_is_added_to_a_second_team(admin_client, team_a, team_b, care_manager) -> None:
    response = admin_client.post(
        reverse("caseloads:settings-team-member-add", args=[team_b.pk]),
        {"user": care_manager.pk},
        headers=HTMX,
    )

    assert response.status_code == 200
    assert f"{care_manager} added to Team B." in response.content.decode()
    assert set(TeamMembership.objects.filter(user=care_manager).values_list("team__name", flat=True)) == {
        "Team A",
        "Team B",
    }


@pytest.mark.parametrize("who", ["program_lead", "already_in_team", "switched_off"])
def test_only_active_care_managers_and_supervisors_not_yet_in_the_team_can_be_added(
    request, admin_client, program, team_a, care_manager, who: str
) -> None:
    person = {
        "program_lead": lambda: request.getfixturevalue("program_lead"),
        "already_in_team": lambda: care_manager,
        "switched_off": lambda: UserFactory(program=program, is_active=False),
    }[who]()
    before = TeamMembership.objects.count()

    response = admin_client.post(
        reverse("caseloads:settings-team-member-add", args=[team_a.pk]), {"user": person.pk}, headers=HTMX
    )

    assert response.status_code == 422
    assert "Choose someone from the list." in response.content.decode()
    assert TeamMembership.objects.count() == before


def test_the_team_service_explains_who_cannot_join(
    program, program_admin, program_lead, team_a, care_manager
) -> None:
    with pytest.raises(
        DomainError, match=r"is a program lead\. Only care managers and supervisors join teams"
    ):
        accounts.team_member_add(team=team_a, user=program_lead, acting_user=program_admin)
    with pytest.raises(DomainError, match="is already in Team A"):
        accounts.team_member_add(team=team_a, user=care_manager, acting_user=program_admin)


def test_a_member_without_people_in_care_is_taken_off(admin_client, team_a, care_manager) -> None:
    response = admin_client.post(
        reverse("caseloads:settings-team-member-remove", args=[team_a.pk, care_manager.pk]), headers=HTMX
    )

    assert response.status_code == 200
    assert f"{care_manager} taken off Team A." in response.content.decode()
    assert not TeamMembership.objects.filter(team=team_a, user=care_manager).exists()


def test_a_primary_care_manager_of_open_enrolments_is_not_taken_off_the_team(
    admin_client, make_enrollment, team_a, care_manager
) -> None:
    make_enrollment(status=EnrollmentStatus.ACTIVE, team=team_a, care_manager=care_manager)
    make_enrollment(status=EnrollmentStatus.OUTREACH, team=team_a, care_manager=care_manager)

    response = admin_client.post(
        reverse("caseloads:settings-team-member-remove", args=[team_a.pk, care_manager.pk]), headers=HTMX
    )

    assert response.status_code == 422
    assert (
        f"{care_manager} is the primary care manager for 2 people in Team A. "
        "Transfer them to another care manager first, then take them off the team."
    ) in response.content.decode()
    assert TeamMembership.objects.filter(team=team_a, user=care_manager).exists()


def test_people_who_have_graduated_do_not_keep_a_care_manager_on_the_team(
    admin_client, make_enrollment, team_a, care_manager
) -> None:
    make_enrollment(status=EnrollmentStatus.GRADUATED, team=team_a, care_manager=care_manager)

    response = admin_client.post(
        reverse("caseloads:settings-team-member-remove", args=[team_a.pk, care_manager.pk])
    )

    assert response.status_code == 302
    assert response["Location"] == f"{SETTINGS}#teams"
    assert not TeamMembership.objects.filter(team=team_a, user=care_manager).exists()


def test_taking_off_someone_who_is_not_in_the_team_says_so(admin_client, team_b, care_manager) -> None:
    response = admin_client.post(
        reverse("caseloads:settings-team-member-remove", args=[team_b.pk, care_manager.pk])
    )

    assert response.status_code == 422
    assert f"{care_manager} is not in Team B." in response.content.decode()


# --- People --------------------------------------------------------------------------------------------


def test_a_care_managers_capacity_is_changed_in_place(admin_client, care_manager) -> None:
    url = reverse("caseloads:settings-person-update", args=[care_manager.pk])

    response = admin_client.post(url, person_post(care_manager, caseload_capacity=45), headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Saved {care_manager}&#x27;s settings." in page
    assert 'id="people"' in page
    assert 'id="teams"' not in page
    assert User.objects.get(pk=care_manager.pk).caseload_capacity == 45


def test_role_discipline_and_sign_in_are_changed(admin_client, care_manager_other_team) -> None:
    person = care_manager_other_team
    url = reverse("caseloads:settings-person-update", args=[person.pk])

    admin_client.post(url, person_post(person, role=Role.SUPERVISOR, discipline="rn", is_active=None))

    saved = User.objects.get(pk=person.pk)
    assert (saved.role, saved.discipline, saved.is_active) == (Role.SUPERVISOR, "rn", False)


@pytest.mark.parametrize("capacity", [0, 201, "", "lots"])
def test_a_capacity_outside_1_to_200_is_refused(admin_client, care_manager, capacity: object) -> None:
    url = reverse("caseloads:settings-person-update", args=[care_manager.pk])

    response = admin_client.post(url, person_post(care_manager, caseload_capacity=capacity), headers=HTMX)

    assert response.status_code == 422
    assert "from 1 to 200." in response.content.decode()
    assert User.objects.get(pk=care_manager.pk).caseload_capacity == care_manager.caseload_capacity


def test_an_admin_cannot_demote_themselves(admin_client, program_admin) -> None:
    url = reverse("caseloads:settings-person-update", args=[program_admin.pk])

    response = admin_client.post(url, person_post(program_admin, role=Role.CARE_MANAGER), headers=HTMX)

    assert response.status_code == 422
    assert "You cannot change your own role. Ask another program admin to do it." in response.content.decode()
    assert User.objects.get(pk=program_admin.pk).role == Role.PROGRAM_ADMIN


def test_an_admin_cannot_switch_themselves_off(admin_client, program_admin) -> None:
    url = reverse("caseloads:settings-person-update", args=[program_admin.pk])

    response = admin_client.post(url, person_post(program_admin, is_active=None), headers=HTMX)

    assert response.status_code == 422
    assert "You cannot switch yourself off." in response.content.decode()
    assert User.objects.get(pk=program_admin.pk).is_active is True


def test_an_admin_may_change_their_own_capacity(admin_client, program_admin) -> None:
    url = reverse("caseloads:settings-person-update", args=[program_admin.pk])

    admin_client.post(url, person_post(program_admin, caseload_capacity=10))

    assert User.objects.get(pk=program_admin.pk).caseload_capacity == 10


@pytest.mark.parametrize(
    ("changes", "ending"),
    [({"is_active": None}, "then switch them off."), ({"role": Role.SUPERVISOR}, "then change their role.")],
)
def test_a_primary_care_manager_keeps_their_role_until_their_people_are_transferred(
    admin_client, enrollment, care_manager, changes: dict[str, object], ending: str
) -> None:
    url = reverse("caseloads:settings-person-update", args=[care_manager.pk])

    response = admin_client.post(url, person_post(care_manager, **changes), headers=HTMX)

    assert response.status_code == 422
    assert (
        f"{care_manager} is the primary care manager for 1 person. "
        f"Transfer them to another care manager first, {ending}"
    ) in response.content.decode()
    saved = User.objects.get(pk=care_manager.pk)
    assert (saved.role, saved.is_active) == (Role.CARE_MANAGER, True)


# --- Screening questions -------------------------------------------------------------------------------


def test_a_question_is_added_at_the_end(admin_client, program) -> None:
    question(program, "First question?", 4)

    response = admin_client.post(
        reverse("caseloads:settings-question-create"), {"text": "  Lives   alone? "}, headers=HTMX
    )

    assert response.status_code == 200
    assert "Question added at the end of the list." in response.content.decode()
    assert order_of(program) == ["First question?", "Lives alone?"]
    assert ScreeningQuestion.objects.get(text="Lives alone?").position == 5


@pytest.mark.parametrize("text", ["first question?", "  FIRST   Question? "])
def test_a_duplicate_question_is_refused_whatever_its_case(admin_client, program, text: str) -> None:
    question(program, "First question?", 1)

    response = admin_client.post(reverse("caseloads:settings-question-create"), {"text": text}, headers=HTMX)

    assert response.status_code == 422
    assert "The program already asks “First question?”." in response.content.decode()
    assert order_of(program) == ["First question?"]


def test_a_duplicate_of_a_switched_off_question_says_to_switch_it_back_on(admin_client, program) -> None:
    question(program, "First question?", 1, is_active=False)

    response = admin_client.post(reverse("caseloads:settings-question-create"), {"text": "First question?"})

    assert response.status_code == 422
    assert "It is switched off: switch it back on instead." in response.content.decode()
    assert ScreeningQuestion.objects.count() == 1


def test_a_questions_wording_is_changed_but_not_to_another_questions(admin_client, program) -> None:
    first = question(program, "First question?", 1)
    question(program, "Second question?", 2)
    url = reverse("caseloads:settings-question-update", args=[first.pk])

    saved = admin_client.post(url, {"text": "First question, reworded?"}, headers=HTMX)
    refused = admin_client.post(url, {"text": "second question?"}, headers=HTMX)

    assert saved.status_code == 200
    assert "Question saved." in saved.content.decode()
    assert refused.status_code == 422
    assert order_of(program) == ["First question, reworded?", "Second question?"]


def test_an_empty_question_is_refused(admin_client, program) -> None:
    first = question(program, "First question?", 1)

    response = admin_client.post(
        reverse("caseloads:settings-question-update", args=[first.pk]), {"text": " "}
    )

    assert response.status_code == 422
    assert "Write the question." in response.content.decode()
    assert order_of(program) == ["First question?"]


def test_questions_move_up_and_down(admin_client, program) -> None:
    first = question(program, "First?", 1)
    second = question(program, "Second?", 1)  # same position: the older one comes first
    question(program, "Third?", 7)

    up = admin_client.post(
        reverse("caseloads:settings-question-update", args=[second.pk]), {"move": "up"}, headers=HTMX
    )
    assert up.status_code == 200
    assert "Moved up." in up.content.decode()
    assert order_of(program) == ["Second?", "First?", "Third?"]

    down = admin_client.post(reverse("caseloads:settings-question-update", args=[first.pk]), {"move": "down"})
    assert down.status_code == 302
    assert order_of(program) == ["Second?", "Third?", "First?"]
    assert list(ScreeningQuestion.objects.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
    ]


def test_the_first_question_cannot_move_up(admin_client, program) -> None:
    first = question(program, "First?", 1)
    question(program, "Second?", 2)

    response = admin_client.post(
        reverse("caseloads:settings-question-update", args=[first.pk]), {"move": "up"}
    )

    assert response.status_code == 422
    assert "“First?” is already first." in response.content.decode()
    assert order_of(program) == ["First?", "Second?"]


def test_switching_a_question_off_keeps_its_answers(admin_client, program, enrollment) -> None:
    asked = question(program, "Two or more admissions this year?", 1)
    answer = ScreeningAnswer.objects.create(
        referral=enrollment.referral, question=asked, response=ScreeningResponse.YES
    )
    url = reverse("caseloads:settings-question-update", args=[asked.pk])

    response = admin_client.post(url, {"is_active": "0"}, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "No longer asked. Its past answers are kept." in page
    assert "Answered in 1 screening" in page
    assert ScreeningQuestion.objects.get(pk=asked.pk).is_active is False
    assert ScreeningAnswer.objects.get(pk=answer.pk).question_id == asked.pk

    admin_client.post(url, {"is_active": "1"})
    assert ScreeningQuestion.objects.get(pk=asked.pk).is_active is True


def test_the_question_services_refuse_another_programs_admin(program, other_program_admin) -> None:
    asked = question(program, "First?", 1)

    with pytest.raises(DomainError, match="Only an admin of this program"):
        patients.screening_question_update(question=asked, acting_user=other_program_admin, is_active=False)
    with pytest.raises(DomainError, match="Only an admin of this program"):
        patients.screening_question_add(program=program, acting_user=other_program_admin, text="Another?")
    assert ScreeningQuestion.objects.get(pk=asked.pk).is_active is True
