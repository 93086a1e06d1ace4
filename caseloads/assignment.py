"""Who could take a new person on: each care manager's weighted caseload against their capacity.

A person counts by the level of care they currently get (high 3, medium 2, low 1 points by default,
set per program in the intensity policy); someone without a computed level yet counts as medium.
"""

import dataclasses
from fractions import Fraction

from django.db.models import Case, Count, IntegerField, OuterRef, Q, StringAgg, Subquery, Value, When

from accounts.models import Discipline, Program, Role, TeamMembership, User
from caseloads.models import IntensityLevel, IntensityPolicy
from patients.models import CARE_STATUSES


@dataclasses.dataclass(frozen=True, kw_only=True)
class CaseloadWeights:
    """The points each level of care counts for in a caseload's intensity-weighted load."""

    high: int
    medium: int
    low: int

    @classmethod
    def of_policy(cls, policy: IntensityPolicy) -> "CaseloadWeights":
        return cls(high=policy.high_weight, medium=policy.medium_weight, low=policy.low_weight)

    def of(self, level: str | None) -> int:
        """The weight of one person; a level not worked out yet counts as medium."""
        return {IntensityLevel.HIGH: self.high, IntensityLevel.LOW: self.low}.get(level or "", self.medium)

    def expression(self, level_field: str) -> Case:
        """The same weight as an SQL expression over `level_field` (a level or NULL)."""
        return Case(
            When(**{level_field: IntensityLevel.HIGH}, then=Value(self.high)),
            When(**{level_field: IntensityLevel.LOW}, then=Value(self.low)),
            default=Value(self.medium),
            output_field=IntegerField(),
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class CareManagerSuggestion:
    """One care manager's numbers. `load_percent` is None when no capacity is set."""

    care_manager: User
    teams: str
    high_count: int
    medium_count: int
    low_count: int
    points: int
    capacity: int
    load_percent: int | None
    is_discipline_match: bool

    @property
    def is_over_capacity(self) -> bool:
        return self.capacity == 0 or self.points >= self.capacity

    @property
    def discipline_label(self) -> str:
        return self.care_manager.get_discipline_display() or "Not recorded"


@dataclasses.dataclass(frozen=True, kw_only=True)
class CareManagerSuggestions:
    weights: CaseloadWeights
    discipline_hint: str
    rows: list[CareManagerSuggestion]

    @property
    def discipline_hint_label(self) -> str:
        return Discipline(self.discipline_hint).label if self.discipline_hint in Discipline.values else ""

    def by_id(self) -> dict[int, User]:
        return {row.care_manager.pk: row.care_manager for row in self.rows}


def caseload_weights_of(*, program: Program) -> CaseloadWeights:
    """The program's weights, or the policy's defaults when the program has not set its own."""
    policy = IntensityPolicy.objects.filter(program=program).first() or IntensityPolicy(program=program)
    return CaseloadWeights.of_policy(policy)


def _load_percent(points: int, capacity: int) -> int | None:
    if capacity == 0:
        return None
    return int(Fraction(points * 100, capacity) + Fraction(1, 2))  # rounded half up


def care_manager_suggestions(*, program: Program, discipline_hint: str = "") -> CareManagerSuggestions:
    """Every active care manager of `program`, best suggestion first: a discipline match (when a hint
    is given) first, then the lowest weighted load against capacity. Two queries whatever the size."""
    weights = caseload_weights_of(program=program)
    primary = Q(
        care_team_memberships__is_primary=True,
        care_team_memberships__ended_on__isnull=True,
        care_team_memberships__enrollment__status__in=CARE_STATUSES,
    )
    level = "care_team_memberships__enrollment__caseload_status__current_level"
    teams = (
        TeamMembership.objects.filter(user=OuterRef("pk"))
        .values("user")
        .annotate(names=StringAgg("team__name", Value(", "), order_by="team__name"))
        .values("names")
    )
    care_managers = (
        User.objects.filter(program=program, role=Role.CARE_MANAGER, is_active=True)
        .annotate(
            high_count=Count("care_team_memberships", filter=primary & Q(**{level: IntensityLevel.HIGH})),
            medium_count=Count(
                "care_team_memberships",
                filter=primary & (Q(**{level: IntensityLevel.MEDIUM}) | Q(**{f"{level}__isnull": True})),
            ),
            low_count=Count("care_team_memberships", filter=primary & Q(**{level: IntensityLevel.LOW})),
            team_names=Subquery(teams),
        )
        .order_by("last_name", "first_name", "pk")
    )
    rows = []
    for user in care_managers:
        points = (
            user.high_count * weights.high + user.medium_count * weights.medium + user.low_count * weights.low
        )
        rows.append(
            CareManagerSuggestion(
                care_manager=user,
                teams=user.team_names or "",
                high_count=user.high_count,
                medium_count=user.medium_count,
                low_count=user.low_count,
                points=points,
                capacity=user.caseload_capacity,
                load_percent=_load_percent(points, user.caseload_capacity),
                is_discipline_match=bool(discipline_hint) and user.discipline == discipline_hint,
            )
        )

    def best_first(row: CareManagerSuggestion) -> tuple[bool, bool, Fraction, int]:
        no_capacity = row.capacity == 0
        load = Fraction(0) if no_capacity else Fraction(row.points, row.capacity)
        return (not row.is_discipline_match, no_capacity, load, row.points)

    rows.sort(key=best_first)  # stable: ties keep the alphabetical order
    return CareManagerSuggestions(weights=weights, discipline_hint=discipline_hint, rows=rows)
