"""Community supports are added from the record; involving them needs the person's consent."""

import pytest
from django.urls import reverse

from patients.models import CommunitySupport
from tests.dates import program_today

pytestmark = pytest.mark.django_db


def support_url(enrollment) -> str:
    return reverse("caseloads:entry-create", kwargs={"patient_id": enrollment.patient_id, "kind": "support"})


def test_a_sponsor_is_added_and_the_care_team_card_updates(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(
        support_url(enrollment),
        {
            "kind": "sponsor",
            "name": "Sam (synthetic sponsor)",
            "phone": "555-0177",
            "is_trusted_to_involve": "on",
            "consent_to_contact_on": program_today().isoformat(),
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Community support added." in page
    assert 'id="care-team" class="card" aria-labelledby="team-heading" hx-swap-oob="true"' in page
    assert "Sam (synthetic sponsor)" in page
    support = CommunitySupport.objects.get()
    assert (support.patient_id, support.kind, support.is_trusted_to_involve) == (
        enrollment.patient_id,
        "sponsor",
        True,
    )


def test_involving_someone_without_a_consent_day_is_refused(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(
        support_url(enrollment),
        {"kind": "family", "name": "A synthetic cousin", "is_trusted_to_involve": "on"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Record the day the person agreed that we may involve them." in response.content.decode()
    assert CommunitySupport.objects.exists() is False


def test_another_team_cannot_add_supports(client, care_manager_other_team, enrollment) -> None:
    client.force_login(care_manager_other_team)
    response = client.post(support_url(enrollment), {"kind": "family", "name": "Nobody"})
    assert response.status_code == 404
    assert CommunitySupport.objects.exists() is False
