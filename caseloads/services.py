"""Changes owned by caseloads: the caseload row of an enrolment, and the flows that update it."""

import datetime
import math
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from careplans.models import Goal, GoalStatus
from careplans.services import goal_update
from caseloads.models import CaseloadStatus, IntensityLevel, IntensityPolicy
from engagement.models import Contact
from engagement.services import contact_log, goal_achievement_celebrate
from patients.models import CARE_STATUSES, CareTeamMember, Enrollment

_DEFAULT_POLICY = IntensityPolicy()


def _contact_interval_days(level: str, policy: IntensityPolicy) -> int:
    """Days between reached contacts that a level's 30-day target implies (high 8 a month: every 4 days)."""
    target = {
        IntensityLevel.HIGH: policy.high_contacts_per_30_days,
        IntensityLevel.MEDIUM: policy.medium_contacts_per_30_days,
        IntensityLevel.LOW: policy.low_contacts_per_30_days,
    }[level]
    return max(1, math.floor(30 / target))


def caseload_status_refresh(
    *, enrollment: Enrollment, today: datetime.date | None = None
) -> CaseloadStatus | None:
    """Bring one enrolment's last contact, next-due date and overdue flag up to date.

    A simple stand-in until the caseload recompute job (issue 5) exists; that job will replace this
    function and also recommend the level. The team's chosen level and any override are kept.
    """
    if enrollment.status not in CARE_STATUSES:
        return None
    today = today or enrollment.program.today()
    window_start = timezone.now() - datetime.timedelta(days=30)
    figures = Contact.objects.filter(enrollment=enrollment).aggregate(
        last_reached=Max("occurred_at", filter=Q(is_reached=True)),
        last_attempt=Max("occurred_at", filter=Q(is_reached=False)),
        reached_recently=Count("pk", filter=Q(is_reached=True, occurred_at__gte=window_start)),
    )
    planned = (
        Contact.objects.filter(enrollment=enrollment, next_contact_on__isnull=False)
        .order_by("-occurred_at", "-pk")
        .values_list("next_contact_on", flat=True)
        .first()
    )
    status = CaseloadStatus.objects.select_for_update().filter(enrollment=enrollment).first()
    level = status.current_level if status else IntensityLevel.MEDIUM
    policy = IntensityPolicy.objects.filter(program_id=enrollment.program_id).first() or _DEFAULT_POLICY
    last_reached = figures["last_reached"]
    if planned is not None:
        next_due = planned
    elif last_reached is not None:
        next_due = enrollment.program.local_date(last_reached) + datetime.timedelta(
            days=_contact_interval_days(level, policy)
        )
    else:
        next_due = enrollment.program.local_date(enrollment.status_changed_at) + datetime.timedelta(days=7)
    primary_id = (
        CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True, ended_on__isnull=True)
        .values_list("user_id", flat=True)
        .first()
    )
    values: dict[str, Any] = {
        "care_manager_id": primary_id,
        "last_reached_contact_at": last_reached,
        "last_attempt_at": figures["last_attempt"],
        "reached_contacts_last_30_days": figures["reached_recently"],
        "next_contact_due_on": next_due,
        "is_overdue": next_due < today,
        "computed_at": timezone.now(),
    }
    if status is None:
        status = CaseloadStatus(enrollment=enrollment, recommended_level=level, current_level=level, **values)
        status.full_clean()
        status.save()
        return status
    for field, value in values.items():
        setattr(status, field, value)
    status.save(update_fields=list(values))
    return status


@transaction.atomic
def caseload_contact_log(*, enrollment: Enrollment, **contact: Any) -> Contact:
    """Log a contact and update the caseload row in one transaction.

    Takes the keyword arguments of engagement.services.contact_log.
    """
    logged = contact_log(enrollment=enrollment, **contact)
    caseload_status_refresh(enrollment=logged.enrollment)
    return logged


@transaction.atomic
def care_plan_goal_update(*, goal: Goal, acting_user: Any, expected_version: int, **changes: Any) -> Goal:
    """Change a goal (careplans.services.goal_update); a goal just achieved is celebrated on the timeline."""
    was_achieved = goal.status == GoalStatus.ACHIEVED
    updated = goal_update(goal=goal, acting_user=acting_user, expected_version=expected_version, **changes)
    if updated.status == GoalStatus.ACHIEVED and not was_achieved:
        goal_achievement_celebrate(goal=updated, acting_user=acting_user)
    return updated
