"""Graduation in the browser: a care manager follows the record's graduation card to the workflow, goes
through every criterion with the person, records the agreement, the date and who to call, and then finds the
check-ins on the record and the handoff summary and certificate (on screen and as PDFs) with the goal the
person reached, in their words."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

from careplans.models import GoalStatus
from caseloads.models import FollowUpCheckIn, Graduation
from patients.models import Enrollment, EnrollmentStatus
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations, sign_in
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db(transaction=True)

CRITERIA = [
    {
        "label": "Enrolled at least 6 months",
        "met": True,
        "detail": "Enrolled on 2 Jan 2026; 6 months on 2 Jul.",
    },
    {"label": "Connected to a primary care provider", "met": True, "detail": "Dr Synthetic, seen in Feb."},
    {"label": "Confidence 7 or more at the last check-in", "met": True, "detail": "Rated 8 on 3 Mar."},
]
ACHIEVED = "I sleep in my own bed and pay the rent on time"
STILL_OPEN = "Walk with my sister on Sundays"
WHO_TO_CALL = "Dr Rowan Test, Test Family Clinic, 555-0100"


@pytest.fixture
def phone(axe_phone: BrowserContext) -> BrowserContext:
    # axe-core is injected on these pages; the CSP stays enforced everywhere else.
    return axe_phone


def download_pdf(page: Page, link_name: str) -> bytes:
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = download_info.value
    with open(download.path(), "rb") as pdf:
        return pdf.read()


def assert_fits_and_passes_axe(page: Page, name: str) -> None:
    screenshot(page, name)
    assert has_no_sideways_scroll(page)
    assert serious_violations(page) == []


def test_a_care_manager_graduates_a_candidate_and_prints_the_papers(
    phone, live_server, care_manager, enrollment: Enrollment
) -> None:
    CaseloadStatusFactory(
        enrollment=enrollment,
        care_manager=care_manager,
        is_graduation_candidate=True,
        graduation_criteria=CRITERIA,
    )
    today = enrollment.program.today()
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    GoalFactory(care_plan=plan, patient_words=ACHIEVED, status=GoalStatus.ACHIEVED, achieved_on=today)
    StepFactory(
        goal=GoalFactory(care_plan=plan, patient_words=STILL_OPEN, status=GoalStatus.ACTIVE),
        description="Buy walking shoes",
    )
    name = enrollment.patient.display_name

    page = sign_in(phone, live_server, care_manager)
    page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")
    card = page.locator("#graduation")
    assert "Ready to graduate" in card.inner_text()
    assert_fits_and_passes_axe(page, "graduation-card-candidate-phone")
    card.get_by_role("link", name="Prepare graduation").click()

    page.get_by_role("heading", name=f"Graduation: {name}").wait_for()
    assert_fits_and_passes_axe(page, "graduation-workflow-phone")
    boxes = page.get_by_label("Reviewed with")
    assert boxes.count() == len(CRITERIA)
    for box in boxes.all():
        box.check()
    page.get_by_label("The person agreed to graduate on").fill(today.isoformat())
    page.get_by_label("Graduation date").fill(today.isoformat())
    page.get_by_label("Who to call at primary care").fill(WHO_TO_CALL)
    page.get_by_label("Note for the primary care provider").fill("Doing well at home; sees her sister daily.")
    page.get_by_role("button", name="Record the graduation").click()

    page.get_by_text("graduated. Print the handoff summary").wait_for()
    graduation = Graduation.objects.get(enrollment=enrollment)
    assert [item["label"] for item in graduation.criteria_reviewed] == [item["label"] for item in CRITERIA]
    assert (graduation.graduated_on, graduation.patient_agreed_on, graduation.primary_care_contact) == (
        today,
        today,
        WHO_TO_CALL,
    )
    assert Enrollment.objects.get(pk=enrollment.pk).status == EnrollmentStatus.GRADUATED
    assert sorted(
        FollowUpCheckIn.objects.filter(graduation=graduation).values_list("days_after", flat=True)
    ) == [
        30,
        60,
        90,
    ]
    assert_fits_and_passes_axe(page, "graduation-done-phone")

    # The record shows the graduation and the check-ins at 30, 60 and 90 days.
    page.get_by_role("link", name="Back to").click()
    card = page.locator("#graduation")
    card.wait_for()
    text = card.inner_text()
    assert "Graduated" in text
    assert f"{today.day} {today:%b %Y}" in text
    check_ins = [
        " ".join(item.inner_text().split()) for item in card.locator(".graduation-follow-ups li").all()
    ]
    expected = [(days, today + datetime.timedelta(days=days)) for days in (30, 60, 90)]
    assert [item.split(" Record check-in")[0] for item in check_ins] == [
        f"{days} days · Due {due.day} {due:%b %Y}" for days, due in expected
    ]
    assert card.get_by_role("link", name="Record check-in at 30 days").is_visible()
    assert_fits_and_passes_axe(page, "graduated-record-phone")

    # The handoff summary for primary care: the goal reached in the person's words, and its PDF.
    card.get_by_role("link", name="Handoff summary").click()
    page.get_by_role("heading", name="Handoff summary: back to primary care").wait_for()
    handoff = page.locator("article.handoff").inner_text()
    assert f"“{ACHIEVED}”" in handoff
    assert STILL_OPEN in handoff
    assert WHO_TO_CALL in handoff
    assert "Draft" not in handoff
    assert_fits_and_passes_axe(page, "graduation-handoff-phone")
    pdf = download_pdf(page, "Download PDF")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1024

    # The certificate for the person, and its PDF.
    page.goto(f"{live_server.url}{reverse('caseloads:graduation', args=[enrollment.patient_id])}")
    page.get_by_role("link", name="Certificate", exact=True).click()
    page.get_by_role("heading", name="Congratulations").wait_for()
    certificate = page.locator("article.certificate").inner_text()
    assert f"“{ACHIEVED}”" in certificate
    assert WHO_TO_CALL in certificate
    assert_fits_and_passes_axe(page, "graduation-certificate-phone")
    pdf = download_pdf(page, "Download PDF")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 1024
