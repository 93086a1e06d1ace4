"""On a phone, a care manager finds a food service in the directory, refers the person to it from their
record and marks the referral accepted, all in place."""

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext

from patients.models import CommunityResource, ReferralOut, ResourceCategory
from patients.services import referral_out_create
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def _directory(program) -> CommunityResource:
    CommunityResource.objects.create(
        program=program,
        name="Example Housing Desk",
        category=ResourceCategory.HOUSING,
        description="Housing search and applications.",
        languages="English, Haitian Creole",
        phone="555-0143",
    )
    return CommunityResource.objects.create(
        program=program,
        name="Synthetic Street Food Pantry",
        category=ResourceCategory.FOOD,
        description="Weekly groceries, no paperwork needed.",
        eligibility_notes="Anyone in need; no ID or proof of income asked.",
        languages="English, Spanish",
        phone="555-0142",
        email="a-rather-long-synthetic-pantry-address@example.test",
        address="7 Test Chapel Lane",
        website="https://example.test/a-rather-long-synthetic-pantry-page",
    )


def test_find_a_food_service_refer_to_it_and_mark_it_accepted_on_a_phone(
    signed_in_page, live_server, care_manager, enrollment, program
) -> None:
    pantry = _directory(program)
    page = signed_in_page(care_manager)

    page.goto(f"{live_server.url}{reverse('patients:resources')}")
    page.get_by_label("Search by name, need, who it is for or language").fill("food")
    page.get_by_text("1 service matches.").wait_for()
    results = page.locator("#resource-results")
    assert "Synthetic Street Food Pantry" in results.inner_text()
    assert "Example Housing Desk" not in results.inner_text()
    assert results.get_by_role("link", name="555-0142").get_attribute("href") == "tel:555-0142"
    assert has_no_sideways_scroll(page)
    screenshot(page, "resources-search-food-phone")

    page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")
    page.evaluate("window.stillThisPage = true")
    panel = page.locator("#referrals-out")
    panel.get_by_text("Refer to a service").click()
    panel.get_by_label("Service", exact=True).select_option(label="Synthetic Street Food Pantry")
    panel.get_by_label("What the person needs from them").fill("Groceries until benefits start.")
    assert has_no_sideways_scroll(page)
    screenshot(page, "referral-out-refer-phone")
    panel.get_by_role("button", name="Send referral").click()

    panel.get_by_text("Referral saved.").wait_for()
    referral = ReferralOut.objects.get()
    assert (referral.resource, referral.status) == (pantry, "sent")
    panel.get_by_text("Update the referral to Synthetic Street Food Pantry").click()
    row = panel.locator(f"#referral-out-{referral.pk}")
    row.get_by_label("Where it stands now").select_option(label="Accepted")
    row.get_by_label("Note").fill("Intake booked for Tuesday.")
    assert has_no_sideways_scroll(page)
    row.get_by_role("button", name="Save update to Synthetic Street Food Pantry").click()

    panel.locator(f"#referral-out-{referral.pk} .badge", has_text="Accepted").wait_for()
    assert page.evaluate("window.stillThisPage") is True  # updated in place, no reload
    assert has_no_sideways_scroll(page)
    screenshot(page, "referral-out-accepted-phone")
    referral.refresh_from_db()
    assert (referral.status, referral.outcome_note) == ("accepted", "Intake booked for Tuesday.")


def test_the_directory_fits_a_phone_and_is_usable_by_keyboard(
    signed_in_page, live_server, care_manager, program
) -> None:
    _directory(program)
    page = signed_in_page(care_manager)
    page.goto(f"{live_server.url}{reverse('patients:resources')}")

    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Enter")
    search = page.get_by_label("Search by name, need, who it is for or language")
    search.focus()
    page.keyboard.type("Spanish")
    page.keyboard.press("Enter")

    page.get_by_text("1 service matches.").wait_for()
    assert "Synthetic Street Food Pantry" in page.locator("#resource-results").inner_text()
    assert has_no_sideways_scroll(page)


class TestWithAxe:
    @pytest.fixture
    def phone(self, axe_phone: BrowserContext) -> BrowserContext:
        """signed_in_page opens its pages in a context that lets axe be injected; the tests above keep
        the CSP enforced."""
        return axe_phone

    def test_the_directory_as_an_admin_passes_axe(
        self, signed_in_page, live_server, program_admin, program
    ) -> None:
        _directory(program)
        CommunityResource.objects.create(
            program=program, name="Retired Meal Van", category=ResourceCategory.FOOD, is_active=False
        )
        page = signed_in_page(program_admin)
        page.goto(f"{live_server.url}{reverse('patients:resources')}")
        page.get_by_text("No longer offered (1)").click()
        screenshot(page, "resources-admin-phone")

        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []

    def test_the_service_form_passes_axe(self, signed_in_page, live_server, program_admin, program) -> None:
        pantry = _directory(program)
        page = signed_in_page(program_admin)
        page.goto(f"{live_server.url}{reverse('patients:resource-update', args=[pantry.pk])}")
        page.get_by_label("Email").fill("not an email")
        page.get_by_role("button", name="Save service").click()
        page.get_by_text("Enter a valid email address.").wait_for()
        screenshot(page, "resource-form-refused-phone")

        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []

    def test_the_record_panel_with_every_form_open_passes_axe(
        self, signed_in_page, live_server, care_manager, enrollment, program
    ) -> None:
        pantry = _directory(program)
        referral = referral_out_create(
            enrollment=enrollment, resource=pantry, acting_user=care_manager, reason="Groceries."
        )
        ReferralOut.objects.filter(pk=referral.pk).update(follow_up_on=program.today().replace(day=1))
        page = signed_in_page(care_manager)
        page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")

        for summary in page.locator("#referrals-out details summary").all():
            summary.click()
        page.locator("#referrals-out").get_by_role("button", name="Send referral").click()
        page.locator("#referrals-out").get_by_text("This field is required.").wait_for()
        screenshot(page, "referrals-out-panel-phone")

        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []
