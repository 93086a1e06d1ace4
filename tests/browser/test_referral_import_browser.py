"""On a phone, a program admin imports a CSV of referrals: sees the bad rows by number, fixes the file,
imports everyone."""

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

from patients.models import Patient, Referral, ReferralImport
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "first_name,last_name,date_of_birth,mrn,source,reason,wants_to_work_on"
GOOD = (
    "Quillon,Testwood,1961-04-12,TEST-B001,Primary care,Missed appointments,Find a steady place to live",
    "Marnivy,Fablethorn,3/5/1970,TEST-B002,ED,Four emergency visits in a month,",
    "Torvalle,Mockridge,25000,TEST-B003,Health plan list,On the plan's high-need list,Get back to work",
)
BAD_DATE = "Zephrine,Samplesby,31/12/1980,TEST-B004,Primary care,Lost housing,"
BAD_SOURCE = "Lunetta,Dummerly,1958-07-30,TEST-B005,Hospice,Lives alone after a stroke,"
FIXED_DATE = BAD_DATE.replace("31/12/1980", "12/31/1980")
FIXED_SOURCE = BAD_SOURCE.replace("Hospice", "Community organisation")


def _csv(*rows: str) -> bytes:
    return ("\r\n".join((HEADER, *rows)) + "\r\n").encode()


def _upload(page: Page, content: bytes) -> None:
    page.get_by_label("CSV file or FHIR Bundle").set_input_files(
        files=[{"name": "referrals.csv", "mimeType": "text/csv", "buffer": content}]
    )
    # By keyboard: focus the button and press Enter.
    page.get_by_role("button", name="Check the file").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Check the file before importing").wait_for()


def test_an_admin_fixes_the_two_bad_rows_and_imports_all_five(
    signed_in_page, live_server, program_admin
) -> None:
    page = signed_in_page(program_admin)
    page.goto(f"{live_server.url}{reverse('patients:referral-import')}")

    _upload(page, _csv(GOOD[0], BAD_DATE, GOOD[1], BAD_SOURCE, GOOD[2]))

    problems = page.get_by_role("region", name="Problems to fix (2)")
    assert problems.get_by_role("row", name="Row 3").get_by_text("“31/12/1980” is not a date").is_visible()
    assert problems.get_by_role("row", name="Row 5").get_by_text("referral source “Hospice”").is_visible()
    assert page.get_by_role("button", name="Import all").count() == 0
    assert page.get_by_role("button", name="Import only the 3 ready rows").is_visible()
    assert has_no_sideways_scroll(page)
    screenshot(page, "referral-import-problems-phone")

    page.get_by_role("link", name="Upload a corrected file").click()
    _upload(page, _csv(GOOD[0], FIXED_DATE, GOOD[1], FIXED_SOURCE, GOOD[2]))
    assert page.get_by_text("Problems to fix").count() == 0
    page.get_by_role("button", name="Import all 5 referrals").click()

    page.get_by_text("Imported 5 referrals.").wait_for()
    assert page.get_by_role("heading", name="5 referrals imported").is_visible()
    assert has_no_sideways_scroll(page)
    screenshot(page, "referral-import-done-phone")
    assert Referral.objects.filter(enrollment__program=program_admin.program).count() == 5
    fixed = Referral.objects.get(enrollment__patient__mrn="TEST-B005")
    assert fixed.source == "community"
    assert str(Patient.objects.get(mrn="TEST-B004").date_of_birth) == "1980-12-31"
    assert ReferralImport.objects.filter(imported_count=5).count() == 1


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
        page.goto(f"{live_server.url}{reverse('patients:referral-import')}")
        screenshot(page, "referral-import-upload-phone")
        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []

        _upload(page, _csv(GOOD[0], BAD_DATE, GOOD[1], BAD_SOURCE, GOOD[2]))

        screenshot(page, "referral-import-preview-axe-phone")
        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []
