"""'Reviewed with patient today' is one click on the record and shows there."""

import pytest
from django.urls import reverse

from careplans.models import CarePlan, CarePlanReview
from tests.careplans.factories import CarePlanFactory

pytestmark = pytest.mark.django_db


def reviewed_url(enrollment) -> str:
    return reverse("caseloads:care-plan-reviewed", args=[enrollment.patient_id])


def test_one_click_records_the_review_and_shows_it(client, care_manager, enrollment) -> None:
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    client.force_login(care_manager)

    response = client.post(reviewed_url(enrollment), headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert "Last gone through with the patient:" in response.content.decode()
    review = CarePlanReview.objects.get()
    assert (review.care_plan, review.reviewed_by) == (plan, care_manager)
    stored = CarePlan.objects.get(pk=plan.pk)
    assert stored.last_reviewed_on == review.reviewed_on
    assert stored.revision == plan.revision  # a review is not an edit


def test_a_second_click_the_same_day_records_one_review(client, care_manager, enrollment) -> None:
    CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    client.force_login(care_manager)
    client.post(reviewed_url(enrollment))
    client.post(reviewed_url(enrollment))
    assert CarePlanReview.objects.count() == 1


def test_without_a_plan_the_page_says_so(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(reviewed_url(enrollment), follow=True)
    assert "There is no active plan to review yet." in response.content.decode()
    assert CarePlanReview.objects.exists() is False


@pytest.mark.parametrize(
    ("persona", "status"), [("care_manager_same_team", 403), ("care_manager_other_team", 404)]
)
def test_only_the_care_team_records_a_review(
    client, request, persona, status, enrollment, care_manager
) -> None:
    CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    client.force_login(request.getfixturevalue(persona))
    assert client.post(reviewed_url(enrollment)).status_code == status
    assert CarePlanReview.objects.exists() is False


def test_with_htmx_and_no_plan_the_goals_card_shows_why(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    response = client.post(reviewed_url(enrollment), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "There is no active plan to review yet." in response.content.decode()
    assert CarePlanReview.objects.exists() is False
