"""Balancing a team's caseloads: moves that even out intensity-weighted load, proposed by a pure function,
and applied only when a supervisor chooses them, each with a reason and a warm-transfer note.

How moves are proposed (the page says the same in plain words):
- Load is intensity-weighted, as in caseloads.assignment: each person a care manager is primary for, in
  outreach, active or maintenance, counts by their current level of care (high 3, medium 2, low 1 points
  by default, set per program); someone without a computed level counts as medium. Load counts every
  team the care manager works in, since capacity belongs to the person.
- Discipline fit: a person is proposed only to a care manager of the same discipline as their current
  one (a social worker's person to another social worker). The supervisor may choose someone else on
  the page; the proposal never does.
- Never proposed: someone with a crisis (ED visit, admission, readmission, crisis) within the program's
  crisis look-back (30 days by default): a new face then breaks trust when it matters most; and a
  graduation candidate: the care manager who knows them sees them through. A recent contact is no bar:
  the current care manager has just seen them, so the warm-transfer note is at its freshest.
- Least disruption first: people in outreach (not reached yet, so no relationship is broken), then people
  with their care manager for under NEW_RELATIONSHIP_DAYS days, then the rest; within each, the lowest
  weight first, then the newest relationship.
- Greedy, within each discipline: the care manager furthest above their fair share (the discipline's
  points spread in proportion to capacity) gives one person to the one furthest below, as long as the
  gap between them is more than one person at the highest level (the tolerance), the person's weight is
  less than the gap (so every move narrows it) and the receiver stays within capacity. Nobody moves twice.
"""

import dataclasses
import datetime
import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from fractions import Fraction

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.errors import DomainError
from accounts.models import Role, Team, TeamMembership, User
from accounts.persistence import save_valid
from accounts.selectors import care_managers_of_teams, teams_of
from caseloads.assignment import CaseloadWeights
from caseloads.models import CaseloadStatus, IntensityPolicy
from caseloads.services import primary_care_manager_assign
from engagement.models import CRISIS_KINDS, LifeEvent
from patients.access import enrollments_visible_to
from patients.models import CARE_STATUSES, CareTeamMember, Enrollment, EnrollmentStatus

logger = logging.getLogger(__name__)

# Under this many days with their current care manager, a relationship is still new.
NEW_RELATIONSHIP_DAYS = 30
# The reason is kept on the ended membership's end_reason (300 characters) after END_REASON_PREFIX.
END_REASON_PREFIX = "Caseload balancing: "
REASON_MAX_LENGTH = 250
TRANSFER_NOTE_MAX_LENGTH = 2000


# --- the pure proposal ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class CareManagerLoad:
    user_id: int
    name: str
    # "" when not recorded: such care managers are matched only with each other.
    discipline: str
    capacity: int
    points: int


@dataclasses.dataclass(frozen=True, kw_only=True)
class MovableEnrollment:
    """One person in the team's care, with what decides whether and how early they are proposed."""

    enrollment_id: int
    # The current primary care manager's membership: a move is stale once it is no longer current.
    primary_member_id: int
    care_manager_id: int
    weight: int
    is_outreach: bool
    days_with_care_manager: int
    has_recent_crisis: bool = False
    is_graduation_candidate: bool = False

    @property
    def is_held(self) -> bool:
        return self.has_recent_crisis or self.is_graduation_candidate


@dataclasses.dataclass(frozen=True, kw_only=True)
class ProposedMove:
    enrollment_id: int
    primary_member_id: int
    from_user_id: int
    to_user_id: int
    weight: int
    reason: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Proposal:
    moves: list[ProposedMove]
    # Each care manager's points once every proposed move is applied.
    points_after: dict[int, int]


def _least_disruption_first(enrollment: MovableEnrollment) -> tuple[int, int, int, int]:
    if enrollment.is_outreach:
        tier = 0
    elif enrollment.days_with_care_manager < NEW_RELATIONSHIP_DAYS:
        tier = 1
    else:
        tier = 2
    return (tier, enrollment.weight, enrollment.days_with_care_manager, enrollment.enrollment_id)


def propose_moves(
    *,
    care_managers: Sequence[CareManagerLoad],
    enrollments: Iterable[MovableEnrollment],
    tolerance: int,
) -> Proposal:
    """The moves that even out the care managers' weighted load, least disruptive first (see the module
    docstring). `tolerance`: the gap in points, relative to fair shares, that counts as balanced."""
    points = {manager.user_id: manager.points for manager in care_managers}
    pools: dict[int, list[MovableEnrollment]] = defaultdict(list)
    for enrollment in sorted(enrollments, key=_least_disruption_first):
        if enrollment.care_manager_id in points and not enrollment.is_held:
            pools[enrollment.care_manager_id].append(enrollment)

    moves: list[ProposedMove] = []
    by_discipline = sorted(care_managers, key=lambda manager: (manager.discipline, manager.user_id))
    for _, group_iterable in itertools.groupby(by_discipline, key=lambda manager: manager.discipline):
        group = list(group_iterable)
        total_capacity = sum(manager.capacity for manager in group)
        if len(group) < 2 or total_capacity == 0:
            continue
        # Moves inside the group keep its total, so the fair share per point of capacity stays put.
        share = Fraction(sum(points[manager.user_id] for manager in group), total_capacity)
        while move := _next_move(group, points, pools, share=share, tolerance=tolerance):
            moves.append(move)
            points[move.from_user_id] -= move.weight
            points[move.to_user_id] += move.weight
            pools[move.from_user_id] = [
                enrollment
                for enrollment in pools[move.from_user_id]
                if enrollment.enrollment_id != move.enrollment_id
            ]
    return Proposal(moves=moves, points_after=points)


def _next_move(
    group: list[CareManagerLoad],
    points: dict[int, int],
    pools: dict[int, list[MovableEnrollment]],
    *,
    share: Fraction,
    tolerance: int,
) -> ProposedMove | None:
    def excess(manager: CareManagerLoad) -> Fraction:
        return points[manager.user_id] - share * manager.capacity

    donors = sorted(group, key=lambda manager: (-excess(manager), manager.user_id))
    receivers = sorted(group, key=lambda manager: (excess(manager), manager.user_id))
    for donor in donors:
        if not pools[donor.user_id]:
            continue
        for receiver in receivers:
            gap = excess(donor) - excess(receiver)
            if gap <= tolerance:
                break
            room = receiver.capacity - points[receiver.user_id]
            for enrollment in pools[donor.user_id]:
                if enrollment.weight < gap and enrollment.weight <= room:
                    return ProposedMove(
                        enrollment_id=enrollment.enrollment_id,
                        primary_member_id=enrollment.primary_member_id,
                        from_user_id=donor.user_id,
                        to_user_id=receiver.user_id,
                        weight=enrollment.weight,
                        reason=(
                            f"{donor.name} is at {points[donor.user_id]} of {donor.capacity} points; "
                            f"{receiver.name} at {points[receiver.user_id]} of {receiver.capacity}."
                        ),
                    )
    return None


# --- who may balance which team -------------------------------------------------------------------

BALANCING_ROLES = (Role.SUPERVISOR, Role.PROGRAM_ADMIN, Role.PROGRAM_LEAD)


def can_apply_moves(user: User, team: Team) -> bool:
    """A supervisor of the team, or a program admin of its program. Program leads only look."""
    if user.program_id != team.program_id or not user.is_active:
        return False
    if user.role == Role.PROGRAM_ADMIN:
        return True
    return user.role == Role.SUPERVISOR and TeamMembership.objects.filter(user=user, team=team).exists()


def can_assign_primary(user: User, enrollment: Enrollment) -> bool:
    """Who may name an enrolment's primary care manager: as for moves between caseloads (can_apply_moves)
    once it has a team; before that (a referral not yet screened), the program's admins, who screen."""
    if enrollment.team_id is None:
        return user.is_active and user.role == Role.PROGRAM_ADMIN and user.program_id == enrollment.program_id
    return can_apply_moves(user, enrollment.team)


def team_to_balance_for(user: User, team_id: int) -> Team:
    """The team, with its program and intensity policy. 403 for roles that never balance (care
    managers); 404 for another program's team, or a team this supervisor does not supervise."""
    if user.role not in BALANCING_ROLES:
        raise PermissionDenied
    teams = Team.objects.filter(program_id=user.program_id)
    if user.role == Role.SUPERVISOR:
        teams = teams_of(user).filter(program_id=user.program_id)
    return get_object_or_404(teams.select_related("program__intensity_policy"), pk=team_id)


# --- the facts for one team -----------------------------------------------------------------------


def _policy_of(team: Team) -> IntensityPolicy:
    # A reverse one-to-one with no row raises on access (an AttributeError): the policy's defaults then.
    return getattr(team.program, "intensity_policy", None) or IntensityPolicy(program=team.program)


def _with_weighted_load(users: QuerySet[User], weights: CaseloadWeights) -> QuerySet[User]:
    """`users` annotated with `weighted_load`: their current primary enrolments in care, by level."""
    memberships = "care_team_memberships"
    level = f"{memberships}__enrollment__caseload_status__current_level"
    primary_in_care = Q(
        **{
            f"{memberships}__is_primary": True,
            f"{memberships}__ended_on__isnull": True,
            f"{memberships}__enrollment__status__in": CARE_STATUSES,
        }
    )
    return users.annotate(weighted_load=Coalesce(Sum(weights.expression(level), filter=primary_in_care), 0))


@dataclasses.dataclass(frozen=True, kw_only=True)
class CareManagerRow:
    care_manager: User
    points: int
    points_after: int

    @property
    def capacity(self) -> int:
        return self.care_manager.caseload_capacity

    @property
    def is_over_capacity(self) -> bool:
        return self.points > self.capacity

    @property
    def discipline_label(self) -> str:
        return self.care_manager.get_discipline_display() or "Discipline not recorded"


@dataclasses.dataclass(frozen=True, kw_only=True)
class MoveRow:
    """A proposed move with the people it is about."""

    move: ProposedMove
    enrollment: Enrollment
    from_user: User
    to_user: User

    @property
    def level_label(self) -> str:
        status = getattr(self.enrollment, "caseload_status", None)
        return status.get_current_level_display() if status else "Medium (not worked out yet)"


@dataclasses.dataclass(frozen=True, kw_only=True)
class TeamBalance:
    team: Team
    weights: CaseloadWeights
    tolerance: int
    crisis_lookback_days: int
    rows: list[CareManagerRow]
    moves: list[MoveRow]
    # People kept with their care manager: a recent crisis, or ready to graduate.
    held_count: int
    # Everyone in the team's care whose primary is one of `rows`, by enrolment id (to show posted moves).
    enrollments: dict[int, Enrollment]
    primaries: dict[int, User]

    def care_manager(self, user_id: int) -> User | None:
        return next((row.care_manager for row in self.rows if row.care_manager.pk == user_id), None)


def team_balance_for(*, user: User, team: Team) -> TeamBalance:
    """Each care manager's load against capacity and the proposed moves, for `team` (from
    `team_to_balance_for`). Two queries, whatever the size of the team."""
    policy = _policy_of(team)
    weights = CaseloadWeights.of_policy(policy)
    today = team.program.today()
    managers = list(_with_weighted_load(care_managers_of_teams(team_ids=[team.pk]), weights))
    by_id = {manager.pk: manager for manager in managers}
    recent_crisis = LifeEvent.objects.filter(
        enrollment=OuterRef("enrollment_id"),
        kind__in=CRISIS_KINDS,
        occurred_on__gte=today - datetime.timedelta(days=policy.crisis_lookback_days),
        occurred_on__lte=today,
    )
    in_care = enrollments_visible_to(user).filter(team=team, status__in=CARE_STATUSES)
    primaries = list(
        CareTeamMember.objects.filter(
            is_primary=True, ended_on__isnull=True, enrollment__in=in_care, user_id__in=list(by_id)
        )
        .select_related("enrollment__patient", "enrollment__caseload_status")
        .annotate(has_recent_crisis=Exists(recent_crisis))
        .order_by("enrollment_id")
    )
    movable = [_movable(member, weights, today) for member in primaries]
    proposal = propose_moves(
        care_managers=[_load_of(manager) for manager in managers],
        enrollments=movable,
        tolerance=policy.high_weight,
    )
    enrollments = {member.enrollment_id: member.enrollment for member in primaries}
    return TeamBalance(
        team=team,
        weights=weights,
        tolerance=policy.high_weight,
        crisis_lookback_days=policy.crisis_lookback_days,
        rows=[
            CareManagerRow(
                care_manager=manager,
                points=manager.weighted_load,
                points_after=proposal.points_after[manager.pk],
            )
            for manager in managers
        ],
        moves=[
            MoveRow(
                move=move,
                enrollment=enrollments[move.enrollment_id],
                from_user=by_id[move.from_user_id],
                to_user=by_id[move.to_user_id],
            )
            for move in proposal.moves
        ],
        held_count=sum(1 for enrollment in movable if enrollment.is_held),
        enrollments=enrollments,
        primaries={member.enrollment_id: by_id[member.user_id] for member in primaries},
    )


def _load_of(manager: User) -> CareManagerLoad:
    return CareManagerLoad(
        user_id=manager.pk,
        name=str(manager),
        discipline=manager.discipline,
        capacity=manager.caseload_capacity,
        points=manager.weighted_load,
    )


def _movable(member: CareTeamMember, weights: CaseloadWeights, today: datetime.date) -> MovableEnrollment:
    enrollment = member.enrollment
    status: CaseloadStatus | None = getattr(enrollment, "caseload_status", None)
    return MovableEnrollment(
        enrollment_id=enrollment.pk,
        primary_member_id=member.pk,
        care_manager_id=member.user_id,
        weight=weights.of(status.current_level if status else None),
        is_outreach=enrollment.status == EnrollmentStatus.OUTREACH,
        days_with_care_manager=(today - member.started_on).days,
        has_recent_crisis=member.has_recent_crisis,
        is_graduation_candidate=bool(status and status.is_graduation_candidate),
    )


# --- applying the chosen moves --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class ChosenMove:
    """A move the supervisor ticked: who, from which primary membership (to catch stale proposals), to
    whom, why, and the warm-transfer note for the new care manager."""

    enrollment_id: int
    from_member_id: int
    to_user_id: int
    reason: str
    transfer_note: str


STALE = "Nothing was moved. Look at the proposals again: they have been worked out afresh."


@transaction.atomic
def caseload_moves_apply(
    *, team: Team, moves: Sequence[ChosenMove], acting_user: User
) -> list[CareTeamMember]:
    """Make each chosen move's care manager the person's primary, with the note kept on the new
    membership and the reason on the ended one; each caseload row is recomputed after commit, so it
    follows the new care manager (caseloads.services.primary_care_manager_assign).

    All or nothing: a move that is refused (stale because the primary changed since the proposal, a
    receiver outside the team or without room, a missing reason or note) raises DomainError and stores
    nothing. Enrolments are locked in id order.
    """
    if not can_apply_moves(acting_user, team):
        raise DomainError(
            "Only a supervisor of this team or a program admin can move people between caseloads."
        )
    if not moves:
        raise DomainError("Tick at least one move to apply.")
    ids = [move.enrollment_id for move in moves]
    if len(set(ids)) != len(ids):
        raise DomainError("The same person is in two moves. " + STALE)
    locked = {
        enrollment.pk: enrollment
        for enrollment in Enrollment.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, team=team, program_id=team.program_id)
        .select_related("patient", "program", "caseload_status")
        .order_by("pk")
    }
    if len(locked) != len(ids):
        raise DomainError("Someone in these moves is no longer in this team's caseload. " + STALE)
    current = {
        member.enrollment_id: member
        for member in CareTeamMember.objects.filter(
            enrollment_id__in=ids, is_primary=True, ended_on__isnull=True
        )
    }
    weights = CaseloadWeights.of_policy(_policy_of(team))
    receivers = {
        user.pk: user
        for user in _with_weighted_load(
            care_managers_of_teams(team_ids=[team.pk]).filter(pk__in={move.to_user_id for move in moves}),
            weights,
        )
    }
    points = {user_id: user.weighted_load for user_id, user in receivers.items()}
    on = team.program.today()
    made = []
    for move in sorted(moves, key=lambda move: move.enrollment_id):
        enrollment = locked[move.enrollment_id]
        name = enrollment.patient.display_name
        previous = current.get(enrollment.pk)
        if enrollment.status not in CARE_STATUSES:
            raise DomainError(f"{name} is no longer in care. " + STALE)
        if previous is None or previous.pk != move.from_member_id:
            raise DomainError(
                f"{name}'s primary care manager has changed since these moves were proposed. " + STALE
            )
        receiver = receivers.get(move.to_user_id)
        if receiver is None:
            raise DomainError(f"Choose a care manager in {team.name} for {name}.")
        reason, note = move.reason.strip(), move.transfer_note.strip()
        _require_reason_and_note(name, reason, note)
        if receiver.pk == previous.user_id:
            raise DomainError(f"{receiver} is already {name}'s primary care manager. Choose someone else.")
        status = getattr(enrollment, "caseload_status", None)
        weight = weights.of(status.current_level if status else None)
        if points[receiver.pk] + weight > receiver.caseload_capacity:
            raise DomainError(
                f"Moving {name} would put {receiver} at {points[receiver.pk] + weight} of "
                f"{receiver.caseload_capacity} points. Choose someone with room, or change {receiver}'s "
                "capacity in the program settings first."
            )
        try:
            primary = primary_care_manager_assign(
                enrollment=enrollment,
                care_manager=receiver,
                acting_user=acting_user,
                transfer_note=note,
                team_id=team.pk,
                on=on,
            )
        except DomainError as refusal:
            raise DomainError(f"{name}: {' '.join(refusal.messages)} Nothing was moved.") from refusal
        points[receiver.pk] += weight
        if previous.user_id in points:
            points[previous.user_id] -= weight
        previous.refresh_from_db(fields=["ended_on", "end_reason"])
        previous.end_reason = END_REASON_PREFIX + reason
        save_valid(previous, update_fields=["end_reason"])
        made.append(primary)
        logger.info(
            "caseload_move_applied enrollment=%s from=%s to=%s by=%s",
            enrollment.pk,
            previous.user_id,
            receiver.pk,
            acting_user.pk,
        )
    return made


def _require_reason_and_note(name: str, reason: str, note: str) -> None:
    if not reason:
        raise DomainError(f"Give a reason for moving {name}.")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError(f"Keep the reason for moving {name} to {REASON_MAX_LENGTH} characters or fewer.")
    if not note:
        raise DomainError(f"Write a warm-transfer note for {name}'s new care manager.")
    if len(note) > TRANSFER_NOTE_MAX_LENGTH:
        raise DomainError(
            f"Keep the warm-transfer note for {name} to {TRANSFER_NOTE_MAX_LENGTH} characters or fewer."
        )
