"""On a phone, a care manager sees why Tandem suggests a step up, and keeps a different level for a while
with a reason and an end date."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import BrowserContext

from caseloads.models import CaseloadRecomputeRequest, CaseloadStatus, IntensityLevel
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db(transaction=True)

REASONS = [
    "ED visit on 2 Mar, within 30 days: high.",
    "Confidence fell from 8 to 4 since the last check-in: one level up.",
]
CRITERIA = [
    {
        "label": "Enrolled at least 6 months",
        "met": False,
        "detail": "Enrolled on 2 Jan 2026; 6 months on 2 Jul 2026.",
    },
    {"label": "Connected to a primary care provider", "met": True, "detail": "Dr Synthetic, seen in Feb."},
]


def record_url(live_server, enrollment) -> str:
    return f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}"


def test_a_care_manager_reads_why_and_keeps_a_different_level_on_a_phone(
    signed_in_page, live_server, care_manager, enrollment
) -> None:
    CaseloadStatusFactory(
        enrollment=enrollment,
        care_manager=care_manager,
        recommended_level=IntensityLevel.HIGH,
        current_level=IntensityLevel.MEDIUM,
        recommendation_reasons=REASONS,
        graduation_criteria=CRITERIA,
    )
    until = enrollment.program.today() + datetime.timedelta(days=14)
    page = signed_in_page(care_manager)
    page.goto(record_url(live_server, enrollment))
    page.evaluate("window.stillThisPage = true")
    card = page.locator("#level-of-care")

    assert "Step up suggested" in card.inner_text()
    assert card.get_by_text(REASONS[0]).is_visible() is False
    card.locator("summary", has_text="Why?").click()
    assert card.get_by_text(REASONS[0]).is_visible()
    assert card.get_by_text(REASONS[1]).is_visible()

    # The override form opens from the keyboard as well as by tap.
    card.locator("summary", has_text="Choose a different level").focus()
    page.keyboard.press("Enter")
    card.get_by_role("combobox", name="Level of care").select_option("low")
    card.get_by_label("Why this level").fill("Staying with her sister, who checks in daily.")
    card.get_by_label("Until").fill(until.isoformat())
    assert has_no_sideways_scroll(page)
    screenshot(page, "level-of-care-override-phone")
    card.get_by_role("button", name="Save the level of care").click()

    card.get_by_text("Level of care saved.").wait_for()
    assert page.evaluate("window.stillThisPage") is True  # updated in place, no reload
    text = card.inner_text()
    assert "Low intensity" in text
    assert "Staying with her sister, who checks in daily." in text
    assert f"{until.day} {until:%b %Y}" in text
    assert has_no_sideways_scroll(page)
    stored = CaseloadStatus.objects.get(enrollment=enrollment)
    assert (stored.current_level, stored.override_until, stored.override_by_id) == (
        IntensityLevel.LOW,
        until,
        care_manager.pk,
    )


def test_while_a_recompute_waits_the_card_refreshes_itself_and_keeps_what_is_typed(
    signed_in_page, live_server, care_manager, enrollment
) -> None:
    CaseloadStatusFactory(
        enrollment=enrollment,
        recommended_level=IntensityLevel.HIGH,
        current_level=IntensityLevel.MEDIUM,
        recommendation_reasons=REASONS,
    )
    waiting = CaseloadRecomputeRequest.objects.create(enrollment=enrollment, requested_at=timezone.now())
    page = signed_in_page(care_manager)
    page.goto(record_url(live_server, enrollment))
    card = page.locator("#level-of-care")
    card.get_by_text("Updating…").wait_for()

    card.locator("summary", has_text="Choose a different level").click()
    card.get_by_label("Why this level").fill("Typed while the figures update.")
    with page.expect_response(lambda response: response.url.endswith("/level-of-care/")):
        pass  # the card has fetched itself at least once
    waiting.delete()
    card.get_by_text("Updating…").wait_for(state="detached")

    assert card.get_by_label("Why this level").input_value() == "Typed while the figures update."


class TestWithAxe:
    @pytest.fixture
    def phone(self, axe_phone: BrowserContext) -> BrowserContext:
        """signed_in_page opens its pages in a context that lets axe be injected; the test above keeps
        the CSP enforced."""
        return axe_phone

    def test_the_record_with_the_card_open_fits_and_passes_axe(
        self, signed_in_page, live_server, care_manager, supervisor, enrollment
    ) -> None:
        CaseloadStatusFactory(
            enrollment=enrollment,
            care_manager=care_manager,
            recommended_level=IntensityLevel.HIGH,
            current_level=IntensityLevel.LOW,
            recommendation_reasons=REASONS,
            graduation_criteria=CRITERIA,
            override_reason="Staying with her sister, who checks in daily.",
            override_until=enrollment.program.today() + datetime.timedelta(days=30),
            override_by=supervisor,
            is_overdue=True,
            next_contact_due_on=enrollment.program.today() - datetime.timedelta(days=2),
            suggested_phase="wellness",
        )
        page = signed_in_page(care_manager)
        page.goto(record_url(live_server, enrollment))

        for panel in page.locator("#level-of-care details summary").all():
            panel.click()
        screenshot(page, "level-of-care-card-phone")

        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []

    def test_my_caseload_with_the_reasons_open_fits_and_passes_axe(
        self, signed_in_page, live_server, care_manager, enrollment
    ) -> None:
        CaseloadStatusFactory(
            enrollment=enrollment,
            care_manager=care_manager,
            recommended_level=IntensityLevel.HIGH,
            current_level=IntensityLevel.MEDIUM,
            recommendation_reasons=REASONS,
            is_graduation_candidate=True,
        )
        page = signed_in_page(care_manager)
        page.goto(f"{live_server.url}{reverse('caseloads:my-caseload')}")

        page.locator(".caseload-row summary", has_text="Why?").click()
        assert page.get_by_text(REASONS[1]).is_visible()
        screenshot(page, "my-caseload-why-phone")

        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []
