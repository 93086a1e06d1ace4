"""Program settings owned by caseloads: the levels of care (contact targets, caseload weights, the
rules' thresholds) and the graduation criteria. Also the settings changes that must first look at
someone's caseload, which accounts cannot see: taking a care manager off a team, and changing the
role of (or switching off) someone who is still a primary care manager.

Every function runs in one transaction and raises DomainError with a sentence an admin can act on.
"""

import logging

from django.db import transaction

from accounts import services as accounts
from accounts.errors import DomainError
from accounts.models import Program, Role, Team, User
from accounts.persistence import save_valid as _save
from caseloads.models import GraduationCriteria, IntensityPolicy
from caseloads.services import program_caseloads_recompute_soon
from patients.models import CLOSED_STATUSES, CareTeamMember

logger = logging.getLogger(__name__)

# Each setting: what an admin calls it, and its lowest and highest sensible value.
INTENSITY_BOUNDS: dict[str, tuple[str, int, int]] = {
    "high_contacts_per_30_days": ("High: contacts per 30 days", 1, 30),
    "medium_contacts_per_30_days": ("Medium: contacts per 30 days", 1, 30),
    "low_contacts_per_30_days": ("Low: contacts per 30 days", 1, 30),
    "high_weight": ("High: caseload points", 1, 20),
    "medium_weight": ("Medium: caseload points", 1, 20),
    "low_weight": ("Low: caseload points", 1, 20),
    "crisis_lookback_days": ("Days a crisis keeps someone at high", 1, 365),
    "engagement_phase_days": ("Days of building trust before a review", 1, 365),
    "no_contact_days": ("Days without a contact before a flag", 1, 365),
    "confidence_drop": ("Confidence drop that raises the level", 1, 10),
    "step_down_crisis_free_days": ("Crisis-free days before stepping down", 1, 365),
    "step_down_confidence": ("Confidence needed to step down", 0, 10),
}
GRADUATION_BOUNDS: dict[str, tuple[str, int, int]] = {
    "min_months_enrolled": ("Months in the program", 1, 36),
    "crisis_free_days": ("Days without a crisis", 1, 365),
    "min_goals_achieved": ("Goals achieved", 0, 50),
    "min_confidence": ("Confidence (0 to 10)", 0, 10),
}


def _require_admin_of(acting_user: User, program: Program) -> Program:
    """The program, locked: its settings rows are created on first save, so two first saves queue."""
    accounts.require_admin_of(acting_user, program.pk)
    return Program.objects.select_for_update().get(pk=program.pk)


@transaction.atomic
def intensity_policy_update(*, program: Program, acting_user: User, **values: int) -> IntensityPolicy:
    """Save the program's levels of care (created with the defaults on first save).

    Contact targets must go down from high to medium to low (1 to 30 a month); caseload points may be
    equal but never go up from high to low."""
    if set(values) != set(INTENSITY_BOUNDS):
        raise TypeError(f"intensity_policy_update takes exactly {sorted(INTENSITY_BOUNDS)}")
    program = _require_admin_of(acting_user, program)
    accounts.check_settings_in_bounds(values, INTENSITY_BOUNDS)
    high, medium, low = (values[f"{level}_contacts_per_30_days"] for level in ("high", "medium", "low"))
    if not high > medium > low:
        raise DomainError(
            "Contacts per 30 days must go down from high to medium to low, for example 8, 4 and 2; "
            f"you entered high {high}, medium {medium}, low {low}."
        )
    high, medium, low = (values[f"{level}_weight"] for level in ("high", "medium", "low"))
    if not high >= medium >= low:
        raise DomainError(
            "Caseload points cannot go up from high to medium to low, for example 3, 2 and 1; "
            f"you entered high {high}, medium {medium}, low {low}."
        )
    policy = IntensityPolicy.objects.filter(program=program).first() or IntensityPolicy(program=program)
    for name, value in values.items():
        setattr(policy, name, value)
    _save(policy)
    program_caseloads_recompute_soon(program_id=program.pk)
    logger.info("intensity_policy_updated program=%s by=%s", program.pk, acting_user.pk)
    return policy


@transaction.atomic
def graduation_criteria_update(
    *,
    program: Program,
    acting_user: User,
    min_months_enrolled: int,
    crisis_free_days: int,
    min_goals_achieved: int,
    min_confidence: int,
    requires_primary_care_connection: bool,
    requires_patient_readiness: bool,
) -> GraduationCriteria:
    """Save what must be true before graduation is suggested (created with the defaults on first save)."""
    program = _require_admin_of(acting_user, program)
    numbers = {
        "min_months_enrolled": min_months_enrolled,
        "crisis_free_days": crisis_free_days,
        "min_goals_achieved": min_goals_achieved,
        "min_confidence": min_confidence,
    }
    accounts.check_settings_in_bounds(numbers, GRADUATION_BOUNDS)
    criteria = GraduationCriteria.objects.filter(program=program).first() or GraduationCriteria(
        program=program
    )
    for name, value in numbers.items():
        setattr(criteria, name, value)
    criteria.requires_primary_care_connection = requires_primary_care_connection
    criteria.requires_patient_readiness = requires_patient_readiness
    _save(criteria)
    program_caseloads_recompute_soon(program_id=program.pk)
    logger.info("graduation_criteria_updated program=%s by=%s", program.pk, acting_user.pk)
    return criteria


def _people_in_care_with(user: User, *, team: Team | None = None) -> int:
    """How many open enrolments (of `team`, or any) have `user` as their current primary care manager."""
    primaries = CareTeamMember.objects.filter(user=user, is_primary=True, ended_on__isnull=True).exclude(
        enrollment__status__in=CLOSED_STATUSES
    )
    if team is not None:
        primaries = primaries.filter(enrollment__team=team)
    return primaries.count()


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


@transaction.atomic
def team_member_take_off(*, team: Team, user: User, acting_user: User) -> None:
    """Take someone off a team, unless they are still the primary care manager of anyone in it:
    those people must be transferred to another care manager first."""
    # Lock the person, so no one is assigned to them while they are being taken off.
    user = User.objects.select_for_update().get(pk=user.pk)
    count = _people_in_care_with(user, team=team)
    if count:
        raise DomainError(
            f"{user} is the primary care manager for {_people(count)} in {team}. "
            "Transfer them to another care manager first, then take them off the team."
        )
    accounts.team_member_remove(team=team, user=user, acting_user=acting_user)


@transaction.atomic
def person_settings_update(
    *,
    user: User,
    acting_user: User,
    role: str,
    discipline: str,
    caseload_capacity: int,
    is_active: bool,
) -> User:
    """Change someone's role, discipline, capacity and whether they can sign in (see
    accounts.services.user_settings_update). A primary care manager keeps their role and stays on
    until the people they are primary for have been transferred."""
    user = User.objects.select_for_update().get(pk=user.pk)
    leaves_care = user.role == Role.CARE_MANAGER and (role != Role.CARE_MANAGER or not is_active)
    if leaves_care and user.program_id == acting_user.program_id:
        count = _people_in_care_with(user)
        if count:
            change = "switch them off" if not is_active else "change their role"
            raise DomainError(
                f"{user} is the primary care manager for {_people(count)}. "
                f"Transfer them to another care manager first, then {change}."
            )
    return accounts.user_settings_update(
        user=user,
        acting_user=acting_user,
        role=role,
        discipline=discipline,
        caseload_capacity=caseload_capacity,
        is_active=is_active,
    )
