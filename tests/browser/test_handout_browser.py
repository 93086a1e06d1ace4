"""The "My Plan" handout at phone size: readable, printable, downloadable, and recorded when handed over."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from careplans.models import GoalStatus, PlanHandout, StepOwner
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations, sign_in
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plan(make_enrollment, care_manager):
    enrollment = make_enrollment(care_manager=care_manager)
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    for words in (
        "Keep my own flat, with a door that locks and room for my kids to stay over at weekends",
        "Walk to the park without getting winded",
        "See my grandson on Sundays",
    ):
        goal = GoalFactory(
            care_plan=plan, patient_words=words, why_it_matters="It matters to me", status=GoalStatus.ACTIVE
        )
        StepFactory(
            goal=goal, description="Call the housing office on Monday morning", owner=StepOwner.PATIENT
        )
        StepFactory(goal=goal, description="Send the letter to the landlord", owner=StepOwner.CARE_MANAGER)
    return plan


def handout_url(live_server, plan, lang: str = "") -> str:
    url = f"{live_server.url}{reverse('caseloads:plan-handout', args=[plan.enrollment.patient_id])}"
    return f"{url}?lang={lang}" if lang else url


def test_the_handout_reads_at_phone_size_downloads_and_is_recorded(
    signed_in_page, live_server, care_manager, plan
) -> None:
    page = signed_in_page(care_manager)
    page.goto(handout_url(live_server, plan))

    expect(page.get_by_role("heading", name="My Plan", level=1)).to_be_visible()
    assert has_no_sideways_scroll(page)
    # The handout's own style applies under Tandem's CSP, and the print button's script runs.
    assert page.evaluate("getComputedStyle(document.querySelector('.my-plan')).fontSize") == "20px"
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot(page, "handout-phone")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == "my-plan.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    page.get_by_role("button", name="Handed over today").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"the copy handed over today (version {plan.revision}, English) is kept"
    )
    kept = PlanHandout.objects.get()
    assert (kept.revision, kept.language, kept.handed_by) == (plan.revision, "en", care_manager)


def test_printing_the_page_prints_the_handout_alone(signed_in_page, live_server, care_manager, plan) -> None:
    page = signed_in_page(care_manager)
    page.goto(handout_url(live_server, plan, "es"))
    page.emulate_media(media="print")

    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".handout-tools")).to_be_hidden()
    expect(page.get_by_role("heading", name="Mi plan", level=1)).to_be_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('.my-plan')).fontSize") == "21.3333px"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_handout_has_no_serious_accessibility_problems(
    axe_phone, live_server, care_manager, plan, lang
) -> None:
    page = sign_in(axe_phone, live_server, care_manager)
    page.goto(handout_url(live_server, plan, lang))
    assert serious_violations(page) == []


def test_a_kept_copy_has_no_serious_accessibility_problems(
    axe_phone, live_server, care_manager, plan
) -> None:
    page = sign_in(axe_phone, live_server, care_manager)
    page.goto(handout_url(live_server, plan, "es"))
    page.get_by_role("button", name="Handed over today").click()
    page.get_by_text("Copies handed over").click()
    page.locator(".handout-copies a").first.click()

    expect(page.get_by_text("Copy handed over on")).to_be_visible()
    assert has_no_sideways_scroll(page)
    screenshot(page, "handout-kept-copy-phone")
    assert serious_violations(page) == []
