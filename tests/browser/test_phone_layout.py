"""The pages a care manager uses in the field fit a 375-px phone and work from the keyboard."""

import pytest

from tests.browser.conftest import has_no_sideways_scroll, screenshot
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.engagement.factories import ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_by_keyboard_on_a_phone_lands_on_my_caseload(phone, live_server, care_manager) -> None:
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert has_no_sideways_scroll(page)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.get_by_label("Username").fill(care_manager.username)
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_label("Password").press("Enter")

    page.wait_for_url(f"{live_server.url}/caseload/")
    assert page.get_by_role("heading", level=1).inner_text() == "My caseload"
    screenshot(page, "sign-in-landing-phone")


def test_my_caseload_and_patient_record_fit_a_phone(
    signed_in_page, live_server, care_manager, make_enrollment
) -> None:
    enrollment = make_enrollment(care_manager=care_manager)
    CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager, is_overdue=True)
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    GoalFactory(care_plan=plan, patient_words="I want to keep my apartment and pay rent on time every month")
    ContactFactory(
        enrollment=enrollment, made_by=care_manager, note="Synthetic: met at the laundromat, long chat."
    )
    page = signed_in_page(care_manager)

    page.goto(f"{live_server.url}/caseload/")
    assert page.locator(".caseload .flag-overdue").is_visible()
    assert has_no_sideways_scroll(page)
    screenshot(page, "my-caseload-phone")

    page.get_by_role("link", name=enrollment.patient.display_name, exact=True).click()
    page.wait_for_url(f"{live_server.url}/patients/{enrollment.patient_id}/")
    assert "I want to keep my apartment" in page.inner_text("main")
    assert has_no_sideways_scroll(page)
    screenshot(page, "patient-record-phone")
