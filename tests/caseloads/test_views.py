"""The care manager's caseload, the patient record, and the supervisor's and lead's overviews."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from careplans.models import GoalStatus
from patients.models import AccessEvent
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.engagement.factories import (
    CheckInFactory,
    ContactFactory,
    LifeEventFactory,
    SuccessMomentFactory,
)

pytestmark = pytest.mark.django_db

CASELOAD_URL = reverse("caseloads:my-caseload")


def record_url(enrollment) -> str:
    return reverse("caseloads:patient-record", kwargs={"patient_id": enrollment.patient_id})


class TestMyCaseload:
    def test_lists_the_care_managers_people_with_status_phase_intensity_and_last_contact(
        self, client, care_manager, enrollment
    ) -> None:
        CaseloadStatusFactory(
            enrollment=enrollment, care_manager=care_manager, current_level="high", recommended_level="high"
        )
        ContactFactory(
            enrollment=enrollment,
            made_by=care_manager,
            occurred_at=timezone.now() - datetime.timedelta(days=3),
        )
        client.force_login(care_manager)

        page = client.get(CASELOAD_URL).content.decode()

        assert enrollment.patient.display_name in page
        assert "Active" in page
        assert "Engagement (building trust)" in page
        assert "High intensity" in page
        assert "3\xa0days ago" in page

    def test_does_not_list_other_teams_people(self, client, care_manager, enrollment_other_team) -> None:
        client.force_login(care_manager)
        page = client.get(CASELOAD_URL).content.decode()
        assert enrollment_other_team.patient.display_name not in page

    def test_lists_only_people_whose_primary_is_this_care_manager(
        self, client, care_manager_same_team, enrollment
    ) -> None:
        client.force_login(care_manager_same_team)
        page = client.get(CASELOAD_URL).content.decode()
        assert enrollment.patient.display_name not in page
        assert "Nobody is assigned to you yet" in page

    def test_shows_overdue_people_first(self, client, care_manager, make_enrollment) -> None:
        on_track = make_enrollment(care_manager=care_manager)
        overdue = make_enrollment(care_manager=care_manager)
        CaseloadStatusFactory(enrollment=on_track, care_manager=care_manager, is_overdue=False)
        CaseloadStatusFactory(enrollment=overdue, care_manager=care_manager, is_overdue=True)
        client.force_login(care_manager)

        page = client.get(CASELOAD_URL).content.decode()

        assert page.index(overdue.patient.display_name) < page.index(on_track.patient.display_name)
        assert "Contact overdue" in page

    def test_query_count_does_not_grow_with_the_caseload(
        self, client, care_manager, make_enrollment, django_assert_num_queries
    ) -> None:
        client.force_login(care_manager)
        make_enrollment(care_manager=care_manager)
        client.get(CASELOAD_URL)  # the first request also reads the program's time zone into the session
        # session, user, the caseload's rows (last contact and status joined), check-ins due after
        # graduation, session save with its savepoint
        with django_assert_num_queries(7):
            client.get(CASELOAD_URL)
        for _ in range(5):
            enrollment = make_enrollment(care_manager=care_manager)
            CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager)
            ContactFactory(enrollment=enrollment, made_by=care_manager)
        with django_assert_num_queries(7):
            response = client.get(CASELOAD_URL)
        assert response.content.decode().count('class="caseload-row') == 6


class TestPatientRecord:
    def test_shows_summary_care_team_goals_and_recent_contacts(
        self, client, care_manager, enrollment
    ) -> None:
        plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
        GoalFactory(
            care_plan=plan,
            patient_words="I want my own place with a door that locks",
            status=GoalStatus.ACTIVE,
        )
        GoalFactory(
            care_plan=plan, patient_words="Get back to fishing with my brother", status=GoalStatus.LET_GO
        )
        ContactFactory(
            enrollment=enrollment, made_by=care_manager, note="Synthetic: walked to the pharmacy together."
        )
        client.force_login(care_manager)

        page = client.get(record_url(enrollment)).content.decode()

        assert enrollment.patient.display_name in page
        assert "I want my own place with a door that locks" in page
        assert "Get back to fishing" not in page  # let-go goals are not active
        assert "Primary care manager" in page
        assert str(care_manager) in page
        assert "walked to the pharmacy together" in page

    def test_viewing_the_record_writes_one_access_event(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)
        url = record_url(enrollment)

        client.get(url)

        event = AccessEvent.objects.get()
        assert (event.user, event.patient_id, event.enrollment_id) == (
            care_manager,
            enrollment.patient_id,
            enrollment.pk,
        )
        assert (event.action, event.route) == ("view", url)

    def test_other_team_gets_404_and_no_access_event(
        self, client, care_manager_other_team, enrollment
    ) -> None:
        client.force_login(care_manager_other_team)
        assert client.get(record_url(enrollment)).status_code == 404
        assert AccessEvent.objects.exists() is False

    @pytest.mark.parametrize(
        "persona", ["care_manager_same_team", "supervisor", "program_admin", "program_lead"]
    )
    def test_readers_in_scope_see_the_record(self, client, request, persona, enrollment) -> None:
        client.force_login(request.getfixturevalue(persona))
        assert client.get(record_url(enrollment)).status_code == 200

    @pytest.mark.parametrize(
        "persona", ["care_manager_other_team", "supervisor_other_team", "other_program_admin"]
    )
    def test_readers_out_of_scope_get_404(self, client, request, persona, enrollment) -> None:
        client.force_login(request.getfixturevalue(persona))
        assert client.get(record_url(enrollment)).status_code == 404

    def test_substance_use_notes_are_shown_to_the_care_team_only(
        self, client, care_manager, care_manager_same_team, enrollment
    ) -> None:
        ContactFactory(
            enrollment=enrollment,
            made_by=care_manager,
            is_part2=True,
            note="Synthetic canary: talked about the methadone clinic schedule.",
        )
        client.force_login(care_manager_same_team)
        colleague_page = client.get(record_url(enrollment)).content.decode()
        client.force_login(care_manager)
        care_team_page = client.get(record_url(enrollment)).content.decode()

        assert "methadone" not in colleague_page
        assert "shown to the care team only" in colleague_page
        assert "methadone" in care_team_page

    def test_is_never_cached_by_the_browser(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)
        response = client.get(record_url(enrollment))
        assert "no-store" in response["Cache-Control"]

    def test_query_count_does_not_grow_with_the_timeline(
        self, client, care_manager, enrollment, django_assert_max_num_queries
    ) -> None:
        plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
        client.force_login(care_manager)

        def add_one_of_each() -> None:
            GoalFactory(care_plan=plan)
            ContactFactory(enrollment=enrollment, made_by=care_manager)
            CheckInFactory(enrollment=enrollment, recorded_by=care_manager)
            SuccessMomentFactory(enrollment=enrollment, recorded_by=care_manager)
            LifeEventFactory(enrollment=enrollment, recorded_by=care_manager)

        add_one_of_each()  # 5 timeline items
        client.get(record_url(enrollment))  # the first request also reads the program's time zone
        # session, user, patient, enrolment, supports, plan, status, care team, goals, Part 2 check,
        # may-edit check (2), check-ins, successes, life events, timeline (1 union + 1 per kind on the page,
        # at most 5), colleagues who may join the care team, referrals out, services to refer to, peer
        # connections, the graduation card, access event and session save (each with its savepoint)
        with django_assert_max_num_queries(31):
            client.get(record_url(enrollment))
        for _ in range(59):
            add_one_of_each()  # 300 timeline items
        with django_assert_max_num_queries(31):
            response = client.get(record_url(enrollment))
        assert response.context["record"].timeline.has_older is True
        assert len(response.context["record"].timeline.items) == 20


class TestOverviews:
    def test_program_lead_sees_counts_by_stage(
        self, client, program_lead, enrollment, enrollment_other_team
    ) -> None:
        client.force_login(program_lead)
        overview = client.get(reverse("caseloads:program-overview")).context["overview"]
        assert dict(overview.by_status)["Active"] == 2
        assert overview.total == 2

    def test_admin_sees_referrals_waiting(self, client, program_admin, make_enrollment) -> None:
        waiting = make_enrollment(status="referred")
        client.force_login(program_admin)
        response = client.get(reverse("patients:referral-queue"))
        assert response.context["queue"].referred_count == 1
        assert waiting.patient.display_name in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["care_manager", "care_manager_other_team", "supervisor", "program_admin", "program_lead"]
)
def test_my_caseload_renders_for_every_role(client, request, persona) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.get(CASELOAD_URL)
    assert response.status_code == 200
    assert "<h1>My caseload</h1>" in response.content.decode()


def test_older_timeline_pages_append_in_place(client, care_manager, enrollment) -> None:
    for day in range(25):
        ContactFactory(
            enrollment=enrollment,
            made_by=care_manager,
            occurred_at=timezone.now() - datetime.timedelta(hours=day),
            note=f"Synthetic visit number {day}",
        )
    client.force_login(care_manager)
    first = client.get(record_url(enrollment)).content.decode()
    assert "Synthetic visit number 0" in first
    assert "Synthetic visit number 24" not in first
    assert "Show older" in first

    older = client.get(
        reverse("caseloads:timeline", args=[enrollment.patient_id]),
        {"page": 2},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Synthetic visit number 24" in older
    assert "Synthetic visit number 0" not in older
    assert "Show older" not in older
    assert "<h1>" not in older
