"""Care plan, goal and step rules that the database enforces."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from careplans.models import (
    AssessmentDomain,
    AssessmentDomainKind,
    CarePlan,
    CarePlanStatus,
    Goal,
    GoalStatus,
    Step,
    StepOwner,
)
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory
from tests.conftest import CheckDeferredConstraints

pytestmark = pytest.mark.django_db


def _priorities(plan: CarePlan) -> list[tuple[int, int]]:
    return list(Goal.objects.filter(care_plan=plan).order_by("pk").values_list("pk", "priority"))


class TestGoal:
    def test_an_achieved_goal_needs_the_date_it_was_achieved(self) -> None:
        plan = CarePlanFactory()

        with pytest.raises(IntegrityError, match="goal_achieved_has_date"), transaction.atomic():
            GoalFactory(care_plan=plan, status=GoalStatus.ACHIEVED, achieved_on=None)

        assert Goal.objects.filter(care_plan=plan).exists() is False

    def test_a_goal_not_achieved_has_no_achieved_date(self) -> None:
        goal = GoalFactory(status=GoalStatus.ACTIVE)

        with pytest.raises(IntegrityError, match="goal_achieved_has_date"), transaction.atomic():
            Goal.objects.filter(pk=goal.pk).update(achieved_on=datetime.date(2025, 5, 1))

        goal.refresh_from_db()
        assert (goal.status, goal.achieved_on) == (GoalStatus.ACTIVE, None)

    def test_an_achieved_goal_with_its_date_is_stored(self) -> None:
        goal = GoalFactory(status=GoalStatus.ACHIEVED, achieved_on=datetime.date(2025, 5, 1))

        assert Goal.objects.filter(pk=goal.pk, status=GoalStatus.ACHIEVED).count() == 1

    def test_two_goals_of_one_plan_cannot_share_a_priority(
        self, check_deferred_constraints: CheckDeferredConstraints
    ) -> None:
        first = GoalFactory(priority=1)

        with transaction.atomic():
            # Deferred: the duplicate is only caught when the transaction commits.
            GoalFactory(care_plan=first.care_plan, priority=1)
            with pytest.raises(IntegrityError, match="goal_unique_priority"):
                check_deferred_constraints()
            transaction.set_rollback(True)

        assert _priorities(first.care_plan) == [(first.pk, 1)]

    def test_priorities_can_be_swapped_inside_one_transaction(
        self, check_deferred_constraints: CheckDeferredConstraints
    ) -> None:
        first = GoalFactory(priority=1)
        second = GoalFactory(care_plan=first.care_plan, priority=2)

        with transaction.atomic():
            Goal.objects.filter(pk=first.pk).update(priority=2)
            Goal.objects.filter(pk=second.pk).update(priority=1)
        check_deferred_constraints()

        assert _priorities(first.care_plan) == [(first.pk, 2), (second.pk, 1)]

    def test_goals_of_different_plans_may_share_a_priority(
        self, check_deferred_constraints: CheckDeferredConstraints
    ) -> None:
        GoalFactory(priority=1)
        GoalFactory(priority=1)

        check_deferred_constraints()

        assert Goal.objects.filter(priority=1).count() == 2

    def test_priority_starts_at_one(self) -> None:
        plan = CarePlanFactory()

        with pytest.raises(IntegrityError, match="goal_priority_positive"), transaction.atomic():
            GoalFactory(care_plan=plan, priority=0)

        assert Goal.objects.filter(care_plan=plan).exists() is False

    def test_a_goal_is_written_in_the_patient_words(self) -> None:
        plan = CarePlanFactory()

        with pytest.raises(IntegrityError, match="goal_patient_words_required"), transaction.atomic():
            GoalFactory(care_plan=plan, patient_words="")

        assert Goal.objects.filter(care_plan=plan).exists() is False


class TestCarePlan:
    def test_an_enrolment_has_one_active_plan_at_a_time(self) -> None:
        plan = CarePlanFactory(status=CarePlanStatus.ACTIVE)

        with pytest.raises(IntegrityError, match="care_plan_one_active"), transaction.atomic():
            CarePlanFactory(enrollment=plan.enrollment, status=CarePlanStatus.ACTIVE)

        assert list(CarePlan.objects.filter(enrollment=plan.enrollment).values_list("pk", flat=True)) == [
            plan.pk
        ]

    def test_a_superseded_plan_stays_beside_the_active_one(self) -> None:
        old = CarePlanFactory(status=CarePlanStatus.SUPERSEDED)

        CarePlanFactory(enrollment=old.enrollment, status=CarePlanStatus.ACTIVE)

        assert CarePlan.objects.filter(enrollment=old.enrollment).count() == 2

    def test_a_plan_is_not_reviewed_before_it_starts(self) -> None:
        plan = CarePlanFactory(started_on=datetime.date(2025, 4, 1))

        with pytest.raises(IntegrityError, match="care_plan_reviewed_after_start"), transaction.atomic():
            CarePlan.objects.filter(pk=plan.pk).update(last_reviewed_on=datetime.date(2025, 3, 31))

        plan.refresh_from_db()
        assert plan.last_reviewed_on is None


class TestStep:
    def test_a_step_for_a_care_team_member_names_the_member(self) -> None:
        goal = GoalFactory()

        with pytest.raises(IntegrityError, match="step_team_member_named"), transaction.atomic():
            StepFactory(goal=goal, owner=StepOwner.TEAM_MEMBER, owner_team_member=None)

        assert Step.objects.filter(goal=goal).exists() is False

    def test_a_step_for_a_community_support_names_the_support(self) -> None:
        goal = GoalFactory()

        with pytest.raises(IntegrityError, match="step_support_named"), transaction.atomic():
            StepFactory(goal=goal, owner=StepOwner.COMMUNITY_SUPPORT, owner_support=None)

        assert Step.objects.filter(goal=goal).exists() is False


class TestAssessmentDomain:
    def test_substance_use_is_always_part2(self) -> None:
        plan = CarePlanFactory()

        with pytest.raises(IntegrityError, match="assessment_substance_use_is_part2"), transaction.atomic():
            AssessmentDomain.objects.create(
                enrollment=plan.enrollment,
                domain=AssessmentDomainKind.SUBSTANCE_USE,
                assessed_on=datetime.date(2025, 3, 3),
                assessed_by=plan.created_by,
                is_part2=False,
            )

        assert AssessmentDomain.objects.filter(enrollment=plan.enrollment).exists() is False
