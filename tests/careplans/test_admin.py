"""Care plans are read in Django admin, never changed there: changes go through the services, which keep
versions and refuse stale edits."""

import pytest
from django.urls import reverse

from careplans.models import Goal
from tests.accounts.factories import UserFactory
from tests.careplans.factories import CarePlanFactory, GoalFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_a_goal_is_shown_without_a_save_button_and_a_post_changes_nothing(
    superuser_client, enrollment, care_manager
) -> None:
    goal = GoalFactory(
        care_plan=CarePlanFactory(enrollment=enrollment, created_by=care_manager), patient_words="Cook again"
    )
    url = reverse("admin:careplans_goal_change", args=[goal.pk])

    page = superuser_client.get(url)
    assert page.status_code == 200
    assert "Cook again" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()

    response = superuser_client.post(url, {"patient_words": "Changed in admin"})
    assert response.status_code == 403
    assert Goal.objects.get(pk=goal.pk).patient_words == "Cook again"


@pytest.mark.parametrize("model", ["careplan", "goal", "step", "careplanreview", "assessmentdomain"])
def test_nothing_can_be_added_from_admin(superuser_client, model: str) -> None:
    assert superuser_client.get(reverse(f"admin:careplans_{model}_add")).status_code == 403
