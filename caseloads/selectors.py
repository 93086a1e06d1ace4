"""Reads behind the care manager's, supervisor's and program lead's pages.

Every read starts from patients.access, so each page shows only what the person may see.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import User
from careplans.models import CarePlan, CarePlanStatus, Goal
from careplans.selectors import OPEN_GOAL_STATUSES, active_care_plan_of, open_goals_of
from caseloads.caseload_badges import Badges, caseload_badges, contact_dates, enrollment_badges
from caseloads.graduation import GraduationCard, graduation_card_of, graduation_preparations
from caseloads.models import CaseloadRecomputeRequest, CaseloadStatus
from engagement.models import CRISIS_KINDS, CheckIn, Contact, LifeEvent, PeerConnection, SuccessMoment
from engagement.peer import peer_connections_of
from engagement.selectors import (
    TimelinePage,
    recent_check_ins_of,
    recent_life_events_of,
    recent_success_moments_of,
    timeline_page_of,
)
from patients.access import can_edit_enrollment, can_see_part2, enrollments_visible_to, patient_for_user
from patients.models import (
    CARE_STATUSES,
    CLOSED_REFERRAL_OUT_STATUSES,
    CareTeamMember,
    CommunitySupport,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Phase,
    ReferralOut,
)
from patients.selectors import (
    care_team_of,
    community_supports_of,
    current_enrollment_of,
    program_today_in_sql,
    referrals_out_of,
)


@dataclass(frozen=True, kw_only=True)
class CaseloadFilters:
    """What the care manager narrowed the worklist to. Empty values mean "all"."""

    status: str = ""
    phase: str = ""
    level: str = ""
    flag: str = ""
    search: str = ""


FLAG_OVERDUE, FLAG_NEW, FLAG_CRISIS, FLAG_GRADUATION = "overdue", "new", "crisis", "graduation"
FLAG_REFERRAL_FOLLOW_UP = "referral_follow_up"
CASELOAD_FLAGS = (
    (FLAG_OVERDUE, "Contact overdue"),
    (FLAG_NEW, "New, not reached yet"),
    (FLAG_CRISIS, "ED visit or admission since last contact"),
    (FLAG_GRADUATION, "Graduation candidate"),
    (FLAG_REFERRAL_FOLLOW_UP, "Referral follow-up due"),
)


CASELOAD_ROW_FIELDS = (
    "patient_id",
    "program_id",
    "team_id",
    "status",
    "phase",
    "patient__preferred_name",
    "patient__legal_first_name",
    "patient__legal_last_name",
    "caseload_status__care_manager_id",
    "caseload_status__current_level",
    "caseload_status__recommended_level",
    "caseload_status__recommendation_reasons",
    "caseload_status__next_contact_due_on",
    "caseload_status__is_overdue",
    "caseload_status__is_graduation_candidate",
)


def my_caseload_rows(*, user: User, filters: CaseloadFilters | None = None) -> list[Enrollment]:
    """The enrolments in care whose primary care manager is `user`: see caseload_rows."""
    return caseload_rows(viewer=user, care_manager=user, filters=filters)


def caseload_rows(
    *, viewer: User, care_manager: User, filters: CaseloadFilters | None = None
) -> list[Enrollment]:
    """The enrolments in care, visible to `viewer`, whose primary care manager is `care_manager`:
    overdue first, then by next due.

    Each row carries `caseload_status` (None before the first computation), `last_reached_at`,
    `top_goal` (the patient's first open goal, in their words), `last_crisis_on`, and the flags
    `is_new_referral`, `had_crisis_since_contact` and `referral_follow_up_due` (an open referral out
    whose follow-up is today or earlier, in the program's calendar), and `graduation_prepared_on` (the
    date of the supervision that asked to prepare the person's graduation), and `badges`
    (caseloads.caseload_badges) and `contact_dates` as the row shows them. One query, whatever the
    caseload size.
    """
    filters = filters or CaseloadFilters()
    referral_due = ReferralOut.objects.filter(
        enrollment=OuterRef("pk"), follow_up_on__lte=program_today_in_sql(OuterRef("program__time_zone"))
    ).exclude(status__in=CLOSED_REFERRAL_OUT_STATUSES)
    last_reached = (
        Contact.objects.filter(enrollment=OuterRef("pk"), is_reached=True)
        .order_by()
        .values("enrollment")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    top_goal = (
        Goal.objects.filter(
            care_plan__enrollment=OuterRef("pk"),
            care_plan__status=CarePlanStatus.ACTIVE,
            status__in=OPEN_GOAL_STATUSES,
        )
        .order_by("priority", "pk")
        .values("patient_words")[:1]
    )
    last_crisis = (
        LifeEvent.objects.filter(patient=OuterRef("patient_id"), kind__in=CRISIS_KINDS)
        .order_by("-occurred_on")
        .values("occurred_on")[:1]
    )
    graduation_prepared = graduation_preparations(OuterRef("pk")).values("session__held_on")[:1]
    rows = (
        caseload_of(viewer=viewer, care_manager=care_manager)
        .select_related("patient", "caseload_status")
        # The columns the rows show: a hundred full rows of three wide tables cost more to build than to read.
        .only(*CASELOAD_ROW_FIELDS)
        .annotate(
            last_reached_at=Subquery(last_reached),
            top_goal=Subquery(top_goal),
            last_crisis_on=Subquery(last_crisis),
            referral_follow_up_due=Exists(referral_due),
            graduation_prepared_on=Subquery(graduation_prepared),
        )
        .annotate(
            is_new_referral=Q(status=EnrollmentStatus.OUTREACH, first_reached_at__isnull=True),
            had_crisis_since_contact=Q(last_crisis_on__isnull=False)
            & (Q(last_reached_at__isnull=True) | Q(last_crisis_on__gt=TruncDate("last_reached_at"))),
        )
    )
    rows = _apply_caseload_filters(rows, filters)
    ordered = list(
        rows.order_by(
            F("caseload_status__is_overdue").desc(nulls_last=True),
            F("caseload_status__next_contact_due_on").asc(nulls_last=True),
            "patient__legal_last_name",
            "pk",
        )
    )
    time_zone, today = timezone.get_current_timezone(), timezone.localdate()
    for row in ordered:
        row.badges = caseload_badges(row)
        row.contact_dates = contact_dates(row, time_zone=time_zone, today=today)
    return ordered


def caseload_of(*, viewer: User, care_manager: User) -> QuerySet[Enrollment]:
    """The enrolments in care, visible to `viewer`, whose primary care manager is `care_manager`."""
    return enrollments_visible_to(viewer).filter(
        status__in=CARE_STATUSES,
        care_team__user=care_manager,
        care_team__is_primary=True,
        care_team__ended_on__isnull=True,
    )


def _apply_caseload_filters(rows: QuerySet[Enrollment], filters: CaseloadFilters) -> QuerySet[Enrollment]:
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.phase:
        rows = rows.filter(phase=filters.phase)
    if filters.level:
        rows = rows.filter(caseload_status__current_level=filters.level)
    if filters.flag == FLAG_OVERDUE:
        rows = rows.filter(caseload_status__is_overdue=True)
    elif filters.flag == FLAG_NEW:
        rows = rows.filter(is_new_referral=True)
    elif filters.flag == FLAG_CRISIS:
        rows = rows.filter(had_crisis_since_contact=True)
    elif filters.flag == FLAG_GRADUATION:
        rows = rows.filter(caseload_status__is_graduation_candidate=True)
    elif filters.flag == FLAG_REFERRAL_FOLLOW_UP:
        rows = rows.filter(referral_follow_up_due=True)
    search = filters.search.strip()
    if search:
        rows = rows.filter(
            Q(patient__preferred_name__icontains=search)
            | Q(patient__legal_first_name__icontains=search)
            | Q(patient__legal_last_name__icontains=search)
            | Q(patient__mrn__iexact=search)
        )
    return rows


@dataclass(frozen=True)
class PatientRecord:
    patient: Patient
    enrollment: Enrollment | None
    caseload_status: CaseloadStatus | None
    care_team: list[CareTeamMember] = field(default_factory=list)
    community_supports: list[CommunitySupport] = field(default_factory=list)
    care_plan: CarePlan | None = None
    goals: list[Goal] = field(default_factory=list)
    timeline: TimelinePage | None = None
    # False hides substance-use (42 CFR Part 2) notes: only the care team reads them.
    shows_part2: bool = False
    # The person is in outreach or care and `user` may change their record (log contacts, edit
    # preferences, add supports, record check-ins): the care team, their supervisor, program admins.
    can_change: bool = False
    check_ins: list[CheckIn] = field(default_factory=list)
    success_moments: list[SuccessMoment] = field(default_factory=list)
    life_events: list[LifeEvent] = field(default_factory=list)
    # Referrals to other services, each with `is_follow_up_due`.
    referrals_out: list[ReferralOut] = field(default_factory=list)
    # A recompute of the caseload row is waiting: the level-of-care card says "Updating…" and polls.
    recompute_pending: bool = False
    # The graduation card: readiness, the workflow link, or the graduation with its follow-ups.
    graduation: GraduationCard | None = None
    # Peer groups and mentors the person is connected to, current first.
    peer_connections: list[PeerConnection] = field(default_factory=list)

    @property
    def badges(self) -> Badges:
        return enrollment_badges(self.enrollment, self.caseload_status) if self.enrollment else Badges()

    @property
    def primary_care_manager(self) -> CareTeamMember | None:
        return next((member for member in self.care_team if member.is_primary), None)


def patient_record_for(*, user: User, patient_id: int, timeline_page: int = 1) -> PatientRecord:
    """Everything the patient record page shows. Http404 when `user` may not see the patient."""
    patient = patient_for_user(user, patient_id)
    enrollment = current_enrollment_of(user=user, patient=patient)
    supports = list(community_supports_of(patient=patient))
    if enrollment is None:
        return PatientRecord(
            patient=patient, enrollment=None, caseload_status=None, community_supports=supports
        )
    care_plan = active_care_plan_of(enrollment=enrollment)
    level = level_of_care_of(enrollment=enrollment)
    return PatientRecord(
        patient=patient,
        enrollment=enrollment,
        caseload_status=level.status,
        recompute_pending=level.recompute_pending,
        care_team=list(care_team_of(enrollment=enrollment)),
        community_supports=supports,
        care_plan=care_plan,
        goals=list(open_goals_of(care_plan=care_plan)) if care_plan else [],
        timeline=timeline_page_of(enrollment=enrollment, number=timeline_page),
        shows_part2=can_see_part2(user, enrollment),
        can_change=enrollment.status in CARE_STATUSES and can_edit_enrollment(user, enrollment),
        check_ins=recent_check_ins_of(enrollment=enrollment),
        success_moments=recent_success_moments_of(enrollment=enrollment),
        life_events=recent_life_events_of(enrollment=enrollment),
        referrals_out=referrals_out_of(enrollment=enrollment),
        graduation=graduation_card_of(user=user, enrollment=enrollment),
        peer_connections=peer_connections_of(enrollment=enrollment),
    )


@dataclass(frozen=True)
class LevelOfCare:
    # None until the first recompute; `override_by` comes with it.
    status: CaseloadStatus | None
    recompute_pending: bool


def level_of_care_of(*, enrollment: Enrollment) -> LevelOfCare:
    """The enrolment's stored caseload row and whether a recompute of it is waiting, in one query.

    `enrollment` must come from a scoped entry point (patients.access).
    """
    row = (
        Enrollment.objects.filter(pk=enrollment.pk)
        .select_related("caseload_status__override_by")
        .annotate(
            recompute_pending=Exists(CaseloadRecomputeRequest.objects.filter(enrollment=OuterRef("pk")))
        )
        .get()
    )
    # A reverse one-to-one with no row raises on access (an AttributeError), hence the default.
    return LevelOfCare(status=getattr(row, "caseload_status", None), recompute_pending=row.recompute_pending)


@dataclass(frozen=True)
class ProgramOverview:
    by_status: list[tuple[str, int]]
    engagement_phase: int
    wellness_phase: int
    total: int


def program_overview_for(*, user: User) -> ProgramOverview:
    """Enrolment counts across the program (or the part of it the user may see), in one query."""
    counts = enrollments_visible_to(user).aggregate(
        total=Count("pk"),
        engagement=Count("pk", filter=Q(status__in=CARE_STATUSES, phase=Phase.ENGAGEMENT)),
        wellness=Count("pk", filter=Q(status__in=CARE_STATUSES, phase=Phase.WELLNESS)),
        **{status.value: Count("pk", filter=Q(status=status)) for status in EnrollmentStatus},
    )
    return ProgramOverview(
        by_status=[(status.label, counts[status.value]) for status in EnrollmentStatus],
        engagement_phase=counts["engagement"],
        wellness_phase=counts["wellness"],
        total=counts["total"],
    )
