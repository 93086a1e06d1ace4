"""Every change to contacts, progress notes, events and check-ins goes through a function here."""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import User
from accounts.persistence import save_valid as _save
from careplans.models import Goal
from engagement.models import (
    CheckIn,
    CheckInKind,
    Contact,
    EngagementMethod,
    GoalProgress,
    LifeEvent,
    LifeEventSource,
    SuccessKind,
    SuccessMoment,
)
from patients.models import Enrollment
from patients.services import enrollment_lock_in_care

logger = logging.getLogger(__name__)

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GoalReview:
    """A goal talked about during the contact, with an optional one-line progress note."""

    goal_id: int
    note: str = ""


@transaction.atomic
def contact_log(
    *,
    enrollment: Enrollment,
    acting_user: User,
    occurred_at: datetime.datetime,
    mode: str,
    is_reached: bool,
    duration_minutes: int | None = None,
    engagement_methods: list[str] | None = None,
    note: str = "",
    is_part2: bool = False,
    next_contact_on: datetime.date | None = None,
    goal_reviews: list[GoalReview] | None = None,
) -> Contact:
    """Record a contact (or an attempt) and the goals reviewed during it.

    The first reached contact is kept on the enrolment, for time-to-engagement figures.
    """
    enrollment = enrollment_lock_in_care(
        enrollment, refusal="Contacts can be logged only while the person is in outreach or in care."
    )
    if occurred_at > timezone.now() + CLOCK_SKEW:
        raise DomainError("The contact is in the future. Enter when it happened.")
    contact_day = enrollment.program.local_date(occurred_at)
    if contact_day < enrollment.referred_on:
        raise DomainError("The contact is before the person was referred.")
    if next_contact_on is not None and next_contact_on < contact_day:
        raise DomainError("The next contact cannot be before this one.")
    methods = list(dict.fromkeys(engagement_methods or []))
    unknown = [method for method in methods if method not in EngagementMethod.values]
    if unknown:
        raise DomainError(f"Unknown engagement method: {', '.join(unknown)}.")
    reviews = goal_reviews or []
    if reviews and not is_reached:
        raise DomainError("Goals can be reviewed only when the person was reached.")
    goals = _goals_of(enrollment, [review.goal_id for review in reviews])

    contact = Contact(
        enrollment=enrollment,
        made_by=acting_user,
        occurred_at=occurred_at,
        mode=mode,
        is_reached=is_reached,
        duration_minutes=duration_minutes,
        engagement_methods=methods,
        note=note.strip(),
        is_part2=is_part2,
        next_contact_on=next_contact_on,
    )
    _save(contact)
    GoalProgress.objects.bulk_create(
        GoalProgress(
            goal=goals[review.goal_id],
            contact=contact,
            note=review.note.strip(),
            recorded_at=occurred_at,
            recorded_by=acting_user,
        )
        for review in reviews
    )
    if is_reached and (enrollment.first_reached_at is None or occurred_at < enrollment.first_reached_at):
        enrollment.first_reached_at = occurred_at
        enrollment.save(update_fields=["first_reached_at", "updated_at"])
    logger.info("contact_logged enrollment=%s contact=%s reached=%s", enrollment.pk, contact.pk, is_reached)
    return contact


def _goals_of(enrollment: Enrollment, goal_ids: list[int]) -> dict[int, Goal]:
    if len(set(goal_ids)) != len(goal_ids):
        raise DomainError("A goal was reviewed twice in one contact.")
    goals = Goal.objects.select_related("care_plan").in_bulk(goal_ids)
    if len(goals) != len(goal_ids) or any(
        goal.care_plan.enrollment_id != enrollment.pk for goal in goals.values()
    ):
        raise DomainError("A reviewed goal does not belong to this person's plan.")
    return goals


def _require_dated_within_episode(enrollment: Enrollment, day: datetime.date, what: str) -> None:
    today = enrollment.program.today()
    if day > today:
        raise DomainError(f"The {what} is in the future. Enter the day it happened.")
    if day < enrollment.referred_on:
        raise DomainError(f"The {what} is before the person was referred.")


@transaction.atomic
def check_in_record(
    *,
    enrollment: Enrollment,
    acting_user: User,
    occurred_on: datetime.date,
    confidence: int | None,
    readiness_to_graduate: str = "",
    satisfaction: int | None = None,
    note: str = "",
    kind: str = CheckInKind.ROUTINE,
) -> CheckIn:
    """Record how confident the person feels (0-10) about managing their health and life."""
    enrollment = enrollment_lock_in_care(enrollment)
    _require_dated_within_episode(enrollment, occurred_on, "check-in")
    if confidence is None and satisfaction is None:
        raise DomainError("Record the person's confidence (0 to 10), or their satisfaction for a survey.")
    if confidence is not None and not 0 <= confidence <= 10:
        raise DomainError("Confidence is a number from 0 to 10.")
    check_in = CheckIn(
        enrollment=enrollment,
        occurred_on=occurred_on,
        kind=kind,
        confidence=confidence,
        readiness_to_graduate=readiness_to_graduate,
        satisfaction=satisfaction,
        note=note.strip(),
        recorded_by=acting_user,
    )
    _save(check_in)
    return check_in


@transaction.atomic
def success_moment_record(
    *,
    enrollment: Enrollment,
    acting_user: User,
    occurred_on: datetime.date,
    kind: str,
    description: str,
    goal_id: int | None = None,
) -> SuccessMoment:
    """Note a success as the person sees it: trust, a change of mindset, or more stability."""
    enrollment = enrollment_lock_in_care(enrollment)
    _require_dated_within_episode(enrollment, occurred_on, "success")
    if not description.strip():
        raise DomainError("Say what happened, in a few words.")
    goal = _goals_of(enrollment, [goal_id])[goal_id] if goal_id is not None else None
    moment = SuccessMoment(
        enrollment=enrollment,
        occurred_on=occurred_on,
        kind=kind,
        description=description.strip(),
        goal=goal,
        recorded_by=acting_user,
    )
    _save(moment)
    return moment


@transaction.atomic
def life_event_record(
    *,
    enrollment: Enrollment,
    acting_user: User,
    kind: str,
    occurred_on: datetime.date,
    ended_on: datetime.date | None = None,
    facility: str = "",
    note: str = "",
    source: str = LifeEventSource.CARE_TEAM,
) -> LifeEvent:
    """Record an ED visit, admission, crisis, housing loss or other event in the person's life."""
    enrollment = Enrollment.objects.select_related("program", "patient").get(pk=enrollment.pk)
    today = enrollment.program.today()
    if occurred_on > today:
        raise DomainError("The event is in the future. Enter the day it happened.")
    if ended_on is not None and ended_on < occurred_on:
        raise DomainError("The event cannot end before it started.")
    event = LifeEvent(
        patient=enrollment.patient,
        enrollment=enrollment,
        kind=kind,
        occurred_on=occurred_on,
        ended_on=ended_on,
        facility=facility.strip(),
        note=note.strip(),
        source=source,
        recorded_by=acting_user,
    )
    _save(event)
    return event


@transaction.atomic
def goal_achievement_celebrate(*, goal: Goal, acting_user: User) -> SuccessMoment:
    """Put an achieved goal on the timeline as a success, in the person's own words."""
    if goal.achieved_on is None:
        raise DomainError("Only an achieved goal is celebrated.")
    return success_moment_record(
        enrollment=goal.care_plan.enrollment,
        acting_user=acting_user,
        occurred_on=goal.achieved_on,
        kind=SuccessKind.STABILITY_INDEPENDENCE,
        description=f"Achieved their goal: “{goal.patient_words}”",
        goal_id=goal.pk,
    )
