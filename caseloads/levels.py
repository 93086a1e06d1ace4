"""The team's decision on a person's level of care: accept the recommendation, or choose another level
for a while, with a reason.

Tandem recommends; people decide. The recompute keeps the decision (`current_level` and any override)
and only clears an override once its end date has passed, when the level falls back to the
recommendation. After a decision the row is recomputed so the next contact date follows the new level.
"""

import datetime
import logging

from django.db import transaction

from accounts.dates import day_text
from accounts.errors import DomainError
from accounts.models import User
from accounts.persistence import save_valid
from caseloads.models import CaseloadStatus, IntensityLevel
from caseloads.services import caseload_recompute_soon
from patients.access import can_edit_enrollment
from patients.models import CARE_STATUSES

logger = logging.getLogger(__name__)

# An override is a deliberate, time-limited exception: long enough to cover a hospital stay and the
# weeks after it, or a season of stability, short enough that the team looks at it again.
OVERRIDE_MAX_DAYS = 180
# CaseloadStatus.override_reason's length.
OVERRIDE_REASON_MAX_LENGTH = 300

NOT_WORKED_OUT_YET = "The level of care has not been worked out yet. Try again in a minute."

_DECISION_FIELDS = ["current_level", "override_reason", "override_until", "override_by"]


def _locked(status: CaseloadStatus) -> CaseloadStatus:
    return (
        CaseloadStatus.objects.select_for_update(of=("self",))
        .select_related("enrollment__program")
        .get(pk=status.pk)
    )


def _require_may_decide(status: CaseloadStatus, acting_user: User) -> None:
    # The same rule as every other change to the record: the care team, their supervisor, program admins.
    enrollment = status.enrollment
    if not can_edit_enrollment(acting_user, enrollment):
        raise DomainError(
            "Only the person's care team or a supervisor of their team can change their level of care."
        )
    if enrollment.status not in CARE_STATUSES:
        raise DomainError("The level of care can change only while the person is in care.")


def _decide(
    status: CaseloadStatus, *, level: str, reason: str, until: datetime.date | None, by: User | None
) -> None:
    status.current_level = level
    status.override_reason = reason
    status.override_until = until
    status.override_by = by
    save_valid(status, update_fields=_DECISION_FIELDS)
    caseload_recompute_soon(enrollment_id=status.enrollment_id)


@transaction.atomic
def caseload_level_accept(
    *, status: CaseloadStatus, acting_user: User, expected_recommendation: str = ""
) -> CaseloadStatus:
    """Work at the recommended level; any override ends now.

    `expected_recommendation`: the recommendation the person saw. If the recompute has changed it
    since, nothing is stored and the refusal says so, so nobody accepts a level they did not see.
    """
    status = _locked(status)
    _require_may_decide(status, acting_user)
    if expected_recommendation and expected_recommendation != status.recommended_level:
        raise DomainError(
            "The recommendation has just changed to "
            f"{status.get_recommended_level_display().lower()}. Look at the reasons again before accepting."
        )
    _decide(status, level=status.recommended_level, reason="", until=None, by=None)
    logger.info("caseload_level_accepted enrollment=%s user=%s", status.enrollment_id, acting_user.pk)
    return status


@transaction.atomic
def caseload_level_override(
    *, status: CaseloadStatus, acting_user: User, level: str, reason: str, until: datetime.date | None
) -> CaseloadStatus:
    """Work at a level other than the recommended one, for a reason, until a date.

    The reason (at most 300 characters) and an end date after today, at most OVERRIDE_MAX_DAYS ahead in
    the program's calendar, are required. The override holds through `until`; the next day the level
    goes back to the recommendation. Choosing the recommended level is accepting it: the override ends,
    and a reason or date given with it is not kept.
    """
    status = _locked(status)
    _require_may_decide(status, acting_user)
    if level not in IntensityLevel.values:
        raise DomainError("Choose the level of care: high, medium or low.")
    if level == status.recommended_level:
        _decide(status, level=level, reason="", until=None, by=None)
        logger.info("caseload_level_accepted enrollment=%s user=%s", status.enrollment_id, acting_user.pk)
        return status
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the team is choosing a different level from the recommendation.")
    if len(reason) > OVERRIDE_REASON_MAX_LENGTH:
        raise DomainError(
            f"Keep the reason to {OVERRIDE_REASON_MAX_LENGTH} characters or fewer (it has {len(reason)})."
        )
    today = status.enrollment.program.today()
    latest = today + datetime.timedelta(days=OVERRIDE_MAX_DAYS)
    if until is None:
        raise DomainError(
            "Choose until when this level applies. After that date the recommendation applies again."
        )
    if until <= today:
        raise DomainError("The end date must be after today.")
    if until > latest:
        raise DomainError(
            f"Choose an end date within {OVERRIDE_MAX_DAYS} days, by {day_text(latest)}. "
            "The team can choose the level again then."
        )
    _decide(status, level=level, reason=reason, until=until, by=acting_user)
    logger.info(
        "caseload_level_overridden enrollment=%s user=%s level=%s",
        status.enrollment_id,
        acting_user.pk,
        level,
    )
    return status
