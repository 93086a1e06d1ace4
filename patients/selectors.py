"""Reads of patients, enrolments and referrals, always from a scoped entry point (patients.access)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from patients.access import enrollments_visible_to
from patients.models import CareTeamMember, CommunitySupport, Enrollment, EnrollmentStatus, Patient

INTAKE_STATUSES = (EnrollmentStatus.REFERRED, EnrollmentStatus.SCREENING)


@dataclass(frozen=True)
class ReferralQueue:
    referred_count: int
    screening_count: int
    unassigned_count: int
    enrollments: list[Enrollment]


def referral_queue_for(*, user: User, limit: int = 100) -> ReferralQueue:
    """Referrals waiting on screening or assignment, oldest first, with the counts for the top."""
    waiting = enrollments_visible_to(user).filter(status__in=INTAKE_STATUSES)
    counts = waiting.aggregate(
        referred=Count("pk", filter=Q(status=EnrollmentStatus.REFERRED)),
        screening=Count("pk", filter=Q(status=EnrollmentStatus.SCREENING)),
        unassigned=Count("pk", filter=Q(team__isnull=True)),
    )
    rows = list(
        waiting.select_related("patient", "referral", "team").order_by("referral__received_at", "pk")[:limit]
    )
    return ReferralQueue(
        referred_count=counts["referred"],
        screening_count=counts["screening"],
        unassigned_count=counts["unassigned"],
        enrollments=rows,
    )


def current_enrollment_of(*, user: User, patient: Patient) -> Enrollment | None:
    """The episode to show on the record: the open one, else the latest the user may see."""
    return (
        enrollments_visible_to(user)
        .filter(patient=patient)
        .select_related("team")
        .order_by("ended_on", "-referred_on", "-pk")
        .first()
    )


def care_team_of(*, enrollment: Enrollment) -> QuerySet[CareTeamMember]:
    return enrollment.care_team.filter(ended_on__isnull=True).select_related("user")


def community_supports_of(*, patient: Patient) -> QuerySet[CommunitySupport]:
    return patient.community_supports.filter(is_active=True)
