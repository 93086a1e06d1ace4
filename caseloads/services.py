"""Changes owned by caseloads: the caseload row of an enrolment, and the flows that update it."""

import dataclasses
import datetime
import logging
import math
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Program
from careplans.models import Goal, GoalStatus
from careplans.services import goal_update
from caseloads.models import Candidate, CaseloadStatus, IntensityLevel, IntensityPolicy
from engagement.models import Contact, LifeEvent, LifeEventKind
from engagement.services import contact_log, goal_achievement_celebrate
from patients.models import (
    CARE_STATUSES,
    CLOSED_STATUSES,
    CareTeamMember,
    ConsentKind,
    EndReason,
    Enrollment,
    EnrollmentStatus,
)
from patients.services import consent_record, enrollment_move, has_current_consent

logger = logging.getLogger(__name__)

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


# Someone closed as unable to reach is approached again after this many days.
UNABLE_TO_REACH_REAPPROACH_DAYS = 90


@dataclasses.dataclass(frozen=True)
class ContactLogged:
    contact: Contact
    # What the contact changed about the enrolment, said plainly; empty when nothing changed.
    outreach_outcome: str = ""


@transaction.atomic
def caseload_contact_log(
    *, enrollment: Enrollment, acting_user: Any, consent_given: bool = False, **contact: Any
) -> ContactLogged:
    """Log a contact, apply the outreach rules, and update the caseload row, in one transaction.

    Takes the keyword arguments of engagement.services.contact_log. `consent_given`: the person agreed,
    at this contact, to take part in the program (recorded as a consent).
    """
    logged = contact_log(enrollment=enrollment, acting_user=acting_user, **contact)
    outcome = outreach_after_contact(contact=logged, acting_user=acting_user, consent_given=consent_given)
    caseload_status_refresh(enrollment=Enrollment.objects.select_related("program").get(pk=enrollment.pk))
    return ContactLogged(logged, outcome)


def outreach_after_contact(*, contact: Contact, acting_user: Any, consent_given: bool) -> str:
    """The outreach rules, run after each contact with someone in outreach:

    - reached, with consent to take part on record (given now or before): the enrolment becomes active;
    - not reached, and the program's limit of failed attempts within its period is met with nobody ever
      reached: the enrolment closes as unable to reach, with a re-approach date.
    """
    enrollment = contact.enrollment
    if enrollment.status != EnrollmentStatus.OUTREACH:
        if consent_given:
            raise DomainError("Consent to take part is recorded while the person is in outreach.")
        return ""
    program = enrollment.program
    contact_day = program.local_date(contact.occurred_at)
    if consent_given:
        if not contact.is_reached:
            raise DomainError("Consent is given when the person is reached, not on an attempt.")
        consent_record(
            patient=enrollment.patient,
            kind=ConsentKind.PROGRAM_PARTICIPATION,
            acting_user=acting_user,
            given_on=contact_day,
        )
    if contact.is_reached:
        if not has_current_consent(
            patient=enrollment.patient, kind=ConsentKind.PROGRAM_PARTICIPATION, on=contact_day
        ):
            return ""
        enrollment_move(enrollment=enrollment, to_status=EnrollmentStatus.ACTIVE, acting_user=acting_user)
        return "Welcome: they agreed to take part, so they are now in active care."
    if enrollment.first_reached_at is not None:
        return ""
    window_start = max(
        enrollment.status_changed_at, timezone.now() - datetime.timedelta(days=program.outreach_period_days)
    )
    attempts = Contact.objects.filter(
        enrollment=enrollment, is_reached=False, occurred_at__gte=window_start
    ).count()
    if attempts < program.outreach_attempt_limit:
        return (
            f"Attempt {attempts} of {program.outreach_attempt_limit} in {program.outreach_period_days} days."
        )
    reapproach_on = program.today() + datetime.timedelta(days=UNABLE_TO_REACH_REAPPROACH_DAYS)
    enrollment_move(
        enrollment=enrollment,
        to_status=EnrollmentStatus.DISENROLLED,
        acting_user=acting_user,
        end_reason=EndReason.UNABLE_TO_REACH,
        note=f"Closed after {attempts} attempts without reaching them.",
        reapproach_on=reapproach_on,
    )
    return (
        f"That was attempt {attempts} of {program.outreach_attempt_limit}: outreach is closed as unable to "
        f"reach. They will be on the re-approach list from {reapproach_on.day} {reapproach_on:%b %Y}."
    )


@transaction.atomic
def care_plan_goal_update(*, goal: Goal, acting_user: Any, expected_version: int, **changes: Any) -> Goal:
    """Change a goal (careplans.services.goal_update); a goal just achieved is celebrated on the timeline."""
    was_achieved = goal.status == GoalStatus.ACHIEVED
    updated = goal_update(goal=goal, acting_user=acting_user, expected_version=expected_version, **changes)
    if updated.status == GoalStatus.ACHIEVED and not was_achieved:
        goal_achievement_celebrate(goal=updated, acting_user=acting_user)
    return updated


ADMISSION_KINDS = (LifeEventKind.ADMISSION, LifeEventKind.READMISSION)


def candidates_recompute(*, program: Program, today: datetime.date | None = None) -> int:
    """Find the people not enrolled who meet the program's candidate rule (by default two or more inpatient
    admissions within 180 days) from recorded utilisation, and store them. One query gathers them all; the
    stored list is brought to match it (running twice changes nothing but the computed-at time).
    Returns how many candidates there are. `today` is the program's today unless given (demo data)."""
    today = today or program.today()
    since = today - datetime.timedelta(days=program.candidate_window_days)
    open_enrolment = Enrollment.objects.filter(patient=OuterRef("patient")).exclude(
        status__in=CLOSED_STATUSES
    )
    found = list(
        LifeEvent.objects.filter(
            patient__program=program, kind__in=ADMISSION_KINDS, occurred_on__gte=since, occurred_on__lte=today
        )
        .exclude(Exists(open_enrolment))
        .values("patient")
        .annotate(admissions=Count("pk"), first=Min("occurred_on"), last=Max("occurred_on"))
        .filter(admissions__gte=program.candidate_admissions)
        .order_by("patient")
    )
    now = timezone.now()
    with transaction.atomic():
        Candidate.objects.filter(program=program).exclude(
            patient_id__in=[row["patient"] for row in found]
        ).delete()
        Candidate.objects.bulk_create(
            [
                Candidate(
                    program=program,
                    patient_id=row["patient"],
                    admissions=row["admissions"],
                    first_admission_on=row["first"],
                    last_admission_on=row["last"],
                    computed_at=now,
                )
                for row in found
            ],
            update_conflicts=True,
            unique_fields=["program", "patient"],
            update_fields=["admissions", "first_admission_on", "last_admission_on", "computed_at"],
        )
    logger.info("candidates_recomputed program=%s candidates=%s", program.pk, len(found))
    return len(found)
