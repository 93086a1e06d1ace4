"""Weekly supervision in the browser: a supervisor reviews a caseload, records a session that changes one
level and prepares one graduation, and the care manager then sees both."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext

from caseloads.models import CaseloadStatus, IntensityLevel, SupervisionSession
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations, sign_in
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(axe_phone: BrowserContext) -> BrowserContext:
    # axe-core is injected on these pages; the CSP stays enforced everywhere else.
    return axe_phone


def test_a_supervision_session_changes_a_level_and_prepares_a_graduation(
    phone, browser, live_server, supervisor, care_manager, make_enrollment, team_a
) -> None:
    lena = make_enrollment(care_manager=care_manager, team=team_a)
    omar = make_enrollment(care_manager=care_manager, team=team_a)
    for enrollment in (lena, omar):
        CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager, is_graduation_candidate=True)
    until = supervisor.program.today() + datetime.timedelta(days=28)

    page = sign_in(phone, live_server, supervisor)
    page.goto(f"{live_server.url}{reverse('caseloads:dashboard')}")
    assert serious_violations(page) == []
    page.get_by_role("link", name=str(care_manager)).click()
    page.get_by_role("heading", name=f"{care_manager}'s caseload").wait_for()
    for panel in page.locator("details.review-decision summary").all():
        panel.click()
    assert serious_violations(page) == []
    screenshot(page, "caseload-review-phone")

    first = page.locator("details.review-decision", has_text=f"Discuss {lena.patient.display_name}")
    first.get_by_label("Discussed").check()
    first.get_by_label("Decision").select_option(label="Change level of care")
    first.get_by_label("New level of care").select_option("high")
    first.get_by_label("Level applies until").fill(until.isoformat())
    first.get_by_label("Reason or what was agreed").fill("Back from hospital; weekly visits for a month.")
    second = page.locator("details.review-decision", has_text=f"Discuss {omar.patient.display_name}")
    second.get_by_label("Decision").select_option(label="Prepare graduation")
    second.get_by_label("Reason or what was agreed").fill("He says he is ready; plan the handoff.")
    page.get_by_label("Notes").fill("Caseload steady; celebrate Omar's progress.")
    page.get_by_role("button", name="Save supervision session").click()

    page.get_by_text("Supervision saved: 2 people discussed, 2 decisions applied.").wait_for()
    assert serious_violations(page) == []
    assert has_no_sideways_scroll(page)
    session = SupervisionSession.objects.get()
    assert session.decisions.count() == 2
    assert CaseloadStatus.objects.get(enrollment=lena).current_level == IntensityLevel.HIGH

    colleague = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    try:
        mine = sign_in(colleague, live_server, care_manager)
        mine.goto(f"{live_server.url}{reverse('caseloads:my-caseload')}")
        lena_row = mine.locator(".caseload-row", has_text=lena.patient.display_name)
        omar_row = mine.locator(".caseload-row", has_text=omar.patient.display_name)
        assert "High" in lena_row.inner_text()
        assert "Prepare graduation (supervision" in omar_row.inner_text()
        mine.goto(f"{live_server.url}{reverse('caseloads:supervision-session', args=[session.pk])}")
        assert "Caseload steady; celebrate Omar's progress." in mine.inner_text("main")
    finally:
        colleague.close()
