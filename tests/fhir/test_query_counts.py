"""Each FHIR search and $everything costs the same queries for 10 records as for 500."""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Program, Team, User
from careplans.models import CarePlan, CarePlanStatus, Goal, GoalStatus, LifeDomain, Step, StepOwner
from caseloads.fhir import RESOURCE_TYPES
from engagement.models import Contact, ContactMode
from patients.models import (
    CareTeamMember,
    CareTeamRole,
    CommunityResource,
    CommunitySupport,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Referral,
    ReferralOut,
    ReferralSource,
    SupportKind,
)
from tests.api.conftest import ApiAs

pytestmark = pytest.mark.django_db

REFERRED_ON = datetime.date(2025, 3, 1)
# Session read, user, program, savepoint, the scoped count and page, the type's prefetches, the one
# access-event INSERT, release, and the session save (4): the same however many records match.
SEARCH_QUERIES = {
    "Patient": 11,
    "EpisodeOfCare": 13,
    "CareTeam": 12,
    "CarePlan": 12,
    "Goal": 11,
    "Task": 11,
    "Encounter": 11,
    "Communication": 11,
    "ServiceRequest": 13,
    "RelatedPerson": 11,
}
# One page and, for Part 2 types, one withheld count per resource type.
EVERYTHING_QUERIES = 28


def populate(program: Program, team: Team, care_manager: User, count: int, start: int) -> list[Patient]:
    """`count` people in care with one of every record, written in bulk (synthetic data)."""
    now = timezone.now()
    patients = Patient.objects.bulk_create(
        Patient(
            program=program,
            mrn=f"TEST-Q{start + n:04d}",
            legal_first_name="Quillon",
            legal_last_name=f"Testwood-{start + n}",
            date_of_birth=datetime.date(1970, 1, 1),
        )
        for n in range(count)
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            patient=patient,
            program=program,
            team=team,
            status=EnrollmentStatus.ACTIVE,
            status_changed_at=now,
            referred_on=REFERRED_ON,
            enrolled_on=REFERRED_ON,
        )
        for patient in patients
    )
    CareTeamMember.objects.bulk_create(
        CareTeamMember(
            enrollment=enrollment,
            user=care_manager,
            role=CareTeamRole.CARE_MANAGER,
            is_primary=True,
            started_on=REFERRED_ON,
        )
        for enrollment in enrollments
    )
    Referral.objects.bulk_create(
        Referral(
            enrollment=enrollment, source=ReferralSource.SELF, reason="Synthetic reason", received_at=now
        )
        for enrollment in enrollments
    )
    resource = CommunityResource.objects.create(
        program=program, name=f"Synthetic Pantry {start}", category="food"
    )
    ReferralOut.objects.bulk_create(
        ReferralOut(
            enrollment=enrollment, resource=resource, referred_on=REFERRED_ON, referred_by=care_manager
        )
        for enrollment in enrollments
    )
    plans = CarePlan.objects.bulk_create(
        CarePlan(
            enrollment=enrollment,
            status=CarePlanStatus.ACTIVE,
            started_on=REFERRED_ON,
            created_by=care_manager,
        )
        for enrollment in enrollments
    )
    goals = Goal.objects.bulk_create(
        Goal(
            care_plan=plan,
            patient_words="I want to cook for my kids again",
            life_domain=LifeDomain.FAMILY,
            priority=1,
            status=GoalStatus.ACTIVE,
            status_changed_on=REFERRED_ON,
            created_by=care_manager,
        )
        for plan in plans
    )
    Step.objects.bulk_create(
        Step(goal=goal, description="Buy a pan together", owner=StepOwner.PATIENT) for goal in goals
    )
    Contact.objects.bulk_create(
        Contact(
            enrollment=enrollment,
            occurred_at=now,
            made_by=care_manager,
            mode=ContactMode.PHONE,
            is_reached=reached,
            note="Synthetic note.",
        )
        for enrollment in enrollments
        for reached in (True, False)
    )
    CommunitySupport.objects.bulk_create(
        CommunitySupport(patient=patient, kind=SupportKind.FRIEND, name="Test Friend") for patient in patients
    )
    return patients


def counts_of(client: Any, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, response.content
        counts[name] = len(queries)
    return counts


def test_each_search_costs_the_same_for_10_and_500_records(
    program: Program, team_a: Team, care_manager: User, api_as: ApiAs
) -> None:
    client = api_as(care_manager)
    client.get("/fhir/R4/metadata")  # the session's first request saves it once
    urls = {resource_type: f"/fhir/R4/{resource_type}" for resource_type in RESOURCE_TYPES}
    populate(program, team_a, care_manager, 10, 0)
    few = counts_of(client, urls)
    populate(program, team_a, care_manager, 490, 10)
    many = counts_of(client, urls)

    assert client.get("/fhir/R4/Goal").json()["total"] == 500
    assert few == many
    assert few == SEARCH_QUERIES


def test_everything_costs_the_same_for_10_and_500_records(
    program: Program, team_a: Team, care_manager: User, api_as: ApiAs
) -> None:
    client = api_as(care_manager)
    client.get("/fhir/R4/metadata")
    (patient,) = populate(program, team_a, care_manager, 1, 0)
    enrollment = patient.enrollments.get()
    plan = enrollment.care_plans.get()
    url = {"everything": f"/fhir/R4/Patient/{patient.pk}/$everything"}

    def add(count: int) -> None:
        Contact.objects.bulk_create(
            Contact(
                enrollment=enrollment,
                occurred_at=timezone.now(),
                made_by=care_manager,
                mode=ContactMode.HOME,
                is_reached=True,
            )
            for _ in range(count)
        )
        start = plan.goals.count() + 1
        goals = Goal.objects.bulk_create(
            Goal(
                care_plan=plan,
                patient_words="I want to walk to the park",
                life_domain=LifeDomain.HEALTH,
                priority=start + n,
                status_changed_on=REFERRED_ON,
                created_by=care_manager,
            )
            for n in range(count)
        )
        Step.objects.bulk_create(
            Step(goal=goal, description="Walk once round", owner=StepOwner.PATIENT) for goal in goals
        )

    add(9)
    few = counts_of(client, url)
    add(490)
    many = counts_of(client, url)

    assert len(client.get(url["everything"]).json()["entry"]) == 1 + 1 + 1 + 1 + 500 + 500 + 500 + 1 + 2 + 1
    assert few == many == {"everything": EVERYTHING_QUERIES}
