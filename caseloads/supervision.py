"""Weekly supervision: the supervisor and a care manager go through the caseload together and decide.

A session is saved with its decisions in one transaction, and each decision is applied through the
service that owns that change: a level of care through caseloads.levels, a reassignment through the
primary care manager transfer (with its warm-transfer note). "Prepare graduation" and "increase support"
are asks of the care manager; they show on the caseload and the record. If any decision is refused,
nothing is stored and the refusal names the person it is about.
"""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Role, TeamMembership, User
from accounts.persistence import save_valid
from caseloads.levels import caseload_level_override
from caseloads.models import (
    CaseloadStatus,
    DecisionKind,
    IntensityLevel,
    SupervisionDecision,
    SupervisionSession,
)
from caseloads.services import primary_care_manager_assign
from patients.access import enrollments_visible_to
from patients.models import CARE_STATUSES, Enrollment

logger = logging.getLogger(__name__)


class DecisionRefused(DomainError):
    """A decision about one enrolment was refused; the page shows the message beside that person."""

    def __init__(self, enrollment_id: int, message: str) -> None:
        super().__init__(message)
        self.enrollment_id = enrollment_id


@dataclass(frozen=True, kw_only=True)
class Decision:
    enrollment: Enrollment
    kind: str
    detail: str = ""
    level: str = ""
    level_until: datetime.date | None = None
    reassign_to: User | None = None


def records_supervision(user: User) -> bool:
    """Supervisors record supervision sessions; program admins and leads may read them, not record them."""
    return user.role == Role.SUPERVISOR


def may_supervise(supervisor: User, care_manager: User) -> bool:
    """A supervisor supervises the care managers of the teams they supervise."""
    return (
        records_supervision(supervisor)
        and supervisor.program_id == care_manager.program_id
        and care_manager.role == Role.CARE_MANAGER
        and TeamMembership.objects.filter(user=care_manager, team__memberships__user=supervisor).exists()
    )


@transaction.atomic
def supervision_session_record(
    *,
    supervisor: User,
    care_manager: User,
    held_on: datetime.date,
    notes: str = "",
    discussed: Sequence[Enrollment] = (),
    decisions: Sequence[Decision] = (),
) -> SupervisionSession:
    """Store the session, the people discussed and the decisions, and apply each decision."""
    if not may_supervise(supervisor, care_manager):
        raise DomainError(f"Only {care_manager}'s supervisor can record their supervision.")
    if held_on > supervisor.program.today():
        raise DomainError("The session date cannot be in the future.")
    discussed_ids = {enrollment.pk for enrollment in discussed} | {d.enrollment.pk for d in decisions}
    caseload = enrollments_visible_to(supervisor).filter(pk__in=discussed_ids)
    if caseload.count() != len(discussed_ids):
        raise DomainError("Choose people from this care manager's caseload.")
    session = SupervisionSession(
        supervisor=supervisor, care_manager=care_manager, held_on=held_on, notes=notes
    )
    save_valid(session)
    session.enrollments_discussed.set(discussed_ids)
    for decision in decisions:
        _apply(session, decision)
    logger.info(
        "supervision_recorded session=%s care_manager=%s decisions=%s",
        session.pk,
        care_manager.pk,
        len(decisions),
    )
    return session


def _apply(session: SupervisionSession, decision: Decision) -> SupervisionDecision:
    enrollment = decision.enrollment
    try:
        if enrollment.status not in CARE_STATUSES:
            raise DomainError("This person is no longer in care.")
        if decision.kind not in DecisionKind.values:
            raise DomainError("Choose what was decided.")
        detail = decision.detail.strip()
        if decision.kind == DecisionKind.CHANGE_LEVEL:
            _change_level(session, decision, detail)
        elif decision.kind == DecisionKind.REASSIGN:
            _reassign(session, decision, detail)
        elif decision.kind in (DecisionKind.INCREASE_SUPPORT, DecisionKind.OTHER) and not detail:
            raise DomainError("Say what was agreed, so the care manager can act on it.")
    except DecisionRefused:
        raise
    except DomainError as refusal:
        raise DecisionRefused(enrollment.pk, " ".join(refusal.messages)) from refusal
    row = SupervisionDecision(
        session=session,
        enrollment=enrollment,
        kind=decision.kind,
        detail=decision.detail.strip(),
        level=decision.level if decision.kind == DecisionKind.CHANGE_LEVEL else "",
        level_until=decision.level_until if decision.kind == DecisionKind.CHANGE_LEVEL else None,
        reassign_to=decision.reassign_to if decision.kind == DecisionKind.REASSIGN else None,
        applied_at=timezone.now(),
    )
    save_valid(row)
    return row


def _change_level(session: SupervisionSession, decision: Decision, detail: str) -> None:
    if decision.level not in IntensityLevel.values:
        raise DomainError("Choose the level of care: high, medium or low.")
    status = CaseloadStatus.objects.filter(enrollment=decision.enrollment).first()
    if status is None:
        raise DomainError("The level of care has not been worked out yet. Try again in a minute.")
    caseload_level_override(
        status=status,
        acting_user=session.supervisor,
        level=decision.level,
        reason=detail,
        until=decision.level_until,
    )


def _reassign(session: SupervisionSession, decision: Decision, detail: str) -> None:
    if decision.reassign_to is None:
        raise DomainError("Choose the new primary care manager.")
    if not detail:
        raise DomainError(
            "Write a warm-transfer note for the new care manager: what matters to the person and how best to "
            "reach them."
        )
    primary_care_manager_assign(
        enrollment=decision.enrollment,
        care_manager=decision.reassign_to,
        acting_user=session.supervisor,
        transfer_note=detail,
    )
