"""On a phone, a program admin goes from the candidates to the utilisation import, uploads a small claims
file, sees the bad row by number, imports the valid rows and is told what happened."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

from engagement.models import LifeEvent, LifeEventSource
from patients.models import Patient
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "mrn,first_name,last_name,date_of_birth,kind,occurred_on,discharged_on,facility"


def _csv(program) -> bytes:
    def ago(days: int) -> str:
        return (program.today() - datetime.timedelta(days=days)).isoformat()

    rows = (
        f"TEST-B101,Quillon,Testwood,1961-04-12,Admission,{ago(40)},{ago(36)},Example Test Hospital",
        f"TEST-B101,Quillon,Testwood,1961-04-12,readmission,{ago(12)},,Example Test Hospital",
        f",Marnivy,Fablethorn,3/5/1970,ED visit,{ago(3)},,",
        ",Torvalle,Mockridge,1980-01-01,surgery,2024-01-01,,",
    )
    return ("\r\n".join((HEADER, *rows)) + "\r\n").encode()


def _upload(page: Page, content: bytes) -> None:
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "claims.csv", "mimeType": "text/csv", "buffer": content}]
    )
    # By keyboard: focus the button and press Enter.
    page.get_by_role("button", name="Check the file").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check the file before importing").wait_for()


def test_an_admin_imports_the_valid_rows_of_a_claims_file(signed_in_page, live_server, program_admin) -> None:
    program = program_admin.program
    page = signed_in_page(program_admin)
    page.goto(f"{live_server.url}{reverse('caseloads:intake-worklists')}")
    page.get_by_role("link", name="Import utilisation (claims) data").click()
    page.get_by_role("heading", name="Import utilisation (claims) data").wait_for()
    assert has_no_sideways_scroll(page)

    _upload(page, _csv(program))

    problems = page.get_by_role("region", name="Problems to fix (1)")
    assert problems.get_by_role("row", name="Row 5").get_by_text("kind of visit “surgery”").is_visible()
    assert page.get_by_role("button", name="Import all").count() == 0
    assert has_no_sideways_scroll(page)
    screenshot(page, "utilisation-import-preview-phone")
    page.get_by_role("button", name="Import only the 3 ready rows").click()

    page.get_by_text("Recorded 3 visits and admissions, added 2 people new to Tandem").wait_for()
    assert page.get_by_text("The candidate list will update in a moment.").is_visible()
    assert page.get_by_role("heading", name="3 visits and admissions recorded").is_visible()
    assert has_no_sideways_scroll(page)
    screenshot(page, "utilisation-import-done-phone")
    assert set(LifeEvent.objects.values_list("source", flat=True)) == {LifeEventSource.CLAIMS}
    assert Patient.objects.filter(program=program).count() == 2

    if settings.CELERY_TASK_ALWAYS_EAGER:  # without a broker the candidate job ran on commit, in-process
        page.get_by_role("link", name="Go to the candidates").click()
        candidates = page.get_by_role("region", name="Candidates (1)")
        assert candidates.get_by_role("link", name="Quillon Testwood").is_visible()


class TestWithAxe:
    @pytest.fixture
    def phone(self, axe_phone: BrowserContext) -> BrowserContext:
        """signed_in_page opens its pages in a context that lets axe be injected; the test above keeps
        the CSP enforced."""
        return axe_phone

    def test_the_upload_and_preview_pages_pass_axe_at_375_px(
        self, signed_in_page, live_server, program_admin
    ) -> None:
        page = signed_in_page(program_admin)
        page.goto(f"{live_server.url}{reverse('caseloads:utilisation-import')}")
        assert serious_violations(page) == []

        _upload(page, _csv(program_admin.program))

        screenshot(page, "utilisation-import-preview-axe-phone")
        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []
