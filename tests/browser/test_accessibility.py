"""axe-core finds no serious or critical accessibility problem on any page, at phone size."""

import pytest
from django.urls import reverse
from playwright.sync_api import BrowserContext

from tests.browser.conftest import screenshot, serious_violations
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.engagement.factories import CheckInFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(axe_phone: BrowserContext) -> BrowserContext:
    """signed_in_page opens its pages in a context that lets axe be injected."""
    return axe_phone


def test_sign_in_page(phone, live_server) -> None:
    page = phone.new_page()
    page.goto(f"{live_server.url}{reverse('login')}")
    assert serious_violations(page) == []


def test_care_manager_pages_with_every_panel_open(
    signed_in_page, live_server, care_manager, make_enrollment
) -> None:
    enrollment = make_enrollment(care_manager=care_manager)
    CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager, is_overdue=True)
    GoalFactory(care_plan=CarePlanFactory(enrollment=enrollment, created_by=care_manager))
    ContactFactory(enrollment=enrollment, made_by=care_manager)
    CheckInFactory(enrollment=enrollment, recorded_by=care_manager)
    page = signed_in_page(care_manager)

    page.goto(f"{live_server.url}{reverse('caseloads:my-caseload')}")
    page.get_by_text("More filters").click()
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}{reverse('caseloads:patient-record', args=[enrollment.patient_id])}")
    for panel in page.locator("main details summary").all():
        panel.click()
    screenshot(page, "record-all-panels-phone")
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    ("persona", "route"),
    [
        ("supervisor", "caseloads:dashboard"),
        ("program_lead", "caseloads:program-overview"),
        ("program_admin", "patients:referral-queue"),
        ("care_manager", "password_change"),
    ],
)
def test_other_role_pages(signed_in_page, live_server, request, persona, route, enrollment) -> None:
    page = signed_in_page(request.getfixturevalue(persona))
    page.goto(f"{live_server.url}{reverse(route)}")
    assert serious_violations(page) == []


def test_care_plan_pages_with_every_form_open_and_a_conflict_shown(
    signed_in_page, live_server, care_manager, supervisor, make_enrollment
) -> None:
    from careplans import services as plans

    enrollment = make_enrollment(care_manager=care_manager)
    plan = plans.care_plan_start(enrollment=enrollment, acting_user=care_manager, co_created_with="Them")
    goals = [
        plans.goal_add(care_plan=plan, acting_user=care_manager, patient_words=words, life_domain="health")
        for words in ("Sleep through the night", "Walk to the shop")
    ]
    plans.step_add(goal=goals[0], acting_user=care_manager, description="Try the new pillow", owner="patient")
    page = signed_in_page(care_manager)
    page.goto(f"{live_server.url}{reverse('caseloads:care-plan', args=[enrollment.patient_id])}")
    # Someone else saves the second goal; this page's edit of it then meets a conflict.
    plans.goal_update(
        goal=goals[1], acting_user=supervisor, expected_version=1, patient_words="Walk to the park"
    )
    page.eval_on_selector_all("main details", "panels => panels.forEach(panel => { panel.open = true; })")
    page.locator(f"#id_goal-{goals[1].pk}-patient_words").fill("Walk to the river")
    page.locator(f"#goal-{goals[1].pk}").get_by_role("button", name="Save goal").click()
    page.get_by_role("columnheader", name="Now saved").wait_for()
    assert "Walk to the park" in page.locator(f"#goal-{goals[1].pk} .conflict").inner_text()
    screenshot(page, "care-plan-conflict-phone")
    assert serious_violations(page) == []

    page.goto(f"{live_server.url}{reverse('caseloads:care-plan-versions', args=[enrollment.patient_id])}")
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}{reverse('caseloads:care-plan-version', args=[enrollment.patient_id, 2])}")
    assert "Sleep through the night" in page.content()
    assert serious_violations(page) == []
