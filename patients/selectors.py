"""Reads of patients, enrolments and referrals, always from a scoped entry point (patients.access)."""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db.models import Count, DateField, DateTimeField, F, Func, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Program, User
from patients.access import PROGRAM_WIDE_ROLES, enrollments_visible_to
from patients.matching import PersonToMatch, possible_duplicates_of
from patients.models import (
    CLOSED_REFERRAL_OUT_STATUSES,
    CareTeamMember,
    CommunityResource,
    CommunitySupport,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Referral,
    ReferralOut,
    ReferralSource,
    ResourceCategory,
)

INTAKE_STATUSES = (EnrollmentStatus.REFERRED, EnrollmentStatus.SCREENING)

# How long a referral has waited, in the program's calendar days.
AGE_GROUPS = (("today", "Today"), ("this_week", "1\u20137 days"), ("older", "Over a week"))
WEEK_DAYS = 7


@dataclass(frozen=True)
class GroupCount:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class ReferralQueueRow:
    enrollment: Enrollment
    days_waiting: int

    @property
    def patient(self) -> Patient:
        return self.enrollment.patient

    @property
    def referral(self) -> Referral:
        return self.enrollment.referral

    @property
    def age_group(self) -> str:
        if self.days_waiting <= 0:
            return "today"
        return "this_week" if self.days_waiting <= WEEK_DAYS else "older"

    @property
    def age_label(self) -> str:
        return dict(AGE_GROUPS)[self.age_group]


@dataclass(frozen=True)
class ReferralQueue:
    total: int
    referred_count: int  # new, waiting on screening
    screening_count: int
    unassigned_count: int
    by_age: list[GroupCount]
    by_source: list[GroupCount]
    rows: list[ReferralQueueRow]

    @property
    def is_cut_short(self) -> bool:
        return len(self.rows) < self.total


def _start_of_day(program: Program, day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zoneinfo.ZoneInfo(program.time_zone))


def referral_queue_for(*, user: User, limit: int | None = 100) -> ReferralQueue:
    """Referrals waiting on screening or assignment, oldest first, with the counts for the top: by stage,
    without a team, by how long they have waited (program's days) and by source. Three queries: the
    program, the counts, the rows. `limit=None` gives every row (the export)."""
    if user.program_id is None:
        return ReferralQueue(0, 0, 0, 0, [], [], [])
    waiting = enrollments_visible_to(user).filter(status__in=INTAKE_STATUSES)
    program = user.program
    today = program.today()
    start_of_today = _start_of_day(program, today)
    start_of_week = _start_of_day(program, today - datetime.timedelta(days=WEEK_DAYS))
    age_filters = {
        "today": Q(referral__received_at__gte=start_of_today),
        "this_week": Q(referral__received_at__gte=start_of_week, referral__received_at__lt=start_of_today),
        "older": Q(referral__received_at__lt=start_of_week),
    }
    counts = waiting.aggregate(
        total=Count("pk"),
        referred=Count("pk", filter=Q(status=EnrollmentStatus.REFERRED)),
        screening=Count("pk", filter=Q(status=EnrollmentStatus.SCREENING)),
        unassigned=Count("pk", filter=Q(team__isnull=True)),
        **{f"age_{key}": Count("pk", filter=condition) for key, condition in age_filters.items()},
        **{
            f"source_{source}": Count("pk", filter=Q(referral__source=source))
            for source in ReferralSource.values
        },
    )
    rows = waiting.select_related("patient", "referral", "team").order_by("referral__received_at", "pk")
    return ReferralQueue(
        total=counts["total"],
        referred_count=counts["referred"],
        screening_count=counts["screening"],
        unassigned_count=counts["unassigned"],
        by_age=[GroupCount(key, label, counts[f"age_{key}"]) for key, label in AGE_GROUPS],
        by_source=[
            GroupCount(source.value, source.label, counts[f"source_{source.value}"])
            for source in ReferralSource
        ],
        rows=[
            ReferralQueueRow(enrollment, (today - program.local_date(enrollment.referral.received_at)).days)
            for enrollment in (rows if limit is None else rows[:limit])
        ],
    )


@dataclass(frozen=True)
class PossibleDuplicate:
    """A patient of the program who may be the person being referred, with their latest enrolment."""

    patient: Patient
    latest_enrollment: Enrollment | None
    is_same_mrn: bool

    @property
    def has_open_enrollment(self) -> bool:
        return self.latest_enrollment is not None and not self.latest_enrollment.is_closed


# A person's episodes, the open one (no end date) first, then the most recently ended. PostgreSQL puts NULL
# last in an ascending sort, so the open episode needs `nulls_first` explicitly.
OPEN_EPISODE_FIRST = (F("ended_on").desc(nulls_first=True), "-referred_on", "-pk")


def possible_duplicates_for(*, user: User, person: PersonToMatch) -> list[PossibleDuplicate]:
    """The patients of `user`'s program who may be `person` (same MRN, or same name and date of birth),
    each with their open enrolment or else their latest one. Three queries at most."""
    if user.program_id is None or user.role not in PROGRAM_WIDE_ROLES:
        return []
    patients = possible_duplicates_of(program=user.program, person=person)
    latest: dict[int, Enrollment] = {}
    episodes = (
        enrollments_visible_to(user)
        .filter(patient__in=patients)
        .select_related("team")
        .order_by("patient_id", *OPEN_EPISODE_FIRST)
    )
    for enrollment in episodes:
        latest.setdefault(enrollment.patient_id, enrollment)
    mrn = person.mrn.strip()
    return [
        PossibleDuplicate(patient, latest.get(patient.pk), is_same_mrn=bool(mrn) and patient.mrn == mrn)
        for patient in patients
    ]


def current_enrollment_of(*, user: User, patient: Patient) -> Enrollment | None:
    """The episode to show on the record: the open one, else the latest the user may see."""
    return (
        enrollments_visible_to(user)
        .filter(patient=patient)
        .select_related("program", "team", "referral")
        .order_by(*OPEN_EPISODE_FIRST)
        .first()
    )


def care_team_of(*, enrollment: Enrollment) -> QuerySet[CareTeamMember]:
    """The current care team; each member carries `transferred_from`, the name of the primary care
    manager whose role ended when theirs began (None when there was none), for "Transferred from"."""
    previous_primary = CareTeamMember.objects.filter(
        enrollment=OuterRef("enrollment"),
        is_primary=True,
        ended_on=OuterRef("started_on"),
        pk__lt=OuterRef("pk"),
    ).order_by("-pk")
    name = Trim(Concat("user__first_name", Value(" "), "user__last_name"))
    return (
        enrollment.care_team.filter(ended_on__isnull=True)
        .select_related("user")
        .annotate(
            transferred_from=Subquery(
                previous_primary.values(previous_name=Coalesce(NullIf(name, Value("")), "user__username"))[:1]
            )
        )
    )


def community_supports_of(*, patient: Patient) -> QuerySet[CommunitySupport]:
    return patient.community_supports.filter(is_active=True)


def program_today_in_sql(time_zone: F | OuterRef, *, now: datetime.datetime | None = None) -> Cast:
    """Program.today() as an SQL expression, given the program's time zone column. The moment comes
    from Python, like today() (or `now`); reading the zone in the same query keeps a page's query count
    fixed."""
    moment = Value(now or timezone.now(), output_field=DateTimeField())
    local_now = Func(time_zone, moment, function="timezone", output_field=DateTimeField())
    return Cast(local_now, output_field=DateField())


def referrals_out_of(*, enrollment: Enrollment) -> list[ReferralOut]:
    """The enrolment's referrals to other services, open ones first (soonest follow-up first), then
    closed ones, latest first. Each carries `is_follow_up_due`: open, with a follow-up on or before
    the program's today."""
    today = program_today_in_sql(F("enrollment__program__time_zone"))
    return list(
        enrollment.referrals_out.select_related("resource")
        .annotate(is_follow_up_due=Q(follow_up_on__lte=today) & ~Q(status__in=CLOSED_REFERRAL_OUT_STATUSES))
        .order_by(
            F("closed_on").desc(nulls_first=True),
            F("follow_up_on").asc(nulls_last=True),
            "-referred_on",
            "-pk",
        )
    )


def _directory_of(user: User) -> QuerySet[CommunityResource]:
    """Every service in `user`'s program, offered or not; nothing for someone without a program."""
    if not user.is_active or user.program_id is None:
        return CommunityResource.objects.none()
    return CommunityResource.objects.filter(program_id=user.program_id)


def community_resources_for(
    *, user: User, search: str = "", category: str = "", is_active: bool = True
) -> QuerySet[CommunityResource]:
    """The directory of `user`'s program, by name. Each word of `search` must match the name, the kind
    of service, the description, who it is for or the languages ("Spanish")."""
    resources = _directory_of(user).filter(is_active=is_active)
    if category:
        resources = resources.filter(category=category)
    for word in search.split():
        kinds = [value for value, label in ResourceCategory.choices if word.lower() in label.lower()]
        resources = resources.filter(
            Q(name__icontains=word)
            | Q(category__in=kinds)
            | Q(description__icontains=word)
            | Q(eligibility_notes__icontains=word)
            | Q(languages__icontains=word)
        )
    return resources.order_by("name", "pk")


def community_resource_for_user(user: User, resource_id: int) -> CommunityResource:
    """One service of `user`'s program, offered or not. Another program's answers 404, like a missing one."""
    return get_object_or_404(_directory_of(user), pk=resource_id)


def resources_to_refer_to(*, program_id: int) -> list[CommunityResource]:
    """The program's offered services by name, for the "Refer to a service" list."""
    return list(
        CommunityResource.objects.filter(program_id=program_id, is_active=True).order_by("name", "pk")
    )
