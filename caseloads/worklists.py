"""The admin's intake worklists: who to approach again, who is waiting, who is stuck, and candidates.

Reads only: every list of enrolments starts from patients.access, and candidates (people not enrolled) are
read for the admin's own program, so an admin sees their own program and nothing else.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from caseloads.models import Candidate
from caseloads.utilisation_import import UTILISATION_KINDS
from engagement.models import Contact, LifeEvent
from patients.access import enrollments_visible_to
from patients.models import CLOSED_STATUSES, EndReason, Enrollment, EnrollmentStatus
from patients.selectors import INTAKE_STATUSES

# A referral not screened within this many days of arriving is overdue.
SCREENING_DUE_DAYS = 7
# Outreach with no attempt for this many days has stalled.
OUTREACH_STALLED_DAYS = 7
# How many people each list shows; the count above it says how many there are.
LIST_LIMIT = 50


@dataclass(frozen=True)
class Worklist:
    title: str
    explanation: str
    count: int
    enrollments: list[Enrollment]
    # Referrals not screened yet: each row links to its screening.
    is_intake: bool = False


@dataclass(frozen=True)
class IntakeWorklists:
    reapproach_due: Worklist
    unassigned: Worklist
    screening_overdue: Worklist
    outreach_stalled: Worklist
    candidates: list[Candidate]
    candidate_count: int
    candidates_computed_at: datetime.datetime | None

    @property
    def lists(self) -> list[Worklist]:
        return [self.reapproach_due, self.unassigned, self.screening_overdue, self.outreach_stalled]


def _worklist(
    title: str, explanation: str, rows: QuerySet[Enrollment], *, is_intake: bool = False
) -> Worklist:
    return Worklist(
        title,
        explanation,
        rows.count(),
        list(rows.select_related("patient", "referral", "team")[:LIST_LIMIT]),
        is_intake=is_intake,
    )


def intake_worklists_for(*, user: User) -> IntakeWorklists:
    """The four intake worklists and the candidates, for a program admin. A constant number of queries."""
    visible = enrollments_visible_to(user)
    program = user.program
    today = program.today()
    now = timezone.now()

    later_utilisation = LifeEvent.objects.filter(
        patient=OuterRef("patient"), kind__in=UTILISATION_KINDS, occurred_on__gt=OuterRef("ended_on")
    )
    open_episode = Enrollment.objects.filter(patient=OuterRef("patient")).exclude(status__in=CLOSED_STATUSES)
    reapproach = (
        visible.filter(
            end_reason__in=[EndReason.DECLINED, EndReason.UNABLE_TO_REACH], next_enrollment__isnull=True
        )
        .exclude(Exists(open_episode))
        .annotate(
            utilisation_since_on=Subquery(
                later_utilisation.order_by("-occurred_on").values("occurred_on")[:1]
            )
        )
        .filter(Q(reapproach_on__lte=today) | Q(utilisation_since_on__isnull=False))
        .order_by(F("utilisation_since_on").desc(nulls_last=True), "reapproach_on", "pk")
    )
    last_contact = (
        Contact.objects.filter(enrollment=OuterRef("pk"))
        .order_by()
        .values("enrollment")
        .annotate(latest=Max("occurred_at"))
        .values("latest")
    )
    stalled_before = now - datetime.timedelta(days=OUTREACH_STALLED_DAYS)
    stalled = (
        visible.filter(status=EnrollmentStatus.OUTREACH)
        .annotate(last_contact_at=Subquery(last_contact))
        .filter(
            Q(last_contact_at__lt=stalled_before)
            | Q(last_contact_at__isnull=True, status_changed_at__lt=stalled_before)
        )
        .order_by(F("last_contact_at").asc(nulls_first=True), "pk")
    )
    intake = visible.filter(status__in=INTAKE_STATUSES)
    candidates = Candidate.objects.filter(program=program)
    candidate_totals = candidates.aggregate(count=Count("pk"), latest=Max("computed_at"))
    return IntakeWorklists(
        reapproach_due=_worklist(
            "Approach again",
            "People who declined or could not be reached: their re-approach day has come, or they had an "
            "ED visit or admission since.",
            reapproach,
        ),
        unassigned=_worklist(
            "Waiting for a team",
            "Referrals not yet given to a team.",
            intake.filter(team__isnull=True).order_by("referred_on", "pk"),
            is_intake=True,
        ),
        screening_overdue=_worklist(
            "Screening overdue",
            f"Referrals waiting more than {SCREENING_DUE_DAYS} days for screening.",
            intake.filter(referred_on__lt=today - datetime.timedelta(days=SCREENING_DUE_DAYS)).order_by(
                "referred_on", "pk"
            ),
            is_intake=True,
        ),
        outreach_stalled=_worklist(
            "Outreach stalled", f"In outreach with no attempt in {OUTREACH_STALLED_DAYS} days.", stalled
        ),
        candidates=list(candidates.select_related("patient")[:LIST_LIMIT]),
        candidate_count=candidate_totals["count"],
        candidates_computed_at=candidate_totals["latest"],
    )
