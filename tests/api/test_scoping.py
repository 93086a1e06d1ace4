"""A sweep over every API endpoint, generated from the router's registry: a care manager whose team has
nobody in care gets no record of the other teams of a seeded demo program (404 on every detail, nothing
in any list), while the program's admin, on the same data, sees records in every list (so an empty list
means scoping, not missing data).

A new endpoint is covered by being registered in config/api.py; if it is not about people in care (the
program's community resource directory, say), it says why in NOT_TEAM_SCOPED.
"""

import io

import pytest
from django.core.management import call_command
from django.db.models import Model
from django.urls import reverse

from accounts.api.registry import ApiRoute
from accounts.models import Program, Role, Team, TeamMembership, User
from config.api import API_ROUTES

pytestmark = pytest.mark.django_db

# Endpoints whose records are the program's, not a team's: every signed-in person of the program reads them.
NOT_TEAM_SCOPED = {
    "community-resource": "the program's directory of community resources, shared by every team",
    "outcome": "the program's figures, not records; for leads and admins (tests/api/test_outcomes_api.py)",
}
# Records checked per endpoint for 404 (all of them would only repeat the same query).
DETAILS_PER_ENDPOINT = 15


def model_of(route: ApiRoute) -> type[Model]:
    viewset = route.viewset
    queryset = getattr(viewset, "queryset", None)
    if queryset is not None:
        return queryset.model
    serializer = getattr(viewset, "serializer_class", None)
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    assert model is not None, (
        f"{route.basename}: set serializer_class (with Meta.model) or queryset on the viewset"
    )
    return model


def has_detail(route: ApiRoute) -> bool:
    return hasattr(route.viewset, "retrieve")


def has_list(route: ApiRoute) -> bool:
    return hasattr(route.viewset, "list")


SCOPED = [route for route in API_ROUTES if route.basename not in NOT_TEAM_SCOPED]


@pytest.fixture
def demo_program() -> Program:
    call_command("seed_demo", "--patients=40", "--today=2026-06-15", "--workers=0", stdout=io.StringIO())
    return Program.objects.get()


@pytest.fixture
def newcomer(demo_program: Program) -> User:
    """A care manager in a new team of the demo program: nobody is in their care yet."""
    team = Team.objects.create(program=demo_program, name="Sweep team")
    user = User.objects.create(
        program=demo_program, role=Role.CARE_MANAGER, username="sweep.newcomer", first_name="Sweep"
    )
    TeamMembership.objects.create(team=team, user=user)
    return user


@pytest.fixture
def demo_admin(demo_program: Program) -> User:
    return User.objects.filter(program=demo_program, role=Role.PROGRAM_ADMIN).first()


def listed(client, route: ApiRoute) -> tuple[int, list]:
    response = client.get(reverse(f"api:{route.basename}-list"), {"page_size": 200})
    body = response.json() if response.status_code == 200 else {}
    return response.status_code, body.get("results", body if isinstance(body, list) else [])


def test_the_sweep_covers_every_registered_endpoint() -> None:
    assert len(API_ROUTES) >= 10
    assert set(NOT_TEAM_SCOPED) <= {route.basename for route in API_ROUTES}


def test_another_teams_care_manager_gets_no_record_in_any_list(
    api_as, demo_admin: User, newcomer: User
) -> None:
    admin, stranger = api_as(demo_admin), api_as(newcomer)
    leaks, unproven = [], []
    for route in filter(has_list, SCOPED):
        status, rows = listed(stranger, route)
        if status == 200 and rows:
            leaks.append(f"{route.basename}: {len(rows)} rows")
        elif status not in (200, 403):
            leaks.append(f"{route.basename}: status {status}")
        admin_status, admin_rows = listed(admin, route)
        if admin_status == 200 and not admin_rows:
            unproven.append(route.basename)
    assert leaks == []
    assert unproven == [], f"No demo records for these lists, so the sweep proves nothing there: {unproven}"


def test_another_teams_care_manager_gets_404_on_every_detail(api_as, newcomer: User) -> None:
    stranger = api_as(newcomer)
    wrong, unproven = [], []
    for route in filter(has_detail, SCOPED):
        pks = list(model_of(route).objects.order_by("pk").values_list("pk", flat=True)[:DETAILS_PER_ENDPOINT])
        if not pks:
            unproven.append(route.basename)
        for pk in pks:
            status = stranger.get(reverse(f"api:{route.basename}-detail", args=[pk])).status_code
            if status != 404:
                wrong.append(f"{route.basename} {pk}: {status}")
    assert wrong == []
    assert unproven == [], (
        f"No demo records for these endpoints, so the sweep proves nothing there: {unproven}"
    )


def fhir_types(client) -> list[str]:
    statement = client.get("/fhir/R4/metadata").json()
    return [resource["type"] for rest in statement["rest"] for resource in rest["resource"]]


def test_another_teams_care_manager_gets_no_fhir_resource(api_as, demo_admin: User, newcomer: User) -> None:
    """The same sweep over FHIR, from the types the CapabilityStatement lists: the admin's search finds
    resources of every type; the newcomer finds none of them, and reading any of them is 404."""
    admin, stranger = api_as(demo_admin), api_as(newcomer)
    types = fhir_types(admin)
    assert "Patient" in types
    leaks, unproven = [], []
    for kind in types:
        found = admin.get(f"/fhir/R4/{kind}", {"_count": DETAILS_PER_ENDPOINT}).json()
        ids = [
            entry["resource"]["id"]
            for entry in found.get("entry", [])
            if entry["resource"]["resourceType"] == kind
        ]
        if not ids:
            unproven.append(kind)
        searched = stranger.get(f"/fhir/R4/{kind}").json()
        if searched.get("total", 0) or searched.get("entry"):
            leaks.append(f"{kind} search: {searched.get('total')}")
        for resource_id in ids:
            status = stranger.get(f"/fhir/R4/{kind}/{resource_id}").status_code
            if status != 404:
                leaks.append(f"{kind}/{resource_id}: {status}")
    assert leaks == []
    assert unproven == [], f"No demo resources of these types, so the sweep proves nothing there: {unproven}"
