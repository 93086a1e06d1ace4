"""Changes owned by caseloads: the caseload row of an enrolment, and the flows that update it."""

import dataclasses
import datetime
import functools
import logging
from collections.abc import Callable
from typing import Any, cast

from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef
from django.utils import timezone

from accounts.dates import day_text
from accounts.errors import DomainError
from accounts.models import Program
from careplans import services as careplans_services
from careplans.models import Goal, GoalStatus
from careplans.services import goal_update
from caseloads.models import Candidate, CaseloadRecomputeRequest
from caseloads.tasks import candidates_recompute_task, recompute_caseloads_task, recompute_enrollment_task
from engagement import services as engagement_services
from engagement.models import Contact, LifeEvent, LifeEventKind
from engagement.services import contact_log, goal_achievement_celebrate
from patients import services as patients_services
from patients.models import (
    CLOSED_STATUSES,
    ConsentKind,
    EndReason,
    Enrollment,
    EnrollmentStatus,
)
from patients.services import consent_record, has_current_consent

logger = logging.getLogger(__name__)


def caseload_recompute_soon(*, enrollment_id: int) -> None:
    """Have one enrolment's caseload row recomputed once the current transaction commits.

    The request is stored in the transaction, so it outlives a broker outage; the task is sent on
    commit and never holds up the request: when Redis is unreachable the send fails fast, and the
    catch-up job or the nightly run recomputes it instead.
    """
    CaseloadRecomputeRequest.objects.bulk_create(
        [CaseloadRecomputeRequest(enrollment_id=enrollment_id, requested_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["enrollment"],
        update_fields=["requested_at"],
    )
    _send_on_commit(
        recompute_enrollment_task,
        enrollment_id,
        about=f"enrollment={enrollment_id}",
        later="the catch-up job",
    )


def program_caseloads_recompute_soon(*, program_id: int) -> None:
    """Have every caseload row of the program recomputed once the current transaction commits (after
    its levels of care or graduation criteria change); if the broker is unreachable, the nightly run
    does it."""
    _send_on_commit(
        recompute_caseloads_task, program_id, about=f"program={program_id}", later="the nightly run"
    )


def candidates_recompute_soon(*, program_id: int) -> None:
    """Have the program's candidate list worked out again once the current transaction commits (an
    admin asked for it); if the broker is unreachable, the nightly run does it."""
    _send_on_commit(
        candidates_recompute_task, program_id, about=f"program={program_id}", later="the nightly run"
    )


def _send_on_commit(task: Any, *args: Any, about: str, later: str) -> None:
    """Send `task` once the current transaction commits, failing fast. A send that fails is logged and
    left to `later`, never raised: the change that asked for it is already saved."""

    def send() -> None:
        try:
            task.apply_async(args=list(args), retry=False)
        except Exception:
            logger.warning("%s not sent now for %s; %s will run it", task.name, about, later, exc_info=True)

    transaction.on_commit(send)


def _recomputes_caseload[Service: Callable[..., Any]](
    service: Service, enrollment_id_of: Callable[[Any], int]
) -> Service:
    """`service` in a transaction that also asks for the changed enrolment's caseload row to be recomputed."""

    @functools.wraps(service)
    @transaction.atomic
    def run(**arguments: Any) -> Any:
        result = service(**arguments)
        caseload_recompute_soon(enrollment_id=enrollment_id_of(result))
        return result

    return cast(Service, run)


# The changes that move a caseload row: the rules read check-ins, crises, successes, the plan and the team.
check_in_record = _recomputes_caseload(engagement_services.check_in_record, lambda made: made.enrollment_id)
life_event_record = _recomputes_caseload(
    engagement_services.life_event_record, lambda made: made.enrollment_id
)
success_moment_record = _recomputes_caseload(
    engagement_services.success_moment_record, lambda made: made.enrollment_id
)
care_plan_start = _recomputes_caseload(careplans_services.care_plan_start, lambda plan: plan.enrollment_id)
care_plan_details_update = _recomputes_caseload(
    careplans_services.care_plan_details_update, lambda plan: plan.enrollment_id
)
care_team_member_add = _recomputes_caseload(
    patients_services.care_team_member_add, lambda member: member.enrollment_id
)
care_team_member_end = _recomputes_caseload(
    patients_services.care_team_member_end, lambda member: member.enrollment_id
)
enrollment_change_phase = _recomputes_caseload(
    patients_services.enrollment_change_phase, lambda enrollment: enrollment.pk
)
# Whether the person is in care decides their caseload row.
enrollment_move = _recomputes_caseload(patients_services.enrollment_move, lambda enrollment: enrollment.pk)
# A transfer moves the row to the new care manager's caseload.
primary_care_manager_assign = _recomputes_caseload(
    patients_services.primary_care_manager_assign, lambda member: member.enrollment_id
)


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
    caseload_recompute_soon(enrollment_id=enrollment.pk)
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
        patients_services.enrollment_move(
            enrollment=enrollment, to_status=EnrollmentStatus.ACTIVE, acting_user=acting_user
        )
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
    patients_services.enrollment_move(
        enrollment=enrollment,
        to_status=EnrollmentStatus.DISENROLLED,
        acting_user=acting_user,
        end_reason=EndReason.UNABLE_TO_REACH,
        note=f"Closed after {attempts} attempts without reaching them.",
        reapproach_on=reapproach_on,
    )
    return (
        f"That was attempt {attempts} of {program.outreach_attempt_limit}: outreach is closed as unable to "
        f"reach. They will be on the re-approach list from {day_text(reapproach_on)}."
    )


@transaction.atomic
def care_plan_goal_update(*, goal: Goal, acting_user: Any, expected_version: int, **changes: Any) -> Goal:
    """Change a goal (careplans.services.goal_update); a goal just achieved is celebrated on the timeline."""
    was_achieved = goal.status == GoalStatus.ACHIEVED
    updated = goal_update(goal=goal, acting_user=acting_user, expected_version=expected_version, **changes)
    if updated.status == GoalStatus.ACHIEVED and not was_achieved:
        goal_achievement_celebrate(goal=updated, acting_user=acting_user)
    caseload_recompute_soon(enrollment_id=updated.care_plan.enrollment_id)
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
