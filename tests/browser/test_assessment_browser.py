"""On a phone, by keyboard: a care manager records the housing part of the assessment, sees it counted,
and turns the need into a goal in one action, without a page reload. axe finds nothing serious."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page

from careplans.models import AssessmentDomain, Goal
from careplans.services import assessment_domain_record
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def tab_to(page: Page, element_id: str, *, limit: int = 15) -> None:
    for _ in range(limit):
        if focused_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} was not reached with the Tab key")


def test_record_housing_and_turn_the_need_into_a_goal_on_a_phone_by_keyboard(
    signed_in_page, live_server, care_manager, enrollment
) -> None:
    page = signed_in_page(care_manager)
    page.goto(f"{live_server.url}{reverse('caseloads:assessment', args=[enrollment.patient_id])}")
    page.evaluate("window.stillThisPage = true")
    assert "0 of 14 parts talked about" in page.locator("#assessment-progress").inner_text()

    housing = page.locator("#domain-housing")
    housing.locator("> summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert focused_id(page) == "id_housing_summary"
    page.keyboard.type("Synthetic: sleeping on a friend's sofa, has to leave by spring")
    page.keyboard.press("Tab")  # onto the checked choice, "Not sure yet"
    page.keyboard.press("ArrowRight")  # "No need right now"
    page.keyboard.press("ArrowRight")  # "Some need"
    assert housing.get_by_label("Some need").is_checked()
    tab_to(page, "housing-save")
    assert has_no_sideways_scroll(page)
    screenshot(page, "assessment-housing-phone")
    page.keyboard.press("Enter")

    housing.get_by_text("Housing: saved.").wait_for()
    assert page.evaluate("window.stillThisPage") is True  # swapped in place, no reload
    assert "1 of 14 parts talked about" in page.locator("#assessment-progress").inner_text()
    assert "Some need" in housing.locator("> summary").inner_text()
    # Focus lands on the confirmation, so a keyboard or screen-reader user is not left at the top.
    assert page.evaluate("document.activeElement.textContent") == "Housing: saved."
    entry = AssessmentDomain.objects.get(enrollment=enrollment, domain="housing")
    assert entry.need_level == "some"

    housing.get_by_text("Turn this need into a goal").click()
    housing.get_by_label("The goal, in their own words").fill("I want my own front door")
    assert has_no_sideways_scroll(page)
    housing.get_by_role("button", name="Add goal to the plan").click()

    housing.get_by_text("as a goal: “I want my own front door”").wait_for()
    assert page.evaluate("window.stillThisPage") is True
    goal = Goal.objects.get()
    assert (goal.patient_words, goal.from_assessment, goal.care_plan.enrollment) == (
        "I want my own front door",
        entry,
        enrollment,
    )
    assert has_no_sideways_scroll(page)


def test_no_serious_accessibility_problem_with_domain_forms_open(
    axe_phone, live_server, care_manager, enrollment
) -> None:
    assessment_domain_record(
        enrollment=enrollment,
        acting_user=care_manager,
        domain="food",
        summary="Synthetic: skips lunch to make money last",
        need_level="urgent",
    )
    client = Client()
    client.force_login(care_manager)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    axe_phone.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = axe_phone.new_page()
    page.goto(f"{live_server.url}{reverse('caseloads:assessment', args=[enrollment.patient_id])}")

    page.locator("#domain-housing > summary").click()
    food = page.locator("#domain-food")
    food.locator("> summary").click()
    for panel in food.locator("details summary").all():
        panel.click()
    assert has_no_sideways_scroll(page)
    screenshot(page, "assessment-forms-open-phone")
    assert serious_violations(page) == []
