"""On a phone, a program admin screens two referrals: one is a fit and goes to the suggested care manager
with a warm handoff at the bedside; the other declines for now, with a date to approach them again.
No sideways scroll (the suggestion table scrolls in its own frame); axe finds nothing serious."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import BrowserContext, Page

from accounts.models import Discipline, Program, Team, User
from caseloads.models import IntensityLevel
from patients.models import (
    CareTeamMember,
    CommunityResource,
    Enrollment,
    EnrollmentStatus,
    HandoffSetting,
    Referral,
    ResourceCategory,
    ScreeningAnswer,
    ScreeningQuestion,
)
from tests.accounts.factories import TeamMembershipFactory, UserFactory
from tests.browser.conftest import has_no_sideways_scroll, screenshot, serious_violations
from tests.caseloads.factories import CaseloadStatusFactory
from tests.conftest import MakeEnrollment

pytestmark = pytest.mark.django_db(transaction=True)

S = EnrollmentStatus
QUESTIONS = (
    "Two or more hospital admissions in the last six months",
    "Two or more chronic conditions",
    "A behavioural health or social need",
    "Willing to engage",
)


@pytest.fixture
def screening_program(program: Program, team_a: Team, make_enrollment: MakeEnrollment) -> dict[str, User]:
    """Four questions, a food pantry in the directory, and two care managers: one busy, one not."""
    for position, text in enumerate(QUESTIONS, start=1):
        ScreeningQuestion.objects.create(program=program, text=text, position=position)
    CommunityResource.objects.create(
        program=program, name="Synthetic Food Pantry", category=ResourceCategory.FOOD
    )
    busy = UserFactory(
        program=program, first_name="Bea", last_name="Busyworth", discipline=Discipline.REGISTERED_NURSE
    )
    free = UserFactory(
        program=program, first_name="Fen", last_name="Freeman", discipline=Discipline.SOCIAL_WORKER
    )
    for user, capacity in ((busy, 12), (free, 30)):
        User.objects.filter(pk=user.pk).update(caseload_capacity=capacity)
        TeamMembershipFactory(team=team_a, user=user)
    for level in (IntensityLevel.HIGH, IntensityLevel.HIGH, IntensityLevel.LOW):
        enrollment = make_enrollment(status=S.ACTIVE, care_manager=busy)
        CaseloadStatusFactory(enrollment=enrollment, recommended_level=level, care_manager=busy)
    make_enrollment(status=S.ACTIVE, care_manager=free)  # no level yet: counts as medium
    return {"busy": busy, "free": free}


def answer_every_question(page: Page, response: str) -> None:
    for text in QUESTIONS:
        page.get_by_role("group", name=text).get_by_label(response, exact=True).check()


def open_screening(page: Page, live_server, enrollment: Enrollment) -> None:
    page.goto(f"{live_server.url}{reverse('caseloads:screening', args=[enrollment.patient_id])}")


class TestWithAxe:
    @pytest.fixture
    def phone(self, axe_phone: BrowserContext) -> BrowserContext:
        return axe_phone

    def test_one_fit_with_a_warm_handoff_and_one_declined_with_a_reapproach_date(
        self,
        signed_in_page,
        live_server,
        program: Program,
        program_admin: User,
        screening_program: dict[str, User],
        make_enrollment: MakeEnrollment,
    ) -> None:
        fit, declined = make_enrollment(status=S.REFERRED), make_enrollment(status=S.REFERRED)
        free, busy = screening_program["free"], screening_program["busy"]
        page = signed_in_page(program_admin)

        # The first referral: a fit.
        open_screening(page, live_server, fit)
        answer_every_question(page, "Yes")
        table = page.locator(".suggestion-table")
        assert not table.is_visible()  # each outcome's fields appear once it is chosen
        page.get_by_label("A fit: start outreach").check()
        assert table.is_visible()
        rows = table.locator("tbody tr")
        # Fen: 1 medium = 2 points of 30 = 7 %; Bea: 2 high + 1 low = 7 points of 12 = 58 %.
        assert [rows.nth(i).locator("th label").inner_text().strip() for i in range(2)] == [
            str(free),
            str(busy),
        ]
        assert rows.nth(0).locator("th .badge").inner_text() == "Suggested"
        assert rows.nth(0).locator('[data-count="load"]').inner_text() == "7%"
        assert rows.nth(1).locator('[data-count="points"]').inner_text() == "7"
        assert rows.nth(1).locator('[data-count="load"]').inner_text() == "58%"
        # The suggested care manager is chosen by keyboard.
        page.get_by_role("radio", name=str(free)).focus()
        page.keyboard.press("Space")
        assert page.get_by_role("radio", name=str(free)).is_checked()
        page.get_by_label("Who introduced the care manager").fill("Ward nurse (synthetic)")
        page.get_by_role("group", name="Where").get_by_label("Hospital bedside").check()
        assert page.get_by_label("When").input_value()  # defaults to now
        assert has_no_sideways_scroll(page)
        screenshot(page, "screening-fit-phone")
        assert serious_violations(page) == []
        page.get_by_role("button", name="Save screening").click()

        page.get_by_text("Screening saved: a fit.").wait_for()
        assert page.url.endswith(reverse("patients:referral-queue"))
        enrollment = Enrollment.objects.get(pk=fit.pk)
        assert enrollment.status == S.OUTREACH
        assert CareTeamMember.objects.get(enrollment=enrollment, is_primary=True).user == free
        referral = Referral.objects.get(enrollment=enrollment)
        assert (referral.handoff_by, referral.handoff_setting) == (
            "Ward nurse (synthetic)",
            HandoffSetting.HOSPITAL_BEDSIDE,
        )
        assert referral.received_at <= referral.handoff_at <= referral.screened_at
        assert referral.screened_by == program_admin
        assert ScreeningAnswer.objects.filter(referral=referral, response="yes").count() == 4

        # The second referral: declined for now.
        reapproach_on = program.today() + datetime.timedelta(days=30)
        open_screening(page, live_server, declined)
        answer_every_question(page, "Not known")
        page.get_by_label("Declined for now").check()
        page.get_by_label("The reason they gave, in their words").fill(
            "Synthetic: “Not this month, maybe later.”"
        )
        page.get_by_label("How they would like to be approached next time").fill("Text first, then call")
        page.get_by_label("Re-approach date").fill(reapproach_on.isoformat())
        assert has_no_sideways_scroll(page)
        screenshot(page, "screening-declined-phone")
        assert serious_violations(page) == []
        page.get_by_role("button", name="Save screening").click()

        page.get_by_text("Screening saved: declined for now.").wait_for()
        enrollment = Enrollment.objects.get(pk=declined.pk)
        assert (enrollment.status, enrollment.reapproach_on, enrollment.reapproach_preference) == (
            S.DECLINED,
            reapproach_on,
            "Text first, then call",
        )
        assert enrollment.end_note == "Synthetic: “Not this month, maybe later.”"
        assert (
            ScreeningAnswer.objects.filter(referral__enrollment=enrollment, response="unknown").count() == 4
        )
        assert not CareTeamMember.objects.filter(enrollment=enrollment).exists()

        # Not on the worklist before the day; on it from that day.
        worklists = f"{live_server.url}{reverse('caseloads:intake-worklists')}"
        page.goto(worklists)
        assert (
            declined.patient.display_name
            not in page.locator("section", has_text="Approach again").inner_text()
        )
        # A month on, the admin signs in again (sessions do not last a month) and finds them.
        with time_machine.travel(
            datetime.datetime.combine(reapproach_on, datetime.time(15, 0), tzinfo=datetime.UTC), tick=True
        ):
            later = signed_in_page(program_admin)
            later.goto(worklists)
            listed = later.locator("section", has_text="Approach again").first.inner_text()
        assert declined.patient.display_name in listed
        assert "Text first, then call" in listed


def test_a_missing_reapproach_date_is_shown_on_the_page_and_nothing_is_stored(
    signed_in_page, live_server, program_admin: User, screening_program, make_enrollment: MakeEnrollment
) -> None:
    referral = make_enrollment(status=S.REFERRED)
    page = signed_in_page(program_admin)
    open_screening(page, live_server, referral)
    answer_every_question(page, "No")
    page.get_by_label("Declined for now").check()
    page.get_by_label("The reason they gave, in their words").fill("Synthetic: not now")
    page.get_by_role("button", name="Save screening").click()

    page.get_by_text("Nothing was saved.").wait_for()
    assert page.get_by_text("Choose a date to approach the person again.").is_visible()
    # The outcome chosen stays chosen, so its fields and the message stay in view.
    assert page.get_by_label("Declined for now").is_checked()
    assert has_no_sideways_scroll(page)
    assert Enrollment.objects.get(pk=referral.pk).status == S.REFERRED
    assert ScreeningAnswer.objects.count() == 0
