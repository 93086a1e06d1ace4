"""The outcome figures endpoint: the outcomes page's figures, filters and audience, throttled as an export."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.throttling import ScopedRateThrottle

from caseloads.outcomes_refresh import outcomes_refresh
from patients.models import EnrollmentStatus

pytestmark = pytest.mark.django_db

OUTCOMES = reverse("api:outcome-list")
S = EnrollmentStatus


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The page keeps its totals per refresh and the throttle counts requests, both in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cohort(program, make_enrollment, team_a, team_b, care_manager, care_manager_other_team):
    """Referred today: two enrolled and one declined in team A, one enrolled in team B."""
    make_enrollment(status=S.ACTIVE, team=team_a, care_manager=care_manager)
    make_enrollment(status=S.ACTIVE, team=team_a, care_manager=care_manager)
    make_enrollment(status=S.DECLINED)
    make_enrollment(status=S.ACTIVE, team=team_b, care_manager=care_manager_other_team)
    outcomes_refresh(program=program)


def table(body: dict, slug: str) -> dict:
    return next(found for found in body["tables"] if found["slug"] == slug)


def row(body: dict, slug: str, label: str) -> dict:
    return next(found for found in table(body, slug)["rows"] if found["label"] == label)


def test_a_program_lead_reads_each_figure_with_its_numerator_and_denominator(
    api_as, program_lead, cohort
) -> None:
    response = api_as(program_lead).get(OUTCOMES)

    assert response.status_code == 200
    body = response.json()
    assert [found["slug"] for found in body["tables"]] == [
        "funnel",
        "time-in-program",
        "utilisation",
        "utilisation-per-person",
        "readmissions",
        "satisfaction",
        "costs",
        "success-moments",
        "confidence",
    ]
    assert body["period"]["name"] == "Last 12 months"
    assert (body["team"], body["team_name"]) == (None, "")
    assert body["computed_at"] is not None
    referred = row(body, "funnel", "Referred")
    assert (referred["numerator"], referred["denominator"], referred["value"]) == ("4", "4", "100.0")
    enrolled = row(body, "funnel", "Enrolled")
    assert (enrolled["numerator"], enrolled["denominator"], enrolled["value"]) == ("3", "4", "75.0")
    assert enrolled["cells"][:3] == [
        {"heading": "People", "text": "3", "value": "3"},
        {"heading": "Referred", "text": "4", "value": "4"},
        {"heading": "Share of referred", "text": "75.0 %", "value": "75.0"},
    ]
    declined = row(body, "funnel", "Declined")
    assert (declined["numerator"], declined["denominator"], declined["value"]) == ("1", "4", "25.0")
    readmitted = row(body, "readmissions", "Readmitted within 30 days")
    assert (readmitted["numerator"], readmitted["denominator"], readmitted["value"]) == ("0", "0", None)
    assert table(body, "readmissions")["meets_target"] is None
    still_in_care = row(body, "time-in-program", "Still in care (so far)")
    assert (still_in_care["numerator"], still_in_care["denominator"]) == (None, None)


def test_the_team_and_period_filters_are_the_pages(api_as, program_admin, team_b, cohort) -> None:
    today = program_admin.program.today()

    response = api_as(program_admin).get(
        OUTCOMES,
        {"team": team_b.pk, "period": "custom", "starts_on": today.isoformat(), "ends_on": today.isoformat()},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["team"], body["team_name"]) == (team_b.pk, "Team B")
    assert (body["period"]["starts_on"], body["period"]["ends_on"]) == (today.isoformat(), today.isoformat())
    assert row(body, "funnel", "Referred")["numerator"] == "1"


def test_filters_with_a_problem_get_field_errors(api_as, program_lead, other_program_admin, cohort) -> None:
    other_team = other_program_admin.program.teams.create(name="Their team")

    missing_dates = api_as(program_lead).get(OUTCOMES, {"period": "custom"})
    not_our_team = api_as(program_lead).get(OUTCOMES, {"team": other_team.pk})

    assert missing_dates.status_code == 400
    assert missing_dates.json() == {
        "starts_on": ["Enter the first day of the period."],
        "ends_on": ["Enter the last day of the period."],
    }
    assert not_our_team.status_code == 400
    assert not_our_team.json() == {
        "team": [f"Select a valid choice. {other_team.pk} is not one of the available choices."]
    }


@pytest.mark.parametrize("persona", ["care_manager", "supervisor"])
def test_only_program_leads_and_admins_read_the_figures(api_as, request, cohort, persona: str) -> None:
    response = api_as(request.getfixturevalue(persona)).get(OUTCOMES)

    assert response.status_code == 403
    assert "tables" not in response.json()


def test_another_programs_admin_sees_none_of_this_programs_figures(
    api_as, other_program_admin, cohort
) -> None:
    response = api_as(other_program_admin).get(OUTCOMES)

    assert response.status_code == 200
    assert (response.json()["computed_at"], response.json()["tables"]) == (None, [])


def test_without_credentials_the_answer_is_401_or_403(api_as, cohort) -> None:
    assert api_as(None).get(OUTCOMES).status_code in (401, 403)


def test_the_figures_are_throttled_as_an_export(api_as, program_lead, cohort, monkeypatch) -> None:
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"export": "2/hour"})
    client = api_as(program_lead)

    answers = [client.get(OUTCOMES).status_code for _ in range(3)]

    assert answers == [200, 200, 429]


@pytest.mark.parametrize("size", [1, 8])
def test_the_figures_cost_the_same_queries_for_a_few_enrolments_as_for_many(
    api_as, program, program_lead, make_enrollment, team_a, django_assert_num_queries, size: int
) -> None:
    for _ in range(size):
        make_enrollment(status=S.ACTIVE, team=team_a)
    outcomes_refresh(program=program)
    client = api_as(program_lead)
    client.get(OUTCOMES)  # the first request after signing in also looks up the time zone
    cache.clear()

    # session, user, the program's teams, the program (its calendar), the refresh, the enrolment and event
    # totals, the costs, the session save (with its savepoint)
    with django_assert_num_queries(11):
        response = client.get(OUTCOMES)

    assert row(response.json(), "funnel", "Referred")["numerator"] == str(size)
