"""The caseload status and supervision session endpoints: the same scoping, services and refusals as the
level-of-care card and the caseload review."""

import datetime

import pytest
from django.urls import reverse

from caseloads.models import (
    CaseloadStatus,
    DecisionKind,
    IntensityLevel,
    SupervisionDecision,
    SupervisionSession,
)
from patients.models import AccessEvent, CareTeamMember
from tests.caseloads.factories import CaseloadStatusFactory
from tests.patients.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

STATUSES = reverse("api:caseload-status-list")
SESSIONS = reverse("api:supervision-session-list")


def status_url(caseload_status: CaseloadStatus) -> str:
    return reverse("api:caseload-status-detail", args=[caseload_status.pk])


def accept_url(caseload_status: CaseloadStatus) -> str:
    return reverse("api:caseload-status-accept", args=[caseload_status.pk])


def override_url(caseload_status: CaseloadStatus) -> str:
    return reverse("api:caseload-status-override", args=[caseload_status.pk])


def session_url(session: SupervisionSession) -> str:
    return reverse("api:supervision-session-detail", args=[session.pk])


def ids_of(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def decision_of(caseload_status: CaseloadStatus) -> tuple[str, str, datetime.date | None, int | None]:
    stored = CaseloadStatus.objects.get(pk=caseload_status.pk)
    return stored.current_level, stored.override_reason, stored.override_until, stored.override_by_id


@pytest.fixture
def status_a(enrollment, care_manager) -> CaseloadStatus:
    """Team A's person: the recommendation went up to high; the team still works at medium."""
    return CaseloadStatusFactory(
        enrollment=enrollment,
        care_manager=care_manager,
        recommended_level=IntensityLevel.HIGH,
        current_level=IntensityLevel.MEDIUM,
        recommendation_reasons=["ED visit in the last 30 days"],
        is_overdue=True,
    )


@pytest.fixture
def status_b(enrollment_other_team, care_manager_other_team) -> CaseloadStatus:
    return CaseloadStatusFactory(enrollment=enrollment_other_team, care_manager=care_manager_other_team)


def grow_caseload(team, care_manager, count: int) -> None:
    """`count` more rows in `team`, written without the services (only the list is measured)."""
    for _ in range(count):
        enrollment = EnrollmentFactory(patient__program=team.program, team=team)
        CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager, is_graduation_candidate=True)


class TestCaseloadStatusReads:
    def test_a_care_manager_lists_their_teams_rows_only(
        self, api_as, care_manager, status_a, status_b
    ) -> None:
        response = api_as(care_manager).get(STATUSES)

        assert response.status_code == 200
        assert ids_of(response) == [status_a.pk]
        row = response.json()["results"][0]
        assert row["enrollment"] == status_a.enrollment_id
        assert row["patient"] == status_a.enrollment.patient_id
        assert row["enrollment_status"] == "active"
        assert (row["recommended_level"], row["current_level"]) == ("high", "medium")
        assert row["step_suggestion"] == "step up"
        assert row["recommendation_reasons"] == ["ED visit in the last 30 days"]
        assert (row["is_overdue"], row["is_override"], row["recompute_pending"]) == (True, False, False)

    def test_another_teams_care_manager_gets_404_and_an_empty_list(
        self, api_as, care_manager_other_team, status_a, status_b
    ) -> None:
        client = api_as(care_manager_other_team)

        assert client.get(status_url(status_a)).status_code == 404
        assert ids_of(client.get(STATUSES)) == [status_b.pk]

    def test_the_detail_is_recorded_as_the_card_is(self, api_as, care_manager, status_a) -> None:
        response = api_as(care_manager).get(status_url(status_a))

        assert response.status_code == 200
        assert response["ETag"]
        event = AccessEvent.objects.get()
        assert (event.user_id, event.patient_id, event.enrollment_id) == (
            care_manager.pk,
            status_a.enrollment.patient_id,
            status_a.enrollment_id,
        )
        assert (event.object_type, event.object_id, event.route) == (
            "caseload_status",
            status_a.pk,
            status_url(status_a),
        )

    def test_filters_narrow_the_rows(
        self, api_as, program_lead, team_a, care_manager, status_a, status_b
    ) -> None:
        grow_caseload(team_a, care_manager, 2)
        client = api_as(program_lead)

        assert ids_of(client.get(STATUSES, {"overdue": "true"})) == [status_a.pk]
        assert ids_of(client.get(STATUSES, {"care_manager": status_b.care_manager_id})) == [status_b.pk]
        assert ids_of(client.get(STATUSES, {"level": "medium", "graduation_candidate": "false"})) == [
            status_a.pk,
            status_b.pk,
        ]
        assert len(ids_of(client.get(STATUSES, {"graduation_candidate": "true"}))) == 2
        assert client.get(STATUSES, {"level": "extreme"}).json() == {
            "level": ["Select a valid choice. extreme is not one of the available choices."]
        }

    @pytest.mark.parametrize("size", [3, 30])
    def test_the_list_costs_the_same_queries_for_a_few_rows_as_for_many(
        self, api_as, care_manager, team_a, django_assert_num_queries, size: int
    ) -> None:
        grow_caseload(team_a, care_manager, size)
        client = api_as(care_manager)
        client.get(STATUSES)  # the first request after signing in also looks up the time zone

        # session, user, the page of rows (with the pending-recompute flag and the patient joined), the
        # session save (with its savepoint)
        with django_assert_num_queries(6):
            response = client.get(STATUSES, {"page_size": 50})

        assert len(ids_of(response)) == size


class TestLevelDecisions:
    def test_the_care_manager_accepts_the_recommendation(self, api_as, care_manager, status_a) -> None:
        response = api_as(care_manager).post(accept_url(status_a), {"recommended_level": "high"})

        assert response.status_code == 200
        assert (response.json()["current_level"], response.json()["recompute_pending"]) == ("high", True)
        assert decision_of(status_a) == ("high", "", None, None)

    def test_an_override_is_stored_with_who_why_and_until_when(self, api_as, supervisor, status_a) -> None:
        until = supervisor.program.today() + datetime.timedelta(days=30)

        response = api_as(supervisor).post(
            override_url(status_a),
            {"level": "low", "reason": "Stable in new housing.", "until": until.isoformat()},
        )

        assert response.status_code == 200
        assert response.json()["is_override"] is True
        assert decision_of(status_a) == ("low", "Stable in new housing.", until, supervisor.pk)

    def test_a_refused_override_answers_400_with_the_cards_message_and_nothing_changes(
        self, api_as, care_manager, status_a
    ) -> None:
        response = api_as(care_manager).post(override_url(status_a), {"level": "low", "reason": " "})

        assert response.status_code == 400
        assert response.json() == {
            "detail": "Say why the team is choosing a different level from the recommendation."
        }
        assert decision_of(status_a) == ("medium", "", None, None)

    def test_accepting_a_recommendation_that_changed_meanwhile_is_refused(
        self, api_as, care_manager, status_a
    ) -> None:
        response = api_as(care_manager).post(accept_url(status_a), {"recommended_level": "low"})

        assert response.status_code == 400
        assert response.json()["detail"] == (
            "The recommendation has just changed to high. Look at the reasons again before accepting."
        )
        assert decision_of(status_a) == ("medium", "", None, None)

    def test_bad_input_gets_field_errors(self, api_as, care_manager, status_a) -> None:
        response = api_as(care_manager).post(override_url(status_a), {"level": "extreme", "until": "soon"})

        assert response.status_code == 400
        assert response.json() == {
            "level": ["Choose the level of care: high, medium or low."],
            "until": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        }
        assert decision_of(status_a) == ("medium", "", None, None)

    @pytest.mark.parametrize("persona", ["care_manager_same_team", "program_lead"])
    def test_someone_who_may_only_read_gets_403_and_nothing_changes(
        self, api_as, request, status_a, persona: str
    ) -> None:
        client = api_as(request.getfixturevalue(persona))
        assert client.get(status_url(status_a)).status_code == 200

        accepted = client.post(accept_url(status_a), {})
        overridden = client.post(override_url(status_a), {"level": "low", "reason": "No."})

        assert (accepted.status_code, overridden.status_code) == (403, 403)
        assert decision_of(status_a) == ("medium", "", None, None)

    def test_another_teams_care_manager_gets_404_and_nothing_changes(
        self, api_as, care_manager_other_team, status_a
    ) -> None:
        response = api_as(care_manager_other_team).post(accept_url(status_a), {})

        assert response.status_code == 404
        assert decision_of(status_a) == ("medium", "", None, None)

    def test_a_stale_if_match_answers_412_and_nothing_changes(self, api_as, care_manager, status_a) -> None:
        client = api_as(care_manager)
        read = client.get(status_url(status_a))
        until = care_manager.program.today() + datetime.timedelta(days=10)
        changed = client.post(
            override_url(status_a),
            {"level": "low", "reason": "Doing well.", "until": until.isoformat()},
            headers={"If-Match": read["ETag"]},
        )
        assert changed.status_code == 200
        assert changed["ETag"] != read["ETag"]

        stale = client.post(accept_url(status_a), {}, headers={"If-Match": read["ETag"]})

        assert stale.status_code == 412
        assert decision_of(status_a) == ("low", "Doing well.", until, care_manager.pk)


# --- Supervision sessions -------------------------------------------------------------------------------


@pytest.fixture
def caseload(make_enrollment, care_manager, team_a):
    """Two people of the care manager's caseload, with their rows worked out at medium."""
    people = [make_enrollment(care_manager=care_manager, team=team_a) for _ in range(2)]
    for enrollment in people:
        CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager)
    return people


def session_body(care_manager, held_on: datetime.date, **fields: object) -> dict[str, object]:
    return {"care_manager": care_manager.pk, "held_on": held_on.isoformat(), "notes": "Good week.", **fields}


UNTIL_REFUSAL = "Choose until when this level applies. After that date the recommendation applies again."


def stored_counts() -> tuple[int, int]:
    return SupervisionSession.objects.count(), SupervisionDecision.objects.count()


class TestRecordingASession:
    def test_the_supervisor_records_a_session_and_its_decisions_are_applied(
        self, api_as, supervisor, care_manager, caseload
    ) -> None:
        first, second = caseload
        today = supervisor.program.today()
        until = today + datetime.timedelta(days=30)

        response = api_as(supervisor).post(
            SESSIONS,
            session_body(
                care_manager,
                today,
                discussed=[second.pk],
                decisions=[
                    {
                        "enrollment": first.pk,
                        "kind": DecisionKind.CHANGE_LEVEL,
                        "level": IntensityLevel.HIGH,
                        "level_until": until.isoformat(),
                        "detail": "Back from hospital.",
                    }
                ],
            ),
        )

        assert response.status_code == 201
        session = SupervisionSession.objects.get()
        assert (session.supervisor_id, session.care_manager_id, session.held_on, session.notes) == (
            supervisor.pk,
            care_manager.pk,
            today,
            "Good week.",
        )
        assert sorted(session.enrollments_discussed.values_list("pk", flat=True)) == sorted(
            [first.pk, second.pk]
        )
        body = response.json()
        assert body["id"] == session.pk
        assert sorted(body["enrollments_discussed"]) == sorted([first.pk, second.pk])
        assert [(d["enrollment"], d["kind"], d["level"]) for d in body["decisions"]] == [
            (first.pk, "change_level", "high")
        ]
        assert CaseloadStatus.objects.get(enrollment=first).current_level == IntensityLevel.HIGH

    def test_a_reassignment_moves_the_primary_care_manager(
        self, api_as, supervisor, care_manager, care_manager_same_team, caseload
    ) -> None:
        first, _ = caseload

        response = api_as(supervisor).post(
            SESSIONS,
            session_body(
                care_manager,
                supervisor.program.today(),
                decisions=[
                    {
                        "enrollment": first.pk,
                        "kind": DecisionKind.REASSIGN,
                        "reassign_to": care_manager_same_team.pk,
                        "detail": "Likes morning calls.",
                    }
                ],
            ),
        )

        assert response.status_code == 201
        primary = CareTeamMember.objects.get(enrollment=first, is_primary=True, ended_on__isnull=True)
        assert primary.user_id == care_manager_same_team.pk

    def refuse(self, api_as, supervisor, care_manager, caseload):
        first, second = caseload
        return api_as(supervisor).post(
            SESSIONS,
            session_body(
                care_manager,
                supervisor.program.today(),
                decisions=[
                    {"enrollment": second.pk, "kind": DecisionKind.PREPARE_GRADUATION},
                    {
                        "enrollment": first.pk,
                        "kind": DecisionKind.CHANGE_LEVEL,
                        "level": IntensityLevel.HIGH,
                        "detail": "Back from hospital.",
                    },
                ],
            ),
        )

    def test_a_refused_decision_answers_400_and_nothing_is_stored(
        self, api_as, supervisor, care_manager, caseload
    ) -> None:
        response = self.refuse(api_as, supervisor, care_manager, caseload)

        assert response.status_code == 400
        assert UNTIL_REFUSAL in response.json()["detail"]
        assert stored_counts() == (0, 0)
        assert CaseloadStatus.objects.get(enrollment=caseload[0]).current_level == IntensityLevel.MEDIUM

    def test_a_refused_decision_answers_with_the_pages_exact_message(
        self, api_as, supervisor, care_manager, caseload
    ) -> None:
        response = self.refuse(api_as, supervisor, care_manager, caseload)

        assert response.json() == {"detail": UNTIL_REFUSAL}

    def test_a_session_in_the_future_is_refused(self, api_as, supervisor, care_manager, caseload) -> None:
        tomorrow = supervisor.program.today() + datetime.timedelta(days=1)

        response = api_as(supervisor).post(SESSIONS, session_body(care_manager, tomorrow))

        assert response.status_code == 400
        assert response.json() == {"detail": "The session date cannot be in the future."}
        assert stored_counts() == (0, 0)

    def test_bad_input_gets_field_errors(
        self, api_as, supervisor, care_manager, caseload, enrollment_other_team
    ) -> None:
        response = api_as(supervisor).post(
            SESSIONS,
            {
                "care_manager": care_manager.pk,
                "held_on": "last week",
                "discussed": [enrollment_other_team.pk],
                "decisions": [{"enrollment": caseload[0].pk, "kind": "shout"}],
            },
        )

        assert response.status_code == 400
        assert response.json() == {
            "held_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            "discussed": {"0": ["Choose people from this care manager's caseload."]},
            "decisions": {"0": {"kind": ["Choose a decision from the list."]}},
        }
        assert stored_counts() == (0, 0)

    def test_a_session_without_a_care_manager_gets_a_field_error(self, api_as, supervisor) -> None:
        response = api_as(supervisor).post(SESSIONS, {"held_on": "2026-01-05"})

        assert response.status_code == 400
        assert response.json() == {"care_manager": ["This field is required."]}

    @pytest.mark.parametrize(
        "persona", ["care_manager", "care_manager_same_team", "program_lead", "program_admin"]
    )
    def test_only_a_supervisor_records_sessions(
        self, api_as, request, care_manager, caseload, persona: str
    ) -> None:
        user = request.getfixturevalue(persona)

        response = api_as(user).post(SESSIONS, session_body(care_manager, user.program.today()))

        assert response.status_code == 403
        assert stored_counts() == (0, 0)

    def test_another_teams_supervisor_gets_404(
        self, api_as, supervisor_other_team, care_manager, caseload
    ) -> None:
        response = api_as(supervisor_other_team).post(
            SESSIONS, session_body(care_manager, supervisor_other_team.program.today())
        )

        assert response.status_code == 404
        assert stored_counts() == (0, 0)


def hold_session(supervisor, care_manager, enrollments, *, days_ago: int = 0) -> SupervisionSession:
    """A stored session (written directly: only the reads are under test here)."""
    session = SupervisionSession.objects.create(
        supervisor=supervisor,
        care_manager=care_manager,
        held_on=supervisor.program.today() - datetime.timedelta(days=days_ago),
        notes="Synthetic notes.",
    )
    session.enrollments_discussed.set(enrollments)
    for enrollment in enrollments:
        SupervisionDecision.objects.create(
            session=session, enrollment=enrollment, kind=DecisionKind.OTHER, detail="Call the pharmacy."
        )
    return session


class TestReadingSessions:
    @pytest.fixture
    def sessions(
        self,
        supervisor,
        care_manager,
        supervisor_other_team,
        care_manager_other_team,
        caseload,
        enrollment_other_team,
    ):
        ours = hold_session(supervisor, care_manager, caseload, days_ago=7)
        theirs = hold_session(supervisor_other_team, care_manager_other_team, [enrollment_other_team])
        return ours, theirs

    @pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_lead"])
    def test_the_care_manager_their_supervisor_and_the_lead_read_the_session(
        self, api_as, request, sessions, caseload, persona: str
    ) -> None:
        ours, _ = sessions
        client = api_as(request.getfixturevalue(persona))

        detail = client.get(session_url(ours))

        assert detail.status_code == 200
        assert sorted(detail.json()["enrollments_discussed"]) == sorted(e.pk for e in caseload)
        assert [d["detail"] for d in detail.json()["decisions"]] == ["Call the pharmacy."] * 2
        listed = ids_of(client.get(SESSIONS))
        assert ours.pk in listed

    def test_a_care_manager_lists_only_their_own_sessions(self, api_as, care_manager, sessions) -> None:
        ours, _ = sessions

        assert ids_of(api_as(care_manager).get(SESSIONS)) == [ours.pk]

    @pytest.mark.parametrize(
        "persona", ["care_manager_other_team", "supervisor_other_team", "care_manager_same_team"]
    )
    def test_others_get_404_and_do_not_see_it_listed(self, api_as, request, sessions, persona: str) -> None:
        ours, _ = sessions
        client = api_as(request.getfixturevalue(persona))

        assert client.get(session_url(ours)).status_code == 404
        assert ours.pk not in ids_of(client.get(SESSIONS))

    def test_filters_narrow_the_sessions(self, api_as, program_lead, care_manager, sessions) -> None:
        ours, theirs = sessions
        client = api_as(program_lead)
        today = program_lead.program.today()

        assert ids_of(client.get(SESSIONS, {"care_manager": care_manager.pk})) == [ours.pk]
        assert ids_of(client.get(SESSIONS, {"held_on_after": today.isoformat()})) == [theirs.pk]

    @pytest.mark.parametrize("size", [2, 20])
    def test_the_list_costs_the_same_queries_for_a_few_sessions_as_for_many(
        self, api_as, supervisor, care_manager, team_a, django_assert_num_queries, size: int
    ) -> None:
        people = [EnrollmentFactory(patient__program=team_a.program, team=team_a) for _ in range(3)]
        for _ in range(size):
            hold_session(supervisor, care_manager, people)
        client = api_as(supervisor)
        client.get(SESSIONS)  # the first request after signing in also looks up the time zone

        # session, user, the page of sessions (the dashboard's teams read within it), the people
        # discussed, the decisions, the session save (with its savepoint)
        with django_assert_num_queries(8):
            response = client.get(SESSIONS, {"page_size": 50})

        assert len(ids_of(response)) == size
        assert {len(row["decisions"]) for row in response.json()["results"]} == {3}
