"""Reads behind the supervisor's team dashboard and one care manager's caseload review.

A supervisor sees the care managers of the teams they supervise; program admins and leads see every
team in the program. Care managers have no dashboard (403). Each page costs a fixed number of queries
whatever the number of care managers or enrolments: the counts come from one aggregate over the stored
caseload rows, the trends from the daily snapshots.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Count,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Program, Role, Team, User
from accounts.precompiled import PrecompiledRead, instance_builder
from accounts.selectors import care_managers_of_teams, teams_of
from caseloads.assignment import CaseloadWeights, caseload_weights_of
from caseloads.models import (
    LEVEL_ORDER,
    CaseloadSnapshot,
    CaseloadStatus,
    IntensityLevel,
    SupervisionDecision,
    SupervisionSession,
)
from caseloads.selectors import CaseloadFilters, caseload_of, caseload_rows
from caseloads.supervision import records_supervision
from patients.access import PROGRAM_WIDE_ROLES, ReadForEachKindOfViewer, enrollments_visible_to
from patients.models import CARE_STATUSES, Enrollment, EnrollmentStatus

# When a row stands out: more than this share of the caseload overdue, or this long since supervision.
LAGGING_OVERDUE_SHARE = 0.2
SUPERVISION_DUE_DAYS = 14
TREND_WEEKS = 12

DASHBOARD_ROLES = (Role.SUPERVISOR, *PROGRAM_WIDE_ROLES)


def has_dashboard(user: User) -> bool:
    """Supervisors, program admins and program leads of a program."""
    return user.is_authenticated and user.role in DASHBOARD_ROLES and user.program_id is not None


def require_dashboard_access(user: User) -> None:
    """403 for anyone without a dashboard (has_dashboard)."""
    if not has_dashboard(user):
        raise PermissionDenied


def dashboard_teams_of(user: User) -> QuerySet[Team]:
    """The teams whose care managers `user` oversees: a supervisor's own teams, or the whole program."""
    require_dashboard_access(user)
    if user.role in PROGRAM_WIDE_ROLES:
        return Team.objects.filter(program_id=user.program_id)
    return teams_of(user).filter(program_id=user.program_id)


def care_managers_overseen_by(user: User) -> QuerySet[User]:
    """The care managers on `user`'s dashboard: of the teams they oversee (403 without a dashboard)."""
    return care_managers_of_teams(team_ids=dashboard_teams_of(user).values("pk"))


def care_manager_for_review(*, user: User, care_manager_id: int) -> User:
    """A care manager in one of `user`'s dashboard teams (care_managers_overseen_by); 404 for anyone else.

    Read on every caseload review and decision panel, by a statement compiled once per role.
    """
    require_dashboard_access(user)
    found = _CARE_MANAGER_READ.rows(user, care_manager_id=care_manager_id)
    if not found:
        raise Http404
    return instance_builder(User)(_CARE_MANAGER_COLUMNS, found[0])


# What the review and the supervision session read of the care manager; the rest loads if asked for.
_CARE_MANAGER_COLUMNS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "is_active",
    "program_id",
    "role",
    "discipline",
    "caseload_capacity",
)


def _care_manager_read(viewer: User, *, care_manager_id: int) -> QuerySet[User]:
    overseen = care_managers_overseen_by(viewer).filter(pk=care_manager_id)
    return overseen.values_list(*_CARE_MANAGER_COLUMNS)


_CARE_MANAGER_READ = ReadForEachKindOfViewer(build=_care_manager_read, stand_ins={"care_manager_id": -103})


def reassignment_choices(*, user: User, care_manager_id: int) -> list[User]:
    """Whom `user` may hand the care manager's people to in supervision: the others they oversee."""
    return [colleague for colleague in care_managers_overseen_by(user) if colleague.pk != care_manager_id]


def supervision_sessions_visible_to(user: User) -> QuerySet[SupervisionSession]:
    """The sessions `user` may read, as supervision_session_for decides for one: their own (the care
    manager it was about), and those of the care managers on their dashboard."""
    if not user.is_authenticated:
        return SupervisionSession.objects.none()
    own = Q(care_manager=user)
    if not has_dashboard(user):
        return SupervisionSession.objects.filter(own)
    return SupervisionSession.objects.filter(
        own | Q(care_manager__in=care_managers_overseen_by(user).values("pk"))
    )


_STEP_UP = Q(
    current_level=IntensityLevel.LOW, recommended_level__in=[IntensityLevel.MEDIUM, IntensityLevel.HIGH]
) | Q(current_level=IntensityLevel.MEDIUM, recommended_level=IntensityLevel.HIGH)


@dataclass(frozen=True)
class Trend:
    """A small line chart of one weekly figure over the last TREND_WEEKS weeks."""

    values: list[int]
    # SVG polyline points in a 0-100 by 0-24 box; "" with fewer than two weeks of snapshots.
    points: str
    # The capacity line's height in the same box, for the weighted load chart.
    capacity_y: float | None = None

    @property
    def description(self) -> str:
        if not self.values:
            return "No history yet"
        if len(self.values) == 1:
            return f"{self.values[0]} this week, no earlier weeks yet"
        return f"From {self.values[0]} to {self.values[-1]} over {len(self.values)} weeks"


@dataclass(frozen=True)
class CareManagerRow:
    care_manager: User
    outreach: int
    active: int
    maintenance: int
    high: int
    medium: int
    low: int
    weighted_load: int
    capacity: int
    overdue: int
    graduation_candidates: int
    step_ups: int
    last_supervised_on: datetime.date | None
    today: datetime.date
    load_trend: Trend
    overdue_trend: Trend

    @property
    def in_care(self) -> int:
        return self.outreach + self.active + self.maintenance

    @property
    def mix_segments(self) -> list[tuple[str, float, float]]:
        """(level, x, width) of the intensity-mix bar, in percent of the people in care."""
        segments, x = [], 0.0
        for level, count in (("high", self.high), ("medium", self.medium), ("low", self.low)):
            width = round(100 * count / self.in_care, 1) if self.in_care else 0.0
            segments.append((level, x, width))
            x = round(x + width, 1)
        return segments

    @property
    def load_percent(self) -> int:
        return round(100 * self.weighted_load / self.capacity) if self.capacity else 0

    @property
    def is_over_capacity(self) -> bool:
        return self.weighted_load > self.capacity

    @property
    def is_lagging(self) -> bool:
        return self.in_care > 0 and self.overdue / self.in_care > LAGGING_OVERDUE_SHARE

    @property
    def days_since_supervision(self) -> int | None:
        return None if self.last_supervised_on is None else (self.today - self.last_supervised_on).days

    @property
    def supervision_due(self) -> bool:
        days = self.days_since_supervision
        return days is None or days > SUPERVISION_DUE_DAYS

    @property
    def stands_out(self) -> bool:
        return self.is_over_capacity or self.is_lagging


@dataclass(frozen=True)
class TeamDashboard:
    teams: list[Team]
    team: Team | None
    rows: list[CareManagerRow]
    # The oldest and newest computation of the rows counted; None when nothing is computed yet.
    computed_from: datetime.datetime | None
    computed_to: datetime.datetime | None
    snapshots_taken_on: datetime.date | None
    today: datetime.date
    weights: CaseloadWeights
    totals: dict[str, int] = field(default_factory=dict)


def team_dashboard_for(*, user: User, team_id: int | None = None) -> TeamDashboard:
    """One row per care manager in `user`'s teams (or the one chosen), in five queries."""
    teams = list(dashboard_teams_of(user).select_related("program"))
    team = next((team for team in teams if team.pk == team_id), None) if team_id else None
    team_ids = [team.pk] if team else [team.pk for team in teams]
    program = Program(pk=user.program_id, time_zone=_time_zone(teams, user))
    today = program.today()
    weights = caseload_weights_of(program=program)
    last_supervised = (
        SupervisionSession.objects.filter(care_manager=OuterRef("pk"))
        .order_by("-held_on")
        .values("held_on")[:1]
    )
    care_managers = list(
        care_managers_of_teams(team_ids=team_ids).annotate(last_supervised_on=Subquery(last_supervised))
    )
    counts = _caseload_counts([cm.pk for cm in care_managers], weights)
    trends = _weekly_snapshots([cm.pk for cm in care_managers], today)
    rows = []
    for care_manager in care_managers:
        figures = counts.get(care_manager.pk, {})
        weeks = trends.get(care_manager.pk, [])
        rows.append(
            CareManagerRow(
                care_manager=care_manager,
                outreach=figures.get("outreach", 0),
                active=figures.get("active", 0),
                maintenance=figures.get("maintenance", 0),
                high=figures.get("high", 0),
                medium=figures.get("medium", 0),
                low=figures.get("low", 0),
                weighted_load=figures.get("weighted_load") or 0,
                capacity=care_manager.caseload_capacity,
                overdue=figures.get("overdue", 0),
                graduation_candidates=figures.get("graduation_candidates", 0),
                step_ups=figures.get("step_ups", 0),
                last_supervised_on=care_manager.last_supervised_on,
                today=today,
                load_trend=_trend(
                    [week.weighted_load for week in weeks], capacity=care_manager.caseload_capacity
                ),
                overdue_trend=_trend([week.overdue_count for week in weeks]),
            )
        )
    computed = [figures for figures in counts.values() if figures.get("computed_from")]
    snapshot_days = [week.taken_on for weeks in trends.values() for week in weeks]
    return TeamDashboard(
        teams=teams,
        team=team,
        rows=rows,
        computed_from=min((figures["computed_from"] for figures in computed), default=None),
        computed_to=max((figures["computed_to"] for figures in computed), default=None),
        snapshots_taken_on=max(snapshot_days, default=None),
        today=today,
        weights=weights,
        totals={
            "in_care": sum(row.in_care for row in rows),
            "overdue": sum(row.overdue for row in rows),
            "graduation_candidates": sum(row.graduation_candidates for row in rows),
            "step_ups": sum(row.step_ups for row in rows),
        },
    )


def _time_zone(teams: Sequence[Team], user: User) -> str:
    # The teams' program is the user's; its time zone decides "today" without another query.
    if teams:
        return teams[0].program.time_zone
    return Program.objects.only("time_zone").get(pk=user.program_id).time_zone


def _caseload_counts(care_manager_ids: list[int], weights: CaseloadWeights) -> dict[int, dict[str, object]]:
    """Each care manager's stored caseload rows in care, counted in one aggregate query."""
    rows = (
        CaseloadStatus.objects.filter(
            care_manager_id__in=care_manager_ids, enrollment__status__in=CARE_STATUSES
        )
        .values("care_manager_id")
        .order_by()
        .annotate(
            outreach=Count("pk", filter=Q(enrollment__status=EnrollmentStatus.OUTREACH)),
            active=Count("pk", filter=Q(enrollment__status=EnrollmentStatus.ACTIVE)),
            maintenance=Count("pk", filter=Q(enrollment__status=EnrollmentStatus.MAINTENANCE)),
            high=Count("pk", filter=Q(current_level=IntensityLevel.HIGH)),
            medium=Count("pk", filter=Q(current_level=IntensityLevel.MEDIUM)),
            low=Count("pk", filter=Q(current_level=IntensityLevel.LOW)),
            weighted_load=Sum(weights.expression("current_level")),
            overdue=Count("pk", filter=Q(is_overdue=True)),
            graduation_candidates=Count("pk", filter=Q(is_graduation_candidate=True)),
            step_ups=Count("pk", filter=_STEP_UP),
            computed_from=Min("computed_at"),
            computed_to=Max("computed_at"),
        )
    )
    return {row["care_manager_id"]: row for row in rows}


class WeeklyFigures(NamedTuple):
    taken_on: datetime.date
    weighted_load: int
    overdue_count: int


def _weekly_snapshots(care_manager_ids: list[int], today: datetime.date) -> dict[int, list[WeeklyFigures]]:
    """The last snapshot of each of the last TREND_WEEKS weeks, oldest first, per care manager. One query,
    reading plain values: a team's 12 weeks of daily snapshots are hundreds of rows."""
    since = today - datetime.timedelta(weeks=TREND_WEEKS)
    snapshots = (
        CaseloadSnapshot.objects.filter(care_manager_id__in=care_manager_ids, taken_on__gt=since)
        .order_by("care_manager_id", "taken_on")
        .values_list("care_manager_id", "taken_on", "weighted_load", "overdue_count")
    )
    by_week: dict[int, dict[int, WeeklyFigures]] = defaultdict(dict)
    for care_manager_id, taken_on, weighted_load, overdue_count in snapshots:
        # Oldest first, so each week keeps its latest snapshot.
        by_week[care_manager_id][(today - taken_on).days // 7] = WeeklyFigures(
            taken_on, weighted_load, overdue_count
        )
    return {
        care_manager_id: [weeks[week] for week in sorted(weeks, reverse=True)]
        for care_manager_id, weeks in by_week.items()
    }


def _trend(values: list[int], *, capacity: int | None = None) -> Trend:
    top = max([*values, capacity or 0, 1])
    height = 24

    def y(value: float) -> float:
        return round(height - 2 - (height - 4) * value / top, 1)

    points = ""
    if len(values) > 1:
        step = 100 / (len(values) - 1)
        points = " ".join(f"{round(index * step, 1)},{y(value)}" for index, value in enumerate(values))
    return Trend(values=values, points=points, capacity_y=y(capacity) if capacity else None)


@dataclass(frozen=True)
class LevelGroup:
    level: str
    label: str
    rows: list[Enrollment]


class RecentSession(NamedTuple):
    """A supervision session as the caseload review lists it."""

    pk: int
    held_on: datetime.date
    supervisor: User  # with its names only
    discussed_count: int
    decision_count: int


@dataclass(frozen=True)
class CaseloadReview:
    care_manager: User
    groups: list[LevelGroup]
    sessions: list[RecentSession]
    # May record a supervision session for this care manager (their supervisor).
    can_supervise: bool

    @property
    def rows(self) -> list[Enrollment]:
        return [row for group in self.groups for row in group.rows]


def caseload_review_for(
    *, user: User, care_manager_id: int, filters: CaseloadFilters | None = None
) -> CaseloadReview:
    """One care manager's people in care grouped by level of care (high first), with their flags, and
    the last supervision sessions. 404 when the care manager is outside `user`'s teams; the care managers
    on a supervisor's dashboard are those they supervise (caseloads.supervision.may_supervise), so the
    role is all that is left to check for `can_supervise`."""
    care_manager = care_manager_for_review(user=user, care_manager_id=care_manager_id)
    rows = caseload_rows(viewer=user, care_manager=care_manager, filters=filters)
    return CaseloadReview(
        care_manager=care_manager,
        groups=group_by_level(rows),
        sessions=recent_sessions_of(care_manager=care_manager),
        can_supervise=records_supervision(user),
    )


def person_to_discuss(*, user: User, care_manager_id: int, enrollment_id: int) -> Enrollment:
    """One person in care on the care manager's caseload, for the supervisor opening a decision about them
    on the caseload review; 404 for anyone else (and for a user who does not record supervision)."""
    care_manager = care_manager_for_review(user=user, care_manager_id=care_manager_id)
    if not records_supervision(user):
        raise Http404
    return get_object_or_404(caseload_of(viewer=user, care_manager=care_manager).only("pk"), pk=enrollment_id)


def group_by_level(rows: Iterable[Enrollment]) -> list[LevelGroup]:
    """High, medium, low, then people whose level is not worked out yet; empty groups left out."""
    buckets: dict[str, list[Enrollment]] = defaultdict(list)
    for row in rows:
        status = getattr(row, "caseload_status", None)
        buckets[status.current_level if status else ""].append(row)
    labels = {level.value: f"{level.label} level of care" for level in LEVEL_ORDER}
    order = [level.value for level in reversed(LEVEL_ORDER)] + [""]
    return [
        LevelGroup(level=level, label=labels.get(level, "Level not worked out yet"), rows=buckets[level])
        for level in order
        if buckets.get(level)
    ]


def recent_sessions_of(*, care_manager: User) -> list[RecentSession]:
    """The care manager's last supervision sessions, newest first."""
    build_supervisor = instance_builder(User)
    return [
        RecentSession(pk, held_on, build_supervisor(_SUPERVISOR_COLUMNS, supervisor), discussed, decisions)
        for pk, held_on, *supervisor, discussed, decisions in _RECENT_SESSIONS.rows(
            care_manager_id=care_manager.pk
        )
    ]


_SUPERVISOR_COLUMNS = ("id", "username", "first_name", "last_name")


def _recent_sessions_read(*, care_manager_id: int) -> QuerySet[SupervisionSession]:
    return (
        SupervisionSession.objects.filter(care_manager_id=care_manager_id)
        .annotate(
            decision_count=Count("decisions", distinct=True),
            discussed_count=Count("enrollments_discussed", distinct=True),
        )
        .order_by("-held_on", "-pk")
        .values_list(
            "pk",
            "held_on",
            *(f"supervisor__{name}" for name in _SUPERVISOR_COLUMNS),
            "discussed_count",
            "decision_count",
        )[:RECENT_SESSIONS]
    )


RECENT_SESSIONS = 5
# Read on every caseload review; compiling it (two counts over joins) cost more than running it.
_RECENT_SESSIONS = PrecompiledRead(build=_recent_sessions_read, stand_ins={"care_manager_id": -103})


def supervision_session_for(*, user: User, session_id: int) -> SupervisionSession:
    """A saved session with the people discussed and the decisions, as far as `user` may see them.

    The care manager it was about may read it; otherwise 403 without the dashboard, 404 outside the
    user's teams (as for the caseload review).
    """
    session = get_object_or_404(SupervisionSession.objects.only("care_manager_id"), pk=session_id)
    if session.care_manager_id != user.pk:
        care_manager_for_review(user=user, care_manager_id=session.care_manager_id)
    visible = enrollments_visible_to(user).select_related("patient")
    return (
        SupervisionSession.objects.filter(pk=session_id)
        .select_related("supervisor", "care_manager")
        .prefetch_related(
            Prefetch("enrollments_discussed", queryset=visible.order_by("patient__legal_last_name")),
            Prefetch(
                "decisions",
                queryset=SupervisionDecision.objects.filter(enrollment__in=visible)
                .select_related("enrollment__patient", "reassign_to")
                .order_by("pk"),
            ),
        )
        .get()
    )
