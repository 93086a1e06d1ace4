"""A care manager logs a reached home visit on a phone, from the caseload row, without a page reload."""

import pytest

from engagement.models import Contact, GoalProgress
from tests.browser.conftest import has_no_sideways_scroll, screenshot
from tests.careplans.factories import CarePlanFactory, GoalFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_log_a_reached_home_visit_with_goal_progress_on_a_phone(
    signed_in_page, live_server, care_manager, make_enrollment
) -> None:
    enrollment = make_enrollment(care_manager=care_manager)
    goal = GoalFactory(
        care_plan=CarePlanFactory(enrollment=enrollment, created_by=care_manager),
        patient_words="I want to cook dinner for my kids again",
    )
    page = signed_in_page(care_manager)
    page.goto(f"{live_server.url}/caseload/")

    page.get_by_role("link", name=f"Log contact with {enrollment.patient.display_name}").click()
    page.wait_for_url(f"{live_server.url}/patients/{enrollment.patient_id}/#log-contact")
    page.evaluate("window.stillThisPage = true")
    form = page.locator("#contact-form")
    if not form.is_visible():
        page.get_by_text("Log a contact").click()
    form.get_by_label("Home visit").check()
    form.get_by_label("Reached", exact=True).check()
    form.get_by_label("Minutes").fill("40")
    form.get_by_role("checkbox", name="I want to cook dinner for my kids again").check()
    form.get_by_label("How it is going (optional): I want to cook dinner for my kids again").fill(
        "Made soup together on Sunday"
    )
    form.get_by_label("Short note").fill("Synthetic: kitchen visit, calm and hopeful.")
    assert has_no_sideways_scroll(page)
    screenshot(page, "log-contact-phone")
    form.get_by_role("button", name="Save contact").click()

    page.get_by_text("Contact saved.").wait_for()
    assert page.evaluate("window.stillThisPage") is True  # updated in place, no reload
    assert "kitchen visit, calm and hopeful" in page.locator("#timeline").inner_text()
    assert "Next due" in page.locator("#record-facts").inner_text()
    contact = Contact.objects.get(enrollment=enrollment)
    assert (contact.mode, contact.is_reached, contact.duration_minutes) == ("home", True, 40)
    assert GoalProgress.objects.get(contact=contact).goal == goal
