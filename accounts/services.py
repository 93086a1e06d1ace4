"""Changes to a program's own settings, its teams and its people, made by the program's admins.

Each function runs in one transaction, locks what it changes, and raises DomainError with a sentence
an admin can act on when a rule says no. accounts knows nothing about enrolments: a caller that must
first check someone's caseload (taking a care manager off a team, switching them off) does so in
caseloads.settings_services, in the same transaction, before it calls these.
"""

import logging

from django.db import transaction

from accounts.errors import DomainError
from accounts.models import Discipline, Program, Role, Team, TeamMembership, User
from accounts.persistence import save_valid as _save

logger = logging.getLogger(__name__)

# What each program setting means to an admin, and the values that make sense for it.
PROGRAM_SETTING_BOUNDS: dict[str, tuple[str, int, int]] = {
    "outreach_attempt_limit": ("Outreach attempts before closing", 1, 20),
    "outreach_period_days": ("Days to make those attempts", 1, 365),
    "assessment_window_days": ("Days to complete the assessment", 1, 365),
    "candidate_admissions": ("Hospital admissions that make someone a candidate", 1, 20),
    "candidate_window_days": ("Days in which those admissions count", 1, 730),
}
CAPACITY_BOUNDS = (1, 200)
# Only these roles work in or supervise a team.
TEAM_ROLES = (Role.CARE_MANAGER, Role.SUPERVISOR)


def require_admin_of(acting_user: User, program_id: int | None, *, what: str = "its settings") -> None:
    """Refuse anyone but an admin of the program `program_id`; `what` names what they tried to change."""
    if acting_user.role != Role.PROGRAM_ADMIN or acting_user.program_id != program_id:
        raise DomainError(f"Only an admin of this program can change {what}.")


def check_in_bounds(value: int, *, label: str, low: int, high: int) -> None:
    """Refuse a number outside `low`..`high`, naming the setting."""
    if not low <= value <= high:
        raise DomainError(f"{label} must be between {low} and {high}; you entered {value}.")


def check_settings_in_bounds(values: dict[str, int], bounds: dict[str, tuple[str, int, int]]) -> None:
    """Refuse the first of `values` outside its (label, low, high) in `bounds`."""
    for name, value in values.items():
        label, low, high = bounds[name]
        check_in_bounds(value, label=label, low=low, high=high)


@transaction.atomic
def program_settings_update(
    *,
    program: Program,
    acting_user: User,
    outreach_attempt_limit: int,
    outreach_period_days: int,
    assessment_window_days: int,
    candidate_admissions: int,
    candidate_window_days: int,
) -> Program:
    """Change the program's outreach limit, assessment window and the rule that finds candidates."""
    require_admin_of(acting_user, program.pk)
    values = {
        "outreach_attempt_limit": outreach_attempt_limit,
        "outreach_period_days": outreach_period_days,
        "assessment_window_days": assessment_window_days,
        "candidate_admissions": candidate_admissions,
        "candidate_window_days": candidate_window_days,
    }
    check_settings_in_bounds(values, PROGRAM_SETTING_BOUNDS)
    program = Program.objects.select_for_update().get(pk=program.pk)
    for name, value in values.items():
        setattr(program, name, value)
    _save(program, update_fields=list(values))
    logger.info("program_settings_updated program=%s by=%s", program.pk, acting_user.pk)
    return program


@transaction.atomic
def team_create(*, program: Program, acting_user: User, name: str) -> Team:
    """Add a team to the program. Team names are unique in a program, whatever their case."""
    require_admin_of(acting_user, program.pk)
    name = " ".join(name.split())
    if not name:
        raise DomainError("Give the team a name.")
    if len(name) > 200:
        raise DomainError("Keep the team's name to 200 characters or fewer.")
    # Serialise team creation per program, so two admins cannot add the same name at once.
    Program.objects.select_for_update().get(pk=program.pk)
    existing = Team.objects.filter(program=program, name__iexact=name).first()
    if existing is not None:
        raise DomainError(f"There is already a team called “{existing.name}”. Choose another name.")
    team = Team(program=program, name=name)
    _save(team)
    logger.info("team_created team=%s program=%s by=%s", team.pk, program.pk, acting_user.pk)
    return team


@transaction.atomic
def team_member_add(*, team: Team, user: User, acting_user: User) -> TeamMembership:
    """Add an active care manager or supervisor of the team's program to the team."""
    require_admin_of(acting_user, team.program_id)
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.program_id != team.program_id:
        raise DomainError("Choose someone from this program.")
    if not user.is_active:
        raise DomainError(f"{user} is switched off. Switch them on under People first.")
    if user.role not in TEAM_ROLES:
        raise DomainError(
            f"{user} is a {user.get_role_display().lower()}. Only care managers and supervisors join teams."
        )
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise DomainError(f"{user} is already in {team}.")
    membership = TeamMembership(team=team, user=user)
    _save(membership)
    logger.info("team_member_added team=%s user=%s by=%s", team.pk, user.pk, acting_user.pk)
    return membership


@transaction.atomic
def team_member_remove(*, team: Team, user: User, acting_user: User) -> None:
    """Take someone off a team. The caller checks first that they have no open caseload in the team
    (caseloads.settings_services.team_member_take_off)."""
    require_admin_of(acting_user, team.program_id)
    membership = TeamMembership.objects.select_for_update().filter(team=team, user=user).first()
    if membership is None:
        raise DomainError(f"{user} is not in {team}.")
    membership.delete()
    logger.info("team_member_removed team=%s user=%s by=%s", team.pk, user.pk, acting_user.pk)


@transaction.atomic
def user_settings_update(
    *,
    user: User,
    acting_user: User,
    role: str,
    discipline: str,
    caseload_capacity: int,
    is_active: bool,
) -> User:
    """Change someone's role, discipline, caseload capacity, and whether they can sign in.
    An admin cannot change their own role or switch themselves off: another admin must."""
    require_admin_of(acting_user, user.program_id)
    if role not in Role.values:
        raise DomainError("Choose a role from the list.")
    if discipline not in [*Discipline.values, ""]:
        raise DomainError("Choose a discipline from the list.")
    check_in_bounds(
        caseload_capacity, label="Caseload capacity", low=CAPACITY_BOUNDS[0], high=CAPACITY_BOUNDS[1]
    )
    if user.pk == acting_user.pk and role != Role.PROGRAM_ADMIN:
        raise DomainError("You cannot change your own role. Ask another program admin to do it.")
    if user.pk == acting_user.pk and not is_active:
        raise DomainError("You cannot switch yourself off. Ask another program admin to do it.")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.role = role
    user.discipline = discipline
    user.caseload_capacity = caseload_capacity
    user.is_active = is_active
    _save(user, update_fields=["role", "discipline", "caseload_capacity", "is_active"])
    logger.info("user_settings_updated user=%s by=%s", user.pk, acting_user.pk)
    return user
