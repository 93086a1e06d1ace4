"""Program outcomes: a small cohort whose every figure is worked out by hand below, the period and team
filters, the CSV downloads, who may open the page, and the refresh that stores the figures."""

import csv
import datetime
import html
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from caseloads.models import OutcomeEpisode, OutcomeEvent, ProgramCost
from caseloads.outcomes_refresh import outcomes_refresh
from caseloads.tasks import outcomes_refresh_task
from engagement.models import CheckInKind, LifeEventKind, LifeEventSource, SuccessKind
from patients.models import (
    CARE_STATUSES,
    CareTeamRole,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    Referral,
    ReferralSource,
)
from tests.engagement.factories import CheckInFactory, LifeEventFactory, SuccessMomentFactory
from tests.patients.factories import CareTeamMemberFactory, EnrollmentFactory, PatientFactory

pytestmark = pytest.mark.django_db

URL = reverse("caseloads:outcomes")
S = EnrollmentStatus
# Noon in New York (the program's time zone) on 30 June 2026: the program's today is 30 June 2026.
NOW = datetime.datetime(2026, 6, 30, 16, 0, tzinfo=datetime.UTC)
D = datetime.date


@pytest.fixture(autouse=True)
def _now_is_fixed(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def _at_noon(day: D) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(16, 0), tzinfo=datetime.UTC)


def episode(
    program,
    *,
    status: str,
    referred_on: D,
    team=None,
    screened_on: D | None = None,
    enrolled_on: D | None = None,
    ended_on: D | None = None,
    end_reason: str = "",
) -> Enrollment:
    """An enrolment written as it stands, with its referral (the services only move through today)."""
    enrollment = EnrollmentFactory(
        patient=PatientFactory(program=program),
        status=status,
        team=team,
        referred_on=referred_on,
        enrolled_on=enrolled_on,
        ended_on=ended_on,
        end_reason=end_reason,
    )
    if status in CARE_STATUSES:
        CareTeamMemberFactory(
            enrollment=enrollment,
            role=CareTeamRole.CARE_MANAGER,
            is_primary=True,
            started_on=enrolled_on or referred_on,
        )
    Referral.objects.create(
        enrollment=enrollment,
        source=ReferralSource.PRIMARY_CARE,
        reason="Synthetic test referral.",
        received_at=_at_noon(referred_on),
        screened_at=_at_noon(screened_on) if screened_on else None,
    )
    return enrollment


def visit(enrollment, kind: str, on: D, *, discharged_on: D | None = None, source=LifeEventSource.CARE_TEAM):
    LifeEventFactory(
        patient=enrollment.patient, kind=kind, occurred_on=on, ended_on=discharged_on, source=source
    )


def confidence(enrollment, on: D, rating: int) -> None:
    CheckInFactory(enrollment=enrollment, occurred_on=on, confidence=rating)


def survey(enrollment, on: D, answer: int) -> None:
    CheckInFactory(
        enrollment=enrollment,
        occurred_on=on,
        kind=CheckInKind.SATISFACTION_SURVEY,
        confidence=None,
        satisfaction=answer,
    )


def success(enrollment, on: D, kind: str) -> None:
    SuccessMomentFactory(enrollment=enrollment, occurred_on=on, kind=kind)


ED, ADMISSION, READMISSION, DISCHARGE = (
    LifeEventKind.ED_VISIT,
    LifeEventKind.ADMISSION,
    LifeEventKind.READMISSION,
    LifeEventKind.DISCHARGE,
)


@pytest.fixture
def cohort(program, team_a, team_b) -> dict[str, Enrollment]:
    """Seven enrolments; the figures each one gives are in the comments (today is 30 Jun 2026)."""
    # E1, team A, graduated. Referral to screening 4 days, screening to enrolment 10, enrolment to graduation
    # 181 (15 Jan to 15 Jul 2025); 182 days since enrolment, both ends counted.
    e1 = episode(
        program,
        status=S.GRADUATED,
        team=team_a,
        referred_on=D(2025, 1, 1),
        screened_on=D(2025, 1, 5),
        enrolled_on=D(2025, 1, 15),
        ended_on=D(2025, 7, 15),
        end_reason=EndReason.GRADUATED,
    )
    # Before (16 Jan 2024 to 14 Jan 2025): 3 ED visits (1 Sep twice: the care team and claims, counted once;
    # 1 Dec 2023 is more than a year before) and 1 admission (its discharge is before enrolment: not counted).
    for day in (D(2023, 12, 1), D(2024, 3, 1), D(2024, 6, 1), D(2024, 9, 1)):
        visit(e1, ED, day)
    visit(e1, ED, D(2024, 9, 1), source=LifeEventSource.CLAIMS)
    visit(e1, ADMISSION, D(2024, 10, 1), discharged_on=D(2024, 10, 5))
    # Since: 1 ED visit, 2 admissions. Discharged 4 Feb, back 20 Feb (16 days: readmitted); discharged 25 Feb
    # (also recorded as a discharge that day: one discharge), nothing after (not readmitted).
    visit(e1, ED, D(2025, 3, 1))
    visit(e1, ADMISSION, D(2025, 2, 1), discharged_on=D(2025, 2, 4))
    visit(e1, READMISSION, D(2025, 2, 20), discharged_on=D(2025, 2, 25))
    visit(e1, DISCHARGE, D(2025, 2, 25))
    # Confidence since enrolment 4 -> 7: +3, improved (the 2 before enrolment does not count).
    confidence(e1, D(2025, 1, 10), 2)
    confidence(e1, D(2025, 1, 20), 4)
    confidence(e1, D(2025, 4, 1), 6)
    confidence(e1, D(2025, 7, 1), 7)
    survey(e1, D(2025, 6, 1), 5)
    success(e1, D(2025, 2, 10), SuccessKind.TRUST)
    success(e1, D(2025, 6, 15), SuccessKind.STABILITY_INDEPENDENCE)

    # E2, team A, still in care. Referral to screening 2 days, screening to enrolment 7; enrolled 10 Sep 2025:
    # 294 days since enrolment to today, both ends counted (293 days in the program so far).
    e2 = episode(
        program,
        status=S.ACTIVE,
        team=team_a,
        referred_on=D(2025, 9, 1),
        screened_on=D(2025, 9, 3),
        enrolled_on=D(2025, 9, 10),
    )
    # Before: 2 ED visits, 1 admission (discharged before enrolment: not counted).
    visit(e2, ED, D(2025, 1, 1))
    visit(e2, ED, D(2025, 5, 1))
    visit(e2, ADMISSION, D(2025, 4, 1), discharged_on=D(2025, 4, 3))
    # Since: 1 ED visit, 3 admissions. Discharged 12 Jan, next admission 1 Mar (48 days: not readmitted);
    # discharged 2 Mar, back 20 Mar (18 days: readmitted); discharged 22 Mar, nothing after (not readmitted);
    # discharged 20 Jun 2026, within the last 30 days: not counted yet.
    visit(e2, ED, D(2025, 12, 1))
    visit(e2, ADMISSION, D(2026, 1, 10), discharged_on=D(2026, 1, 12))
    visit(e2, ADMISSION, D(2026, 3, 1), discharged_on=D(2026, 3, 2))
    visit(e2, ADMISSION, D(2026, 3, 20), discharged_on=D(2026, 3, 22))
    visit(e2, DISCHARGE, D(2026, 6, 20))
    # Confidence 6 -> 5: -1, dropped.
    confidence(e2, D(2025, 10, 1), 6)
    confidence(e2, D(2026, 5, 1), 5)
    survey(e2, D(2026, 1, 15), 3)
    survey(e2, D(2026, 4, 15), 4)
    success(e2, D(2025, 10, 15), SuccessKind.TRUST)
    success(e2, D(2026, 2, 1), SuccessKind.MINDSET_INITIATIVE)
    success(e2, D(2026, 5, 1), SuccessKind.TRUST)

    # E3, team B, still in care. Referral to screening 1 day, screening to enrolment 14; enrolled 20 Jan 2026:
    # 162 days since enrolment (161 in the program so far).
    e3 = episode(
        program,
        status=S.ACTIVE,
        team=team_b,
        referred_on=D(2026, 1, 5),
        screened_on=D(2026, 1, 6),
        enrolled_on=D(2026, 1, 20),
    )
    # Before: 1 ED visit. Since: 1 ED visit.
    visit(e3, ED, D(2025, 6, 1))
    visit(e3, ED, D(2026, 4, 1))
    # Confidence 5 -> 5: the same.
    confidence(e3, D(2026, 2, 1), 5)
    confidence(e3, D(2026, 6, 1), 5)
    survey(e3, D(2026, 6, 1), 5)
    success(e3, D(2026, 3, 1), SuccessKind.TRUST)

    # E4 declined 3 days after referral; E5 not a fit 10 days after; E6 waiting for screening.
    e4 = episode(
        program,
        status=S.DECLINED,
        referred_on=D(2025, 11, 1),
        screened_on=D(2025, 11, 4),
        ended_on=D(2025, 11, 4),
        end_reason=EndReason.DECLINED,
    )
    e5 = episode(
        program,
        status=S.NOT_A_FIT,
        referred_on=D(2026, 2, 1),
        screened_on=D(2026, 2, 11),
        ended_on=D(2026, 2, 11),
        end_reason=EndReason.NOT_A_FIT,
    )
    e6 = episode(program, status=S.REFERRED, referred_on=D(2026, 6, 20))

    # E7, team A, left before graduating: screening 1 day, enrolment 8 days later, moved away 60 days after
    # enrolment (61 days since enrolment). One confidence rating only: not measured.
    e7 = episode(
        program,
        status=S.DISENROLLED,
        team=team_a,
        referred_on=D(2025, 3, 1),
        screened_on=D(2025, 3, 2),
        enrolled_on=D(2025, 3, 10),
        ended_on=D(2025, 5, 9),
        end_reason=EndReason.MOVED_AWAY,
    )
    confidence(e7, D(2025, 4, 1), 3)
    survey(e7, D(2025, 4, 15), 2)

    # Costs: the whole program in 2025, and team A in the first half of 2026.
    ProgramCost.objects.create(
        program=program,
        starts_on=D(2025, 1, 1),
        ends_on=D(2025, 12, 31),
        amount=Decimal("36500.00"),
        description="Care management staff 2025",
    )
    ProgramCost.objects.create(
        program=program,
        team=team_a,
        starts_on=D(2026, 1, 1),
        ends_on=D(2026, 6, 30),
        amount=Decimal("18100.00"),
        description="Team A staff and travel, first half of 2026",
    )
    # An enrolment of another program never counts.
    episode(
        PatientFactory().program,
        status=S.DECLINED,
        referred_on=D(2026, 1, 1),
        screened_on=D(2026, 1, 2),
        ended_on=D(2026, 1, 2),
        end_reason=EndReason.DECLINED,
    )
    outcomes_refresh(program=program)
    return {"e1": e1, "e2": e2, "e3": e3, "e4": e4, "e5": e5, "e6": e6, "e7": e7}


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def section(page: str, slug: str) -> str:
    start = page.index(f'id="{slug}"')
    return page[start : page.index("</section>", start)]


def rows(page: str, slug: str) -> list[list[str]]:
    """The table's rows, each as the texts of its cells."""
    body = section(page, slug)
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def statements(page: str, slug: str) -> list[str]:
    return [
        _text(text)
        for text in re.findall(r'<p class="outcome-statement[^"]*">(.*?)</p>', section(page, slug), re.S)
    ]


def open_page(client, user, **query: object) -> str:
    client.force_login(user)
    response = client.get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


ALL_TIME = {"period": "all-time"}


def test_the_funnel_counts_each_step_and_the_median_days_between_steps(client, program_lead, cohort) -> None:
    page = open_page(client, program_lead, **ALL_TIME)
    # Referred: all 7. Screened: 6 of 7 (85.7 %); days from referral 4, 2, 1, 3, 10, 1 -> median (2 + 3) / 2.
    # Enrolled: 4 of 7 (57.1 %); days from screening 10, 7, 14, 8 -> median (8 + 10) / 2 = 9.
    # Declined, not a fit, graduated: 1 each (14.3 %); 3 and 10 days from referral, 181 from enrolment.
    assert rows(page, "funnel") == [
        ["Referred", "7", "7", "100.0 %", "—", "—", "—"],
        ["Screened", "6", "7", "85.7 %", "2.5", "referral", "6"],
        ["Enrolled", "4", "7", "57.1 %", "9", "screening", "4"],
        ["Declined", "1", "7", "14.3 %", "3", "referral", "1"],
        ["Not a fit", "1", "7", "14.3 %", "10", "referral", "1"],
        ["Graduated", "1", "7", "14.3 %", "181", "enrolment", "1"],
    ]


def test_time_in_program_by_how_the_enrolment_stands(client, program_lead, cohort) -> None:
    page = open_page(client, program_lead, **ALL_TIME)
    # Graduated: E1 181 days. Left early: E7 60. Still in care: E2 293 and E3 161 -> median 227.
    assert rows(page, "time-in-program") == [
        ["Graduated", "1", "181"],
        ["Left before graduating", "1", "60"],
        ["Still in care (so far)", "2", "227"],
    ]


def test_ed_visits_and_admissions_per_patient_year_before_and_since_enrolment(
    client, program_lead, cohort
) -> None:
    page = open_page(client, program_lead, **ALL_TIME)
    # Four people enrolled: 4 patient-years before. Since: 182 + 294 + 162 + 61 = 699 days = 1.92 years.
    # ED visits: before 3 + 2 + 1 = 6 -> 1.50 a year; since 1 + 1 + 1 = 3 -> 3 * 365 / 699 = 1.57
    # (4.4 % more).
    # Admissions: before 1 + 1 = 2 -> 0.50; since 2 + 3 = 5 -> 5 * 365 / 699 = 2.61 (422.2 % more).
    assert rows(page, "utilisation") == [
        ["ED visits, 12 months before enrolment", "6", "4.00", "1.50"],
        ["ED visits since enrolment", "3", "1.92", "1.57"],
        ["Hospital admissions, 12 months before enrolment", "2", "4.00", "0.50"],
        ["Hospital admissions since enrolment", "5", "1.92", "2.61"],
    ]
    assert statements(page, "utilisation") == [
        "ED visits: 1.50 per patient-year before enrolment, 1.57 since (4.4 % more).",
        "Hospital admissions: 0.50 per patient-year before enrolment, 2.61 since (422.2 % more).",
    ]
    # Own ED rate: E1 3 a year -> 1 in 182 days (2.0 a year, fell); E2 2 -> 1 in 294 days (1.2, fell);
    # E3 1 -> 1 in 162 days (2.3, rose). Own admission rate: E1 1 -> 2 in 182 days, E2 1 -> 3 in 294:
    # both rose.
    assert rows(page, "utilisation-per-person") == [
        ["ED visits", "2", "3", "66.7 %"],
        ["Hospital admissions", "0", "2", "0.0 %"],
    ]


def test_readmissions_against_the_target(client, program_lead, cohort) -> None:
    page = open_page(client, program_lead, **ALL_TIME)
    # Discharges while enrolled with their 30 days passed: E1 4 Feb (readmitted) and 25 Feb 2025; E2 12 Jan,
    # 2 Mar (readmitted) and 22 Mar 2026. 2 of 5 = 40.0 %; E2's 20 Jun discharge waits.
    assert rows(page, "readmissions") == [
        ["Readmitted within 30 days", "2", "5", "40.0 %", "15 % or lower", "Not met"],
    ]
    assert statements(page, "readmissions") == [
        "40.0 % is 25.0 points above the 15 % target: the target is not met.",
        "1 discharge of the last 30 days is not counted yet.",
    ]


def test_satisfaction_against_the_target(client, program_lead, cohort) -> None:
    page = open_page(client, program_lead, **ALL_TIME)
    # Answers 5, 3, 4, 5, 2: three of five answered 4 or 5.
    assert rows(page, "satisfaction") == [
        ["Answered 4 or 5 of 5", "3", "5", "60.0 %", "85 % or higher", "Not met"],
    ]
    assert statements(page, "satisfaction") == [
        "60.0 % is 25.0 points below the 85 % target: the target is not met."
    ]


def test_cost_per_case_success_moments_and_confidence(client, program_lead, cohort) -> None:
    page = open_page(client, program_lead, **ALL_TIME)
    # 36,500 + 18,100 over the 4 people enrolled.
    assert rows(page, "costs") == [["Cost per case", "54,600.00", "4", "13,650.00"]]
    # Trust: E1, E2 (twice), E3; mindset: E2; stability: E1. Six moments of three people.
    assert rows(page, "success-moments") == [
        ["Trust", "4", "6", "66.7 %", "3"],
        ["Mindset or initiative", "1", "6", "16.7 %", "1"],
        ["Stability and independence", "1", "6", "16.7 %", "1"],
        ["Any kind", "6", "6", "100.0 %", "3"],
    ]
    # E1 +3, E2 -1, E3 0 (E7 has one rating): 3 measured, total +2, mean 2 / 3.
    assert rows(page, "confidence") == [
        ["Improved", "1", "3", "33.3 %"],
        ["Stayed the same", "1", "3", "33.3 %"],
        ["Dropped", "1", "3", "33.3 %"],
        ["Mean change in points", "+2", "3", "+0.7 points"],
    ]


def test_the_page_says_when_the_figures_were_computed_and_how(client, program_lead, cohort) -> None:
    page = open_page(client, program_lead)
    assert "<h1>Program outcomes</h1>" in page
    assert "Figures computed" in page
    assert "30 Jun 2026, 12:00</time>" in page
    assert "Showing Last 12 months (1 Jul 2025 to 30 Jun 2026), all teams." in _text(page)
    assert page.count("How computed") == 9
    assert "Costs as recorded now; cases as computed" in _text(section(page, "costs"))


def test_the_last_12_months_count_enrolments_overlapping_them_and_events_dated_in_them(
    client, program_lead, cohort
) -> None:
    # 1 Jul 2025 to 30 Jun 2026: E7 ended 9 May 2025 and is left out; E1 ended 15 Jul 2025 and is in.
    page = open_page(client, program_lead)
    assert rows(page, "funnel")[0] == ["Referred", "6", "6", "100.0 %", "—", "—", "—"]
    # Discharges dated in the period: E2's 12 Jan, 2 Mar (readmitted) and 22 Mar.
    assert rows(page, "readmissions")[0][:4] == ["Readmitted within 30 days", "1", "3", "33.3 %"]
    # Surveys dated in the period: E2's 3 and 4, E3's 5.
    assert rows(page, "satisfaction")[0][:4] == ["Answered 4 or 5 of 5", "2", "3", "66.7 %"]
    # 2025's 36,500 for its 184 days from 1 Jul (18,400.00) and team A's 18,100, over E1, E2 and E3.
    assert rows(page, "costs") == [["Cost per case", "36,500.00", "3", "12,166.67"]]
    # Moments in the period: E2's trust (Oct and May) and mindset (Feb), E3's trust (Mar): 2 people.
    assert rows(page, "success-moments") == [
        ["Trust", "3", "4", "75.0 %", "2"],
        ["Mindset or initiative", "1", "4", "25.0 %", "1"],
        ["Stability and independence", "0", "4", "0.0 %", "0"],
        ["Any kind", "4", "4", "100.0 %", "2"],
    ]
    assert statements(page, "costs") == [
        "1 of the 2 cost records runs past the period's dates: it counts for its days inside the period."
    ]


def test_people_with_a_success_moment_count_once_when_their_earlier_one_is_before_the_period(
    client, program_lead, cohort
) -> None:
    page = open_page(client, program_lead, period="custom", starts_on="2026-01-01", ends_on="2026-06-30")
    # E2: mindset 1 Feb, trust 1 May (its trust of Oct 2025 is before); E3: trust 1 Mar.
    assert rows(page, "success-moments") == [
        ["Trust", "2", "3", "66.7 %", "2"],
        ["Mindset or initiative", "1", "3", "33.3 %", "1"],
        ["Stability and independence", "0", "3", "0.0 %", "0"],
        ["Any kind", "3", "3", "100.0 %", "2"],
    ]


def test_one_team_and_chosen_dates(client, program_lead, team_b, cohort) -> None:
    page = open_page(
        client, program_lead, period="custom", starts_on="2026-01-01", ends_on="2026-06-30", team=team_b.pk
    )
    assert "Showing Chosen dates (1 Jan 2026 to 30 Jun 2026), Team B." in _text(page)
    assert rows(page, "funnel")[0] == ["Referred", "1", "1", "100.0 %", "—", "—", "—"]
    assert rows(page, "satisfaction")[0] == [
        "Answered 4 or 5 of 5",
        "1",
        "1",
        "100.0 %",
        "85 % or higher",
        "Met",
    ]
    assert statements(page, "satisfaction") == [
        "100.0 % is 15.0 points above the 85 % target: the target is met."
    ]
    assert "No costs are recorded for this period." in section(page, "costs")
    assert "No discharges with their 30 days passed in this period" in _text(section(page, "readmissions"))


def test_filters_with_a_problem_are_shown_and_the_default_period_is_used(
    client, program_lead, cohort
) -> None:
    client.force_login(program_lead)
    response = client.get(URL, {"period": "custom", "starts_on": "2026-06-01", "ends_on": "2026-01-01"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "The last day is before the first day." in page
    assert "Showing Last 12 months (1 Jul 2025 to 30 Jun 2026), all teams." in _text(page)
    response = client.get(URL, {"period": "custom"})
    assert "Enter the first day of the period." in response.content.decode()
    assert client.get(URL, {"team": "999999"}).status_code == 422


def test_each_table_downloads_as_csv_with_the_pages_figures(client, program_lead, cohort) -> None:
    client.force_login(program_lead)
    response = client.get(reverse("caseloads:outcomes-export", args=["funnel"]), ALL_TIME)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="outcomes-funnel-start-to-2026-06-30.csv"'
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    context = ["All time (up to 30 Jun 2026)", "All teams", "2026-06-30 12:00"]
    assert lines[0] == [
        "Step",
        "People",
        "Referred",
        "Share of referred",
        "Median days",
        "Days from",
        "People measured",
        "Period",
        "Team",
        "Computed at",
    ]
    assert lines[2] == ["Screened", "6", "7", "85.7", "2.5", "referral", "6", *context]
    costs = client.get(reverse("caseloads:outcomes-export", args=["costs"]), ALL_TIME)
    assert list(csv.reader(io.StringIO(costs.content.decode("utf-8-sig"))))[1] == [
        "Cost per case",
        "54600.00",
        "4",
        "13650.00",
        *context,
    ]
    page = open_page(client, program_lead, **ALL_TIME)
    for slug in (
        "funnel",
        "time-in-program",
        "utilisation",
        "utilisation-per-person",
        "readmissions",
        "satisfaction",
        "costs",
        "success-moments",
        "confidence",
    ):
        href = f"{reverse('caseloads:outcomes-export', args=[slug])}?period=all-time"
        assert html.escape(href) in page
        assert client.get(href).status_code == 200
    assert client.get(reverse("caseloads:outcomes-export", args=["patients"])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("care_manager", 403),
        ("supervisor", 403),
        ("program_admin", 200),
        ("program_lead", 200),
    ],
)
def test_only_program_leads_and_admins_open_outcomes(
    client, request, program, persona: str, status: int
) -> None:
    outcomes_refresh(program=program)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == status
    assert client.get(reverse("caseloads:outcomes-export", args=["funnel"])).status_code == status


def test_another_programs_admin_sees_none_of_this_programs_figures(
    client, other_program_admin, cohort
) -> None:
    page = open_page(client, other_program_admin, **ALL_TIME)
    assert "The figures have not been worked out yet." in page
    outcomes_refresh(program=other_program_admin.program)
    page = open_page(client, other_program_admin, **ALL_TIME)
    assert "No enrolments in this period." in section(page, "funnel")
    assert "No costs are recorded for this period." in section(page, "costs")


def test_before_the_first_refresh_the_page_says_the_figures_are_coming(client, program_lead) -> None:
    page = open_page(client, program_lead)
    assert "<h1>Program outcomes</h1>" in page
    assert "The figures have not been worked out yet." in page


def test_a_second_refresh_writes_nothing_and_a_change_is_picked_up(program, cohort, team_b) -> None:
    assert outcomes_refresh(program=program).written == 0
    assert OutcomeEpisode.objects.filter(program=program).count() == 7
    Enrollment.objects.filter(pk=cohort["e1"].pk).update(team=team_b)
    survey(cohort["e3"], D(2026, 6, 29), 4)
    result = outcomes_refresh(program=program)
    assert OutcomeEpisode.objects.get(enrollment=cohort["e1"]).team_id == team_b.pk
    assert set(OutcomeEvent.objects.filter(enrollment=cohort["e1"]).values_list("team_id", flat=True)) == {
        team_b.pk
    }
    # E1: 1 episode row, 2 discharges, 1 survey and 2 success moments moved; 1 new survey.
    assert result.written == 1 + 2 + 1 + 2 + 1


def test_the_command_prints_progress_and_the_task_refreshes_every_program(program, cohort) -> None:
    out = io.StringIO()
    call_command("refresh_outcomes", f"--program={program.pk}", stdout=out)
    printed = out.getvalue()
    assert f"{program}: working out enrolments …" in printed
    assert f"{program}: 7 enrolments and 17 dated events, 0 rows written" in printed
    # Every program: this one has nothing new; the other program's one enrolment is stored for the first time.
    assert outcomes_refresh_task() == 1
