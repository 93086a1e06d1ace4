"""Screening a referral for fit, and the outcome: in to outreach with a care manager, redirected to
another service, or declined with a date to approach the person again."""

import dataclasses
import datetime
import logging
from collections.abc import Sequence

from django.db import models, transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Role, User
from accounts.persistence import save_valid as _save
from patients.models import (
    CommunityResource,
    Enrollment,
    EnrollmentStatus,
    HandoffSetting,
    Referral,
    ScreeningAnswer,
    ScreeningQuestion,
    ScreeningResponse,
)
from patients.services import (
    ALLOWED_TRANSITIONS,
    enrollment_lock,
    enrollment_move,
    primary_care_manager_assign,
)
from patients.services.referrals_out import referral_out_create

logger = logging.getLogger(__name__)

S = EnrollmentStatus

# Only a referral that has not been decided yet can be screened.
SCREENABLE_STATUSES = (S.REFERRED, S.SCREENING)


class ScreeningOutcome(models.TextChoices):
    FIT = "fit", "A fit: start outreach"
    NOT_A_FIT = "not_a_fit", "Not a fit: redirect to another service"
    DECLINED = "declined", "Declined for now"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScreeningAnswerDetails:
    question: ScreeningQuestion
    response: str
    note: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class WarmHandoff:
    """Who introduced the care manager to the person, where and when."""

    introduced_by: str
    setting: str
    at: datetime.datetime


def _move_to(enrollment: Enrollment, to_status: str, *, acting_user: User, **kwargs: object) -> Enrollment:
    """Move along ALLOWED_TRANSITIONS, through `screening` when the pipeline asks for that step."""
    if (
        to_status not in ALLOWED_TRANSITIONS[enrollment.status]
        and to_status in ALLOWED_TRANSITIONS[S.SCREENING]
    ):
        enrollment = enrollment_move(enrollment=enrollment, to_status=S.SCREENING, acting_user=acting_user)
    return enrollment_move(enrollment=enrollment, to_status=to_status, acting_user=acting_user, **kwargs)  # type: ignore[arg-type]


def _record_answers(referral: Referral, answers: Sequence[ScreeningAnswerDetails]) -> None:
    """Every active question of the program answered once; an earlier answer to a question is replaced."""
    program_id = referral.enrollment.program_id
    active = set(
        ScreeningQuestion.objects.filter(program_id=program_id, is_active=True).values_list("pk", flat=True)
    )
    given = [answer.question.pk for answer in answers]
    if len(given) != len(set(given)):
        raise DomainError("Each screening question can be answered once.")
    if any(answer.question.program_id != program_id or not answer.question.is_active for answer in answers):
        raise DomainError("Answer this program's current screening questions.")
    if active - set(given):
        raise DomainError("Answer every screening question. Choose “Not known” when you do not know.")
    existing = {
        answer.question_id: answer
        for answer in ScreeningAnswer.objects.select_for_update().filter(referral=referral).order_by("pk")
    }
    for details in answers:
        if details.response not in ScreeningResponse.values:
            raise DomainError("Answer each question with yes, no or not known.")
        answer = existing.get(details.question.pk) or ScreeningAnswer(
            referral=referral, question=details.question
        )
        answer.response = details.response
        answer.note = details.note.strip()
        _save(answer)


def _record_handoff(referral: Referral, handoff: WarmHandoff | None, *, now: datetime.datetime) -> None:
    if handoff is None or not handoff.introduced_by.strip():
        raise DomainError("Say who introduced the care manager to the person.")
    if handoff.setting not in HandoffSetting.values:
        raise DomainError("Say where the introduction happened.")
    if handoff.at > now:
        raise DomainError("The warm handoff cannot be in the future.")
    handoff_at = handoff.at
    # The page asks for the time to the minute: an introduction in the minute the referral arrived
    # is recorded at the moment it arrived.
    if handoff_at < referral.received_at.replace(second=0, microsecond=0):
        raise DomainError("The warm handoff is before the referral was received.")
    referral.handoff_at = max(handoff_at, referral.received_at)
    referral.handoff_by = handoff.introduced_by.strip()
    referral.handoff_setting = handoff.setting


@transaction.atomic
def referral_screen(
    *,
    enrollment: Enrollment,
    acting_user: User,
    answers: Sequence[ScreeningAnswerDetails],
    outcome: str,
    decision_note: str = "",
    care_manager: User | None = None,
    handoff: WarmHandoff | None = None,
    resource: CommunityResource | None = None,
    reapproach_on: datetime.date | None = None,
    reapproach_preference: str = "",
) -> Enrollment:
    """Record the screening answers and the decision, all or nothing.

    - fit: `care_manager` becomes the primary care manager (their team the enrolment's team), the warm
      `handoff` is recorded, and the enrolment moves to outreach. `decision_note` is optional.
    - not a fit: `decision_note` (why) and a `resource` from the directory are required; the person is
      referred out to it and the enrolment closes as not a fit.
    - declined: `decision_note` (the reason in the person's words) and a future `reapproach_on` are
      required; the enrolment closes as declined, keeping when and how to approach them again.
    """
    enrollment = enrollment_lock(enrollment)
    if acting_user.role != Role.PROGRAM_ADMIN or acting_user.program_id != enrollment.program_id:
        raise DomainError("Only this program's admins screen referrals.")
    if enrollment.status not in SCREENABLE_STATUSES:
        raise DomainError("This referral has already been screened.")
    if outcome not in ScreeningOutcome.values:
        raise DomainError("Choose the outcome: a fit, not a fit, or declined.")
    referral = Referral.objects.select_for_update().select_related("enrollment").get(enrollment=enrollment)
    now = timezone.now()
    if now < referral.received_at:
        raise DomainError("The referral's received time is in the future; correct it before screening.")
    note = decision_note.strip()
    _record_answers(referral, answers)
    referral.screened_at = now
    referral.screened_by = acting_user
    referral.decision_note = note

    if outcome == ScreeningOutcome.FIT:
        if care_manager is None:
            raise DomainError("Choose the primary care manager.")
        _record_handoff(referral, handoff, now=now)
        _save(referral)
        primary_care_manager_assign(
            enrollment=enrollment,
            care_manager=care_manager,
            acting_user=acting_user,
            on=enrollment.program.local_date(referral.handoff_at),  # type: ignore[arg-type]
        )
        enrollment = _move_to(enrollment, S.OUTREACH, acting_user=acting_user)
    elif outcome == ScreeningOutcome.NOT_A_FIT:
        if not note:
            raise DomainError("Say why the program is not a fit.")
        if resource is None:
            raise DomainError("Choose a service from the directory to redirect the person to.")
        _save(referral)
        referral_out_create(enrollment=enrollment, resource=resource, acting_user=acting_user, reason=note)
        enrollment = _move_to(enrollment, S.NOT_A_FIT, acting_user=acting_user, note=note)
    else:
        if not note:
            raise DomainError("Write the reason the person gave, in their words.")
        if reapproach_on is None:
            raise DomainError("Choose a date to approach the person again.")
        if reapproach_on <= enrollment.program.today():
            raise DomainError("The re-approach date must be after today.")
        _save(referral)
        enrollment = _move_to(
            enrollment,
            S.DECLINED,
            acting_user=acting_user,
            note=note,
            reapproach_on=reapproach_on,
            reapproach_preference=reapproach_preference.strip(),
        )
    logger.info("referral_screened enrollment=%s outcome=%s", enrollment.pk, outcome)
    return enrollment
