"""The care plan through the API: plans, goals, steps, goal progress and the assessment, with the same
rules, scope and access events as the plan and assessment pages."""

import datetime
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from careplans import services as plans
from careplans.models import (
    AssessmentDomain,
    CarePlan,
    CarePlanReview,
    Goal,
    GoalStatus,
    Step,
    StepOwner,
)
from careplans.services import GoalEditConflict
from caseloads.models import CaseloadRecomputeRequest
from engagement.models import GoalProgress, SuccessMoment
from engagement.services import GoalReview, contact_log
from patients.access import NOT_IN_CARE, can_see_part2
from patients.models import AccessAction, AccessEvent, Enrollment, EnrollmentStatus
from tests.api.conftest import ApiAs
from tests.dates import program_today

pytestmark = pytest.mark.django_db

FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def url(basename: str, pk: int | None = None, action: str = "") -> str:
    if action:
        return reverse(f"api:{basename}-{action}", args=[pk])
    if pk is None:
        return reverse(f"api:{basename}-list")
    return reverse(f"api:{basename}-detail", args=[pk])


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def plan(enrollment: Enrollment, care_manager: User) -> CarePlan:
    return plans.care_plan_start(
        enrollment=enrollment,
        acting_user=care_manager,
        co_created_with="Synthetic patient and their sister",
        co_created_where="Home",
    )


@pytest.fixture
def other_plan(enrollment_other_team: Enrollment, care_manager_other_team: User) -> CarePlan:
    return plans.care_plan_start(enrollment=enrollment_other_team, acting_user=care_manager_other_team)


def add_goal(plan: CarePlan, user: User, words: str, **fields) -> Goal:
    return plans.goal_add(
        care_plan=plan,
        acting_user=user,
        patient_words=words,
        life_domain=fields.pop("life_domain", "housing"),
        **fields,
    )


@pytest.fixture
def goal(plan: CarePlan, care_manager: User) -> Goal:
    return add_goal(plan, care_manager, "Get my own place before winter")


@pytest.fixture
def other_goal(other_plan: CarePlan, care_manager_other_team: User) -> Goal:
    return add_goal(other_plan, care_manager_other_team, "Other team's synthetic goal")


def recompute_requested(enrollment: Enrollment) -> bool:
    return CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).exists()


class TestCarePlans:
    def test_the_care_manager_lists_their_plans_and_each_patient_listed_is_recorded(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan, other_plan: CarePlan
    ) -> None:
        response = api_as(care_manager).get(url("care-plan"))

        assert response.status_code == 200
        assert ids(response) == [plan.pk]
        row = response.json()["results"][0]
        assert row["co_created_with"] == "Synthetic patient and their sister"
        assert row["revision"] == 1
        assert "goals" not in row
        events = AccessEvent.objects.filter(user=care_manager, action=AccessAction.LIST)
        assert [event.patient_id for event in events] == [plan.enrollment.patient_id]

    def test_one_plan_has_every_goal_in_the_persons_order_with_steps_and_an_etag(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan, goal: Goal
    ) -> None:
        second = add_goal(plan, care_manager, "See my grandkids on Sundays", life_domain="family")
        plans.goal_move(goal=second, acting_user=care_manager, direction="up")
        plans.step_add(
            goal=goal, acting_user=care_manager, description="Call the housing office", owner="patient"
        )

        response = api_as(care_manager).get(url("care-plan", plan.pk))

        assert response.status_code == 200
        body = response.json()
        assert [(g["patient_words"], g["priority"]) for g in body["goals"]] == [
            ("See my grandkids on Sundays", 1),
            ("Get my own place before winter", 2),
        ]
        assert [step["description"] for step in body["goals"][1]["steps"]] == ["Call the housing office"]
        assert body["goals"][1]["steps"][0]["owner_label"] == "The patient"
        assert response["ETag"].startswith('"')
        assert (
            AccessEvent.objects.filter(
                user=care_manager, action=AccessAction.VIEW, object_type="care_plan", object_id=plan.pk
            ).count()
            == 1
        )

    def test_another_teams_plan_is_missing_and_not_listed(
        self, api_as: ApiAs, care_manager_other_team: User, plan: CarePlan
    ) -> None:
        client = api_as(care_manager_other_team)

        assert client.get(url("care-plan", plan.pk)).status_code == 404
        assert ids(client.get(url("care-plan"))) == []

    def test_starting_a_plan_calls_the_caseload_service(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("care-plan"),
            {"enrollment": enrollment.pk, "co_created_with": "The patient", "co_created_where": "Clinic"},
        )

        assert response.status_code == 201
        plan = CarePlan.objects.get(enrollment=enrollment)
        assert response.json()["id"] == plan.pk
        assert (plan.status, plan.co_created_with, plan.co_created_where) == (
            "active",
            "The patient",
            "Clinic",
        )
        assert plan.versions.count() == 1
        assert recompute_requested(enrollment)

    def test_a_second_plan_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan
    ) -> None:
        response = api_as(care_manager).post(url("care-plan"), {"enrollment": plan.enrollment_id})

        assert response.status_code == 400
        assert response.json() == {"detail": "This person already has a plan. Add goals to it instead."}
        assert CarePlan.objects.filter(enrollment=plan.enrollment).count() == 1

    @pytest.mark.parametrize("persona", ["care_manager_same_team", "program_lead"])
    def test_someone_who_may_only_read_cannot_start_a_plan(
        self, api_as: ApiAs, request: pytest.FixtureRequest, persona: str, enrollment: Enrollment
    ) -> None:
        response = api_as(request.getfixturevalue(persona)).post(
            url("care-plan"), {"enrollment": enrollment.pk}
        )

        assert response.status_code == 403
        assert response.json() == FORBIDDEN
        assert CarePlan.objects.filter(enrollment=enrollment).exists() is False

    def test_another_teams_enrolment_is_missing_when_starting_a_plan(
        self, api_as: ApiAs, care_manager_other_team: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager_other_team).post(url("care-plan"), {"enrollment": enrollment.pk})

        assert response.status_code == 404
        assert CarePlan.objects.filter(enrollment=enrollment).exists() is False

    def test_a_closed_episode_takes_no_plan(
        self, api_as: ApiAs, make_enrollment, team_a, supervisor: User
    ) -> None:
        graduated = make_enrollment(status=EnrollmentStatus.GRADUATED, team=team_a)

        # The supervisor may change their teams' records, but not once the episode has closed.
        response = api_as(supervisor).post(url("care-plan"), {"enrollment": graduated.pk})

        assert response.status_code == 403
        assert response.json() == {"detail": NOT_IN_CARE}
        assert CarePlan.objects.filter(enrollment=graduated).exists() is False

    def test_bad_input_gets_field_errors(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("care-plan"), {"co_created_with": "x" * 301, "started_on": "soon"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "enrollment": ["This field is required."],
            "co_created_with": ["Ensure this field has no more than 300 characters."],
            "started_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        }

    def test_changing_who_took_part_names_the_revision_it_started_from(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan
    ) -> None:
        response = api_as(care_manager).patch(
            url("care-plan", plan.pk), {"expected_revision": 1, "co_created_with": "The patient and Dev"}
        )

        assert response.status_code == 200
        plan.refresh_from_db()
        assert (plan.co_created_with, plan.co_created_where, plan.revision) == (
            "The patient and Dev",
            "Home",
            2,
        )
        assert response.json()["revision"] == 2
        assert recompute_requested(plan.enrollment)

    def test_a_stale_revision_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan, goal: Goal
    ) -> None:
        response = api_as(care_manager).patch(
            url("care-plan", plan.pk), {"expected_revision": 1, "co_created_with": "X"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "detail": "The plan changed while you were editing (it is now version 2). Check who took part "
            "and where, then save again."
        }
        plan.refresh_from_db()
        assert plan.co_created_with == "Synthetic patient and their sister"

    def test_the_revision_is_required_even_for_a_partial_change(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan
    ) -> None:
        response = api_as(care_manager).patch(url("care-plan", plan.pk), {"co_created_with": "X"})

        assert response.status_code == 400
        assert response.json() == {"expected_revision": ["This field is required."]}

    def test_a_stale_etag_answers_412_and_changes_nothing(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan, goal: Goal
    ) -> None:
        client = api_as(care_manager)
        etag = client.get(url("care-plan", plan.pk))["ETag"]
        add_goal(plan, care_manager, "Someone else's change meanwhile")

        response = client.patch(
            url("care-plan", plan.pk), {"expected_revision": 3, "co_created_with": "X"}, HTTP_IF_MATCH=etag
        )

        assert response.status_code == 412
        plan.refresh_from_db()
        assert plan.co_created_with == "Synthetic patient and their sister"

    def test_a_same_team_colleague_cannot_change_the_plan(
        self, api_as: ApiAs, care_manager_same_team: User, plan: CarePlan
    ) -> None:
        response = api_as(care_manager_same_team).patch(
            url("care-plan", plan.pk), {"expected_revision": 1, "co_created_with": "X"}
        )

        assert response.status_code == 403
        plan.refresh_from_db()
        assert (plan.co_created_with, plan.revision) == ("Synthetic patient and their sister", 1)

    def test_reviewing_the_plan_records_it_once_a_day(
        self, api_as: ApiAs, supervisor: User, plan: CarePlan
    ) -> None:
        client = api_as(supervisor)

        first = client.post(url("care-plan", plan.pk, "reviewed"))
        second = client.post(url("care-plan", plan.pk, "reviewed"))

        assert (first.status_code, second.status_code) == (200, 200)
        review = CarePlanReview.objects.get(care_plan=plan)
        assert first.json()["id"] == second.json()["id"] == review.pk
        assert review.reviewed_by == supervisor
        plan.refresh_from_db()
        assert plan.last_reviewed_on == plan.enrollment.program.today()

    def test_a_program_lead_cannot_review_the_plan(
        self, api_as: ApiAs, program_lead: User, plan: CarePlan
    ) -> None:
        response = api_as(program_lead).post(url("care-plan", plan.pk, "reviewed"))

        assert response.status_code == 403
        assert CarePlanReview.objects.filter(care_plan=plan).exists() is False


class TestGoals:
    def test_goals_come_with_the_patients_words_and_ranking(
        self, api_as: ApiAs, care_manager: User, goal: Goal, other_goal: Goal
    ) -> None:
        response = api_as(care_manager).get(url("goal"), {"enrollment": goal.care_plan.enrollment_id})

        assert response.status_code == 200
        assert ids(response) == [goal.pk]
        row = response.json()["results"][0]
        assert (row["patient_words"], row["priority"], row["version"]) == (
            "Get my own place before winter",
            1,
            1,
        )
        assert row["enrollment"] == goal.care_plan.enrollment_id

    def test_another_teams_goal_is_missing_and_not_listed(
        self, api_as: ApiAs, care_manager_other_team: User, goal: Goal, other_goal: Goal
    ) -> None:
        client = api_as(care_manager_other_team)

        assert client.get(url("goal", goal.pk)).status_code == 404
        assert ids(client.get(url("goal"))) == [other_goal.pk]

    def test_adding_a_goal_puts_it_last_in_the_persons_order(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan, goal: Goal
    ) -> None:
        response = api_as(care_manager).post(
            url("goal"),
            {
                "care_plan": plan.pk,
                "patient_words": "Walk my dog again",
                "life_domain": "health",
                "status": "proposed",
            },
        )

        assert response.status_code == 201
        added = Goal.objects.get(pk=response.json()["id"])
        assert (added.patient_words, added.priority, added.status, added.created_by) == (
            "Walk my dog again",
            2,
            GoalStatus.PROPOSED,
            care_manager,
        )
        plan.refresh_from_db()
        assert plan.revision == 3

    def test_a_target_date_in_the_past_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan
    ) -> None:
        response = api_as(care_manager).post(
            url("goal"),
            {
                "care_plan": plan.pk,
                "patient_words": "Walk",
                "life_domain": "health",
                "target_on": "2000-01-01",
            },
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "The target date is in the past. Choose a day from today on."}
        assert plan.goals.count() == 0

    def test_bad_goal_input_gets_the_forms_messages(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan
    ) -> None:
        response = api_as(care_manager).post(
            url("goal"),
            {"care_plan": plan.pk, "patient_words": "", "life_domain": "space", "status": "achieved"},
        )

        assert response.status_code == 400
        assert response.json() == {
            "patient_words": ["Write the goal in the person's own words."],
            "life_domain": ['"space" is not a valid choice.'],
            "status": ['"achieved" is not a valid choice.'],
        }

    def test_someone_who_may_only_read_cannot_add_a_goal(
        self, api_as: ApiAs, care_manager_same_team: User, plan: CarePlan
    ) -> None:
        response = api_as(care_manager_same_team).post(
            url("goal"), {"care_plan": plan.pk, "patient_words": "Walk", "life_domain": "health"}
        )

        assert response.status_code == 403
        assert plan.goals.count() == 0

    def test_another_teams_plan_is_missing_when_adding_a_goal(
        self, api_as: ApiAs, care_manager: User, other_plan: CarePlan
    ) -> None:
        response = api_as(care_manager).post(
            url("goal"), {"care_plan": other_plan.pk, "patient_words": "Walk", "life_domain": "health"}
        )

        assert response.status_code == 404
        assert other_plan.goals.count() == 0

    def test_achieving_a_goal_goes_through_the_caseload_service_and_is_celebrated(
        self, api_as: ApiAs, care_manager: User, goal: Goal
    ) -> None:
        response = api_as(care_manager).patch(
            url("goal", goal.pk), {"expected_version": 1, "status": "achieved"}
        )

        assert response.status_code == 200
        goal.refresh_from_db()
        today = goal.care_plan.enrollment.program.today()
        assert (goal.status, goal.achieved_on, goal.version) == (GoalStatus.ACHIEVED, today, 2)
        assert response.json()["version"] == 2
        success = SuccessMoment.objects.get(goal=goal)
        assert success.description == "Achieved their goal: “Get my own place before winter”"
        assert recompute_requested(goal.care_plan.enrollment)

    def test_a_full_change_needs_the_words_domain_and_status(
        self, api_as: ApiAs, care_manager: User, goal: Goal
    ) -> None:
        response = api_as(care_manager).put(url("goal", goal.pk), {"expected_version": 1})

        assert response.status_code == 400
        assert response.json() == {
            "patient_words": ["Write the goal in the person's own words."],
            "life_domain": ["This field is required."],
            "status": ["This field is required."],
        }

    def test_a_stale_version_is_refused_with_who_changed_it_and_nothing_changes(
        self, api_as: ApiAs, care_manager: User, care_manager_same_team: User, supervisor: User, goal: Goal
    ) -> None:
        plans.goal_update(
            goal=goal, acting_user=supervisor, expected_version=1, why_it_matters="Winter is hard"
        )

        response = api_as(care_manager).patch(
            url("goal", goal.pk), {"expected_version": 1, "patient_words": "My words, changed"}
        )

        assert response.status_code == 400
        goal.refresh_from_db()
        # The page says when, in the program's time zone.
        with timezone.override(goal.care_plan.enrollment.program.time_zone):
            assert response.json() == {"detail": GoalEditConflict(goal).message}
        assert response.json()["detail"].startswith(
            f"{supervisor.get_full_name() or supervisor.username} changed this goal at "
        )
        assert (goal.patient_words, goal.version) == ("Get my own place before winter", 2)

    def test_moving_a_goal_up_swaps_it_with_the_one_above(
        self, api_as: ApiAs, care_manager: User, plan: CarePlan, goal: Goal
    ) -> None:
        second = add_goal(plan, care_manager, "See my grandkids on Sundays")

        response = api_as(care_manager).post(url("goal", second.pk, "move"), {"direction": "up"})

        assert response.status_code == 200
        assert response.json()["priority"] == 1
        assert list(plan.goals.order_by("priority").values_list("pk", flat=True)) == [second.pk, goal.pk]

    def test_the_first_goal_cannot_move_up(self, api_as: ApiAs, care_manager: User, goal: Goal) -> None:
        response = api_as(care_manager).post(url("goal", goal.pk, "move"), {"direction": "up"})

        assert response.status_code == 400
        assert response.json() == {"detail": "“Get my own place before winter” is already first."}

    def test_a_move_needs_a_direction(self, api_as: ApiAs, care_manager: User, goal: Goal) -> None:
        response = api_as(care_manager).post(url("goal", goal.pk, "move"), {"direction": "sideways"})

        assert response.status_code == 400
        assert response.json() == {"direction": ['"sideways" is not a valid choice.']}

    def test_a_program_lead_cannot_move_a_goal(
        self, api_as: ApiAs, program_lead: User, plan: CarePlan, care_manager: User, goal: Goal
    ) -> None:
        second = add_goal(plan, care_manager, "See my grandkids on Sundays")

        response = api_as(program_lead).post(url("goal", second.pk, "move"), {"direction": "up"})

        assert response.status_code == 403
        second.refresh_from_db()
        assert second.priority == 2

    def test_the_schema_says_what_the_patients_words_and_ranking_mean(
        self, api_as: ApiAs, care_manager: User
    ) -> None:
        schema = api_as(care_manager).get("/api/schema/", {"format": "json"}).json()

        goal = schema["components"]["schemas"]["Goal"]["properties"]
        assert "in their own words" in goal["patient_words"]["description"]
        assert "1 is what matters most to them" in goal["priority"]["description"]


class TestSteps:
    def test_adding_a_step_for_a_named_team_member(
        self, api_as: ApiAs, care_manager: User, goal: Goal
    ) -> None:
        member = goal.care_plan.enrollment.care_team.get(user=care_manager)

        response = api_as(care_manager).post(
            url("step"),
            {
                "goal": goal.pk,
                "description": "Book the housing appointment",
                "owner": "team_member",
                "owner_team_member": member.pk,
            },
        )

        assert response.status_code == 201
        step = Step.objects.get(goal=goal)
        assert (step.description, step.owner, step.owner_team_member) == (
            "Book the housing appointment",
            StepOwner.TEAM_MEMBER,
            member,
        )
        assert response.json()["owner_label"] == member.display_name

    def test_a_team_member_step_without_the_member_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, goal: Goal
    ) -> None:
        response = api_as(care_manager).post(
            url("step"), {"goal": goal.pk, "description": "Book it", "owner": "team_member"}
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "Choose who on the care team will do this step."}
        assert goal.steps.count() == 0

    def test_bad_step_input_gets_field_errors(self, api_as: ApiAs, care_manager: User, goal: Goal) -> None:
        response = api_as(care_manager).post(
            url("step"), {"goal": goal.pk, "description": "", "owner": "cat"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "description": ["Say what the step is."],
            "owner": ['"cat" is not a valid choice.'],
        }

    def test_marking_a_step_done_dates_it_today(self, api_as: ApiAs, care_manager: User, goal: Goal) -> None:
        step = plans.step_add(goal=goal, acting_user=care_manager, description="Call", owner="patient")

        response = api_as(care_manager).post(url("step", step.pk, "done"), {"done": True})

        assert response.status_code == 200
        step.refresh_from_db()
        assert step.completed_on == goal.care_plan.enrollment.program.today()
        assert response.json()["is_done"] is True

    def test_a_same_team_colleague_cannot_mark_a_step(
        self, api_as: ApiAs, care_manager: User, care_manager_same_team: User, goal: Goal
    ) -> None:
        step = plans.step_add(goal=goal, acting_user=care_manager, description="Call", owner="patient")

        response = api_as(care_manager_same_team).post(url("step", step.pk, "done"), {"done": True})

        assert response.status_code == 403
        step.refresh_from_db()
        assert step.completed_on is None

    def test_another_teams_step_is_missing_and_not_listed(
        self, api_as: ApiAs, care_manager: User, care_manager_other_team: User, goal: Goal
    ) -> None:
        step = plans.step_add(goal=goal, acting_user=care_manager, description="Call", owner="patient")
        client = api_as(care_manager_other_team)

        assert client.get(url("step", step.pk)).status_code == 404
        assert client.post(url("step", step.pk, "done"), {"done": True}).status_code == 404
        assert ids(client.get(url("step"))) == []
        assert ids(api_as(care_manager).get(url("step"), {"goal": goal.pk, "done": "false"})) == [step.pk]


class TestGoalProgress:
    def test_progress_written_with_a_contact_is_read_here_only(
        self, api_as: ApiAs, care_manager: User, care_manager_other_team: User, goal: Goal
    ) -> None:
        contact = contact_log(
            enrollment=goal.care_plan.enrollment,
            acting_user=care_manager,
            occurred_at=timezone.now() - datetime.timedelta(minutes=30),
            mode="phone",
            is_reached=True,
            goal_reviews=[GoalReview(goal_id=goal.pk, note="Viewed two flats")],
        )
        progress = GoalProgress.objects.get(contact=contact)
        client = api_as(care_manager)

        listed = client.get(url("goal-progress"), {"enrollment": goal.care_plan.enrollment_id})
        shown = client.get(url("goal-progress", progress.pk))

        assert ids(listed) == [progress.pk]
        assert (shown.json()["note"], shown.json()["goal"], shown.json()["contact"]) == (
            "Viewed two flats",
            goal.pk,
            contact.pk,
        )
        assert client.post(url("goal-progress"), {"goal": goal.pk}).status_code == 405
        assert api_as(care_manager_other_team).get(url("goal-progress", progress.pk)).status_code == 404
        assert ids(api_as(care_manager_other_team).get(url("goal-progress"))) == []

    def test_updated_since_leaves_out_what_was_written_before(
        self, api_as: ApiAs, care_manager: User, goal: Goal
    ) -> None:
        GoalProgress.objects.create(
            goal=goal, recorded_at=timezone.now() - datetime.timedelta(days=2), recorded_by=care_manager
        )
        client = api_as(care_manager)
        since = (timezone.now() - datetime.timedelta(minutes=1)).isoformat()
        later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()

        # Written just now about a contact two days ago: a sync from a minute ago still gets it.
        assert len(ids(client.get(url("goal-progress"), {"updated_since": since}))) == 1
        assert ids(client.get(url("goal-progress"), {"updated_since": later})) == []


class TestAssessment:
    @pytest.fixture
    def recorded(
        self, enrollment: Enrollment, care_manager: User
    ) -> tuple[AssessmentDomain, AssessmentDomain]:
        housing = plans.assessment_domain_record(
            enrollment=enrollment,
            acting_user=care_manager,
            domain="housing",
            summary="Sofa surfing",
            need_level="urgent",
        )
        substance = plans.assessment_domain_record(
            enrollment=enrollment,
            acting_user=care_manager,
            domain="substance_use",
            summary="Synthetic SUD note",
        )
        return housing, substance

    def test_the_care_team_reads_every_domain(self, api_as: ApiAs, care_manager: User, recorded) -> None:
        response = api_as(care_manager).get(url("assessment-domain"), {"ordering": "domain"})

        assert [
            (row["domain"], row["summary"], row["is_withheld"]) for row in response.json()["results"]
        ] == [
            ("housing", "Sofa surfing", False),
            ("substance_use", "Synthetic SUD note", False),
        ]

    @pytest.mark.parametrize("persona", ["supervisor", "care_manager_same_team", "program_lead"])
    def test_off_the_care_team_substance_use_shows_only_that_it_was_recorded(
        self, api_as: ApiAs, request: pytest.FixtureRequest, persona: str, recorded
    ) -> None:
        _housing, substance = recorded
        client = api_as(request.getfixturevalue(persona))

        listed = {row["domain"]: row for row in client.get(url("assessment-domain")).json()["results"]}
        shown = client.get(url("assessment-domain", substance.pk)).json()

        assert listed["housing"]["summary"] == "Sofa surfing"
        withheld = {
            "summary": "",
            "need_level": "",
            "assessed_on": None,
            "assessed_by": None,
            "is_withheld": True,
        }
        assert {name: listed["substance_use"][name] for name in withheld} == withheld
        assert {name: shown[name] for name in withheld} == withheld
        assert "Synthetic SUD note" not in str(listed) + str(shown)

    def test_the_withheld_mark_follows_can_see_part2_for_every_persona(
        self, api_as: ApiAs, request: pytest.FixtureRequest, recorded, enrollment: Enrollment
    ) -> None:
        _housing, substance = recorded
        for persona in (
            "care_manager",
            "care_manager_same_team",
            "supervisor",
            "program_admin",
            "program_lead",
        ):
            user = request.getfixturevalue(persona)
            shown = api_as(user).get(url("assessment-domain", substance.pk)).json()
            assert shown["is_withheld"] is (not can_see_part2(user, enrollment)), persona

    def test_recording_a_domain_calls_the_assessment_service(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        today = enrollment.program.today()
        response = api_as(care_manager).post(
            url("assessment-domain"),
            {
                "enrollment": enrollment.pk,
                "domain": "food",
                "summary": "Skips meals",
                "need_level": "some",
                "assessed_on": today.isoformat(),
            },
        )

        assert response.status_code == 201
        entry = AssessmentDomain.objects.get(enrollment=enrollment)
        assert (entry.domain, entry.summary, entry.need_level, entry.assessed_on, entry.is_part2) == (
            "food",
            "Skips meals",
            "some",
            today,
            False,
        )

    def test_a_day_in_the_future_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        tomorrow = enrollment.program.today() + datetime.timedelta(days=1)
        response = api_as(care_manager).post(
            url("assessment-domain"),
            {
                "enrollment": enrollment.pk,
                "domain": "food",
                "summary": "Skips meals",
                "assessed_on": tomorrow.isoformat(),
            },
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "The day is in the future. Enter the day you talked about it."}
        assert AssessmentDomain.objects.filter(enrollment=enrollment).exists() is False

    def test_substance_use_is_recorded_only_by_the_care_team(
        self, api_as: ApiAs, care_manager: User, supervisor: User, enrollment: Enrollment
    ) -> None:
        data = {
            "enrollment": enrollment.pk,
            "domain": "substance_use",
            "summary": "Synthetic",
            "assessed_on": enrollment.program.today().isoformat(),
        }

        refused = api_as(supervisor).post(url("assessment-domain"), data)
        assert refused.status_code == 403
        assert AssessmentDomain.objects.filter(enrollment=enrollment).exists() is False

        recorded = api_as(care_manager).post(url("assessment-domain"), data)
        assert recorded.status_code == 201
        assert AssessmentDomain.objects.get(enrollment=enrollment).is_part2 is True

    def test_bad_assessment_input_gets_the_forms_messages(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("assessment-domain"), {"enrollment": enrollment.pk, "domain": "moon"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "domain": ['"moon" is not a valid choice.'],
            "summary": ["Write what the person told you, in a few words."],
            "assessed_on": ["Enter the day you talked about it."],
        }

    def test_other_teams_and_read_only_users_record_nothing(
        self,
        api_as: ApiAs,
        care_manager_other_team: User,
        program_lead: User,
        enrollment: Enrollment,
        recorded,
    ) -> None:
        housing, _substance = recorded
        data = {
            "enrollment": enrollment.pk,
            "domain": "food",
            "summary": "X",
            "assessed_on": enrollment.program.today().isoformat(),
        }

        assert api_as(care_manager_other_team).post(url("assessment-domain"), data).status_code == 404
        assert api_as(program_lead).post(url("assessment-domain"), data).status_code == 403
        assert api_as(care_manager_other_team).get(url("assessment-domain", housing.pk)).status_code == 404
        assert ids(api_as(care_manager_other_team).get(url("assessment-domain"))) == []
        assert AssessmentDomain.objects.filter(enrollment=enrollment).count() == 2


# --- query counts: the same for a few records and for many ------------------------------------------


MakeRows = Callable[[int], None]


@pytest.fixture
def second_enrollment(make_enrollment, team_a, care_manager: User) -> Enrollment:
    return make_enrollment(status=EnrollmentStatus.ACTIVE, team=team_a, care_manager=care_manager)


@pytest.fixture
def plans_of_two(enrollment: Enrollment, second_enrollment: Enrollment, care_manager: User) -> list[CarePlan]:
    return [
        plans.care_plan_start(enrollment=each, acting_user=care_manager)
        for each in (enrollment, second_enrollment)
    ]


def goals_made(plans_of_two: list[CarePlan], care_manager: User) -> MakeRows:
    today = program_today()

    def make(count: int) -> None:
        made = Goal.objects.count()
        Goal.objects.bulk_create(
            Goal(
                care_plan=plans_of_two[index % 2],
                patient_words=f"Synthetic goal {made + index}",
                life_domain="housing",
                priority=made + index + 1,
                status=GoalStatus.ACTIVE,
                status_changed_on=today,
                created_by=care_manager,
            )
            for index in range(count)
        )

    return make


def assert_same_count(
    client: APIClient, path: str, make: MakeRows, django_assert_num_queries, expected: int
) -> None:
    # The first request of a session saves it once: not counted, as it is not about the rows.
    client.get(path)
    make(10)
    with django_assert_num_queries(expected):
        few = client.get(path)
    make(490)
    with django_assert_num_queries(expected):
        many = client.get(path)
    assert (few.status_code, many.status_code) == (200, 200)
    assert (len(few.json()["results"]), len(many.json()["results"])) == (10, 50)


class TestQueryCounts:
    def test_care_plans(
        self, api_as: ApiAs, care_manager: User, make_enrollment, team_a, django_assert_num_queries
    ) -> None:
        def make(count: int) -> None:
            for _ in range(count if count == 10 else 40):
                plans.care_plan_start(
                    enrollment=make_enrollment(
                        status=EnrollmentStatus.ACTIVE, team=team_a, care_manager=care_manager
                    ),
                    acting_user=care_manager,
                )

        # Plans need an enrolment each: 10, then 50 (a full page) is enough to show nothing grows per row.
        make(10)
        client = api_as(care_manager)
        client.get(url("care-plan"))
        with django_assert_num_queries(7):
            few = client.get(url("care-plan"))
        make(40)
        with django_assert_num_queries(7):
            many = client.get(url("care-plan"))
        assert (len(few.json()["results"]), len(many.json()["results"])) == (10, 50)

    def test_goals(self, api_as: ApiAs, care_manager: User, plans_of_two, django_assert_num_queries) -> None:
        assert_same_count(
            api_as(care_manager),
            url("goal"),
            goals_made(plans_of_two, care_manager),
            django_assert_num_queries,
            8,
        )

    def test_steps(self, api_as: ApiAs, care_manager: User, plans_of_two, django_assert_num_queries) -> None:
        goals = [add_goal(plan, care_manager, "Synthetic goal") for plan in plans_of_two]
        member = goals[0].care_plan.enrollment.care_team.get(user=care_manager)

        def make(count: int) -> None:
            Step.objects.bulk_create(
                Step(
                    goal=goals[index % 2],
                    description=f"Synthetic step {index}",
                    owner=StepOwner.TEAM_MEMBER if index % 2 == 0 else StepOwner.PATIENT,
                    owner_team_member=member if index % 2 == 0 else None,
                    position=index + 1,
                )
                for index in range(count)
            )

        assert_same_count(api_as(care_manager), url("step"), make, django_assert_num_queries, 7)

    def test_goal_progress(
        self, api_as: ApiAs, care_manager: User, plans_of_two, django_assert_num_queries
    ) -> None:
        goals = [add_goal(plan, care_manager, "Synthetic goal") for plan in plans_of_two]

        def make(count: int) -> None:
            GoalProgress.objects.bulk_create(
                GoalProgress(
                    goal=goals[index % 2],
                    note="Synthetic",
                    recorded_at=timezone.now(),
                    recorded_by=care_manager,
                )
                for index in range(count)
            )

        assert_same_count(api_as(care_manager), url("goal-progress"), make, django_assert_num_queries, 7)

    def test_assessment_domains(
        self,
        api_as: ApiAs,
        supervisor: User,
        make_enrollment,
        team_a,
        care_manager: User,
        django_assert_num_queries,
    ) -> None:
        kinds = ["housing", "food", "substance_use", "legal", "transport"]

        def make(count: int) -> None:
            # Five domains an enrolment: 2 enrolments, then 10 more (a full page of 50).
            for _ in range(count // 5 if count == 10 else 8):
                enrollment = make_enrollment(
                    status=EnrollmentStatus.ACTIVE, team=team_a, care_manager=care_manager
                )
                AssessmentDomain.objects.bulk_create(
                    AssessmentDomain(
                        enrollment=enrollment,
                        domain=kind,
                        summary="Synthetic",
                        assessed_on=program_today(),
                        assessed_by=care_manager,
                        is_part2=kind == "substance_use",
                    )
                    for kind in kinds
                )

        make(10)
        client = api_as(supervisor)
        client.get(url("assessment-domain"))
        with django_assert_num_queries(7):
            few = client.get(url("assessment-domain"))
        make(40)
        with django_assert_num_queries(7):
            many = client.get(url("assessment-domain"))
        assert (len(few.json()["results"]), len(many.json()["results"])) == (10, 50)
        assert sum(row["is_withheld"] for row in many.json()["results"]) == 10
