"""The care plan page: goals in the person's words and order, steps, achieving, versions, conflicts."""

import datetime

import pytest
from django.urls import reverse

from careplans import services as plans
from careplans.models import CarePlan, CarePlanVersion, Goal, GoalStatus, Step, StepOwner
from engagement.models import SuccessMoment
from patients.models import AccessEvent
from tests.patients.factories import CommunitySupportFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def url(name: str, enrollment, *args) -> str:
    return reverse(f"caseloads:{name}", args=[enrollment.patient_id, *args])


@pytest.fixture
def plan(enrollment, care_manager) -> CarePlan:
    return plans.care_plan_start(
        enrollment=enrollment,
        acting_user=care_manager,
        co_created_with="Quillon and his sister",
        co_created_where="Home",
    )


def add_goal(plan, user, words: str, **fields) -> Goal:
    return plans.goal_add(
        care_plan=plan,
        acting_user=user,
        patient_words=words,
        life_domain=fields.pop("life_domain", "housing"),
        **fields,
    )


def prefixed(prefix: str, data: dict[str, object]) -> dict[str, object]:
    return {f"{prefix}-{name}": value for name, value in data.items()}


def new_goal(**data) -> dict[str, object]:
    return prefixed("new-goal", data)


def step(goal: Goal, **data) -> dict[str, object]:
    return prefixed(f"step-{goal.pk}", data)


def goal_post(goal: Goal, **changes) -> dict[str, object]:
    data = {
        "patient_words": goal.patient_words,
        "why_it_matters": goal.why_it_matters,
        "success_looks_like": goal.success_looks_like,
        "life_domain": goal.life_domain,
        "status": goal.status,
        "target_on": goal.target_on or "",
        "version": goal.version,
    }
    return prefixed(f"goal-{goal.pk}", data | changes)


def test_the_page_shows_goals_in_the_persons_order_and_records_the_view(
    client, care_manager, enrollment, plan
) -> None:
    add_goal(plan, care_manager, "Get my own place before winter")
    add_goal(plan, care_manager, "See my grandkids on Sundays", life_domain="family")
    client.force_login(care_manager)

    page = client.get(url("care-plan", enrollment)).content.decode()

    assert page.index("Get my own place before winter") < page.index("See my grandkids on Sundays")
    assert "Quillon and his sister" in page
    assert AccessEvent.objects.filter(user=care_manager, object_type="care_plan", object_id=plan.pk).exists()


def test_starting_the_plan_records_who_took_part_and_where(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(
        url("care-plan-start", enrollment),
        {"co_created_with": "Quillon, Dev", "co_created_where": "Library café"},
    )
    assert response.status_code == 302
    stored = CarePlan.objects.get(enrollment=enrollment)
    assert (stored.co_created_with, stored.co_created_where, stored.revision) == (
        "Quillon, Dev",
        "Library café",
        1,
    )


def test_a_goal_is_added_in_place_in_the_persons_words(client, care_manager, enrollment, plan) -> None:
    client.force_login(care_manager)
    response = client.post(
        url("goal-create", enrollment),
        new_goal(
            **{
                "patient_words": "Stop ending up in the ER",
                "life_domain": "health",
                "status": "active",
                "why_it_matters": "I miss work",
            }
        ),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Stop ending up in the ER" in response.content.decode()
    goal = Goal.objects.get(care_plan=plan)
    assert (goal.patient_words, goal.why_it_matters, goal.priority) == (
        "Stop ending up in the ER",
        "I miss work",
        1,
    )


def test_an_empty_goal_shows_a_message_and_stores_nothing(client, care_manager, enrollment, plan) -> None:
    client.force_login(care_manager)
    response = client.post(
        url("goal-create", enrollment),
        new_goal(**{"patient_words": "   ", "life_domain": "health", "status": "active"}),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Write the goal in the person&#x27;s own words." in response.content.decode()
    assert Goal.objects.exists() is False
    assert CarePlan.objects.get(pk=plan.pk).revision == 1


def test_a_stale_edit_shows_the_other_change_and_keeps_both(
    client, care_manager, supervisor, enrollment, plan
) -> None:
    goal = add_goal(plan, care_manager, "Find a place to live")
    my_post = goal_post(goal, patient_words="Find a place near my daughter")
    plans.goal_update(
        goal=goal,
        acting_user=supervisor,
        expected_version=goal.version,
        patient_words="Find a place with a lift",
    )
    client.force_login(care_manager)

    response = client.post(url("goal-update", enrollment, goal.pk), my_post, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 422
    assert "changed this goal at" in page
    assert "while you were editing it" in page
    assert "Find a place with a lift" in page  # the other person's change, shown
    assert "Find a place near my daughter" in page  # mine, still in the form
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.patient_words, stored.version) == ("Find a place with a lift", 2)
    # Saving again from the rebased form is a deliberate choice, and goes through.
    rebased = goal_post(stored, patient_words="Find a place near my daughter")
    assert client.post(url("goal-update", enrollment, goal.pk), rebased, headers=HTMX).status_code == 200
    assert Goal.objects.get(pk=goal.pk).patient_words == "Find a place near my daughter"


def test_marking_a_goal_achieved_celebrates_it_and_asks_whats_next(
    client, care_manager, enrollment, plan
) -> None:
    goal = add_goal(plan, care_manager, "Get my ID back")
    client.force_login(care_manager)

    response = client.post(
        url("goal-update", enrollment, goal.pk),
        {"quick": "1", "status": "achieved", "version": goal.version},
        headers=HTMX,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "What's next?" in page
    stored = Goal.objects.get(pk=goal.pk)
    assert stored.status == GoalStatus.ACHIEVED
    assert stored.achieved_on is not None
    success = SuccessMoment.objects.get(goal=goal)
    assert "Get my ID back" in success.description
    record = client.get(url("patient-record", enrollment)).content.decode()
    assert "Achieved their goal" in record


def test_goals_move_up_and_down_the_persons_order(client, care_manager, enrollment, plan) -> None:
    first = add_goal(plan, care_manager, "Housing first")
    second = add_goal(plan, care_manager, "Then my teeth", life_domain="health")
    client.force_login(care_manager)

    response = client.post(url("goal-move", enrollment, second.pk), {"direction": "up"}, headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Then my teeth") < page.index("Housing first")
    assert Goal.objects.get(pk=second.pk).priority < Goal.objects.get(pk=first.pk).priority
    refused = client.post(url("goal-move", enrollment, second.pk), {"direction": "up"}, headers=HTMX)
    assert refused.status_code == 422
    assert "is already first" in refused.content.decode()


def test_steps_say_who_does_what_by_when(client, care_manager, enrollment, plan) -> None:
    goal = add_goal(plan, care_manager, "Get my own place")
    sister = CommunitySupportFactory(patient=enrollment.patient, name="Test Sister Ona")
    due = enrollment.program.today() + datetime.timedelta(days=7)
    client.force_login(care_manager)

    client.post(
        url("step-create", enrollment, goal.pk),
        step(goal, **{"description": "Fill in the housing form", "who": "patient", "due_on": due}),
    )
    response = client.post(
        url("step-create", enrollment, goal.pk),
        step(goal, **{"description": "Drive to the viewing", "who": f"support:{sister.pk}"}),
        headers=HTMX,
    )

    assert response.status_code == 200
    assert "Test Sister Ona" in response.content.decode()
    steps = list(Step.objects.filter(goal=goal).order_by("position"))
    assert [(step.description, step.owner) for step in steps] == [
        ("Fill in the housing form", StepOwner.PATIENT),
        ("Drive to the viewing", StepOwner.COMMUNITY_SUPPORT),
    ]
    assert steps[0].due_on == due
    assert steps[1].owner_support == sister
    client.post(url("step-mark", enrollment, steps[0].pk), {"done": "1"}, headers=HTMX)
    assert Step.objects.get(pk=steps[0].pk).completed_on is not None


def test_a_step_due_before_today_on_a_closed_goal_shows_a_message_and_stores_nothing(
    client, care_manager, enrollment, plan
) -> None:
    goal = add_goal(plan, care_manager, "Reconnect with my brother", life_domain="family")
    plans.goal_update(
        goal=goal, acting_user=care_manager, expected_version=goal.version, status=GoalStatus.LET_GO
    )
    client.force_login(care_manager)
    yesterday = enrollment.program.today() - datetime.timedelta(days=1)

    response = client.post(
        url("step-create", enrollment, goal.pk),
        step(goal, **{"description": "Call him", "who": "patient", "due_on": yesterday}),
    )

    assert response.status_code == 422
    assert "takes no new steps" in response.content.decode()
    assert Step.objects.exists() is False


def test_a_step_due_before_today_shows_a_message(client, care_manager, enrollment, plan) -> None:
    goal = add_goal(plan, care_manager, "Reconnect with my brother", life_domain="family")
    client.force_login(care_manager)
    yesterday = enrollment.program.today() - datetime.timedelta(days=1)
    response = client.post(
        url("step-create", enrollment, goal.pk),
        step(goal, **{"description": "Call him", "who": "patient", "due_on": yesterday}),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "due before today" in response.content.decode()
    assert Step.objects.exists() is False


def test_earlier_versions_stay_readable(client, care_manager, enrollment, plan) -> None:
    goal = add_goal(plan, care_manager, "Walk to the corner shop")
    plans.goal_update(
        goal=goal, acting_user=care_manager, expected_version=1, patient_words="Walk to the park"
    )
    client.force_login(care_manager)

    listing = client.get(url("care-plan-versions", enrollment)).content.decode()
    assert "Version 3" in listing
    assert "Goal added" in listing
    old = client.get(url("care-plan-version", enrollment, 2)).content.decode()
    assert "Walk to the corner shop" in old
    assert "Walk to the park" not in old
    assert CarePlanVersion.objects.filter(care_plan=plan).count() == 3


@pytest.mark.parametrize("persona", ["program_lead", "care_manager_same_team"])
def test_people_who_may_only_read_cannot_change_the_plan(
    client, request, persona, care_manager, enrollment, plan
) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("care-plan", enrollment)).status_code == 200
    response = client.post(
        url("goal-create", enrollment),
        new_goal(**{"patient_words": "x", "life_domain": "health", "status": "active"}),
    )
    assert response.status_code == 403
    assert Goal.objects.exists() is False


def test_the_page_takes_the_same_queries_with_one_goal_and_with_ten(
    client, care_manager, enrollment, plan, django_assert_num_queries
) -> None:
    def page_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert client.get(url("care-plan", enrollment)).status_code == 200
        return len(captured)

    client.force_login(care_manager)
    goal = add_goal(plan, care_manager, "Goal 1")
    plans.step_add(goal=goal, acting_user=care_manager, description="A step", owner="patient")
    client.get(url("care-plan", enrollment))  # the first request reads the program's time zone
    with_one = page_queries()
    for number in range(2, 11):
        more = add_goal(plan, care_manager, f"Goal {number}")
        plans.step_add(goal=more, acting_user=care_manager, description="A step", owner="care_manager")
        CommunitySupportFactory(patient=enrollment.patient)
    assert page_queries() == with_one
    # session, user, patient, enrolment, plan, may-edit (2), Part 2 check, goals, their steps, care team,
    # supports, access event (3 with its savepoint), session save (3)
    with django_assert_num_queries(18):
        client.get(url("care-plan", enrollment))


def test_the_versions_page_takes_the_same_queries_with_one_version_and_with_twenty(
    client, care_manager, enrollment, plan, django_assert_num_queries
) -> None:
    client.force_login(care_manager)
    client.get(url("care-plan-versions", enrollment))  # the first request reads the program's time zone
    # session, user, patient, enrolment, plan, may-edit (2), Part 2 check, versions, access event (3 with
    # its savepoint), session save (3)
    with django_assert_num_queries(15):
        assert client.get(url("care-plan-versions", enrollment)).status_code == 200
    goal = add_goal(plan, care_manager, "Goal 1")
    for number in range(19):
        plans.step_add(goal=goal, acting_user=care_manager, description=f"Step {number}", owner="patient")
    with django_assert_num_queries(15):
        response = client.get(url("care-plan-versions", enrollment))
    assert "Version 21" in response.content.decode()
