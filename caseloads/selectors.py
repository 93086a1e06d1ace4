"""Reads behind the care manager's, supervisor's and program lead's pages.

Every read starts from patients.access, so each page shows only what the person may see.
"""

import datetime
import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import NamedTuple

from django.db.models import Count, Exists, F, Model, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from accounts.precompiled import instance_builder
from careplans.models import OPEN_GOAL_STATUSES, CarePlan, CarePlanStatus, Goal
from careplans.selectors import active_care_plan_of, open_goals_of
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
from patients.access import (
    ReadForEachKindOfViewer,
    can_edit_enrollment,
    can_see_part2,
    enrollments_visible_to,
    patient_for_user,
)
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


def my_caseload_rows(*, user: User, filters: CaseloadFilters | None = None) -> list[Enrollment]:
    """The enrolments in care whose primary care manager is `user`: see caseload_rows."""
    return caseload_rows(viewer=user, care_manager=user, filters=filters)


def caseload_rows(
    *, viewer: User, care_manager: User, filters: CaseloadFilters | None = None
) -> list[Enrollment]:
    """The enrolments in care, visible to `viewer`, whose primary care manager is `care_manager`:
    overdue first, then by next due, narrowed to `filters`.

    Each row carries `patient` and `caseload_status` (None before the first computation) with the
    columns a row shows, `last_reached_at`, `top_goal` (the patient's first open goal, in their words),
    `last_crisis_on`, `referral_follow_up_due` (an open referral out whose follow-up is today or earlier,
    in the program's calendar), `graduation_prepared_on` (the date of the supervision that asked to
    prepare the person's graduation), the flags `is_new_referral` and `had_crisis_since_contact`, and
    `badges` (caseloads.caseload_badges) and `contact_dates` as the row shows them.

    One statement whatever the caseload size: the people of caseload_of (on patients.access) with their
    rows, compiled once per process for each kind of viewer (_CASELOAD_READ). The filters are checked on
    the rows read (_matches): a caseload is a few hundred people at most, and a flag then means the
    same in the filter and on the badge.
    """
    filters = filters or CaseloadFilters()
    records = _CASELOAD_READ.rows(viewer, care_manager_id=care_manager.pk, now=timezone.now())
    time_zone, today = timezone.get_current_timezone(), timezone.localdate()
    builders = _RowBuilders(*(instance_builder(model) for model in (Enrollment, Patient, CaseloadStatus)))
    rows = []
    for record in records:
        row = _caseload_row(record, builders=builders, time_zone=time_zone)
        if not _matches(row, filters):
            continue
        row.badges = caseload_badges(row)
        row.contact_dates = contact_dates(row, time_zone=time_zone, today=today)
        rows.append(row)
    return rows


# What a row reads of each table (the enrolment's, its patient's and its caseload status's columns, in
# the models' field order as Model.from_db wants them), then what is worked out per row.
_ENROLLMENT_COLUMNS = ("id", "patient_id", "program_id", "team_id", "status", "phase", "first_reached_at")
_PATIENT_COLUMNS = ("id", "mrn", "legal_first_name", "legal_last_name", "preferred_name")
_STATUS_COLUMNS = (
    "id",
    "care_manager_id",
    "current_level",
    "recommended_level",
    "recommendation_reasons",
    "next_contact_due_on",
    "is_overdue",
    "is_graduation_candidate",
)
_WORKED_OUT = (
    "last_reached_at",
    "top_goal",
    "last_crisis_on",
    "referral_follow_up_due",
    "graduation_prepared_on",
)


def _in_field_order(model: type[Model], attnames: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields if f.attname in attnames)


@functools.cache
def _row_columns() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The enrolment's, patient's and caseload status's columns of a row, in their models' field order."""
    return (
        _in_field_order(Enrollment, _ENROLLMENT_COLUMNS),
        _in_field_order(Patient, _PATIENT_COLUMNS),
        _in_field_order(CaseloadStatus, _STATUS_COLUMNS),
    )


def _caseload_rows_read(people: QuerySet[Enrollment], *, now: datetime.datetime) -> QuerySet[Enrollment]:
    """The rows of `people`, as caseload_rows reads them."""
    enrollment_columns, patient_columns, status_columns = _row_columns()
    referral_due = ReferralOut.objects.filter(
        enrollment=OuterRef("pk"),
        follow_up_on__lte=program_today_in_sql(OuterRef("program__time_zone"), now=now),
    ).exclude(status__in=CLOSED_REFERRAL_OUT_STATUSES)
    # Newest first, one row: an index-only read of the latest reached contact (contact_reached_recent_idx).
    last_reached = (
        Contact.objects.filter(enrollment=OuterRef("pk"), is_reached=True)
        .order_by("-occurred_at")
        .values("occurred_at")[:1]
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
    return (
        Enrollment.objects.filter(pk__in=people.values("pk"))
        .annotate(
            last_reached_at=Subquery(last_reached),
            top_goal=Subquery(top_goal),
            last_crisis_on=Subquery(last_crisis),
            referral_follow_up_due=Exists(referral_due),
            graduation_prepared_on=Subquery(graduation_prepared),
        )
        .order_by(
            F("caseload_status__is_overdue").desc(nulls_last=True),
            F("caseload_status__next_contact_due_on").asc(nulls_last=True),
            "patient__legal_last_name",
            "pk",
        )
        .values_list(
            *enrollment_columns,
            *(f"patient__{name}" for name in patient_columns),
            *(f"caseload_status__{name}" for name in status_columns),
            *_WORKED_OUT,
        )
    )


# A caseload of a hundred is read on every My caseload and caseload review; building and compiling
# this read (the access rule and five subqueries) cost more than running it.
def _caseload_of_read(viewer: User, *, care_manager_id: int, now: datetime.datetime) -> QuerySet[Enrollment]:
    return _caseload_rows_read(caseload_of(viewer=viewer, care_manager=User(pk=care_manager_id)), now=now)


_CASELOAD_READ = ReadForEachKindOfViewer(
    build=_caseload_of_read,
    stand_ins={"care_manager_id": -103, "now": datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)},
)


class _RowBuilders(NamedTuple):
    enrollment: Callable[..., Model]
    patient: Callable[..., Model]
    caseload_status: Callable[..., Model]


def _caseload_row(record: tuple[object, ...], *, builders: _RowBuilders, time_zone: tzinfo) -> Enrollment:
    """An enrolment (with its patient and caseload status) from one record of _CASELOAD_READ, built as
    the ORM builds a row with only() and select_related(), with what is worked out set on it."""
    enrollment_columns, patient_columns, status_columns = _row_columns()
    ends = list(itertools.accumulate(map(len, _row_columns())))
    row = builders.enrollment(enrollment_columns, record[: ends[0]])
    patient = builders.patient(patient_columns, record[ends[0] : ends[1]])
    Enrollment.patient.field.set_cached_value(row, patient)
    status_values = record[ends[1] : ends[2]]
    status = None
    if status_values[0] is not None:
        status = builders.caseload_status(status_columns, status_values)
        CaseloadStatus.enrollment.field.set_cached_value(status, row)
    Enrollment.caseload_status.related.set_cached_value(row, status)
    for name, value in zip(_WORKED_OUT, record[ends[2] :], strict=True):
        setattr(row, name, value)
    row.is_new_referral = row.status == EnrollmentStatus.OUTREACH and row.first_reached_at is None
    row.had_crisis_since_contact = row.last_crisis_on is not None and (
        row.last_reached_at is None or row.last_crisis_on > row.last_reached_at.astimezone(time_zone).date()
    )
    return row


def _has_flag(row: Enrollment, flag: str) -> bool:
    status = getattr(row, "caseload_status", None)
    if flag == FLAG_OVERDUE:
        return status is not None and status.is_overdue
    if flag == FLAG_NEW:
        return row.is_new_referral
    if flag == FLAG_CRISIS:
        return row.had_crisis_since_contact
    if flag == FLAG_GRADUATION:
        return status is not None and status.is_graduation_candidate
    if flag == FLAG_REFERRAL_FOLLOW_UP:
        return row.referral_follow_up_due
    return True


def caseload_of(*, viewer: User, care_manager: User) -> QuerySet[Enrollment]:
    """The enrolments in care, visible to `viewer`, whose primary care manager is `care_manager`."""
    return enrollments_visible_to(viewer).filter(
        status__in=CARE_STATUSES,
        care_team__user=care_manager,
        care_team__is_primary=True,
        care_team__ended_on__isnull=True,
    )


def _matches(row: Enrollment, filters: CaseloadFilters) -> bool:
    """Whether a row of caseload_rows is within `filters`: its stage, phase, level of care and flag, and
    the search (part of a name, or the whole MRN, in any case)."""
    status = getattr(row, "caseload_status", None)
    if filters.status and row.status != filters.status:
        return False
    if filters.phase and row.phase != filters.phase:
        return False
    if filters.level and (status is None or status.current_level != filters.level):
        return False
    if filters.flag and not _has_flag(row, filters.flag):
        return False
    # Upper case on both sides, as PostgreSQL compares the other searches (icontains, iexact).
    search = filters.search.strip().upper()
    if not search:
        return True
    patient = row.patient
    names = (patient.preferred_name, patient.legal_first_name, patient.legal_last_name)
    return any(search in name.upper() for name in names) or patient.mrn.upper() == search


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
