"""The outcomes page reads the same number of queries with 100 enrolments as with 5,000."""

import datetime
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from caseloads.models import OutcomeEpisode, OutcomeEvent, ProgramCost
from caseloads.outcomes_refresh import outcomes_refresh
from engagement.models import CheckIn, CheckInKind, LifeEvent, LifeEventKind, SuccessKind, SuccessMoment
from patients.models import (
    CareTeamMember,
    CareTeamRole,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Referral,
    ReferralSource,
)

pytestmark = pytest.mark.django_db

URL = reverse("caseloads:outcomes")
S = EnrollmentStatus
DAY = datetime.timedelta(days=1)


def _fill(program, team, care_manager, count: int) -> None:
    """`count` enrolments in bulk, in turn active, graduated, declined and waiting for screening, with
    visits, check-ins, surveys and success moments for the enrolled ones."""
    today = program.today()
    now = timezone.now()
    patients = Patient.objects.bulk_create(
        Patient(
            program=program,
            legal_first_name="Quillon",
            legal_last_name=f"Testwood-{number}",
            date_of_birth=datetime.date(1960, 1, 1),
        )
        for number in range(count)
    )
    statuses = itertools.cycle((S.ACTIVE, S.GRADUATED, S.DECLINED, S.REFERRED))
    enrollments = []
    for number, (patient, status) in enumerate(zip(patients, statuses, strict=False)):
        referred_on = today - (400 + number % 300) * DAY
        enrolled = status in (S.ACTIVE, S.GRADUATED)
        ended = status in (S.GRADUATED, S.DECLINED)
        enrollments.append(
            Enrollment(
                patient=patient,
                program=program,
                team=team if enrolled else None,
                status=status,
                status_changed_at=now,
                referred_on=referred_on,
                enrolled_on=referred_on + 20 * DAY if enrolled else None,
                ended_on=referred_on + (300 if status == S.GRADUATED else 5) * DAY if ended else None,
                end_reason={S.GRADUATED: EndReason.GRADUATED, S.DECLINED: EndReason.DECLINED}.get(status, ""),
            )
        )
    Enrollment.objects.bulk_create(enrollments)
    Referral.objects.bulk_create(
        Referral(
            enrollment=enrollment,
            source=ReferralSource.HEALTH_PLAN,
            reason="Synthetic test referral.",
            received_at=now - 500 * DAY,
            screened_at=now - 490 * DAY if enrollment.status != S.REFERRED else None,
        )
        for enrollment in enrollments
    )
    enrolled = [enrollment for enrollment in enrollments if enrollment.enrolled_on is not None]
    CareTeamMember.objects.bulk_create(
        CareTeamMember(
            enrollment=enrollment,
            user=care_manager,
            role=CareTeamRole.CARE_MANAGER,
            is_primary=True,
            started_on=enrollment.enrolled_on,
        )
        for enrollment in enrolled
        if enrollment.status == S.ACTIVE
    )
    events = []
    check_ins = []
    for enrollment in enrolled:
        enrolled_on = enrollment.enrolled_on
        events += [
            LifeEvent(
                patient=enrollment.patient, kind=LifeEventKind.ED_VISIT, occurred_on=enrolled_on - 30 * DAY
            ),
            LifeEvent(
                patient=enrollment.patient,
                enrollment=enrollment,
                kind=LifeEventKind.ADMISSION,
                occurred_on=enrolled_on + 40 * DAY,
                ended_on=enrolled_on + 44 * DAY,
            ),
            LifeEvent(
                patient=enrollment.patient,
                enrollment=enrollment,
                kind=LifeEventKind.READMISSION,
                occurred_on=enrolled_on + 60 * DAY,
                ended_on=enrolled_on + 62 * DAY,
            ),
        ]
        check_ins += [
            CheckIn(
                enrollment=enrollment,
                occurred_on=enrolled_on + 10 * DAY,
                confidence=4,
                recorded_by=care_manager,
            ),
            CheckIn(
                enrollment=enrollment,
                occurred_on=enrolled_on + 90 * DAY,
                confidence=7,
                recorded_by=care_manager,
            ),
            CheckIn(
                enrollment=enrollment,
                occurred_on=enrolled_on + 100 * DAY,
                kind=CheckInKind.SATISFACTION_SURVEY,
                satisfaction=5,
                recorded_by=care_manager,
            ),
        ]
    LifeEvent.objects.bulk_create(events)
    CheckIn.objects.bulk_create(check_ins)
    SuccessMoment.objects.bulk_create(
        SuccessMoment(
            enrollment=enrollment,
            occurred_on=enrollment.enrolled_on + 50 * DAY,
            kind=SuccessKind.TRUST,
            description="Synthetic success.",
            recorded_by=care_manager,
        )
        for enrollment in enrolled
    )
    ProgramCost.objects.create(
        program=program,
        starts_on=today - 365 * DAY,
        ends_on=today,
        amount=1000 * count,
        description="Synthetic cost",
    )


@pytest.mark.parametrize("count", [100, 5_000])
def test_the_outcomes_page_takes_the_same_queries_with_100_and_5000_enrolments(
    client, program, team_a, care_manager, program_lead, django_assert_num_queries, count: int
) -> None:
    _fill(program, team_a, care_manager, count)
    outcomes_refresh(program=program)
    assert OutcomeEpisode.objects.filter(program=program).count() == count
    # Enrolled people: half; each has 2 discharges, 1 survey and 1 success moment.
    assert OutcomeEvent.objects.filter(program=program).count() == count // 2 * 4
    client.force_login(program_lead)
    client.get(URL)  # The program's time zone is then in the session, as on every later page.
    # Session and user; the program's teams and the program (its today); when the figures were computed;
    # the enrolments' figures, the dated events' figures and the costs; the session's expiry saved
    # (savepoint, update, release).
    with django_assert_num_queries(11):
        response = client.get(URL, {"period": "all-time"})
    assert response.status_code == 200
    assert response.context["page"].table("funnel").rows[0].figures[0].text == f"{count:,}"


def test_the_same_figures_again_come_from_the_cache_until_the_next_refresh(
    client, program, team_a, care_manager, program_lead, django_assert_num_queries
) -> None:
    _fill(program, team_a, care_manager, 100)
    outcomes_refresh(program=program)
    client.force_login(program_lead)
    all_time = {"period": "all-time"}
    client.get(URL, all_time)
    # The two totals statements are not run again for the same refresh, team and period.
    with django_assert_num_queries(9):
        first = client.get(URL, all_time)
    assert first.context["page"].table("funnel").rows[0].figures[0].text == "100"
    _fill(program, team_a, care_manager, 20)
    assert client.get(URL, all_time).context["page"].table("funnel").rows[0].figures[0].text == "100"
    outcomes_refresh(program=program)
    assert client.get(URL, all_time).context["page"].table("funnel").rows[0].figures[0].text == "120"
