"""My caseload as a worklist: ordering, the patient's top goal, flags, filters and search."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from careplans.models import GoalStatus
from engagement.models import LifeEventKind
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.dates import program_today
from tests.engagement.factories import ContactFactory, LifeEventFactory

pytestmark = pytest.mark.django_db

URL = reverse("caseloads:my-caseload")


def names(response) -> list[str]:
    return [row.patient.display_name for row in response.context["rows"]]


@pytest.fixture
def three(make_enrollment, care_manager):
    """Overdue, due in two days, due in ten days: created in the wrong order on purpose."""
    later, soon, overdue = (make_enrollment(care_manager=care_manager) for _ in range(3))
    today = program_today()
    CaseloadStatusFactory(
        enrollment=later, care_manager=care_manager, next_contact_due_on=today + datetime.timedelta(days=10)
    )
    CaseloadStatusFactory(
        enrollment=soon, care_manager=care_manager, next_contact_due_on=today + datetime.timedelta(days=2)
    )
    CaseloadStatusFactory(
        enrollment=overdue,
        care_manager=care_manager,
        next_contact_due_on=today - datetime.timedelta(days=3),
        is_overdue=True,
        current_level="high",
        recommended_level="high",
    )
    return {"overdue": overdue, "soon": soon, "later": later}


def test_overdue_first_then_whoever_is_due_soonest(client, care_manager, three) -> None:
    client.force_login(care_manager)
    expected = [three[key].patient.display_name for key in ("overdue", "soon", "later")]
    assert names(client.get(URL)) == expected


def test_each_row_shows_the_top_goal_in_the_patients_words(client, care_manager, three) -> None:
    plan = CarePlanFactory(enrollment=three["soon"], created_by=care_manager)
    GoalFactory(
        care_plan=plan, patient_words="Get my ID back so I can apply for benefits", status=GoalStatus.ACTIVE
    )
    GoalFactory(care_plan=plan, patient_words="See my grandkids on Sundays", status=GoalStatus.ACTIVE)
    client.force_login(care_manager)
    page = client.get(URL).content.decode()
    assert "Get my ID back so I can apply for benefits" in page
    assert "See my grandkids on Sundays" not in page  # only the patient's first priority


def test_an_ed_visit_since_the_last_contact_is_flagged(client, care_manager, three) -> None:
    ContactFactory(
        enrollment=three["later"],
        made_by=care_manager,
        occurred_at=timezone.now() - datetime.timedelta(days=5),
    )
    LifeEventFactory(
        enrollment=three["later"],
        kind=LifeEventKind.ED_VISIT,
        occurred_on=program_today() - datetime.timedelta(days=1),
    )
    ContactFactory(enrollment=three["soon"], made_by=care_manager, occurred_at=timezone.now())
    LifeEventFactory(
        enrollment=three["soon"],
        kind=LifeEventKind.ED_VISIT,
        occurred_on=program_today() - datetime.timedelta(days=9),
    )
    client.force_login(care_manager)

    flagged = client.get(URL, {"flag": "crisis"})

    assert names(flagged) == [three["later"].patient.display_name]
    assert "ED visit or admission" in flagged.content.decode()


def test_new_people_not_yet_reached_are_flagged(client, care_manager, make_enrollment, three) -> None:
    new = make_enrollment(status="outreach", care_manager=care_manager)
    client.force_login(care_manager)
    response = client.get(URL, {"flag": "new"})
    assert names(response) == [new.patient.display_name]
    assert "New, not reached yet" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [({"level": "high"}, ["overdue"]), ({"flag": "overdue"}, ["overdue"]), ({"status": "maintenance"}, [])],
)
def test_filters_narrow_the_list(client, care_manager, three, query, expected) -> None:
    client.force_login(care_manager)
    assert names(client.get(URL, query)) == [three[key].patient.display_name for key in expected]


def test_search_by_name_or_mrn(client, care_manager, three) -> None:
    client.force_login(care_manager)
    patient = three["soon"].patient
    assert names(client.get(URL, {"search": patient.legal_last_name.upper()})) == [patient.display_name]
    assert names(client.get(URL, {"search": patient.mrn})) == [patient.display_name]
    assert "Nobody in your caseload matches" in client.get(URL, {"search": "zzz-no-such"}).content.decode()


def test_htmx_filtering_returns_only_the_results(client, care_manager, three) -> None:
    client.force_login(care_manager)
    page = client.get(URL, {"flag": "overdue"}, headers={"HX-Request": "true"}).content.decode()
    assert page.lstrip().startswith('<div id="caseload-results">')
    assert "<h1>" not in page


def test_unknown_filter_values_are_ignored_not_a_500(client, care_manager, three) -> None:
    client.force_login(care_manager)
    response = client.get(URL, {"level": "extreme", "search": "x" * 500})
    assert response.status_code == 200


def test_the_same_number_of_queries_for_10_and_200_people(
    client, care_manager, make_enrollment, django_assert_num_queries
) -> None:
    def add_people(count: int) -> None:
        for _ in range(count):
            enrollment = make_enrollment(care_manager=care_manager)
            CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager)
            ContactFactory(enrollment=enrollment, made_by=care_manager)
            GoalFactory(
                care_plan=CarePlanFactory(enrollment=enrollment, created_by=care_manager),
                status=GoalStatus.ACTIVE,
            )

    client.force_login(care_manager)
    add_people(10)
    client.get(URL)  # the first request also reads the program's time zone into the session
    # the check-ins due after graduation are one more query
    with django_assert_num_queries(7):
        client.get(URL)
    add_people(190)
    with django_assert_num_queries(7):
        response = client.get(URL)
    assert len(response.context["rows"]) == 200
