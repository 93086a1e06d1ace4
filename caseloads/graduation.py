"""Graduation back to usual primary care: what the record's card, the workflow page, the handoff summary,
the certificate and My caseload read. The writes are in caseloads/graduation_services.py.

Every read takes an enrolment that came from a scoped entry point (patients.access), or starts from one.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    DateField,
    ExpressionWrapper,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, JSONObject, NullIf, Trim

from accounts.models import Role, User
from careplans.models import OPEN_GOAL_STATUSES, AssessmentDomain, GoalStatus, LifeDomain
from careplans.selectors import goals_with_steps_of
from careplans.services import step_owner_label
from caseloads.models import (
    CaseloadStatus,
    DecisionKind,
    FollowUpCheckIn,
    FollowUpOutcome,
    Graduation,
    SupervisionDecision,
)
from caseloads.pages import PatientInCare
from patients.access import enrollments_visible_to
from patients.models import (
    CareTeamMember,
    CareTeamRole,
    Enrollment,
    EnrollmentStatus,
    Patient,
    ReferralSource,
)
from patients.selectors import program_today_in_sql

# Check-ins after graduation, in days; and how far ahead My caseload shows them.
FOLLOW_UP_DAYS = (30, 60, 90)
FOLLOW_UP_NOTICE_DAYS = 7
# Graduation follows care: someone in outreach has not been in care yet.
GRADUATING_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.MAINTENANCE)
# The card shows on these episodes (a referral back shows where the person came from).
_CARD_STATUSES = (
    EnrollmentStatus.REFERRED,
    EnrollmentStatus.SCREENING,
    EnrollmentStatus.OUTREACH,
    *GRADUATING_STATUSES,
    EnrollmentStatus.GRADUATED,
)


def can_follow_up_graduate(user: User, enrollment: Enrollment) -> bool:
    """Who may record a check-in after graduation and re-enrol the person: the team of the episode.

    The care team ends at graduation, so this is anyone who may see the enrolment and was on its care
    team when it ended (its last primary care manager among them), the supervisor of its team, or a
    program admin. On an open episode it is the current care team, as for any change.
    """
    if not enrollments_visible_to(user).filter(pk=enrollment.pk).exists():
        return False
    if user.role in (Role.PROGRAM_ADMIN, Role.SUPERVISOR):
        return True
    if user.role != Role.CARE_MANAGER:
        return False
    on_team_at_end = Q(ended_on__isnull=True)
    if enrollment.ended_on is not None:
        on_team_at_end |= Q(ended_on__gte=enrollment.ended_on)
    return CareTeamMember.objects.filter(on_team_at_end, enrollment=enrollment, user=user).exists()


def last_primary_care_manager_of(*, enrollment: Enrollment) -> CareTeamMember | None:
    """The current primary care manager, or the last one of an ended episode, with their user."""
    return (
        CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True)
        .select_related("user")
        .order_by("-started_on", "-pk")
        .first()
    )


@dataclass(frozen=True, kw_only=True)
class PreparationRequest:
    """A supervisor asked the care manager to prepare this person's graduation."""

    held_on: datetime.date
    detail: str
    supervisor_name: str
    care_manager_name: str
    # The reader is the care manager who was asked.
    is_for_reader: bool


@dataclass(frozen=True, kw_only=True)
class GraduationCard:
    """What the record's graduation card shows, for the episode on the record."""

    status: str
    today: datetime.date
    # In care: the stored readiness (each criterion a dict with label, met, detail) and the request.
    is_candidate: bool = False
    criteria: list[dict[str, Any]] = field(default_factory=list)
    criteria_computed_at: datetime.datetime | None = None
    preparation_request: PreparationRequest | None = None
    # Graduated: the day, the graduation (None when the episode was closed as graduated without the
    # workflow), its check-ins, and whether the reader may record them and re-enrol.
    ended_on: datetime.date | None = None
    graduation: Graduation | None = None
    follow_ups: list[FollowUpCheckIn] = field(default_factory=list)
    can_follow_up: bool = False
    # Re-enrolled since: the day the new episode was referred.
    came_back_on: datetime.date | None = None
    # A new episode of someone who graduated before: that graduation's day.
    previous_graduated_on: datetime.date | None = None

    @property
    def is_graduated(self) -> bool:
        return self.status == EnrollmentStatus.GRADUATED

    @property
    def may_graduate_from_status(self) -> bool:
        return self.status in GRADUATING_STATUSES

    @property
    def re_enrol_sources(self) -> list[tuple[str, str]]:
        """Who asked for the person to come back: the person first (the usual case)."""
        first = (ReferralSource.SELF.value, "The person themselves")
        return [
            first,
            *((value, label) for value, label in ReferralSource.choices if value != ReferralSource.SELF),
        ]

    @property
    def needs_support(self) -> FollowUpCheckIn | None:
        """The latest check-in at which the person needed support, if any."""
        needing = [item for item in self.follow_ups if item.outcome == FollowUpOutcome.NEEDS_SUPPORT]
        return needing[-1] if needing else None


def graduation_card_of(*, user: User, enrollment: Enrollment) -> GraduationCard | None:
    """The card for the record's current episode (in care or graduated); None for other episodes.

    One query in care (the episode with its caseload row, graduation, previous episode and the
    supervisor's request); on a graduated episode, three more: the check-ins and the reader's rights.
    """
    if enrollment.status not in _CARD_STATUSES:
        return None
    row = (
        Enrollment.objects.filter(pk=enrollment.pk)
        .select_related(
            "caseload_status", "graduation__prepared_by", "previous_enrollment__graduation", "next_enrollment"
        )
        .annotate(preparation_request=_latest_preparation_request())
        .get()
    )
    today = enrollment.program.today()
    previous = row.previous_enrollment
    previous_graduation = getattr(previous, "graduation", None) if previous is not None else None
    if enrollment.status in (EnrollmentStatus.REFERRED, EnrollmentStatus.SCREENING):
        if previous_graduation is None:
            return None
        return GraduationCard(
            status=enrollment.status, today=today, previous_graduated_on=previous_graduation.graduated_on
        )
    if enrollment.status == EnrollmentStatus.GRADUATED:
        graduation: Graduation | None = getattr(row, "graduation", None)
        # Re-enrolled, with the new episode not (yet) in the reader's view: in the referral queue.
        next_episode: Enrollment | None = getattr(row, "next_enrollment", None)
        return GraduationCard(
            status=enrollment.status,
            today=today,
            ended_on=enrollment.ended_on,
            graduation=graduation,
            follow_ups=(
                list(graduation.follow_ups.select_related("completed_by").order_by("days_after"))
                if graduation is not None
                else []
            ),
            can_follow_up=can_follow_up_graduate(user, enrollment),
            came_back_on=next_episode.referred_on if next_episode is not None else None,
        )
    status: CaseloadStatus | None = getattr(row, "caseload_status", None)
    return GraduationCard(
        status=enrollment.status,
        today=today,
        is_candidate=bool(status and status.is_graduation_candidate),
        criteria=list(status.graduation_criteria) if status else [],
        criteria_computed_at=status.computed_at if status else None,
        preparation_request=_preparation_request(row.preparation_request, user),
        previous_graduated_on=previous_graduation.graduated_on if previous_graduation else None,
    )


def graduation_preparations(enrollment: Any) -> QuerySet[SupervisionDecision]:
    """Supervision decisions to prepare the graduation of `enrollment` (an enrolment or an OuterRef to one),
    latest first."""
    return SupervisionDecision.objects.filter(
        enrollment=enrollment, kind=DecisionKind.PREPARE_GRADUATION, applied_at__isnull=False
    ).order_by("-session__held_on", "-pk")


def _latest_preparation_request() -> Subquery:
    """The latest saved decision to prepare the enrolment's graduation, as one JSON value (or NULL), so
    that the record reads it in the same query as the episode."""
    decisions = (
        graduation_preparations(OuterRef("pk"))
        .annotate(
            request=JSONObject(
                held_on=F("session__held_on"),
                detail=F("detail"),
                care_manager_id=F("session__care_manager_id"),
                supervisor=_name_of("session__supervisor"),
                care_manager=_name_of("session__care_manager"),
            )
        )
        .values("request")[:1]
    )
    return Subquery(decisions, output_field=JSONField())


def _name_of(user_path: str) -> Coalesce:
    """User.__str__ in SQL: the full name, else the username."""
    full_name = Trim(Concat(F(f"{user_path}__first_name"), Value(" "), F(f"{user_path}__last_name")))
    return Coalesce(NullIf(full_name, Value("")), F(f"{user_path}__username"))


def _preparation_request(stored: dict[str, Any] | None, user: User) -> PreparationRequest | None:
    if not stored:
        return None
    return PreparationRequest(
        held_on=datetime.date.fromisoformat(stored["held_on"]),
        detail=stored["detail"],
        supervisor_name=stored["supervisor"],
        care_manager_name=stored["care_manager"],
        is_for_reader=stored["care_manager_id"] == user.pk,
    )


@dataclass(frozen=True, kw_only=True)
class GraduationPage:
    """The workflow page: the stored readiness, the request, and what the form starts from."""

    enrollment: Enrollment
    graduation: Graduation | None
    follow_ups: list[FollowUpCheckIn]
    caseload_status: CaseloadStatus | None
    preparation_request: PreparationRequest | None
    # "Who to call" from the care team's primary care provider, to start the form from.
    suggested_primary_care_contact: str
    today: datetime.date

    @property
    def criteria(self) -> list[dict[str, Any]]:
        return list(self.caseload_status.graduation_criteria) if self.caseload_status else []

    @property
    def has_unmet(self) -> bool:
        return not self.criteria or any(not item["met"] for item in self.criteria)

    @property
    def may_graduate_from_status(self) -> bool:
        return self.enrollment.status in GRADUATING_STATUSES


def graduation_page_of(*, user: User, enrollment: Enrollment) -> GraduationPage:
    """Everything the workflow page shows, in a fixed number of queries."""
    row = (
        Enrollment.objects.filter(pk=enrollment.pk)
        .select_related("caseload_status", "graduation")
        .annotate(preparation_request=_latest_preparation_request())
        .get()
    )
    graduation: Graduation | None = getattr(row, "graduation", None)
    return GraduationPage(
        enrollment=enrollment,
        graduation=graduation,
        follow_ups=list(graduation.follow_ups.order_by("days_after")) if graduation else [],
        caseload_status=getattr(row, "caseload_status", None),
        preparation_request=None if graduation else _preparation_request(row.preparation_request, user),
        suggested_primary_care_contact="" if graduation else primary_care_provider_of(enrollment=enrollment),
        today=enrollment.program.today(),
    )


def primary_care_provider_of(*, enrollment: Enrollment) -> str:
    """The care team's current primary care provider as one line (name, practice, phone), or ""."""
    member = (
        CareTeamMember.objects.filter(
            enrollment=enrollment, role=CareTeamRole.PRIMARY_CARE_PROVIDER, ended_on__isnull=True
        )
        .select_related("user")
        .order_by("started_on", "pk")
        .first()
    )
    if member is None:
        return ""
    return ", ".join(part for part in (member.display_name, member.organization, member.phone) if part)


@dataclass(frozen=True)
class PlanStep:
    description: str
    owner_label: str
    due_on: datetime.date | None


@dataclass(frozen=True)
class PlanGoal:
    patient_words: str
    status_label: str
    steps: list[PlanStep]


@dataclass(frozen=True, kw_only=True)
class GraduationDocument:
    """What the handoff summary and the certificate say, as plain values.

    A draft (not graduated yet) previews them from the record as it stands.
    """

    is_draft: bool
    patient: Patient
    first_name: str
    referred_on: datetime.date
    enrolled_on: datetime.date | None
    graduated_on: datetime.date | None
    made_on: datetime.date
    # Goals reached and the goals still open, in the patient's words; in the handoff without anything
    # about substance use (42 CFR Part 2).
    achieved: list[str]
    plan: list[PlanGoal]
    # Who to call.
    primary_care_contact: str
    next_primary_care_visit_on: datetime.date | None
    care_manager_name: str
    care_manager_phone: str
    program_name: str
    team_name: str
    # (days after graduation, due day); due days are None in a draft.
    follow_ups: list[tuple[int, datetime.date | None]]
    handoff_note: str
    criteria: list[dict[str, Any]]
    leaves_out_part2: bool


def graduation_document_of(*, care: PatientInCare, for_primary_care: bool) -> GraduationDocument:
    """The handoff summary (`for_primary_care`: it leaves the program, so goals and steps tied to
    substance use are left out) or the patient's certificate, for the record's current episode.
    A fixed number of queries, whatever the number of goals and steps."""
    enrollment, plan = care.enrollment, care.care_plan
    if enrollment is None:
        raise ValueError("Only a patient with an episode has graduation papers.")
    graduation = Graduation.objects.filter(enrollment=enrollment).prefetch_related("follow_ups").first()
    goals = goals_with_steps_of(care_plan=plan) if plan is not None else []
    withheld: set[int] = set()
    if for_primary_care and goals:
        withheld = set(
            AssessmentDomain.objects.filter(enrollment=enrollment, is_part2=True).values_list("pk", flat=True)
        )

    def shared(item: Any) -> bool:
        return item.from_assessment_id is None or item.from_assessment_id not in withheld

    shown = [
        goal
        for goal in goals
        if shared(goal) and not (for_primary_care and goal.life_domain == LifeDomain.RECOVERY)
    ]
    primary = last_primary_care_manager_of(enrollment=enrollment)
    care_manager = primary.user if primary is not None else None
    program, team = enrollment.program, enrollment.team
    if graduation is not None:
        follow_ups = [(item.days_after, item.due_on) for item in graduation.follow_ups.all()]
        criteria = list(graduation.criteria_reviewed)
    else:
        follow_ups = [(days, None) for days in FOLLOW_UP_DAYS]
        status = CaseloadStatus.objects.filter(enrollment=enrollment).first()
        criteria = list(status.graduation_criteria) if status else []
    patient = care.patient
    return GraduationDocument(
        is_draft=graduation is None,
        patient=patient,
        first_name=patient.preferred_name or patient.legal_first_name,
        referred_on=enrollment.referred_on,
        enrolled_on=enrollment.enrolled_on,
        graduated_on=graduation.graduated_on if graduation else None,
        made_on=program.today(),
        achieved=[goal.patient_words for goal in shown if goal.status == GoalStatus.ACHIEVED],
        plan=[
            PlanGoal(
                patient_words=goal.patient_words,
                status_label=goal.get_status_display(),
                steps=[
                    PlanStep(step.description, step_owner_label(step), step.due_on)
                    for step in goal.steps.all()
                    if not step.is_done and shared(step)
                ],
            )
            for goal in shown
            if goal.status in OPEN_GOAL_STATUSES
        ],
        primary_care_contact=(
            graduation.primary_care_contact if graduation else primary_care_provider_of(enrollment=enrollment)
        ),
        next_primary_care_visit_on=graduation.next_primary_care_visit_on if graduation else None,
        care_manager_name=primary.display_name if primary is not None else "",
        care_manager_phone=(care_manager.phone if care_manager else "") or (primary.phone if primary else ""),
        program_name=program.name,
        team_name=team.name if team is not None else "",
        follow_ups=follow_ups,
        handoff_note=graduation.handoff_summary if graduation else "",
        criteria=criteria,
        leaves_out_part2=for_primary_care,
    )


def follow_up_of(*, user: User, patient: Patient, follow_up_id: int) -> FollowUpCheckIn | None:
    """A check-in after graduation of one of the patient's episodes that `user` may see."""
    return (
        FollowUpCheckIn.objects.filter(
            pk=follow_up_id,
            graduation__enrollment__in=enrollments_visible_to(user).filter(patient=patient),
        )
        .select_related("graduation__enrollment__program", "completed_by")
        .first()
    )


def follow_ups_due_for(*, user: User) -> list[FollowUpCheckIn]:
    """Check-ins after graduation not recorded yet, overdue or due within FOLLOW_UP_NOTICE_DAYS (in the
    program's calendar), of people whose primary care manager at graduation was `user`. People who came
    back into the program are left out: they are on the caseload again. Soonest first; one query.

    Each carries `is_overdue`, and `graduation.enrollment.patient`.
    """
    today = program_today_in_sql(F("graduation__enrollment__program__time_zone"))
    primary_at_end = (
        CareTeamMember.objects.filter(enrollment=OuterRef("graduation__enrollment"), is_primary=True)
        .order_by("-started_on", "-pk")
        .values("user")[:1]
    )
    graduates = enrollments_visible_to(user).filter(
        status=EnrollmentStatus.GRADUATED,
        care_team__user=user,
        care_team__is_primary=True,
        next_enrollment__isnull=True,
    )
    return list(
        FollowUpCheckIn.objects.filter(completed_on__isnull=True, graduation__enrollment__in=graduates)
        .annotate(
            primary_at_end=Subquery(primary_at_end),
            notice_until=ExpressionWrapper(today + Value(FOLLOW_UP_NOTICE_DAYS), output_field=DateField()),
            is_overdue=Q(due_on__lt=today),
        )
        .filter(primary_at_end=user.pk, due_on__lte=F("notice_until"))
        .select_related("graduation__enrollment__patient")
        .order_by("due_on", "pk")
    )
