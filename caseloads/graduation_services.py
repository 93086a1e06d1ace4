"""Graduation back to usual primary care: record it, record the check-ins after it, re-enrol a graduate.

Each function runs in one transaction, locks what it changes, and raises DomainError with a message a
person can act on; a refusal stores nothing.
"""

import datetime
import logging
from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.dates import day_text
from accounts.errors import DomainError
from accounts.models import Role, TeamMembership, User
from accounts.persistence import save_valid
from caseloads.graduation import FOLLOW_UP_DAYS, GRADUATING_STATUSES, last_primary_care_manager_of
from caseloads.models import CaseloadStatus, FollowUpCheckIn, FollowUpOutcome, Graduation
from caseloads.services import enrollment_move, primary_care_manager_assign
from patients.models import (
    CLOSED_STATUSES,
    Enrollment,
    EnrollmentStatus,
    ReferralSource,
    Urgency,
)
from patients.services import (
    PersonDetails,
    ReferralDetails,
    enrollment_lock,
    referral_receive,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def graduation_record(
    *,
    enrollment: Enrollment,
    acting_user: User,
    graduated_on: datetime.date,
    patient_agreed_on: datetime.date,
    reviewed_criteria: Collection[str],
    primary_care_contact: str,
    next_primary_care_visit_on: datetime.date | None = None,
    handoff_summary: str = "",
    unmet_criteria_reason: str = "",
) -> Graduation:
    """Graduate the person: the graduation with the criteria gone through with them, the episode closed
    as graduated (which ends the care team on that day), and the check-ins at 30, 60 and 90 days.

    `reviewed_criteria` are the labels of the stored readiness criteria (the caseload row) that were gone
    through with the person: all of them. Unmet criteria do not block: the team decides, with a reason.
    """
    enrollment = enrollment_lock(enrollment)
    if (
        enrollment.status == EnrollmentStatus.GRADUATED
        or Graduation.objects.filter(enrollment=enrollment).exists()
    ):
        raise DomainError("This person has already graduated.")
    if enrollment.status == EnrollmentStatus.OUTREACH:
        raise DomainError(
            "Someone in outreach cannot graduate: graduation comes after active care. "
            "Move them to active first, or close the outreach instead."
        )
    if enrollment.status not in GRADUATING_STATUSES:
        raise DomainError("Only someone in active care or maintenance can graduate.")
    _require_dates(enrollment, graduated_on=graduated_on, patient_agreed_on=patient_agreed_on)
    contact = primary_care_contact.strip()
    if not contact:
        raise DomainError("Say who to call at primary care: a name, the practice and a phone number.")
    if next_primary_care_visit_on is not None and next_primary_care_visit_on < graduated_on:
        raise DomainError("The next primary care visit is before the graduation date.")
    criteria = _criteria_reviewed(enrollment, set(reviewed_criteria), unmet_criteria_reason.strip())
    graduation = Graduation(
        enrollment=enrollment,
        graduated_on=graduated_on,
        patient_agreed_on=patient_agreed_on,
        criteria_reviewed=criteria,
        handoff_summary=handoff_summary.strip(),
        primary_care_contact=contact,
        next_primary_care_visit_on=next_primary_care_visit_on,
        prepared_by=acting_user,
    )
    save_valid(graduation)
    graduation.enrollment = enrollment_move(
        enrollment=enrollment, to_status=EnrollmentStatus.GRADUATED, acting_user=acting_user, on=graduated_on
    )
    for days in FOLLOW_UP_DAYS:
        save_valid(
            FollowUpCheckIn(
                graduation=graduation,
                days_after=days,
                due_on=graduated_on + datetime.timedelta(days=days),
            )
        )
    logger.info("graduation_recorded enrollment=%s graduation=%s", enrollment.pk, graduation.pk)
    return graduation


def _require_dates(
    enrollment: Enrollment, *, graduated_on: datetime.date, patient_agreed_on: datetime.date
) -> None:
    today = enrollment.program.today()
    if graduated_on > today:
        raise DomainError("The graduation date is in the future. Record the graduation on the day.")
    if patient_agreed_on > graduated_on:
        raise DomainError("The graduation date is before the day the person agreed to graduate.")
    enrolled_on = enrollment.enrolled_on
    if enrolled_on is not None and graduated_on < enrolled_on:
        raise DomainError(f"The graduation date is before the person was enrolled ({day_text(enrolled_on)}).")
    if enrolled_on is not None and patient_agreed_on < enrolled_on:
        raise DomainError(
            f"The day the person agreed is before they were enrolled ({day_text(enrolled_on)})."
        )


def _criteria_reviewed(enrollment: Enrollment, reviewed: set[str], reason: str) -> list[dict[str, Any]]:
    """The stored readiness criteria, each marked as gone through; unmet ones carry the team's reason."""
    status = CaseloadStatus.objects.filter(enrollment=enrollment).first()
    criteria: list[dict[str, Any]] = list(status.graduation_criteria) if status else []
    missing = [item["label"] for item in criteria if item["label"] not in reviewed]
    if missing:
        raise DomainError(
            "Go through each criterion with the person and tick it. Not ticked: " + "; ".join(missing) + "."
        )
    if not criteria:
        if not reason:
            raise DomainError(
                "Readiness has not been worked out for this person yet: "
                "say why the team decides to graduate now."
            )
        return [
            {
                "label": "Graduation readiness",
                "met": False,
                "detail": "Not worked out yet when the graduation was recorded.",
                "reviewed": True,
                "team_reason": reason,
            }
        ]
    unmet = [item for item in criteria if not item["met"]]
    if unmet and not reason:
        raise DomainError("Some criteria are not met: say why the team decides to graduate now.")
    return [
        {**item, "reviewed": True, **({"team_reason": reason} if not item["met"] else {})}
        for item in criteria
    ]


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUpCheckIn,
    acting_user: User,
    completed_on: datetime.date,
    outcome: str,
    note: str = "",
) -> FollowUpCheckIn:
    """Record a check-in after graduation: the day, how the person is doing and a note. Once only."""
    follow_up = (
        FollowUpCheckIn.objects.select_for_update(of=("self",))
        .select_related("graduation__enrollment__program")
        .get(pk=follow_up.pk)
    )
    if follow_up.completed_on is not None:
        raise DomainError(f"This check-in was already recorded on {day_text(follow_up.completed_on)}.")
    if outcome not in FollowUpOutcome.values:
        raise DomainError("Choose how the person is doing.")
    graduation = follow_up.graduation
    if completed_on > graduation.enrollment.program.today():
        raise DomainError("The check-in date is in the future.")
    if completed_on < graduation.graduated_on:
        raise DomainError(
            f"The check-in date is before the graduation ({day_text(graduation.graduated_on)})."
        )
    if outcome == FollowUpOutcome.NEEDS_SUPPORT and not note.strip():
        raise DomainError("Say what support the person needs, so the team can act on it.")
    follow_up.completed_on = completed_on
    follow_up.outcome = outcome
    follow_up.note = note.strip()
    follow_up.completed_by = acting_user
    save_valid(follow_up, update_fields=["completed_on", "outcome", "note", "completed_by"])
    logger.info("follow_up_recorded graduation=%s follow_up=%s", graduation.pk, follow_up.pk)
    return follow_up


@transaction.atomic
def graduate_re_enrol(
    *,
    enrollment: Enrollment,
    acting_user: User,
    reason: str,
    source: str = ReferralSource.SELF,
) -> Enrollment:
    """Bring a graduate back: a new episode linked to the graduated one, referred with `reason`.

    If their primary care manager at graduation is still an active care manager in the program (in a
    team), they are assigned again and the episode moves to outreach, so the person is back on their
    caseload; otherwise the new episode waits in the referral queue.
    """
    enrollment = enrollment_lock(enrollment)
    if enrollment.status != EnrollmentStatus.GRADUATED:
        raise DomainError("Only someone who graduated can be re-enrolled here.")
    patient = enrollment.patient
    episodes = Enrollment.objects.filter(patient_id=enrollment.patient_id)
    open_episode = episodes.exclude(status__in=CLOSED_STATUSES).first()
    if open_episode is not None:
        raise DomainError(
            f"This person already has an open enrolment ({open_episode.get_status_display().lower()}). "
            "Work with that one."
        )
    if episodes.order_by("-referred_on", "-pk").values_list("pk", flat=True).first() != enrollment.pk:
        raise DomainError("This person has a later enrolment. Re-enrol them from the latest one.")
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the person is coming back.")
    if source not in ReferralSource.values:
        raise DomainError("Choose who asked for the person to come back.")
    graduated_on = enrollment.ended_on or enrollment.program.today()
    returning = referral_receive(
        program=enrollment.program,
        person=PersonDetails(
            legal_first_name=patient.legal_first_name,
            legal_last_name=patient.legal_last_name,
            date_of_birth=patient.date_of_birth,
        ),
        referral=ReferralDetails(
            source=source,
            reason=f"Coming back after graduating on {day_text(graduated_on)}. {reason}",
            urgency=Urgency.SOON,
            received_at=timezone.now(),
        ),
        acting_user=acting_user,
        existing_patient=patient,
    )
    care_manager, team_id = _returning_care_manager(enrollment)
    if care_manager is not None:
        primary_care_manager_assign(
            enrollment=returning,
            care_manager=care_manager,
            acting_user=acting_user,
            transfer_note=f"Back after graduating on {day_text(graduated_on)}: {reason}",
            team_id=team_id,
        )
        enrollment_move(enrollment=returning, to_status=EnrollmentStatus.OUTREACH, acting_user=acting_user)
    logger.info(
        "graduate_re_enrolled enrollment=%s previous=%s assigned=%s",
        returning.pk,
        enrollment.pk,
        care_manager is not None,
    )
    return Enrollment.objects.get(pk=returning.pk)


def _returning_care_manager(enrollment: Enrollment) -> tuple[User | None, int | None]:
    """The primary care manager at graduation and the team to take the person back in, if they still can:
    an active care manager of the program, in the episode's team or in exactly one team."""
    primary = last_primary_care_manager_of(enrollment=enrollment)
    user = primary.user if primary is not None else None
    if (
        user is None
        or not user.is_active
        or user.role != Role.CARE_MANAGER
        or user.program_id != enrollment.program_id
    ):
        return None, None
    team_ids = list(TeamMembership.objects.filter(user=user).values_list("team_id", flat=True))
    if enrollment.team_id in team_ids:
        return user, enrollment.team_id
    if len(team_ids) == 1:
        return user, team_ids[0]
    return None, None
