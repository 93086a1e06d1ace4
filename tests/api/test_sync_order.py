"""Every list comes, without `?ordering=`, in the order records last changed, one cursor page after
another: what an integration keeps in step with (accounts.api.sync)."""

import pytest

from accounts.models import User
from patients.models import CommunityResource
from tests.api.conftest import ApiAs

pytestmark = pytest.mark.django_db


def test_a_list_pages_in_the_order_records_last_changed(api_as: ApiAs, program_admin: User) -> None:
    first, second, third = (
        CommunityResource.objects.create(program=program_admin.program, name=name, category="food")
        for name in ("Test Pantry A", "Test Pantry B", "Test Pantry C")
    )
    first.name = "Test Pantry A, renamed"
    first.save()  # now the last to change
    client = api_as(program_admin)

    page = client.get("/api/v1/community-resources/", {"page_size": 2}).json()
    following = client.get(page["next"]).json()

    assert [row["id"] for row in page["results"]] == [second.pk, third.pk]
    assert [row["id"] for row in following["results"]] == [first.pk]
    assert following["next"] is None


def test_ordering_names_another_order(api_as: ApiAs, program_admin: User) -> None:
    for name in ("Test Pantry B", "Test Pantry A"):
        CommunityResource.objects.create(program=program_admin.program, name=name, category="food")

    response = api_as(program_admin).get("/api/v1/community-resources/", {"ordering": "name"})

    assert [row["name"] for row in response.json()["results"]] == ["Test Pantry A", "Test Pantry B"]
