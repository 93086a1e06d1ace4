"""On a phone, a program admin takes in a referral for someone already in Tandem under swapped names."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

from patients.models import EnrollmentStatus, Patient, ReferralSource
from patients.services import enrollment_move, referral_receive
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations
from tests.patients.factories import PatientFactory, person_details, referral_details

pytestmark = pytest.mark.django_db(transaction=True)

BORN = datetime.date(1971, 5, 14)


@pytest.fixture
def returning_person(program, program_admin) -> Patient:
    """Someone who declined the program last year and is now referred again."""
    patient = PatientFactory(
        program=program,
        legal_first_name="María",
        legal_last_name="García",
        date_of_birth=BORN,
        mrn="TEST-7001",
    )
    earlier = referral_receive(
        program=program,
        person=person_details(),
        referral=referral_details(received_at=datetime.datetime(2024, 3, 1, 15, tzinfo=datetime.UTC)),
        acting_user=program_admin,
        existing_patient=patient,
    )
    enrollment_move(enrollment=earlier, to_status=EnrollmentStatus.DECLINED, acting_user=program_admin)
    return patient


def _fill_referral(page: Page, *, first: str, last: str) -> None:
    page.get_by_label("Legal first name").fill(first)
    page.get_by_label("Legal last name").fill(last)
    page.get_by_label("Date of birth").fill(BORN.isoformat())
    page.get_by_label("Where the referral came from").select_option(ReferralSource.EMERGENCY_DEPARTMENT)
    page.get_by_label("Referrer's organisation").fill("Example Test Hospital")
    page.get_by_label("Reason for the referral").fill("Synthetic: three emergency visits this spring.")
    page.get_by_label("First thing").fill("Find a place of my own")
    page.get_by_label("Within a week").check()


def test_a_referral_for_someone_known_under_swapped_names_is_attached_to_them(
    signed_in_page, live_server, program_admin, returning_person
) -> None:
    page = signed_in_page(program_admin)
    page.goto(f"{live_server.url}{reverse('patients:referral-queue')}")
    page.get_by_role("link", name="New referral").click()

    _fill_referral(page, first="GARCIA", last="Maria")
    assert has_no_sideways_scroll(page)
    page.get_by_role("button", name="Save referral").click()

    page.get_by_role("heading", name="This person may already be in Tandem").wait_for()
    match = page.get_by_role("radio", name="María García")
    assert match.is_visible()
    assert page.locator(".match-list").get_by_text("14 May 1971").is_visible()
    assert has_no_sideways_scroll(page)
    screenshot(page, "referral-duplicate-check-phone")
    match.check()
    page.get_by_role("button", name="Attach to this person").click()

    page.get_by_text("Referral saved and added to the existing person's record.").wait_for()
    assert page.get_by_role("link", name="Screen María García").is_visible()
    assert has_no_sideways_scroll(page)
    assert Patient.objects.count() == 1
    episode = returning_person.enrollments.get(status=EnrollmentStatus.REFERRED)
    assert episode.referral.patient_priorities == "Find a place of my own"


class TestWithAxe:
    @pytest.fixture
    def phone(self, axe_phone: BrowserContext) -> BrowserContext:
        """signed_in_page opens its pages in a context that lets axe be injected; the test above keeps
        the CSP enforced."""
        return axe_phone

    def test_the_queue_the_form_and_the_check_pass_axe_and_fit(
        self, signed_in_page, live_server, program, program_admin, returning_person, make_enrollment
    ) -> None:
        make_enrollment(status=EnrollmentStatus.SCREENING)
        referral_receive(
            program=program,
            person=person_details(preferred_name="Ozzie"),
            referral=referral_details(
                source=ReferralSource.COMMUNITY_ORGANIZATION,
                urgency="urgent",
                received_at=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(days=10),
            ),
            acting_user=program_admin,
        )
        page = signed_in_page(program_admin)

        page.goto(f"{live_server.url}{reverse('patients:referral-queue')}")
        screenshot(page, "referral-queue-phone")
        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []

        page.goto(f"{live_server.url}{reverse('patients:referral-create')}")
        page.get_by_role("button", name="Save referral").click()  # nothing filled in: every message shows
        page.get_by_text("Give the reason for the referral.").wait_for()
        screenshot(page, "referral-form-errors-phone")
        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []

        _fill_referral(page, first="Maria", last="Garcia")
        page.get_by_role("button", name="Save referral").click()
        page.get_by_role("button", name="Attach to this person").click()  # without choosing anyone
        page.get_by_text("Choose the person to attach the referral to").wait_for()
        assert has_no_sideways_scroll(page)
        assert serious_violations(page) == []
