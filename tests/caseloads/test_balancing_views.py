"""The balancing page: loads and proposals, applying the ticked moves, who may open it, its query count."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Program, Team, User
from caseloads.models import IntensityLevel
from patients.models import CareTeamMember, Enrollment
from patients.services import primary_care_manager_assign
from tests.caseloads.test_balancing import care_manager_in, give
from tests.conftest import MakeEnrollment

pytestmark = pytest.mark.django_db


def balancing_url(team: Team) -> str:
    return reverse("caseloads:balancing", args=[team.pk])


def record_url(enrollment: Enrollment) -> str:
    return reverse("caseloads:patient-record", args=[enrollment.patient_id])


def primary_user_id(enrollment: Enrollment) -> int | None:
    return CareTeamMember.objects.get(enrollment=enrollment, is_primary=True, ended_on__isnull=True).user_id


def posted(formset: Any, ticked: dict[int, str]) -> dict[str, Any]:
    """The form as shown, with the rows in `ticked` (row index -> warm-transfer note) ticked."""
    data: dict[str, Any] = {
        "move-TOTAL_FORMS": str(formset.total_form_count()),
        "move-INITIAL_FORMS": str(formset.initial_form_count()),
    }
    for index, form in enumerate(formset.forms):
        for name in ("enrollment", "from_member", "to_care_manager", "reason"):
            data[form.add_prefix(name)] = form.initial.get(name, "")
        data[form.add_prefix("transfer_note")] = ticked.get(index, "")
        if index in ticked:
            data[form.add_prefix("selected")] = "on"
    return data


@pytest.fixture
def uneven_team(team_a: Team, make_enrollment: MakeEnrollment) -> dict[str, Any]:
    """Ana carries four medium-intensity people (8 of 6 points); Ben carries nobody (0 of 6)."""
    ana = care_manager_in(team_a, capacity=6, first_name="Ana")
    ben = care_manager_in(team_a, capacity=6, first_name="Ben")
    people = [give(make_enrollment, ana, IntensityLevel.MEDIUM) for _ in range(4)]
    return {"ana": ana, "ben": ben, "people": people}


class TestThePage:
    def test_a_supervisor_sees_loads_against_capacity_and_the_proposed_moves(
        self, client: Client, supervisor: User, team_a: Team, uneven_team: dict[str, Any]
    ) -> None:
        client.force_login(supervisor)

        response = client.get(balancing_url(team_a))

        assert response.status_code == 200
        html = response.content.decode()
        assert "8 of 6 points" in html
        assert "Over capacity" in html
        # Fair shares are 4 each: two medium-intensity people move from Ana to Ben.
        moves = response.context["balance"].moves
        assert [(row.from_user, row.to_user) for row in moves] == [
            (uneven_team["ana"], uneven_team["ben"])
        ] * 2
        assert f"{uneven_team['ana']} is at 8 of 6 points; {uneven_team['ben']} at 0 of 6." in html
        assert "What the new care manager needs to know" in html
        assert response.context["formset"].total_form_count() == 2

    def test_applying_two_ticked_moves_transfers_both_and_the_record_shows_the_note(
        self, client: Client, program: Program, supervisor: User, team_a: Team, uneven_team: dict[str, Any]
    ) -> None:
        client.force_login(supervisor)
        formset = client.get(balancing_url(team_a)).context["formset"]
        notes = {0: "Loves her garden; call after 10.", 1: "Text first, he rarely answers calls."}

        response = client.post(balancing_url(team_a), posted(formset, notes))

        assert response.status_code == 302
        assert "Moved 2 people." in client.get(response["Location"]).content.decode()
        moved = [Enrollment.objects.get(pk=form.initial["enrollment"]) for form in formset.forms]
        ben, ana = uneven_team["ben"], uneven_team["ana"]
        for index, enrollment in enumerate(moved):
            primary = CareTeamMember.objects.get(
                enrollment=enrollment, is_primary=True, ended_on__isnull=True
            )
            assert (primary.user_id, primary.transfer_note, primary.started_on) == (
                ben.pk,
                notes[index],
                program.today(),
            )
            record = client.get(record_url(enrollment)).content.decode()
            assert f"Transferred from {ana} on {program.today():%-d %b %Y}: {notes[index]}" in record

    def test_a_ticked_move_without_a_note_answers_422_and_nothing_moves(
        self, client: Client, supervisor: User, team_a: Team, uneven_team: dict[str, Any]
    ) -> None:
        client.force_login(supervisor)
        formset = client.get(balancing_url(team_a)).context["formset"]
        data = posted(formset, {0: "Likes mornings.", 1: ""})
        data[formset.forms[1].add_prefix("selected")] = "on"

        response = client.post(balancing_url(team_a), data)

        assert response.status_code == 422
        assert "Write a warm-transfer note for the new care manager." in response.content.decode()
        assert {primary_user_id(enrollment) for enrollment in uneven_team["people"]} == {
            uneven_team["ana"].pk
        }

    def test_nothing_ticked_answers_422(
        self, client: Client, supervisor: User, team_a: Team, uneven_team: dict[str, Any]
    ) -> None:
        client.force_login(supervisor)
        formset = client.get(balancing_url(team_a)).context["formset"]

        response = client.post(balancing_url(team_a), posted(formset, {}))

        assert response.status_code == 422
        assert "Tick at least one move to apply." in response.content.decode()

    def test_a_stale_proposal_is_refused_with_a_message_and_nothing_moves(
        self,
        client: Client,
        supervisor: User,
        team_a: Team,
        uneven_team: dict[str, Any],
    ) -> None:
        client.force_login(supervisor)
        formset = client.get(balancing_url(team_a)).context["formset"]
        second = Enrollment.objects.get(pk=formset.forms[1].initial["enrollment"])
        cleo = care_manager_in(team_a, capacity=6)
        primary_care_manager_assign(enrollment=second, care_manager=cleo, acting_user=supervisor)

        response = client.post(balancing_url(team_a), posted(formset, {0: "Mornings.", 1: "Evenings."}))

        assert response.status_code == 422
        assert "primary care manager has changed since these moves were proposed" in response.content.decode()
        first = Enrollment.objects.get(pk=formset.forms[0].initial["enrollment"])
        assert primary_user_id(first) == uneven_team["ana"].pk
        assert primary_user_id(second) == cleo.pk

    def test_a_balanced_team_says_there_is_nothing_to_move(
        self, client: Client, supervisor: User, team_a: Team, make_enrollment: MakeEnrollment
    ) -> None:
        ana, ben = care_manager_in(team_a, capacity=6), care_manager_in(team_a, capacity=6)
        give(make_enrollment, ana)
        give(make_enrollment, ben)
        client.force_login(supervisor)

        response = client.get(balancing_url(team_a))

        assert response.status_code == 200
        assert "No moves to propose" in response.content.decode()


class TestWhoMayOpenIt:
    def test_a_program_admin_may_apply_moves(
        self, client: Client, program_admin: User, team_a: Team, uneven_team: dict[str, Any]
    ) -> None:
        client.force_login(program_admin)
        formset = client.get(balancing_url(team_a)).context["formset"]

        response = client.post(balancing_url(team_a), posted(formset, {0: "Best reached at the day centre."}))

        assert response.status_code == 302
        primaries = [primary_user_id(enrollment) for enrollment in uneven_team["people"]]
        assert primaries.count(uneven_team["ben"].pk) == 1

    def test_a_program_lead_sees_the_proposals_but_cannot_apply_them(
        self, client: Client, program_lead: User, team_a: Team, uneven_team: dict[str, Any]
    ) -> None:
        client.force_login(program_lead)

        page = client.get(balancing_url(team_a))
        refused = client.post(balancing_url(team_a), {"move-TOTAL_FORMS": "0", "move-INITIAL_FORMS": "0"})

        assert page.status_code == 200
        assert page.context["formset"] is None
        assert (
            "Only a supervisor of this team or a program admin can apply these moves."
            in page.content.decode()
        )
        assert refused.status_code == 403
        assert {primary_user_id(enrollment) for enrollment in uneven_team["people"]} == {
            uneven_team["ana"].pk
        }

    def test_care_managers_get_403(self, client: Client, care_manager: User, team_a: Team) -> None:
        client.force_login(care_manager)

        assert client.get(balancing_url(team_a)).status_code == 403
        assert client.post(balancing_url(team_a), {}).status_code == 403

    def test_a_team_the_supervisor_does_not_supervise_is_not_found(
        self, client: Client, supervisor_other_team: User, team_a: Team, uneven_team: dict[str, Any]
    ) -> None:
        client.force_login(supervisor_other_team)

        assert client.get(balancing_url(team_a)).status_code == 404
        assert client.post(balancing_url(team_a), {}).status_code == 404

    def test_another_programs_team_is_not_found(
        self, client: Client, other_program_admin: User, team_a: Team
    ) -> None:
        client.force_login(other_program_admin)

        assert client.get(balancing_url(team_a)).status_code == 404

    def test_an_unknown_team_is_not_found(self, client: Client, supervisor: User) -> None:
        client.force_login(supervisor)

        assert client.get(reverse("caseloads:balancing", args=[987654])).status_code == 404

    def test_anonymous_visitors_are_sent_to_sign_in(self, client: Client, team_a: Team) -> None:
        response = client.get(balancing_url(team_a))

        assert response.status_code == 302
        assert reverse("login") in response["Location"]


# Session and user; the team (with its program and intensity policy); whether the supervisor may apply;
# the care managers with their weighted loads; the team's people with their primaries; the session's
# idle-limit renewal (savepoint, update, release).
GET_QUERIES = 9


@pytest.mark.parametrize("care_manager_count", [3, 12])
def test_the_page_uses_the_same_queries_whatever_the_team_size(
    care_manager_count: int,
    client: Client,
    supervisor: User,
    team_a: Team,
    make_enrollment: MakeEnrollment,
    django_assert_num_queries: Any,
) -> None:
    managers = [care_manager_in(team_a, capacity=6) for _ in range(care_manager_count)]
    for _ in range(4):
        give(make_enrollment, managers[0], IntensityLevel.MEDIUM)
    for other in managers[1:]:
        give(make_enrollment, other, IntensityLevel.LOW)
    client.force_login(supervisor)
    client.get(balancing_url(team_a))  # the first request after sign-in stores the time zone in the session

    with django_assert_num_queries(GET_QUERIES):
        response = client.get(balancing_url(team_a))

    assert response.status_code == 200
    assert len(response.context["balance"].rows) == care_manager_count
    assert response.context["balance"].moves
