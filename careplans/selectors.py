"""Reads of care plans and goals. Callers pass an enrolment they got from patients.access."""

from django.db.models import QuerySet

from careplans.models import CarePlan, CarePlanStatus, Goal, GoalStatus
from patients.models import Enrollment

OPEN_GOAL_STATUSES = (GoalStatus.PROPOSED, GoalStatus.ACTIVE, GoalStatus.PAUSED)


def active_care_plan_of(*, enrollment: Enrollment) -> CarePlan | None:
    return CarePlan.objects.filter(enrollment=enrollment, status=CarePlanStatus.ACTIVE).first()


def open_goals_of(*, care_plan: CarePlan) -> QuerySet[Goal]:
    """Goals still being worked on, in the patient's priority order."""
    return care_plan.goals.filter(status__in=OPEN_GOAL_STATUSES).order_by("priority", "pk")
