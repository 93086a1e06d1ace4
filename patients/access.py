"""Who may see and change which enrolment. Every read of patient data starts here.

A care manager sees their teams' enrolments, a supervisor the teams they supervise, a program
admin or lead the whole program. Missing and not-allowed look the same: 404.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role, TeamMembership, User
from accounts.precompiled import PrecompiledRead
from patients.models import CARE_STATUSES, CareTeamMember, Consent, ConsentKind, Enrollment, Patient

PROGRAM_WIDE_ROLES = (Role.PROGRAM_ADMIN, Role.PROGRAM_LEAD)


def _team_ids(user: User) -> QuerySet[TeamMembership, int]:
    return TeamMembership.objects.filter(user=user).values("team_id")


def _is_signed_in_staff(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.program_id is not None


def enrollments_visible_to(user: User) -> QuerySet[Enrollment]:
    """Every enrolment `user` may read: their teams' enrolments, and any whose care team they are on
    (a colleague from another team can be asked to join a care team)."""
    if not _is_signed_in_staff(user):
        return Enrollment.objects.none()
    if user.role in PROGRAM_WIDE_ROLES:
        return Enrollment.objects.filter(program_id=user.program_id)
    on_care_team = CareTeamMember.objects.filter(enrollment=OuterRef("pk"), user=user, ended_on__isnull=True)
    return Enrollment.objects.filter(
        Q(team_id__in=_team_ids(user)) | Exists(on_care_team), program_id=user.program_id
    )


def viewer_kind(user: User) -> str | None:
    """What the SQL of the access rules (enrollments_visible_to here, and the dashboard's teams) depends
    on besides the ids of the user and of their program: None for someone who sees nothing, otherwise
    their role. A change to those rules that looks at anything else of the user must change this."""
    return user.role if _is_signed_in_staff(user) else None


def _viewer_stand_in(kind: str, *, pk: int, program_id: int) -> User:
    return User(pk=pk, role=kind, program_id=program_id, is_active=True)


@dataclass
class ReadForEachKindOfViewer:
    """A read scoped to its viewer, compiled once per process for each viewer_kind (accounts.precompiled).

    `build(viewer, **values)` returns a values_list() queryset for `viewer`; it is built for a stand-in
    user of the kind, whose ids are stand-ins too. `rows(viewer, **values)` runs it for a real viewer
    (nothing for someone who sees nothing).
    """

    build: Callable[..., QuerySet[Any]]
    stand_ins: dict[str, Any]
    _reads: dict[str, PrecompiledRead] = field(default_factory=dict, init=False, repr=False)

    def rows(self, viewer: User, **values: Any) -> list[tuple[Any, ...]]:
        kind = viewer_kind(viewer)
        if kind is None:
            return []
        return self.read_for(kind).rows(viewer_id=viewer.pk, program_id=viewer.program_id, **values)

    def read_for(self, kind: str) -> PrecompiledRead:
        if kind not in self._reads:

            def build(*, viewer_id: int, program_id: int, **values: Any) -> QuerySet[Any]:
                return self.build(_viewer_stand_in(kind, pk=viewer_id, program_id=program_id), **values)

            self._reads[kind] = PrecompiledRead(
                build=build,
                stand_ins={"viewer_id": -101, "program_id": -102, **self.stand_ins},
                # A program admin or lead sees their whole program, whoever they are.
                optional=frozenset({"viewer_id"}) if kind in PROGRAM_WIDE_ROLES else frozenset(),
            )
        return self._reads[kind]


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """Every patient with at least one enrolment `user` may read."""
    if not _is_signed_in_staff(user):
        return Patient.objects.none()
    if user.role in PROGRAM_WIDE_ROLES:
        return Patient.objects.filter(program_id=user.program_id)
    visible = enrollments_visible_to(user).filter(patient_id=OuterRef("pk"))
    return Patient.objects.filter(Exists(visible))


def patient_for_user(user: User, patient_id: int) -> Patient:
    return get_object_or_404(patients_visible_to(user), pk=patient_id)


def enrollment_for_user(user: User, enrollment_id: int, *, for_write: bool = False) -> Enrollment:
    enrollment = get_object_or_404(
        enrollments_visible_to(user).select_related("patient", "team"), pk=enrollment_id
    )
    if for_write and not can_edit_enrollment(user, enrollment):
        raise PermissionDenied
    return enrollment


def can_edit_enrollment(user: User, enrollment: Enrollment) -> bool:
    """Care managers edit enrolments whose care team they are on; supervisors their teams'; admins all."""
    if not enrollments_visible_to(user).filter(pk=enrollment.pk).exists():
        return False
    if user.role in (Role.PROGRAM_ADMIN, Role.SUPERVISOR):
        return True
    if user.role == Role.CARE_MANAGER:
        return CareTeamMember.objects.filter(enrollment=enrollment, user=user, ended_on__isnull=True).exists()
    return False


def can_change_record(user: User, enrollment: Enrollment | None) -> bool:
    """The person's record (their current episode) may be changed: they are in outreach or care, and
    `user` may edit the enrolment. Otherwise the record is read-only (403 on a change)."""
    return (
        enrollment is not None
        and enrollment.status in CARE_STATUSES
        and can_edit_enrollment(user, enrollment)
    )


# Why a closed episode's record answers 403 to a change.
NOT_IN_CARE = "The record can change only while the person is in outreach or in care."


def enrollment_to_change(user: User, enrollment_id: int) -> Enrollment:
    """The enrolment whose record `user` is changing (can_change_record, with the reason): 404 outside
    their scope, 403 when they may only read it or the person is no longer in outreach or care."""
    enrollment = enrollment_for_user(user, enrollment_id, for_write=True)
    if enrollment.status not in CARE_STATUSES:
        raise PermissionDenied(NOT_IN_CARE)
    return enrollment


def _on_current_care_team(user: User, enrollment: Enrollment | OuterRef) -> QuerySet[CareTeamMember]:
    return CareTeamMember.objects.filter(enrollment=enrollment, user_id=user.pk, ended_on__isnull=True)


def can_see_part2(user: User, enrollment: Enrollment) -> bool:
    """Substance-use (42 CFR Part 2) content is for the person's current care team only."""
    if not _is_signed_in_staff(user) or user.program_id != enrollment.program_id:
        return False
    return _on_current_care_team(user, enrollment).exists()


def part2_withheld(user: User, enrollment: str = "enrollment") -> ExpressionWrapper:
    """can_see_part2 for a list of rows with an `is_part2` flag, as one SQL expression (no query per row):
    True for a Part 2 row `user` may not read. `enrollment` names the rows' enrolment field. The rows must
    already be scoped to the user's program (enrollments_visible_to)."""
    on_care_team = _on_current_care_team(user, OuterRef(enrollment))
    return ExpressionWrapper(Q(is_part2=True) & ~Exists(on_care_team), output_field=BooleanField())


def part2_disclosable_enrollments(user: User, *, on: datetime.date) -> QuerySet[Enrollment]:
    """Enrolments whose Part 2 records may leave Tandem for `user` (a FHIR export): `user` may see them
    (can_see_part2) and the person has a current consent to disclose them (ConsentKind
    SUBSTANCE_USE_DISCLOSURE, as patients.services.consents.has_current_consent), in one SQL subquery."""
    if not _is_signed_in_staff(user):
        return Enrollment.objects.none()
    consent = Consent.objects.current(kind=ConsentKind.SUBSTANCE_USE_DISCLOSURE, on=on).filter(
        patient=OuterRef("patient_id")
    )
    return Enrollment.objects.filter(
        Exists(_on_current_care_team(user, OuterRef("pk"))), Exists(consent), program_id=user.program_id
    )
