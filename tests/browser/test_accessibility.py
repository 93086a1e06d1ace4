"""axe-core finds no serious or critical accessibility problem on any page, at phone size."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext

from tests.browser.conftest import PHONE, screenshot
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.engagement.factories import CheckInFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    """A phone context that lets the test inject axe. Tandem's CSP blocks injected scripts, as it should;
    the other browser tests keep it enforced."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, bypass_csp=True)
    yield context
    context.close()


def serious_violations(page) -> list[str]:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make test-tools` (npm ci).")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']][:3]}"
        for violation in violations
        if violation["impact"] in BLOCKING
    ]


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
        ("supervisor", "caseloads:team-overview"),
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
