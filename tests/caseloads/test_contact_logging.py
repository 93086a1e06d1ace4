"""Logging a contact from the patient record: what is stored, what the page shows, and refusals."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from caseloads.models import CaseloadStatus
from engagement.models import Contact, GoalProgress
from patients.models import AccessEvent
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.dates import program_today

pytestmark = pytest.mark.django_db
PROGRAM_ZONE = zoneinfo.ZoneInfo("America/New_York")


def contact_url(enrollment) -> str:
    return reverse("caseloads:contact-create", kwargs={"patient_id": enrollment.patient_id})


def a_moment_ago() -> str:
    # The form takes minutes in the program's time zone (the fixture program's default, New York).
    return timezone.localtime(timezone.now(), PROGRAM_ZONE).strftime("%Y-%m-%dT%H:%M")


def reached_home_visit(**overrides: object) -> dict[str, object]:
    return {
        "mode": "home",
        "outcome": "reached",
        "occurred_at": a_moment_ago(),
        "duration_minutes": "45",
        "engagement_methods": ["motivational_interviewing", "teach_back"],
        "note": "Synthetic: kitchen-table visit, went over the pill box.",
        **overrides,
    }


def test_a_reached_home_visit_with_goal_progress_is_stored_and_shown(
    client, care_manager, enrollment, django_capture_on_commit_callbacks
) -> None:
    goal = GoalFactory(care_plan=CarePlanFactory(enrollment=enrollment, created_by=care_manager))
    client.force_login(care_manager)
    next_visit = program_today() + datetime.timedelta(days=6)

    # The caseload row is recomputed once the contact is committed (in-process without a broker).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            contact_url(enrollment),
            reached_home_visit(
                **{
                    f"goal_{goal.pk}": "on",
                    f"goal_{goal.pk}_note": "Called the landlord herself",
                    "next_contact_on": next_visit,
                }
            ),
            headers={"HX-Request": "true"},
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Contact saved." in page
    assert "kitchen-table visit" in page  # the timeline swapped in
    assert 'id="timeline" class="card" aria-labelledby="timeline-heading" hx-swap-oob="true"' in page
    contact = Contact.objects.get()
    assert (contact.mode, contact.is_reached, contact.duration_minutes, contact.made_by) == (
        "home",
        True,
        45,
        care_manager,
    )
    assert contact.engagement_methods == ["motivational_interviewing", "teach_back"]
    progress = GoalProgress.objects.get()
    assert (progress.goal, progress.contact, progress.note) == (goal, contact, "Called the landlord herself")
    status = CaseloadStatus.objects.get(enrollment=enrollment)
    assert status.next_contact_due_on == next_visit
    assert status.is_overdue is False
    assert status.last_reached_contact_at == contact.occurred_at


def test_a_phone_attempt_needs_only_mode_and_outcome(
    client, care_manager, enrollment, django_capture_on_commit_callbacks
) -> None:
    client.force_login(care_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            contact_url(enrollment), {"mode": "phone", "outcome": "attempt", "occurred_at": a_moment_ago()}
        )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.mode, contact.is_reached) == ("phone", False)
    assert CaseloadStatus.objects.get(enrollment=enrollment).last_attempt_at == contact.occurred_at


def test_a_contact_in_the_future_is_refused_with_a_message_and_nothing_stored(
    client, care_manager, enrollment
) -> None:
    client.force_login(care_manager)
    tomorrow = timezone.localtime(timezone.now() + datetime.timedelta(days=1), PROGRAM_ZONE).strftime(
        "%Y-%m-%dT%H:%M"
    )

    response = client.post(
        contact_url(enrollment), reached_home_visit(occurred_at=tomorrow), headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert "The contact is in the future. Enter when it happened." in response.content.decode()
    assert Contact.objects.exists() is False
    assert CaseloadStatus.objects.filter(enrollment=enrollment).exists() is False


def test_missing_mode_shows_a_field_error(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(contact_url(enrollment), {"outcome": "reached", "occurred_at": a_moment_ago()})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert Contact.objects.exists() is False


def test_a_colleague_not_on_the_care_team_cannot_log(client, care_manager_same_team, enrollment) -> None:
    client.force_login(care_manager_same_team)
    response = client.post(contact_url(enrollment), reached_home_visit())
    assert response.status_code == 403
    assert Contact.objects.exists() is False


def test_another_team_gets_404(client, care_manager_other_team, enrollment) -> None:
    client.force_login(care_manager_other_team)
    assert client.post(contact_url(enrollment), reached_home_visit()).status_code == 404
    assert Contact.objects.exists() is False


def test_the_record_offers_the_form_only_to_those_who_may_log(
    client, care_manager, care_manager_same_team, enrollment
) -> None:
    client.force_login(care_manager)
    assert (
        "Log a contact"
        in client.get(reverse("caseloads:patient-record", args=[enrollment.patient_id])).content.decode()
    )
    client.force_login(care_manager_same_team)
    assert (
        "Log a contact"
        not in client.get(reverse("caseloads:patient-record", args=[enrollment.patient_id])).content.decode()
    )


def test_saving_writes_an_access_event_for_the_refreshed_timeline(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    client.post(contact_url(enrollment), reached_home_visit(), headers={"HX-Request": "true"})
    assert AccessEvent.objects.filter(user=care_manager, patient=enrollment.patient).count() == 1
