"""Care preferences are edited in place on the record, through the service, by the care team only."""

import pytest
from django.urls import reverse

from accounts.errors import DomainError
from patients.models import Patient
from patients.services import patient_care_preferences_update

pytestmark = pytest.mark.django_db


def preferences_url(enrollment) -> str:
    return reverse("caseloads:care-preferences-update", args=[enrollment.patient_id])


def preferences(**overrides: str) -> dict[str, str]:
    return {
        "preferred_contact_method": "text",
        "best_times_to_reach": "Mornings before ten",
        "preferred_meeting_places": "The library on Elm Street",
        "phone": "555-0142",
        "can_receive_texts": "on",
        "preferred_language": "Spanish",
        "care_preference_notes": "Include her sister Rosa when talking about money.",
        **overrides,
    }


def test_saving_updates_the_summary_in_place(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(preferences_url(enrollment), preferences(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Care preferences saved." in page
    assert "The library on Elm Street" in page
    stored = Patient.objects.get(pk=enrollment.patient_id)
    assert (stored.preferred_contact_method, stored.preferred_language, stored.can_receive_texts) == (
        "text",
        "Spanish",
        True,
    )


def test_a_missing_language_is_refused_with_a_message_and_nothing_changes(
    client, care_manager, enrollment
) -> None:
    client.force_login(care_manager)
    before = Patient.objects.get(pk=enrollment.patient_id).best_times_to_reach
    response = client.post(
        preferences_url(enrollment), preferences(preferred_language=""), headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert Patient.objects.get(pk=enrollment.patient_id).best_times_to_reach == before


def test_fields_outside_care_preferences_are_ignored(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    original = Patient.objects.get(pk=enrollment.patient_id)
    client.post(preferences_url(enrollment), preferences(legal_last_name="Changed", mrn="HACKED-1"))
    stored = Patient.objects.get(pk=enrollment.patient_id)
    assert (stored.legal_last_name, stored.mrn) == (original.legal_last_name, original.mrn)


def test_the_service_refuses_fields_that_are_not_preferences(care_manager, enrollment) -> None:
    with pytest.raises(DomainError, match="cannot be changed here: mrn"):
        patient_care_preferences_update(patient=enrollment.patient, acting_user=care_manager, mrn="X-1")


@pytest.mark.parametrize(
    ("persona", "status"), [("care_manager_same_team", 403), ("care_manager_other_team", 404)]
)
def test_only_the_care_team_edits_preferences(client, request, persona, status, enrollment) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.post(preferences_url(enrollment), preferences()).status_code == status
    assert (
        Patient.objects.get(pk=enrollment.patient_id).preferred_meeting_places != "The library on Elm Street"
    )
