"""Issue 6's pages on a 375 px phone: program outcomes, caseload balancing, peer support, and the record's
peer support and graduation cards, with everything that folds away unfolded. axe-core finds nothing serious or
critical, nothing scrolls sideways, and each leaves a screenshot under test-results/."""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page

from caseloads.models import (
    DecisionKind,
    IntensityLevel,
    ProgramCost,
    SupervisionDecision,
    SupervisionSession,
)
from caseloads.outcomes_refresh import outcomes_refresh
from engagement.models import LifeEventKind, PeerGroupFormat, SuccessKind
from engagement.peer_services import peer_connection_end, peer_connection_start, peer_contact_log
from patients.models import EndReason, Enrollment, EnrollmentStatus
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations
from tests.caseloads.factories import CaseloadStatusFactory
from tests.caseloads.test_balancing import care_manager_in, give
from tests.caseloads.test_outcomes import confidence, success, survey, visit
from tests.caseloads.test_outcomes import episode as episode_in_transaction
from tests.caseloads.test_peer_views import make_group, make_mentor

pytestmark = pytest.mark.django_db(transaction=True)

DAY = datetime.timedelta(days=1)


@pytest.fixture
def phone(axe_phone: BrowserContext) -> BrowserContext:
    # signed_in_page opens its pages in a context that lets axe be injected; other tests keep the CSP.
    return axe_phone


def episode(program, **fields) -> Enrollment:
    """An enrolment written as it stands, committed with its primary care manager (checked at commit)."""
    with transaction.atomic():
        return episode_in_transaction(program, **fields)


def open_every_details(page: Page, scope: str = "main") -> None:
    for summary in page.locator(f"{scope} details > summary").all():
        if summary.locator("xpath=..").get_attribute("open") is None:
            summary.click()
    assert page.locator(f"{scope} details:not([open])").count() == 0


def assert_fits_and_passes_axe(page: Page, name: str) -> None:
    screenshot(page, name)
    assert has_no_sideways_scroll(page)
    assert serious_violations(page) == []


def test_program_outcomes_with_figures(
    signed_in_page, live_server, program, team_a, team_b, program_lead
) -> None:
    today = program.today()
    graduate = episode(
        program,
        status=EnrollmentStatus.GRADUATED,
        team=team_a,
        referred_on=today - 300 * DAY,
        screened_on=today - 296 * DAY,
        enrolled_on=today - 290 * DAY,
        ended_on=today - 100 * DAY,
        end_reason=EndReason.GRADUATED,
    )
    visit(graduate, LifeEventKind.ED_VISIT, today - 400 * DAY)
    visit(graduate, LifeEventKind.ED_VISIT, today - 350 * DAY)
    visit(graduate, LifeEventKind.ADMISSION, today - 200 * DAY, discharged_on=today - 197 * DAY)
    visit(graduate, LifeEventKind.READMISSION, today - 185 * DAY, discharged_on=today - 183 * DAY)
    confidence(graduate, today - 280 * DAY, 4)
    confidence(graduate, today - 120 * DAY, 8)
    survey(graduate, today - 110 * DAY, 5)
    success(graduate, today - 150 * DAY, SuccessKind.TRUST)
    in_care = episode(
        program,
        status=EnrollmentStatus.ACTIVE,
        team=team_b,
        referred_on=today - 200 * DAY,
        screened_on=today - 198 * DAY,
        enrolled_on=today - 190 * DAY,
    )
    visit(in_care, LifeEventKind.ED_VISIT, today - 250 * DAY)
    visit(in_care, LifeEventKind.ED_VISIT, today - 60 * DAY)
    confidence(in_care, today - 180 * DAY, 6)
    confidence(in_care, today - 30 * DAY, 5)
    survey(in_care, today - 40 * DAY, 3)
    success(in_care, today - 50 * DAY, SuccessKind.MINDSET_INITIATIVE)
    episode(
        program,
        status=EnrollmentStatus.DECLINED,
        referred_on=today - 60 * DAY,
        screened_on=today - 57 * DAY,
        ended_on=today - 57 * DAY,
        end_reason=EndReason.DECLINED,
    )
    episode(program, status=EnrollmentStatus.REFERRED, referred_on=today - 5 * DAY)
    ProgramCost.objects.create(
        program=program,
        starts_on=today - 364 * DAY,
        ends_on=today,
        amount=Decimal("36500.00"),
        description="Care management staff",
    )
    outcomes_refresh(program=program)

    page = signed_in_page(program_lead)
    page.goto(f"{live_server.url}{reverse('caseloads:outcomes')}")
    page.get_by_role("heading", name="Program outcomes").wait_for()
    assert page.locator("table.outcome-table").count() >= 4
    assert page.locator("main .empty-state").count() == 0
    open_every_details(page)

    assert_fits_and_passes_axe(page, "outcomes-phone")


def test_balancing_with_a_proposed_move(
    signed_in_page, live_server, team_a, supervisor, make_enrollment
) -> None:
    ana = care_manager_in(team_a, capacity=6, first_name="Ana")
    care_manager_in(team_a, capacity=6, first_name="Ben")
    for _ in range(4):
        give(make_enrollment, ana, IntensityLevel.MEDIUM)

    page = signed_in_page(supervisor)
    page.goto(f"{live_server.url}{reverse('caseloads:balancing', args=[team_a.pk])}")
    page.get_by_role("heading", name="Proposed moves").wait_for()
    assert "Over capacity" in page.inner_text("main")
    moves = page.locator(".balance-move")
    assert moves.count() >= 1
    moves.first.locator("input[type=checkbox]").check()
    open_every_details(page)

    assert_fits_and_passes_axe(page, "balancing-phone")


def test_peer_support_with_a_group_and_a_mentor(signed_in_page, live_server, program, supervisor) -> None:
    make_group(program, leader_phone="555-0100")
    make_group(
        program, "Thursday Online Circle", format=PeerGroupFormat.ONLINE, meets="Thursdays 7pm on Zoom"
    )
    make_mentor(program, languages="English, Spanish", phone="555-0111", email="rosa@example.org")

    page = signed_in_page(supervisor)
    page.goto(f"{live_server.url}{reverse('caseloads:peer-support')}")
    page.get_by_role("heading", name="Peer mentors").wait_for()
    assert "Tuesday Circle" in page.inner_text("#groups")
    assert "Rosa T." in page.inner_text("#mentors")
    open_every_details(page)

    assert_fits_and_passes_axe(page, "peer-support-phone")


def test_the_record_with_the_peer_card_unfolded(
    signed_in_page, live_server, program, care_manager, enrollment: Enrollment
) -> None:
    today = program.today()
    Enrollment.objects.filter(pk=enrollment.pk).update(referred_on=today - 8 * 7 * DAY)
    enrollment.refresh_from_db()
    group = make_group(program, leader_phone="555-0100")
    mentor = make_mentor(program, languages="English, Spanish", phone="555-0111", email="rosa@example.org")
    to_group = peer_connection_start(
        enrollment=enrollment, acting_user=care_manager, group=group, started_on=today - 21 * DAY
    )
    peer_contact_log(
        connection=to_group,
        acting_user=care_manager,
        occurred_on=today - 7 * DAY,
        note="Went to the meeting and spoke for the first time.",
    )
    peer_connection_start(
        enrollment=enrollment, acting_user=care_manager, mentor=mentor, started_on=today - 14 * DAY
    )
    earlier = peer_connection_start(
        enrollment=enrollment,
        acting_user=care_manager,
        group=make_group(program, "Monday Walkers"),
        started_on=today - 50 * DAY,
    )
    peer_connection_end(connection=earlier, acting_user=care_manager, ended_on=today - 30 * DAY)

    page = signed_in_page(care_manager)
    page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")
    card = page.locator("#peer-support")
    card.wait_for()
    text = card.inner_text()
    assert "Tuesday Circle" in text
    assert "Rosa T." in text
    assert "Went to the meeting and spoke for the first time." in text
    open_every_details(page, "#peer-support")
    assert (
        card.locator("details").count() == 5
    )  # a contact and an end form per connection, and the earlier ones
    card.scroll_into_view_if_needed()

    assert_fits_and_passes_axe(page, "record-peer-card-phone")


def test_the_record_with_the_graduation_card_unfolded(
    signed_in_page, live_server, care_manager, supervisor, enrollment: Enrollment
) -> None:
    CaseloadStatusFactory(
        enrollment=enrollment,
        care_manager=care_manager,
        graduation_criteria=[
            {"label": "Enrolled at least 6 months", "met": True, "detail": "Enrolled on 2 Jan 2026."},
            {"label": "Confidence 7 or more at the last check-in", "met": False, "detail": "Last rated 5."},
        ],
    )
    session = SupervisionSession.objects.create(
        supervisor=supervisor, care_manager=care_manager, held_on=enrollment.program.today()
    )
    SupervisionDecision.objects.create(
        session=session,
        enrollment=enrollment,
        kind=DecisionKind.PREPARE_GRADUATION,
        detail="Ask her how she feels about it.",
        applied_at=timezone.now(),
    )

    page = signed_in_page(care_manager)
    page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")
    card = page.locator("#graduation")
    assert "Your supervisor asked you to prepare graduation" in card.inner_text()
    open_every_details(page, "#graduation")
    assert card.get_by_text("Last rated 5.").is_visible()
    assert card.get_by_role("link", name="Prepare graduation").is_visible()
    card.scroll_into_view_if_needed()

    assert_fits_and_passes_axe(page, "record-graduation-card-phone")
