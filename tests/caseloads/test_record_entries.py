"""Check-ins, successes and life events recorded from the patient record."""

import datetime

import pytest
from django.urls import reverse

from engagement.models import CheckIn, LifeEvent, SuccessMoment
from tests.dates import program_today

pytestmark = pytest.mark.django_db


def entry_url(enrollment, kind: str) -> str:
    return reverse("caseloads:entry-create", kwargs={"patient_id": enrollment.patient_id, "kind": kind})


def today() -> str:
    return program_today().isoformat()


def test_a_check_in_is_stored_and_the_trend_updates_in_place(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(
        entry_url(enrollment, "check-in"),
        {"occurred_on": today(), "confidence": "7", "readiness_to_graduate": "not_yet"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Check-in saved." in page
    assert 'id="wellbeing" class="card" aria-labelledby="wellbeing-heading" hx-swap-oob="true"' in page
    assert '<span class="score score-7">7</span>' in page
    stored = CheckIn.objects.get()
    assert (stored.confidence, stored.readiness_to_graduate, stored.recorded_by) == (
        7,
        "not_yet",
        care_manager,
    )


def test_a_confidence_of_11_is_refused_on_the_page_and_nothing_stored(
    client, care_manager, enrollment
) -> None:
    client.force_login(care_manager)
    response = client.post(
        entry_url(enrollment, "check-in"),
        {"occurred_on": today(), "confidence": "11"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Enter a number from 0 to 10." in response.content.decode()
    assert CheckIn.objects.exists() is False


def test_a_success_is_noted_with_its_kind(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(
        entry_url(enrollment, "success"),
        {
            "occurred_on": today(),
            "kind": "trust",
            "description": "Called me first when the rent letter came.",
        },
    )
    assert response.status_code == 302
    moment = SuccessMoment.objects.get()
    assert (moment.kind, moment.description) == ("trust", "Called me first when the rent letter came.")


def test_a_life_event_in_the_future_is_refused_with_a_message(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    tomorrow = (program_today() + datetime.timedelta(days=2)).isoformat()
    response = client.post(
        entry_url(enrollment, "life-event"),
        {"kind": "ed_visit", "occurred_on": tomorrow},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "The event is in the future. Enter the day it happened." in response.content.decode()
    assert LifeEvent.objects.exists() is False


def test_a_life_event_is_kept_on_the_patient_and_the_episode(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    client.post(
        entry_url(enrollment, "life-event"),
        {"kind": "admission", "occurred_on": today(), "facility": "Example Test Hospital"},
    )
    event = LifeEvent.objects.get()
    assert (event.patient_id, event.enrollment_id, event.kind, event.recorded_by) == (
        enrollment.patient_id,
        enrollment.pk,
        "admission",
        care_manager,
    )


def test_an_unknown_entry_kind_is_404(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    assert client.post(entry_url(enrollment, "horoscope"), {}).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("care_manager_same_team", 403), ("care_manager_other_team", 404)]
)
def test_only_the_care_team_records_entries(client, request, persona, status, enrollment) -> None:
    client.force_login(request.getfixturevalue(persona))
    response = client.post(entry_url(enrollment, "check-in"), {"occurred_on": today(), "confidence": "5"})
    assert response.status_code == status
    assert CheckIn.objects.exists() is False


def test_without_htmx_a_refused_entry_shows_the_form_again_with_its_message(
    client, care_manager, enrollment
) -> None:
    client.force_login(care_manager)
    response = client.post(
        entry_url(enrollment, "check-in"),
        {"occurred_on": today(), "confidence": "11", "note": "Synthetic note kept"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "Enter a number from 0 to 10." in page
    assert "Synthetic note kept" in page  # what the care manager typed is still there
    assert CheckIn.objects.exists() is False
