"""On a phone, a program admin changes a care manager's capacity in place and adds a screening question."""

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext

from accounts.models import User
from patients.models import ScreeningQuestion
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_changes_capacity_and_adds_a_question_in_place_on_a_phone(
    signed_in_page, live_server, program, program_admin, care_manager, team_b
) -> None:
    ScreeningQuestion.objects.create(
        program=program, text="Two or more admissions in the last year?", position=1
    )
    page = signed_in_page(program_admin)
    page.goto(f"{live_server.url}{reverse('caseloads:settings')}")
    page.evaluate("window.stillThisPage = true")
    assert has_no_sideways_scroll(page)

    row = page.locator(f"#person-{care_manager.pk}")
    row.locator("summary").click()
    row.get_by_label("Caseload capacity").fill("42")
    assert has_no_sideways_scroll(page)
    row.get_by_role("button", name=f"Save {care_manager}").click()
    page.locator(f"#person-{care_manager.pk}").get_by_text(f"Saved {care_manager}'s settings.").wait_for()
    assert page.locator(f"#person-{care_manager.pk} .settings-capacity").inner_text() == "42"
    # Keyboard and screen reader users land on the confirmation, next to what they changed.
    assert page.evaluate("document.activeElement.textContent") == f"Saved {care_manager}'s settings."

    questions = page.locator("#questions")
    questions.get_by_label("New question").fill("Has a housing need right now?")
    questions.get_by_role("button", name="Add question").click()
    page.get_by_text("Question added at the end of the list.").wait_for()
    assert page.locator("#questions .screening-text").all_inner_texts() == [
        "Two or more admissions in the last year?",
        "Has a housing need right now?",
    ]

    assert page.evaluate("window.stillThisPage") is True  # both changed in place, no reload
    assert has_no_sideways_scroll(page)
    screenshot(page, "settings-phone")
    assert User.objects.get(pk=care_manager.pk).caseload_capacity == 42
    assert ScreeningQuestion.objects.filter(program=program, text="Has a housing need right now?").exists()


def test_a_refusal_is_shown_in_place_by_keyboard(signed_in_page, live_server, program_admin, team_a) -> None:
    page = signed_in_page(program_admin)
    page.goto(f"{live_server.url}{reverse('caseloads:settings')}")
    page.evaluate("window.stillThisPage = true")

    name = page.locator("#teams").get_by_label("New team's name")
    name.fill("team a")
    name.press("Enter")

    page.locator("#teams").get_by_text("There is already a team called “Team A”.").wait_for()
    assert page.evaluate("window.stillThisPage") is True
    assert page.locator("#teams").get_by_label("New team's name").input_value() == "team a"


class TestWithAxe:
    @pytest.fixture
    def phone(self, axe_phone: BrowserContext) -> BrowserContext:
        """signed_in_page opens its pages in a context that lets axe be injected; the tests above keep
        the CSP enforced."""
        return axe_phone

    def test_the_settings_page_with_every_form_open_fits_and_passes_axe(
        self, signed_in_page, live_server, program, program_admin, care_manager, supervisor, team_b
    ) -> None:
        ScreeningQuestion.objects.create(
            program=program, text="Two or more admissions in the last year?", position=1
        )
        ScreeningQuestion.objects.create(program=program, text="Lives alone?", position=2, is_active=False)
        page = signed_in_page(program_admin)
        page.goto(f"{live_server.url}{reverse('caseloads:settings')}")

        for panel in page.locator("details summary").all():
            panel.click()
        screenshot(page, "settings-all-forms-phone")

        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []
