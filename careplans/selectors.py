"""Reads of care plans and goals. Callers pass an enrolment they got from patients.access."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from careplans.models import (
    OPEN_GOAL_STATUSES,
    AssessmentDomain,
    AssessmentDomainKind,
    CarePlan,
    CarePlanStatus,
    CarePlanVersion,
    Goal,
    PlanHandout,
    Step,
)
from patients.access import enrollments_visible_to
from patients.models import CareTeamMember, CommunitySupport, Enrollment, Patient
from patients.selectors import care_team_of


def active_care_plan_of(*, enrollment: Enrollment) -> CarePlan | None:
    return CarePlan.objects.filter(enrollment=enrollment, status=CarePlanStatus.ACTIVE).first()


def open_goals_of(*, care_plan: CarePlan) -> QuerySet[Goal]:
    """Goals still being worked on, in the patient's priority order."""
    return care_plan.goals.filter(status__in=OPEN_GOAL_STATUSES).order_by("priority", "pk")


def steps_with_owners() -> Prefetch:
    """For goals: their steps in order, each with who does it."""
    steps = Step.objects.select_related("owner_team_member__user", "owner_support").order_by("position", "pk")
    return Prefetch("steps", queryset=steps)


def goals_with_steps_of(*, care_plan: CarePlan) -> list[Goal]:
    """Every goal of the plan in the patient's priority order, each with its steps and who does them."""
    return list(
        care_plan.goals.select_related("updated_by")
        .prefetch_related(steps_with_owners())
        .order_by("priority", "pk")
    )


def goal_of(*, care_plan: CarePlan, goal_id: int) -> Goal | None:
    """A goal of this plan; another plan's goal is not found."""
    return care_plan.goals.select_related("care_plan").filter(pk=goal_id).first()


def step_of(*, care_plan: CarePlan, step_id: int) -> Step | None:
    """A step toward one of this plan's goals; another plan's step is not found."""
    return (
        Step.objects.select_related("goal__care_plan").filter(pk=step_id, goal__care_plan=care_plan).first()
    )


def versions_of(*, care_plan: CarePlan) -> list[CarePlanVersion]:
    """The plan's kept versions, newest first, without their content."""
    return list(care_plan.versions.select_related("changed_by").defer("content").order_by("-revision"))


def version_of(*, care_plan: CarePlan, revision: int) -> CarePlanVersion | None:
    """One kept version of this plan, with its content."""
    return care_plan.versions.select_related("changed_by").filter(revision=revision).first()


@dataclass(frozen=True, kw_only=True)
class AssessmentPart:
    """One domain of the stepwise assessment as the page shows it, in plain values.

    A recorded 42 CFR Part 2 domain that the reader may not see is `is_withheld`: it carries only the
    fact that it was recorded, never its summary, need level or the goals and steps that came of it.
    """

    kind: str
    label: str
    is_part2: bool
    is_recorded: bool = False
    is_withheld: bool = False
    summary: str = ""
    need_level: str = ""
    need_label: str = ""
    assessed_on: datetime.date | None = None
    assessed_by_name: str = ""
    goals: tuple[str, ...] = ()
    steps: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Assessment:
    """The 14 domains in order, how far along the person is, and what a need can become."""

    parts: list[AssessmentPart]
    started_on: datetime.date
    today: datetime.date
    window_days: int
    # Open goals of the active plan, and who can own a step: for turning a need into a step.
    open_goals: list[Goal]
    care_team: list[CareTeamMember]
    community_supports: list[CommunitySupport]

    @property
    def total(self) -> int:
        return len(self.parts)

    @property
    def done_count(self) -> int:
        return sum(part.is_recorded for part in self.parts)

    @property
    def day(self) -> int:
        """Day 1 is the day the assessment window started."""
        return max(1, (self.today - self.started_on).days + 1)

    @property
    def is_past_window(self) -> bool:
        return self.day > self.window_days

    def part(self, kind: str) -> AssessmentPart:
        return next(part for part in self.parts if part.kind == kind)


def assessment_started_on(*, enrollment: Enrollment) -> datetime.date:
    """The first day of the assessment window: enrolment, else first reached (in the program's day),
    else the referral."""
    if enrollment.enrolled_on is not None:
        return enrollment.enrolled_on
    if enrollment.first_reached_at is not None:
        return enrollment.program.local_date(enrollment.first_reached_at)
    return enrollment.referred_on


def _assessment_part(
    kind: AssessmentDomainKind,
    entry: AssessmentDomain | None,
    *,
    shows_part2: bool,
    goals: list[Goal],
    steps: list[Step],
) -> AssessmentPart:
    if entry is None:
        return AssessmentPart(
            kind=kind.value, label=kind.label, is_part2=kind == AssessmentDomainKind.SUBSTANCE_USE
        )
    if entry.is_part2 and not shows_part2:
        return AssessmentPart(
            kind=kind.value, label=kind.label, is_part2=True, is_recorded=True, is_withheld=True
        )
    return AssessmentPart(
        kind=kind.value,
        label=kind.label,
        is_part2=entry.is_part2,
        is_recorded=True,
        summary=entry.summary,
        need_level=entry.need_level,
        need_label=entry.get_need_level_display() if entry.need_level else "",
        assessed_on=entry.assessed_on,
        assessed_by_name=entry.assessed_by.get_full_name() or entry.assessed_by.username,
        goals=tuple(goal.patient_words for goal in goals if goal.from_assessment_id == entry.pk),
        steps=tuple(step.description for step in steps if step.from_assessment_id == entry.pk),
    )


def assessment_of(*, enrollment: Enrollment, shows_part2: bool) -> Assessment:
    """The enrolment's stepwise assessment. `shows_part2` is whether the reader is on the care team
    (patients.access.can_see_part2); without it, substance-use content is left out.

    A fixed number of queries, however many domains are recorded.
    """
    entries = {
        entry.domain: entry
        for entry in AssessmentDomain.objects.filter(enrollment=enrollment).select_related("assessed_by")
    }
    goals = list(
        Goal.objects.filter(from_assessment__enrollment=enrollment)
        .only("patient_words", "from_assessment")
        .order_by("priority", "pk")
    )
    steps = list(
        Step.objects.filter(from_assessment__enrollment=enrollment)
        .only("description", "from_assessment")
        .order_by("position", "pk")
    )
    parts = [
        _assessment_part(kind, entries.get(kind.value), shows_part2=shows_part2, goals=goals, steps=steps)
        for kind in AssessmentDomainKind
    ]
    program = enrollment.program
    open_goals = Goal.objects.filter(
        care_plan__enrollment=enrollment,
        care_plan__status=CarePlanStatus.ACTIVE,
        status__in=OPEN_GOAL_STATUSES,
    ).order_by("priority", "pk")
    return Assessment(
        parts=parts,
        started_on=assessment_started_on(enrollment=enrollment),
        today=program.today(),
        window_days=program.assessment_window_days,
        open_goals=list(open_goals),
        care_team=list(care_team_of(enrollment=enrollment)),
        community_supports=list(
            CommunitySupport.objects.filter(patient_id=enrollment.patient_id, is_active=True)
        ),
    )


def assessment_entry_of(*, enrollment: Enrollment, domain: str) -> AssessmentDomain | None:
    """One recorded domain of the enrolment's assessment, or None if it has not been talked about."""
    return AssessmentDomain.objects.filter(enrollment=enrollment, domain=domain).first()


def handouts_of(*, care_plan: CarePlan, limit: int = 5) -> list[PlanHandout]:
    """The latest copies handed over of this plan, newest first."""
    return list(care_plan.handouts.select_related("handed_by")[:limit])


def kept_handout_of(*, user: User, patient: Patient, handout_id: int) -> PlanHandout | None:
    """A copy handed over from a plan of one of the patient's episodes that `user` may see."""
    return (
        PlanHandout.objects.filter(
            pk=handout_id,
            care_plan__enrollment__in=enrollments_visible_to(user).filter(patient=patient),
        )
        .select_related("handed_by", "care_plan__enrollment")
        .first()
    )
