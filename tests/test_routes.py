"""Every URL is classified in config/routes.py, and behaves as its class says."""

from collections.abc import Callable, Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from careplans.models import Goal, GoalStatus, PlanHandout
from careplans.services import care_plan_start
from caseloads.graduation_services import graduation_record
from config.routes import ROUTES, RouteAccess, access_of
from patients.models import CommunityResource, ReferralOut, ResourceCategory
from patients.services import referral_out_create
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory
from tests.patients.factories import CareTeamMemberFactory, CommunitySupportFactory


def _walk(patterns: list, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _walk(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = pattern.name or pattern.lookup_str
            yield (f"{namespace}:{name}" if namespace else name), prefix + str(pattern.pattern)


ALL_ROUTES = sorted(set(_walk(get_resolver().url_patterns)))


def test_every_route_is_classified() -> None:
    unclassified = [f"{name} ({path})" for name, path in ALL_ROUTES if access_of(name) is None]
    assert unclassified == [], f"Classify these routes in config/routes.py: {unclassified}"


def test_registry_names_only_routes_that_exist() -> None:
    names = {name for name, _ in ALL_ROUTES}
    assert sorted(set(ROUTES) - names) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    sorted(
        name for name, access in ROUTES.items() if access == RouteAccess.AUTHENTICATED and name != "logout"
    ),
)
def test_signed_in_routes_send_anonymous_visitors_to_sign_in(client, name: str) -> None:
    response = client.get(reverse(name, kwargs=SIGNED_IN_KWARGS.get(name)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Parameters of signed-in routes that are not about one patient: any well-formed value.
SIGNED_IN_KWARGS = {
    "patients:referral-import-preview": {"import_id": 1},
    "patients:resource-update": {"resource_id": 1},
    "caseloads:settings-team-member-add": {"team_id": 1},
    "caseloads:settings-team-member-remove": {"team_id": 1, "user_id": 1},
    "caseloads:settings-person-update": {"user_id": 1},
    "caseloads:settings-question-update": {"question_id": 1},
    "caseloads:settings-api-token-revoke": {"token_id": 1},
    "caseloads:utilisation-import-preview": {"import_id": 1},
    "caseloads:caseload-review": {"user_id": 1},
    "caseloads:supervision-decision-fields": {"user_id": 1, "enrollment_id": 1},
    "caseloads:supervision-session-create": {"user_id": 1},
    "caseloads:supervision-session": {"session_id": 1},
    "caseloads:balancing": {"team_id": 1},
    "caseloads:peer-group-update": {"group_id": 1},
    "caseloads:peer-mentor-update": {"mentor_id": 1},
    "caseloads:outcomes-export": {"table": "funnel"},
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name", sorted(name for name, access in ROUTES.items() if access == RouteAccess.PUBLIC)
)
def test_public_routes_answer_anonymous_visitors(client, name: str) -> None:
    response = client.get(reverse(name))
    assert response.status_code == 200


PATIENT_SCOPED = sorted(name for name, access in ROUTES.items() if access == RouteAccess.PATIENT_SCOPED)


def _request(client, url: str):
    """GET the route, or POST (empty) when it only takes posts."""
    response = client.get(url)
    return client.post(url) if response.status_code == 405 else response


def _plan(enrollment) -> dict[str, object]:
    """Start the enrolment's plan through the service (which keeps version 1); no route parameter."""
    primary = enrollment.care_team.get(is_primary=True, ended_on__isnull=True).user
    care_plan_start(enrollment=enrollment, acting_user=primary)
    return {}


def _referral_out(enrollment) -> ReferralOut:
    primary = enrollment.care_team.get(is_primary=True, ended_on__isnull=True).user
    resource = CommunityResource.objects.create(
        program=enrollment.program, name="Test Food Pantry", category=ResourceCategory.FOOD
    )
    return referral_out_create(enrollment=enrollment, resource=resource, acting_user=primary)


def _goal(enrollment) -> Goal:
    plan = CarePlanFactory(enrollment=enrollment)
    return GoalFactory(care_plan=plan, status=GoalStatus.ACTIVE)


def _handout(enrollment) -> PlanHandout:
    plan = CarePlanFactory(enrollment=enrollment)
    return PlanHandout.objects.create(
        care_plan=plan,
        revision=plan.revision,
        language="en",
        handed_on=plan.started_on,
        handed_by=plan.created_by,
        content_html="<p>My Plan</p>",
    )


# Route parameters other than the patient: one valid value each, made for the enrolment under test.
EXTRA_KWARGS: dict[str, Callable[[object], dict[str, object]]] = {
    "caseloads:entry-create": lambda enrollment: {"kind": "check-in"},
    "caseloads:support-update": lambda enrollment: {
        "support_id": CommunitySupportFactory(patient=enrollment.patient).pk
    },
    "caseloads:support-end": lambda enrollment: {
        "support_id": CommunitySupportFactory(patient=enrollment.patient).pk
    },
    "caseloads:care-team-member-end": lambda enrollment: {
        "member_id": CareTeamMemberFactory(enrollment=enrollment).pk
    },
    "caseloads:goal-update": lambda enrollment: {"goal_id": _goal(enrollment).pk},
    "caseloads:goal-move": lambda enrollment: {"goal_id": _goal(enrollment).pk},
    "caseloads:step-create": lambda enrollment: {"goal_id": _goal(enrollment).pk},
    "caseloads:step-mark": lambda enrollment: {"step_id": StepFactory(goal=_goal(enrollment)).pk},
    "caseloads:care-plan-details": _plan,
    "caseloads:goal-create": _plan,
    "caseloads:care-plan-versions": _plan,
    "caseloads:care-plan-version": lambda enrollment: _plan(enrollment) | {"revision": 1},
    "caseloads:plan-handout": _plan,
    "caseloads:plan-handout-pdf": _plan,
    "caseloads:plan-handout-record": _plan,
    "caseloads:plan-handout-copy": lambda enrollment: {"handout_id": _handout(enrollment).pk},
    "caseloads:assessment-domain": lambda enrollment: {"domain": "housing"},
    "caseloads:assessment-goal": lambda enrollment: {"domain": "housing"},
    "caseloads:assessment-step": lambda enrollment: {"domain": "housing"},
    "caseloads:referral-out-update": lambda enrollment: {"referral_out_id": _referral_out(enrollment).pk},
    "caseloads:peer-contact-create": lambda enrollment: {
        "connection_id": enrollment.peer_connections.create(
            mentor_name="Synthetic Peer Mentor", started_on=enrollment.referred_on
        ).pk
    },
    "caseloads:peer-connection-end": lambda enrollment: {
        "connection_id": enrollment.peer_connections.create(
            mentor_name="Synthetic Peer Mentor", started_on=enrollment.referred_on
        ).pk
    },
    "caseloads:graduation-follow-up": lambda enrollment: {
        "follow_up_id": graduation_record(
            enrollment=enrollment,
            acting_user=enrollment.care_team.get(is_primary=True, ended_on__isnull=True).user,
            graduated_on=enrollment.program.today(),
            patient_agreed_on=enrollment.program.today(),
            reviewed_criteria=[],
            primary_care_contact="Test Clinic, 555-0100",
            unmet_criteria_reason="Readiness not worked out in this test.",
        )
        .follow_ups.order_by("days_after")
        .first()
        .pk
    },
}

# The same parameters for a patient that does not exist: any well-formed value.
UNKNOWN_KWARGS = {
    "kind": "check-in",
    "support_id": 999_999_999,
    "member_id": 999_999_999,
    "goal_id": 999_999_999,
    "step_id": 999_999_999,
    "revision": 1,
    "handout_id": 999_999_999,
    "domain": "housing",
    "referral_out_id": 999_999_999,
    "follow_up_id": 999_999_999,
    "connection_id": 999_999_999,
}


def _patient_kwargs(enrollment, name: str = "") -> dict[str, object]:
    extra = EXTRA_KWARGS.get(name)
    return {"patient_id": enrollment.patient_id, **(extra(enrollment) if extra else {})}


def _unknown_patient_kwargs(name: str) -> dict[str, object]:
    pattern = next(path for route, path in ALL_ROUTES if route == name)
    return {"patient_id": 999_999_999} | {
        key: value for key, value in UNKNOWN_KWARGS.items() if f":{key}>" in pattern
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", PATIENT_SCOPED)
def test_patient_scoped_routes_hide_other_teams_patients(
    client, name: str, enrollment, care_manager, care_manager_other_team, program_admin
) -> None:
    url = reverse(name, kwargs=_patient_kwargs(enrollment, name))
    client.force_login(care_manager_other_team)
    assert _request(client, url).status_code == 404
    client.force_login(care_manager)
    if name in ADMIN_ONLY:
        assert _request(client, url).status_code == 403
        client.force_login(program_admin)
    assert _request(client, url).status_code in (200, 302, 422)


# Patient pages that only program admins use (the care team sees the person, but may not screen them).
ADMIN_ONLY = {"caseloads:screening"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", PATIENT_SCOPED)
def test_patient_scoped_routes_answer_404_for_unknown_patients(client, name: str, care_manager) -> None:
    client.force_login(care_manager)
    assert _request(client, reverse(name, kwargs=_unknown_patient_kwargs(name))).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", PATIENT_SCOPED)
def test_patient_scoped_routes_send_anonymous_visitors_to_sign_in(client, name: str, enrollment) -> None:
    response = _request(client, reverse(name, kwargs=_patient_kwargs(enrollment, name)))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
