"""The FHIR R4 interface's resource table, search and Bundles (the views are caseloads/fhir_views.py).

Each resource type reads through one or more sources: a scoped queryset (patients.access), the
joins its mapping needs, its search parameters and its 42 CFR Part 2 rule. Part 2 rows that may
not leave are filtered out in SQL, so they are missing from `total` and from reads (404) alike;
every Part 2 row that is left may leave, and leaves labelled. docs/fhir.md has the mapping.
"""

import dataclasses
import datetime
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_date

from accounts.models import User
from accounts.parsing import aware_instant, whole_number
from careplans.fhir import (
    CARE_PLAN_STATUS,
    GOAL_LIFECYCLE_STATUS,
    GOAL_PART2,
    STEP_PART2,
    care_plan_resource,
    goal_is_part2,
    goal_resource,
    step_is_part2,
    task_resource,
)
from careplans.models import CLOSED_GOAL_STATUSES, CarePlan, Goal, Step
from caseloads.models import CaseloadStatus
from engagement.fhir import CONTACT_PART2, communication_resource, encounter_resource
from engagement.models import Contact
from patients.access import enrollments_visible_to, part2_disclosable_enrollments, patients_visible_to
from patients.fhir import (
    EPISODE_STATUS,
    PART2_SECURITY,
    REDISCLOSURE_NOTICE,
    REFERRAL_IN_PREFIX,
    REFERRAL_IN_STATUS,
    REFERRAL_OUT_PREFIX,
    REFERRAL_OUT_STATUS,
    STRUCTURE_DEFINITION,
    Resource,
    care_team_resource,
    coding,
    episode_of_care_resource,
    part2_labelled,
    patient_resource,
    referral_in_resource,
    referral_out_resource,
    related_person_resource,
)
from patients.models import (
    CLOSED_STATUSES,
    CareTeamMember,
    CommunitySupport,
    Enrollment,
    EnrollmentEvent,
    Patient,
    Referral,
    ReferralOut,
)

INTENSITY_EXTENSION = f"{STRUCTURE_DEFINITION}intensity"
DEFAULT_COUNT = 50
MAX_COUNT = 200
COMMON_PARAMETERS = frozenset({"_lastUpdated", "_count", "_offset", "_format"})


class SearchError(ValueError):
    """A search parameter Tandem does not support, or a value it cannot read: answers 400."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Disclosure:
    """What one request may take out: the user, and the enrolments whose Part 2 records may leave."""

    user: User
    part2_enrollments: QuerySet[Enrollment]


# Sources ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Source:
    """One model behind a resource type. `statuses` maps each code of the type's status value set to
    the rows it matches (a code we never use matches nothing); None: no `status` search."""

    model: type[Model]
    prefix: str = ""
    scope: Callable[[Disclosure], QuerySet[Any]]
    patient_path: str
    enrollment_path: str | None
    # The field that moves when a record changes (`_lastUpdated`).
    stamp: str = "updated_at"
    statuses: Mapping[str, Q] | None = None
    part2: Q | None = None
    render: Callable[[Any], Resource]
    is_part2: Callable[[Any], bool] = lambda row: False

    def patient_of(self, row: Any) -> Patient:
        if isinstance(row, Patient):
            return row
        value = row
        for part in self.patient_path.removesuffix("_id").split("__"):
            value = getattr(value, part)
        return value

    def enrollment_of(self, row: Any) -> Enrollment | None:
        if isinstance(row, Enrollment):
            return row
        if self.enrollment_path is None:
            return None
        value = row
        for part in self.enrollment_path.split("__"):
            value = getattr(value, part)
        return value

    def rows(self, disclosure: Disclosure) -> QuerySet[Any]:
        """The scoped rows, less the Part 2 ones that may not leave for this user."""
        rows = self.scope(disclosure)
        if self.part2 is not None and self.enrollment_path is not None:
            rows = rows.filter(
                ~self.part2 | Q(**{f"{self.enrollment_path}__in": disclosure.part2_enrollments})
            )
        return rows

    def withheld(self, disclosure: Disclosure, patient: Patient) -> int:
        if self.part2 is None or self.enrollment_path is None:
            return 0
        return (
            self.scope(disclosure)
            .filter(**{self.patient_path: patient.pk})
            .filter(self.part2)
            .exclude(**{f"{self.enrollment_path}__in": disclosure.part2_enrollments})
            .count()
        )

    def resource(self, row: Any) -> Resource:
        resource = self.render(row)
        return part2_labelled(resource) if self.is_part2(row) else resource


def _visible_enrollments(disclosure: Disclosure) -> QuerySet[Enrollment]:
    return enrollments_visible_to(disclosure.user)


def _codes(codes: str, mapped: Mapping[str, Q]) -> dict[str, Q]:
    """Every code of a FHIR status value set: the ones we map, and the rest matching nothing."""
    return {code: mapped.get(code, Q(pk__in=[])) for code in codes.split()}


def _by_our_status(fhir_status: Mapping[Any, str], codes: str, field: str = "status") -> dict[str, Q]:
    mapped: dict[str, Q] = {}
    for ours, theirs in fhir_status.items():
        mapped[theirs] = mapped.get(theirs, Q(pk__in=[])) | Q(**{field: ours})
    return _codes(codes, mapped)


EPISODE_CODES = "planned waitlist active onhold finished cancelled entered-in-error"
REQUEST_CODES = "draft active on-hold revoked completed entered-in-error unknown"
GOAL_CODES = "proposed planned accepted active on-hold completed cancelled entered-in-error rejected"
TASK_CODES = (
    "draft requested received accepted rejected ready cancelled in-progress on-hold failed completed "
    "entered-in-error"
)
ENCOUNTER_CODES = "planned arrived triaged in-progress onleave finished cancelled entered-in-error unknown"
COMMUNICATION_CODES = "preparation in-progress not-done on-hold stopped completed entered-in-error unknown"
CARE_TEAM_CODES = "proposed active suspended inactive entered-in-error"

# Every row, as a Q that survives being OR-ed (an empty Q() vanishes when combined).
EVERY_ROW = Q(pk__isnull=False)
_HAS_CURRENT_MEMBER = Exists(CareTeamMember.objects.filter(enrollment=OuterRef("pk"), ended_on__isnull=True))
_CARE_TEAM_ACTIVE = Q(_HAS_CURRENT_MEMBER) & ~Q(status__in=CLOSED_STATUSES)
_STEP_GOAL_CLOSED = Q(goal__status__in=CLOSED_GOAL_STATUSES)


def _care_team_rows(disclosure: Disclosure) -> QuerySet[Enrollment]:
    members = CareTeamMember.objects.select_related("user").order_by("started_on", "pk")
    return (
        _visible_enrollments(disclosure)
        .select_related("patient", "program")
        .prefetch_related(Prefetch("care_team", queryset=members))
    )


def _enrollment_rows(disclosure: Disclosure) -> QuerySet[Enrollment]:
    history = EnrollmentEvent.objects.order_by("pgh_id").only("pgh_obj_id", "status", "status_changed_at")
    return (
        _care_team_rows(disclosure)
        .select_related("caseload_status")
        .prefetch_related(Prefetch("events", queryset=history))
    )


def _primary_of(enrollment: Enrollment) -> CareTeamMember | None:
    """The current primary care manager, else (a closed episode) the last one."""
    primaries = [member for member in enrollment.care_team.all() if member.is_primary]
    current = [member for member in primaries if member.ended_on is None]
    if current:
        return current[0]
    return max(primaries, key=lambda member: (member.ended_on, member.pk), default=None)


def intensity_extension(status: CaseloadStatus | None) -> list[dict[str, Any]]:
    """The level of care the team works at (CaseloadStatus.current_level), on EpisodeOfCare."""
    if status is None:
        return []
    return [
        {
            "url": INTENSITY_EXTENSION,
            "valueCoding": coding("intensity", status.current_level, status.get_current_level_display()),
        }
    ]


def _episode(enrollment: Enrollment) -> Resource:
    resource = episode_of_care_resource(
        enrollment,
        primary=_primary_of(enrollment),
        status_events=[(event.status, event.status_changed_at) for event in enrollment.events.all()],
    )
    extra = intensity_extension(getattr(enrollment, "caseload_status", None))
    resource["extension"] = [*resource.get("extension", []), *extra]
    return resource


def _care_team(enrollment: Enrollment) -> Resource:
    return care_team_resource(enrollment, members=list(enrollment.care_team.all()))


def _care_plan_rows(disclosure: Disclosure) -> QuerySet[CarePlan]:
    # Only goals that may leave are named on the plan, so a withheld goal leaves no trace.
    goals = (
        Goal.objects.filter(~GOAL_PART2 | Q(care_plan__enrollment__in=disclosure.part2_enrollments))
        .only("pk", "care_plan_id", "priority")
        .order_by("priority", "pk")
    )
    return (
        CarePlan.objects.filter(enrollment__in=_visible_enrollments(disclosure))
        .select_related("enrollment__patient", "created_by")
        .prefetch_related(Prefetch("goals", queryset=goals))
    )


def _care_plan(plan: CarePlan) -> Resource:
    return care_plan_resource(plan, goals=list(plan.goals.all()))


def _goal_rows(disclosure: Disclosure) -> QuerySet[Goal]:
    return Goal.objects.filter(care_plan__enrollment__in=_visible_enrollments(disclosure)).select_related(
        "care_plan__enrollment__patient", "care_plan__enrollment__program", "from_assessment"
    )


def _step_rows(disclosure: Disclosure) -> QuerySet[Step]:
    return Step.objects.filter(
        goal__care_plan__enrollment__in=_visible_enrollments(disclosure)
    ).select_related(
        "goal__care_plan__enrollment__patient",
        "goal__from_assessment",
        "from_assessment",
        "owner_team_member__user",
        "owner_support",
    )


def _contact_rows(disclosure: Disclosure, *, reached: bool) -> QuerySet[Contact]:
    return Contact.objects.filter(
        enrollment__in=_visible_enrollments(disclosure), is_reached=reached
    ).select_related("enrollment__patient", "made_by")


def _referral_in_rows(disclosure: Disclosure) -> QuerySet[Referral]:
    return Referral.objects.filter(enrollment__in=_visible_enrollments(disclosure)).select_related(
        "enrollment__patient", "enrollment__program"
    )


def _referral_out_rows(disclosure: Disclosure) -> QuerySet[ReferralOut]:
    return ReferralOut.objects.filter(enrollment__in=_visible_enrollments(disclosure)).select_related(
        "enrollment__patient", "resource", "referred_by"
    )


def _support_rows(disclosure: Disclosure) -> QuerySet[CommunitySupport]:
    return CommunitySupport.objects.filter(patient__in=patients_visible_to(disclosure.user)).select_related(
        "patient"
    )


def _patient_rows(disclosure: Disclosure) -> QuerySet[Patient]:
    return patients_visible_to(disclosure.user)


def contact_is_part2(contact: Contact) -> bool:
    return contact.is_part2


RESOURCE_TYPES: dict[str, tuple[Source, ...]] = {
    "Patient": (
        Source(
            model=Patient,
            scope=_patient_rows,
            patient_path="id",
            enrollment_path=None,
            render=patient_resource,
        ),
    ),
    "EpisodeOfCare": (
        Source(
            model=Enrollment,
            scope=_enrollment_rows,
            patient_path="patient_id",
            enrollment_path=None,
            statuses=_by_our_status(EPISODE_STATUS, EPISODE_CODES),
            render=_episode,
        ),
    ),
    "CareTeam": (
        Source(
            model=Enrollment,
            scope=_care_team_rows,
            patient_path="patient_id",
            enrollment_path=None,
            statuses=_codes(CARE_TEAM_CODES, {"active": _CARE_TEAM_ACTIVE, "inactive": ~_CARE_TEAM_ACTIVE}),
            render=_care_team,
        ),
    ),
    "CarePlan": (
        Source(
            model=CarePlan,
            scope=_care_plan_rows,
            patient_path="enrollment__patient_id",
            enrollment_path="enrollment",
            statuses=_by_our_status(CARE_PLAN_STATUS, REQUEST_CODES),
            render=_care_plan,
        ),
    ),
    "Goal": (
        Source(
            model=Goal,
            scope=_goal_rows,
            patient_path="care_plan__enrollment__patient_id",
            enrollment_path="care_plan__enrollment",
            statuses=_by_our_status(GOAL_LIFECYCLE_STATUS, GOAL_CODES),
            part2=GOAL_PART2,
            render=goal_resource,
            is_part2=goal_is_part2,
        ),
    ),
    "Task": (
        Source(
            model=Step,
            scope=_step_rows,
            patient_path="goal__care_plan__enrollment__patient_id",
            enrollment_path="goal__care_plan__enrollment",
            statuses=_codes(
                TASK_CODES,
                {
                    "completed": Q(completed_on__isnull=False),
                    "cancelled": Q(completed_on__isnull=True) & _STEP_GOAL_CLOSED,
                    "ready": Q(completed_on__isnull=True) & ~_STEP_GOAL_CLOSED,
                },
            ),
            part2=STEP_PART2,
            render=task_resource,
            is_part2=step_is_part2,
        ),
    ),
    "Encounter": (
        Source(
            model=Contact,
            scope=lambda disclosure: _contact_rows(disclosure, reached=True),
            patient_path="enrollment__patient_id",
            enrollment_path="enrollment",
            statuses=_codes(ENCOUNTER_CODES, {"finished": EVERY_ROW}),
            stamp="created_at",  # a contact is never changed once logged
            part2=CONTACT_PART2,
            render=encounter_resource,
            is_part2=contact_is_part2,
        ),
    ),
    "Communication": (
        Source(
            model=Contact,
            scope=lambda disclosure: _contact_rows(disclosure, reached=False),
            patient_path="enrollment__patient_id",
            enrollment_path="enrollment",
            statuses=_codes(COMMUNICATION_CODES, {"not-done": EVERY_ROW}),
            stamp="created_at",
            part2=CONTACT_PART2,
            render=communication_resource,
            is_part2=contact_is_part2,
        ),
    ),
    "ServiceRequest": (
        Source(
            model=Referral,
            prefix=REFERRAL_IN_PREFIX,
            scope=_referral_in_rows,
            patient_path="enrollment__patient_id",
            enrollment_path="enrollment",
            statuses=_by_our_status(REFERRAL_IN_STATUS, REQUEST_CODES, field="enrollment__status"),
            render=referral_in_resource,
        ),
        Source(
            model=ReferralOut,
            prefix=REFERRAL_OUT_PREFIX,
            scope=_referral_out_rows,
            patient_path="enrollment__patient_id",
            enrollment_path="enrollment",
            statuses=_by_our_status(REFERRAL_OUT_STATUS, REQUEST_CODES),
            render=referral_out_resource,
        ),
    ),
    "RelatedPerson": (
        Source(
            model=CommunitySupport,
            scope=_support_rows,
            patient_path="patient_id",
            enrollment_path=None,
            render=related_person_resource,
        ),
    ),
}
# The order of $everything: the person, their episodes, then what hangs off each.
EVERYTHING_ORDER = (
    "EpisodeOfCare",
    "CareTeam",
    "CarePlan",
    "Goal",
    "Task",
    "Encounter",
    "Communication",
    "ServiceRequest",
    "RelatedPerson",
)


def disclosure_for(user: User) -> Disclosure:
    today = user.program.today() if user.program_id is not None else datetime.date.min
    return Disclosure(user=user, part2_enrollments=part2_disclosable_enrollments(user, on=today))


def search_parameters_of(resource_type: str) -> list[tuple[str, str, str]]:
    """(name, FHIR search type, what it does) for the CapabilityStatement and the 400 message."""
    sources = RESOURCE_TYPES[resource_type]
    parameters = [
        ("_lastUpdated", "date", "When the record last changed: gt, ge, lt, le or eq a date or instant.")
    ]
    if resource_type == "Patient":
        parameters.append(("_id", "token", "The patient's id."))
    else:
        parameters.append(("patient", "reference", "The patient's id, or Patient/<id>."))
    if any(source.statuses is not None for source in sources):
        parameters.append(("status", "token", "One or more status codes, separated by commas."))
    return parameters


# Reading one ---------------------------------------------------------------------------------------


def source_for_id(resource_type: str, raw_id: str) -> tuple[Source, int] | None:
    for source in RESOURCE_TYPES[resource_type]:
        if source.prefix and not raw_id.startswith(source.prefix):
            continue
        number = raw_id.removeprefix(source.prefix)
        pk = whole_number(number)
        if pk is not None and number == str(pk):
            return source, pk
    return None


def read_one(resource_type: str, raw_id: str, disclosure: Disclosure) -> tuple[Source, Any] | None:
    """The record, or None when it is missing, outside the user's teams or Part 2 that may not leave."""
    found = source_for_id(resource_type, raw_id)
    if found is None:
        return None
    source, pk = found
    row = source.rows(disclosure).filter(pk=pk).first()
    return (source, row) if row is not None else None


# Searching ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class SearchPage:
    rows: list[tuple[Source, Any]]
    total: int
    offset: int
    count: int
    has_next: bool


def _last_updated_filter(values: Sequence[str], field: str, time_zone: zoneinfo.ZoneInfo) -> Q:
    condition = Q()
    for raw in values:
        prefix, value = (raw[:2], raw[2:]) if raw[:2] in ("gt", "ge", "lt", "le", "eq") else ("eq", raw)
        try:
            day = parse_date(value) if len(value) == 10 else None
            # A date is the program's day: from its start to the start of the next.
            start = datetime.datetime.combine(day, datetime.time(), tzinfo=time_zone) if day else None
            end = start + datetime.timedelta(days=1) if start else None
        except (ValueError, OverflowError):  # 2026-02-30; 9999-12-31 has no next day
            raise SearchError(f"_lastUpdated={raw} is not a day of the calendar we can search.") from None
        if start is not None and end is not None:
            bounds = {
                "gt": Q(**{f"{field}__gte": end}),
                "ge": Q(**{f"{field}__gte": start}),
                "lt": Q(**{f"{field}__lt": start}),
                "le": Q(**{f"{field}__lt": end}),
                "eq": Q(**{f"{field}__gte": start, f"{field}__lt": end}),
            }
        else:
            moment = aware_instant(value)
            if moment is None:
                raise SearchError(
                    f"_lastUpdated={raw} is not a date (2026-01-01) or an instant with its offset "
                    "(2026-01-01T09:00:00Z), after an optional gt, ge, lt, le or eq."
                )
            bounds = {
                "gt": Q(**{f"{field}__gt": moment}),
                "ge": Q(**{f"{field}__gte": moment}),
                "lt": Q(**{f"{field}__lt": moment}),
                "le": Q(**{f"{field}__lte": moment}),
                "eq": Q(**{field: moment}),
            }
        condition &= bounds[prefix]
    return condition


def _number(params: Mapping[str, Sequence[str]], name: str, default: int, *, low: int, high: int) -> int:
    values = params.get(name)
    if not values:
        return default
    number = whole_number(values[-1])
    if number is None or not low <= number <= high:
        raise SearchError(f"{name} must be a whole number from {low} to {high}.")
    return number


def _patient_id(name: str, raw: str) -> int:
    number = whole_number(raw.removeprefix("Patient/"))
    if number is None:
        raise SearchError(f"{name}={raw} is not a patient id (a number, or Patient/<number>).")
    return number


def search(resource_type: str, params: Mapping[str, Sequence[str]], disclosure: Disclosure) -> SearchPage:
    """One page of a search. A type with two sources (ServiceRequest: referrals in, then out) pages
    them side by side: a page holds up to `_count` of each, so every page costs the same queries."""
    sources = RESOURCE_TYPES[resource_type]
    allowed = COMMON_PARAMETERS | {name for name, _, _ in search_parameters_of(resource_type)}
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise SearchError(
            f"{resource_type} cannot be searched by {', '.join(unknown)}. "
            f"It can be searched by: {', '.join(sorted(allowed - {'_format'}))}."
        )
    count = _number(params, "_count", DEFAULT_COUNT, low=1, high=MAX_COUNT)
    offset = _number(params, "_offset", 0, low=0, high=10**9)
    statuses = [code for value in params.get("status", []) for code in value.split(",") if code]
    patient_ids = [_patient_id(name, value) for name in ("patient", "_id") for value in params.get(name, [])]
    program = disclosure.user.program
    time_zone = zoneinfo.ZoneInfo(program.time_zone if program is not None else "UTC")
    total, rows, has_next = 0, [], False
    for source in sources:
        queryset = source.rows(disclosure)
        for patient_id in patient_ids:
            queryset = queryset.filter(**{source.patient_path: patient_id})
        if statuses:
            if source.statuses is None:
                raise SearchError(f"{resource_type} cannot be searched by status.")
            wrong = [code for code in statuses if code not in source.statuses]
            if wrong:
                raise SearchError(
                    f"status={','.join(wrong)} is not a {resource_type} status. "
                    f"Use one of: {', '.join(source.statuses)}."
                )
            matches = Q(pk__in=[])
            for code in statuses:
                matches |= source.statuses[code]
            queryset = queryset.filter(matches)
        if "_lastUpdated" in params:
            queryset = queryset.filter(_last_updated_filter(params["_lastUpdated"], source.stamp, time_zone))
        matching = queryset.count()
        total += matching
        has_next = has_next or offset + count < matching
        rows += [(source, row) for row in queryset.order_by(source.stamp, "pk")[offset : offset + count]]
    return SearchPage(rows=rows, total=total, offset=offset, count=count, has_next=has_next)


# $everything ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Everything:
    rows: list[tuple[str, Source, Any]]
    withheld: int


def everything_of(patient: Patient, disclosure: Disclosure) -> Everything:
    """Every record about `patient` the user may take out, and how many Part 2 records were left out.
    A fixed number of queries, however much there is."""
    rows: list[tuple[str, Source, Any]] = []
    withheld = 0
    for resource_type in EVERYTHING_ORDER:
        for source in RESOURCE_TYPES[resource_type]:
            queryset = source.rows(disclosure).filter(**{source.patient_path: patient.pk})
            rows += [(resource_type, source, row) for row in queryset.order_by(source.stamp, "pk")]
            withheld += source.withheld(disclosure, patient)
    return Everything(rows=rows, withheld=withheld)


# Bundles -------------------------------------------------------------------------------------------


def operation_outcome(severity: str, code: str, text: str) -> Resource:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "details": {"text": text}}],
    }


def bundle(
    entries: list[tuple[Resource, str, str]], *, total: int, links: list[tuple[str, str]], withheld: int = 0
) -> Resource:
    """A searchset Bundle of (resource, fullUrl, search mode). When Part 2 records are in it, the
    Bundle carries the Part 2 label and, as its first entry, an OperationOutcome with the 42 CFR 2.32
    notice; when some were withheld, an OperationOutcome says so."""
    has_part2 = any(
        PART2_SECURITY in resource.get("meta", {}).get("security", []) for resource, _, _ in entries
    )
    outcomes: list[dict[str, Any]] = []
    if has_part2:
        outcomes.append(operation_outcome("information", "informational", REDISCLOSURE_NOTICE))
    if withheld:
        outcomes.append(
            operation_outcome(
                "information",
                "suppressed",
                f"{withheld} record(s) protected by 42 CFR Part 2 were withheld: the person has no current "
                "consent to disclose them, or you are not on their care team.",
            )
        )
    result: Resource = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": [{"relation": relation, "url": url} for relation, url in links],
        "entry": [{"resource": outcome, "search": {"mode": "outcome"}} for outcome in outcomes]
        + [
            {"fullUrl": url, "resource": resource, "search": {"mode": mode}}
            for resource, url, mode in entries
        ],
    }
    if has_part2:
        result["meta"] = {"security": [PART2_SECURITY]}
    if not result["entry"]:
        del result["entry"]
    return result


def page_links(base_url: str, params: Mapping[str, Sequence[str]], page: SearchPage) -> list[tuple[str, str]]:
    kept = [(name, value) for name, values in params.items() if name != "_offset" for value in values]

    def url(offset: int) -> str:
        query = [
            *[(n, v) for n, v in kept if n != "_count"],
            ("_count", str(page.count)),
            ("_offset", str(offset)),
        ]
        return f"{base_url}?{urlencode(query)}"

    links = [("self", url(page.offset)), ("first", url(0))]
    if page.offset > 0:
        links.append(("previous", url(max(0, page.offset - page.count))))
    if page.has_next:
        links.append(("next", url(page.offset + page.count)))
    return links
