"""A demo care manager's day, in the browser, at desktop and phone sizes: open the first overdue
person, log a reached home visit with progress on a goal, add a goal in the person's words with two
steps, reorder goals, mark a goal achieved, record a check-in, open the handout and its PDF."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from careplans.models import Goal, GoalStatus, Step
from caseloads.models import CaseloadStatus
from engagement.models import CheckIn, Contact, GoalProgress, SuccessMoment
from patients.models import Patient
from tests.browser.conftest import PHONE, has_no_sideways_scroll, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": PHONE}


@pytest.fixture(params=sorted(VIEWPORTS))
def page(request, browser: Browser) -> Page:
    size = request.param
    context = browser.new_context(
        viewport=VIEWPORTS[size], is_mobile=size == "phone", has_touch=size == "phone"
    )
    page = context.new_page()
    page.size_name = size  # type: ignore[attr-defined]
    yield page
    context.close()


def sign_in_as_demo_care_manager(page: Page, base: str) -> None:
    call_command("seed_demo", "--patients=200", "--seed=3", stdout=io.StringIO())
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("maria.rn")
    page.get_by_label("Password").fill(settings.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/caseload/")


def open_panel(page: Page, title: str) -> None:
    summary = page.locator("summary", has_text=title).first
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()


def test_a_care_managers_day(page: Page, live_server) -> None:
    base = live_server.url
    size = page.size_name  # type: ignore[attr-defined]
    sign_in_as_demo_care_manager(page, base)

    # The worklist puts overdue people first: narrow it to people in active care, open the first one.
    page.goto(f"{base}/caseload/?status=active")
    first_row = page.locator(".caseload .row-link").first
    name = (
        first_row.locator("strong, .row-name").first.inner_text()
        if first_row.locator("strong").count()
        else ""
    )
    first_row.click()
    page.wait_for_url(f"{base}/patients/*/")
    patient_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    patient = Patient.objects.get(pk=patient_id)
    status = CaseloadStatus.objects.get(enrollment__patient=patient, enrollment__ended_on__isnull=True)
    assert status.is_overdue, "the first row of the worklist is an overdue person"
    assert name == "" or patient.legal_last_name in page.locator("h1").inner_text()

    # Log a reached home visit with progress on the person's first goal.
    open_panel(page, "Log a contact")
    form = page.locator("#contact-form")
    form.get_by_label("Home visit").check()
    form.get_by_label("Reached", exact=True).check()
    form.get_by_label("Minutes").fill("45")
    goal_boxes = form.get_by_role("checkbox").filter(has_not_text="")  # goals reviewed come first
    first_goal = (
        Goal.objects.filter(
            care_plan__enrollment__patient=patient,
            care_plan__status="active",
            status__in=["proposed", "active", "paused"],
        )
        .order_by("priority")
        .first()
    )
    assert first_goal is not None, "the demo person has a plan with an open goal"
    form.get_by_role("checkbox", name=first_goal.patient_words).check()
    form.get_by_label(f"How it is going (optional): {first_goal.patient_words}").fill(
        "Synthetic: first step taken"
    )
    form.get_by_role("button", name="Save contact").click()
    page.get_by_text("Contact saved.").wait_for()
    contact = Contact.objects.filter(enrollment__patient=patient).latest("created_at")
    assert (contact.mode, contact.is_reached, contact.duration_minutes) == ("home", True, 45)
    assert GoalProgress.objects.get(contact=contact).goal == first_goal
    del goal_boxes

    # Add a goal in the person's words, with two steps.
    page.get_by_role("link", name="Open the care plan").click()
    page.wait_for_url(f"{base}/patients/{patient_id}/plan/")
    open_panel(page, "Add a goal")
    words = f"Synthetic goal: walk to the river every week ({size})"
    page.get_by_label("The goal, in the person's own words").last.fill(words)
    page.locator("#id_new-goal-life_domain").select_option("health")
    page.get_by_role("button", name="Add goal").click()
    page.get_by_text("Goal added.").wait_for()
    goal = Goal.objects.get(patient_words=words)
    card = page.locator(f"#goal-{goal.pk}")
    for description, who in (("Buy walking shoes", "patient"), ("Find the river path map", "care_manager")):
        open_panel(card, "Add a step")
        card = page.locator(f"#goal-{goal.pk}")
        card.get_by_label("What needs doing").fill(description)
        card.get_by_label("Who does it").select_option(who)
        card.get_by_role("button", name="Save step").click()
        page.get_by_text("Step added.").wait_for()
        card = page.locator(f"#goal-{goal.pk}")
        expect(card).to_contain_text(description)
    assert list(Step.objects.filter(goal=goal).values_list("description", "owner")) == [
        ("Buy walking shoes", "patient"),
        ("Find the river path map", "care_manager"),
    ]

    # Reorder: the new goal (last) moves up one place, by keyboard.
    before = list(
        Goal.objects.filter(care_plan=goal.care_plan, status__in=["proposed", "active", "paused"])
        .order_by("priority")
        .values_list("pk", flat=True)
    )
    page.get_by_role("button", name=f"Move up: {words[:57]}").focus()
    page.keyboard.press("Enter")
    page.get_by_text("Priority order saved.").wait_for()
    after = list(
        Goal.objects.filter(care_plan=goal.care_plan, status__in=["proposed", "active", "paused"])
        .order_by("priority")
        .values_list("pk", flat=True)
    )
    assert after.index(goal.pk) == before.index(goal.pk) - 1
    titles = page.locator(".plan-goal h3").all_inner_texts()
    assert words in titles[after.index(goal.pk)]

    # Mark the person's first goal achieved: celebrated, and "what's next?" is asked.
    page.get_by_role("button", name=f"Mark achieved: {first_goal.patient_words[:57]}").first.click()
    page.get_by_text("What's next?").first.wait_for()
    assert Goal.objects.get(pk=first_goal.pk).status == GoalStatus.ACHIEVED
    assert SuccessMoment.objects.filter(goal=first_goal).count() == 1
    assert has_no_sideways_scroll(page)
    screenshot(page, f"care-plan-{size}")

    # Record a check-in on the record.
    page.goto(f"{base}/patients/{patient_id}/")
    open_panel(page, "Record a check-in")
    entry = page.locator("#entry-check-in")
    entry.get_by_label("How sure do they feel").fill("7")
    entry.get_by_role("button", name="Save check-in").click()
    page.get_by_text("Check-in saved.").wait_for()
    assert CheckIn.objects.filter(enrollment__patient=patient).latest("created_at").confidence == 7
    assert "Achieved their goal" in page.locator("#timeline").inner_text()

    # Open the handout and its PDF.
    page.get_by_role("link", name='Print "My Plan"').first.click()
    page.wait_for_url(f"{base}/patients/{patient_id}/plan/print/*")
    assert words in page.content()
    assert has_no_sideways_scroll(page)
    screenshot(page, f"handout-{size}")
    pdf = page.request.get(f"{base}/patients/{patient_id}/plan/print.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body()[:5] == b"%PDF-"
