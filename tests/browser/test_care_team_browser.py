"""On a phone, a care manager corrects a support's phone number in place on the care-team card."""

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext

from patients.models import CommunitySupport
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations
from tests.patients.factories import CareTeamMemberFactory, CommunitySupportFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_supports_phone_is_edited_in_place_on_a_phone(
    signed_in_page, live_server, care_manager, enrollment
) -> None:
    support = CommunitySupportFactory(
        patient=enrollment.patient, name="Rosa (synthetic sister)", phone="555-0100"
    )
    page = signed_in_page(care_manager)
    page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")
    page.evaluate("window.stillThisPage = true")
    card = page.locator("#care-team")

    card.get_by_text("Edit Rosa (synthetic sister)").click()
    row = card.locator(f"#support-{support.pk}")
    row.get_by_label("Phone").fill("555-0199")
    assert has_no_sideways_scroll(page)
    screenshot(page, "care-team-edit-support-phone")
    row.get_by_role("button", name="Save changes").click()

    card.get_by_text("Support details saved.").wait_for()
    assert page.evaluate("window.stillThisPage") is True  # updated in place, no reload
    assert card.get_by_role("link", name="555-0199").is_visible()
    assert has_no_sideways_scroll(page)
    assert CommunitySupport.objects.get(pk=support.pk).phone == "555-0199"


class TestWithAxe:
    @pytest.fixture
    def phone(self, axe_phone: BrowserContext) -> BrowserContext:
        """signed_in_page opens its pages in a context that lets axe be injected; the test above keeps
        the CSP enforced."""
        return axe_phone

    def test_the_care_team_card_with_every_form_open_fits_and_passes_axe(
        self, signed_in_page, live_server, care_manager, care_manager_same_team, enrollment
    ) -> None:
        CareTeamMemberFactory(enrollment=enrollment, user=care_manager_same_team)
        CommunitySupportFactory(
            patient=enrollment.patient,
            name="Sunday group at a synthetic church",
            kind="faith",
            email="a-rather-long-synthetic-address@example.test",
        )
        page = signed_in_page(care_manager)
        page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")

        for panel in page.locator("#care-team details summary").all():
            panel.click()
        screenshot(page, "care-team-all-forms-phone")

        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []
