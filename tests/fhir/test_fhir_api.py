"""FHIR R4 read, search and $everything: who sees what, filters, errors, Part 2, access events."""

import dataclasses
import datetime
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from rest_framework.throttling import ScopedRateThrottle

from accounts.api_tokens import api_token_revoke
from accounts.models import User
from careplans.models import AssessmentDomain, AssessmentDomainKind, CarePlan, Goal, GoalStatus, Step
from caseloads.fhir import RESOURCE_TYPES
from engagement.models import Contact
from patients.fhir import NOTICE_EXTENSION, PART2_SECURITY, REDISCLOSURE_NOTICE
from patients.models import (
    AccessAction,
    AccessEvent,
    CommunityResource,
    CommunitySupport,
    Consent,
    ConsentKind,
    Enrollment,
    ReferralOut,
)
from tests.api.conftest import ApiAs, token_client
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory
from tests.engagement.factories import ContactFactory
from tests.patients.factories import CommunitySupportFactory

pytestmark = pytest.mark.django_db

FHIR_JSON = "application/fhir+json"
TYPES = tuple(RESOURCE_TYPES)


@dataclasses.dataclass(frozen=True)
class Records:
    enrollment: Enrollment
    plan: CarePlan
    goal: Goal
    step: Step
    reached: Contact
    attempt: Contact
    referral_out: ReferralOut
    support: CommunitySupport

    def id_of(self, resource_type: str) -> str:
        ids: dict[str, Any] = {
            "Patient": self.enrollment.patient_id,
            "EpisodeOfCare": self.enrollment.pk,
            "CareTeam": self.enrollment.pk,
            "CarePlan": self.plan.pk,
            "Goal": self.goal.pk,
            "Task": self.step.pk,
            "Encounter": self.reached.pk,
            "Communication": self.attempt.pk,
            "ServiceRequest": f"out-{self.referral_out.pk}",
            "RelatedPerson": self.support.pk,
        }
        return str(ids[resource_type])


def records_for(enrollment: Enrollment, user: User) -> Records:
    plan = CarePlanFactory(enrollment=enrollment, created_by=user)
    goal = GoalFactory(care_plan=plan, patient_words="I want my own front door key", status=GoalStatus.ACTIVE)
    resource = CommunityResource.objects.create(
        program=enrollment.program, name=f"Synthetic Food Bank {enrollment.pk}", category="food"
    )
    return Records(
        enrollment=enrollment,
        plan=plan,
        goal=goal,
        step=StepFactory(goal=goal),
        reached=ContactFactory(enrollment=enrollment, made_by=user),
        attempt=ContactFactory(enrollment=enrollment, made_by=user, is_reached=False),
        referral_out=ReferralOut.objects.create(
            enrollment=enrollment, resource=resource, referred_on=enrollment.referred_on, referred_by=user
        ),
        support=CommunitySupportFactory(patient=enrollment.patient),
    )


@pytest.fixture
def records(enrollment: Enrollment, care_manager: User) -> Records:
    return records_for(enrollment, care_manager)


def search_ids(bundle: dict[str, Any]) -> list[str]:
    return [
        entry["resource"]["id"]
        for entry in bundle.get("entry", [])
        if entry["resource"]["resourceType"] != "OperationOutcome"
    ]


def issue_code(response: Any) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]["code"]


# Read ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", TYPES)
def test_a_care_manager_reads_their_patients_record(
    resource_type: str, records: Records, care_manager: User, api_as: ApiAs
) -> None:
    response = api_as(care_manager).get(f"/fhir/R4/{resource_type}/{records.id_of(resource_type)}")

    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    assert response.json()["resourceType"] == resource_type
    assert response.json()["id"] == records.id_of(resource_type)


@pytest.mark.parametrize("resource_type", TYPES)
def test_another_teams_care_manager_gets_404_on_read(
    resource_type: str, records: Records, care_manager_other_team: User, api_as: ApiAs
) -> None:
    response = api_as(care_manager_other_team).get(f"/fhir/R4/{resource_type}/{records.id_of(resource_type)}")

    assert response.status_code == 404
    assert response["Content-Type"] == FHIR_JSON
    assert issue_code(response) == "not-found"
    assert AccessEvent.objects.exists() is False


def test_referrals_in_and_out_have_their_own_ids(records: Records, care_manager: User, api_as: ApiAs) -> None:
    client = api_as(care_manager)
    referral_id = records.enrollment.referral.pk

    incoming = client.get(f"/fhir/R4/ServiceRequest/in-{referral_id}").json()
    outgoing = client.get(f"/fhir/R4/ServiceRequest/out-{records.referral_out.pk}").json()

    assert (incoming["id"], incoming["status"], incoming["intent"]) == (
        f"in-{referral_id}",
        "completed",
        "order",
    )
    assert (outgoing["id"], outgoing["status"]) == (f"out-{records.referral_out.pk}", "active")
    assert outgoing["performer"] == [{"display": records.referral_out.resource.name}]
    assert client.get(f"/fhir/R4/ServiceRequest/{referral_id}").status_code == 404


def test_goal_in_the_patients_words_ranked_by_them(
    records: Records, care_manager: User, api_as: ApiAs
) -> None:
    goal = api_as(care_manager).get(f"/fhir/R4/Goal/{records.goal.pk}").json()
    patient = records.enrollment.patient

    assert goal["description"] == {"text": "I want my own front door key"}
    assert goal["expressedBy"] == {"reference": f"Patient/{patient.pk}", "display": patient.display_name}
    assert goal["subject"] == goal["expressedBy"]
    assert goal["priority"] == {
        "extension": [
            {"url": "https://tandem.example/fhir/StructureDefinition/goal-rank", "valueInteger": 1}
        ],
        "text": "1",
    }
    assert goal["lifecycleStatus"] == "active"
    assert "security" not in goal["meta"]


def test_episode_of_care_names_the_primary_care_manager_and_its_history(
    records: Records, care_manager: User, api_as: ApiAs
) -> None:
    enrollment = records.enrollment

    episode = api_as(care_manager).get(f"/fhir/R4/EpisodeOfCare/{enrollment.pk}").json()

    assert episode["status"] == "active"
    assert episode["careManager"] == {
        "reference": f"Practitioner/{care_manager.pk}",
        "display": str(care_manager),
    }
    # make_enrollment walked referred -> outreach -> active; the pipeline stamps each move.
    assert [item["status"] for item in episode["statusHistory"]] == ["waitlist", "planned", "active"]
    assert "end" not in episode["statusHistory"][-1]["period"]
    assert {
        "url": "https://tandem.example/fhir/StructureDefinition/tandem-status",
        "valueCode": "active",
    } in episode["extension"]
    assert {
        "url": "https://tandem.example/fhir/StructureDefinition/phase",
        "valueCoding": {
            "system": "https://tandem.example/fhir/CodeSystem/phase",
            "code": "engagement",
            "display": "Engagement (building trust)",
        },
    } in episode["extension"]
    assert episode["team"] == [{"reference": f"CareTeam/{enrollment.pk}"}]


# Search -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", TYPES)
def test_search_by_patient_finds_the_record_and_another_team_finds_nothing(
    resource_type: str,
    records: Records,
    enrollment_other_team: Enrollment,
    care_manager: User,
    care_manager_other_team: User,
    api_as: ApiAs,
) -> None:
    records_for(enrollment_other_team, care_manager_other_team)
    patient_id = records.enrollment.patient_id
    by_patient = "_id" if resource_type == "Patient" else "patient"

    mine = api_as(care_manager).get(f"/fhir/R4/{resource_type}?{by_patient}={patient_id}")
    theirs = api_as(care_manager_other_team).get(f"/fhir/R4/{resource_type}?{by_patient}={patient_id}")
    everything_theirs = api_as(care_manager_other_team).get(f"/fhir/R4/{resource_type}?_count=200")

    assert mine.status_code == 200
    assert mine["Content-Type"] == FHIR_JSON
    assert records.id_of(resource_type) in search_ids(mine.json())
    assert theirs.json()["total"] == 0
    assert search_ids(theirs.json()) == []
    assert records.id_of(resource_type) not in search_ids(everything_theirs.json())
    assert everything_theirs.json()["total"] >= 1


def test_status_filters_goals(records: Records, care_manager: User, api_as: ApiAs) -> None:
    achieved = GoalFactory(
        care_plan=records.plan,
        status=GoalStatus.ACHIEVED,
        achieved_on=datetime.date(2026, 1, 5),
    )
    client = api_as(care_manager)

    completed = client.get("/fhir/R4/Goal?status=completed").json()
    open_goals = client.get("/fhir/R4/Goal?status=active,proposed").json()
    on_hold = client.get("/fhir/R4/Goal?status=on-hold").json()

    assert (completed["total"], search_ids(completed)) == (1, [str(achieved.pk)])
    assert (open_goals["total"], search_ids(open_goals)) == (1, [str(records.goal.pk)])
    assert on_hold["total"] == 0


def test_status_filters_steps_and_referrals(records: Records, care_manager: User, api_as: ApiAs) -> None:
    done = StepFactory(goal=records.goal, completed_on=datetime.date(2026, 1, 5))
    client = api_as(care_manager)

    completed = client.get("/fhir/R4/Task?status=completed").json()
    ready = client.get("/fhir/R4/Task?status=ready").json()
    active_requests = client.get("/fhir/R4/ServiceRequest?status=active").json()
    completed_requests = client.get("/fhir/R4/ServiceRequest?status=completed").json()

    assert search_ids(completed) == [str(done.pk)]
    assert search_ids(ready) == [str(records.step.pk)]
    assert search_ids(active_requests) == [f"out-{records.referral_out.pk}"]
    assert search_ids(completed_requests) == [f"in-{records.enrollment.referral.pk}"]


def test_status_filters_contacts(records: Records, care_manager: User, api_as: ApiAs) -> None:
    client = api_as(care_manager)

    assert search_ids(client.get("/fhir/R4/Encounter?status=finished").json()) == [str(records.reached.pk)]
    assert search_ids(client.get("/fhir/R4/Encounter?status=finished,planned").json()) == [
        str(records.reached.pk)
    ]
    assert client.get("/fhir/R4/Encounter?status=planned").json()["total"] == 0
    assert search_ids(client.get("/fhir/R4/Communication?status=not-done").json()) == [
        str(records.attempt.pk)
    ]
    assert client.get("/fhir/R4/Communication?status=completed").json()["total"] == 0


def test_status_filters_episodes(records: Records, care_manager: User, api_as: ApiAs) -> None:
    client = api_as(care_manager)

    assert search_ids(client.get("/fhir/R4/EpisodeOfCare?status=active").json()) == [
        str(records.enrollment.pk)
    ]
    assert client.get("/fhir/R4/EpisodeOfCare?status=finished").json()["total"] == 0


def test_last_updated_filters_by_when_the_record_changed(
    enrollment: Enrollment, care_manager: User, api_as: ApiAs, time_machine: time_machine.TimeMachineFixture
) -> None:
    time_machine.move_to(datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    old = GoalFactory(care_plan=plan)
    time_machine.move_to(datetime.datetime(2026, 2, 1, 12, tzinfo=datetime.UTC), tick=False)
    new = GoalFactory(care_plan=plan)
    client = api_as(care_manager)

    after = client.get("/fhir/R4/Goal?_lastUpdated=gt2026-01-01").json()
    before = client.get("/fhir/R4/Goal?_lastUpdated=lt2026-01-01").json()
    between = client.get(
        "/fhir/R4/Goal?_lastUpdated=ge2025-06-01T12:00:00Z&_lastUpdated=lt2026-02-01T12:00:00Z"
    ).json()

    assert (after["total"], search_ids(after)) == (1, [str(new.pk)])
    assert (before["total"], search_ids(before)) == (1, [str(old.pk)])
    assert search_ids(between) == [str(old.pk)]
    assert search_ids(client.get("/fhir/R4/Goal?_lastUpdated=2026-02-01").json()) == [str(new.pk)]
    assert client.get("/fhir/R4/Goal?_lastUpdated=eq2026-01-31").json()["total"] == 0
    assert after["entry"][0]["resource"]["meta"]["lastUpdated"] == "2026-02-01T12:00:00+00:00"


def test_search_pages_with_count_and_links(enrollment: Enrollment, care_manager: User, api_as: ApiAs) -> None:
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    goals = [GoalFactory(care_plan=plan) for _ in range(3)]
    client = api_as(care_manager)

    first = client.get("/fhir/R4/Goal?_count=2").json()
    links = {link["relation"]: link["url"] for link in first["link"]}
    second = client.get(links["next"]).json()

    assert (first["total"], search_ids(first)) == (3, [str(goals[0].pk), str(goals[1].pk)])
    assert links["next"] == "http://testserver/fhir/R4/Goal?_count=2&_offset=2"
    assert search_ids(second) == [str(goals[2].pk)]
    assert "next" not in {link["relation"] for link in second["link"]}


@pytest.mark.parametrize(
    "url",
    [
        "/fhir/R4/Goal?colour=blue",
        "/fhir/R4/Goal?status=finished",
        "/fhir/R4/Goal?_lastUpdated=yesterday",
        "/fhir/R4/Goal?_lastUpdated=gt2026-01-01T09:00:00",
        "/fhir/R4/Goal?_count=0",
        "/fhir/R4/Goal?_count=%C2%B2",  # "²" is a digit to str.isdigit, not to int()
        "/fhir/R4/Goal?_lastUpdated=2026-02-30",
        "/fhir/R4/Goal?_lastUpdated=gt9999-12-31",
        "/fhir/R4/Goal?_lastUpdated=lt9999-12-31T23:00:00-05:00",
        "/fhir/R4/Goal?patient=Group/1",
        "/fhir/R4/Goal?patient=%C2%B2",
        "/fhir/R4/Patient?_id=%C2%B2",
        "/fhir/R4/Patient?status=active",
        "/fhir/R4/RelatedPerson?status=active",
    ],
)
def test_a_bad_search_parameter_answers_400(url: str, care_manager: User, api_as: ApiAs) -> None:
    response = api_as(care_manager).get(url)

    assert response.status_code == 400
    assert response["Content-Type"] == FHIR_JSON
    assert issue_code(response) == "invalid"


@pytest.mark.parametrize("url", ["/fhir/R4/Goal/%C2%B2", "/fhir/R4/Patient/%C2%B2/$everything"])
def test_an_id_that_is_not_a_number_answers_404(url: str, care_manager: User, api_as: ApiAs) -> None:
    response = api_as(care_manager).get(url)

    assert response.status_code == 404
    assert issue_code(response) == "not-found"


def test_an_unknown_type_answers_404(care_manager: User, api_as: ApiAs) -> None:
    response = api_as(care_manager).get("/fhir/R4/Observation")

    assert response.status_code == 404
    assert issue_code(response) == "not-found"


# Auth, metadata, throttles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/fhir/R4/Patient", "/fhir/R4/Goal/1", "/fhir/R4/Patient/1/$everything"],
    ids=["search", "read", "all"],
)
def test_without_credentials_answers_401(url: str, api_as: ApiAs) -> None:
    response = api_as(None).get(url)

    assert response.status_code == 401
    assert response["Content-Type"] == FHIR_JSON
    assert issue_code(response) == "login"


def test_a_token_reads_and_a_revoked_one_does_not(
    records: Records, make_token: Any, program_admin: User
) -> None:
    token, key = make_token()

    found = token_client(key).get(f"/fhir/R4/Patient/{records.enrollment.patient_id}")
    api_token_revoke(token=token, acting_user=program_admin)
    refused = token_client(key).get(f"/fhir/R4/Patient/{records.enrollment.patient_id}")

    assert found.status_code == 200
    assert refused.status_code == 401


def test_metadata_is_public_and_lists_exactly_what_is_served(api_as: ApiAs) -> None:
    response = api_as(None).get("/fhir/R4/metadata")
    statement = response.json()

    assert response.status_code == 200
    assert response["Content-Type"] == FHIR_JSON
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    resources = statement["rest"][0]["resource"]
    assert [resource["type"] for resource in resources] == [
        "Patient",
        "EpisodeOfCare",
        "CareTeam",
        "CarePlan",
        "Goal",
        "Task",
        "Encounter",
        "Communication",
        "ServiceRequest",
        "RelatedPerson",
    ]
    assert all(
        resource["interaction"] == [{"code": "read"}, {"code": "search-type"}] for resource in resources
    )
    assert resources[0]["operation"] == [
        {"name": "everything", "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything"}
    ]
    goal_parameters = {parameter["name"] for parameter in resources[4]["searchParam"]}
    assert goal_parameters == {"_lastUpdated", "patient", "status"}


def test_everything_is_throttled_as_an_export(
    records: Records, care_manager: User, api_as: ApiAs, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"export": "2/min"})
    cache.clear()
    client = api_as(care_manager)
    url = f"/fhir/R4/Patient/{records.enrollment.patient_id}/$everything"

    statuses = [client.get(url).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert issue_code(client.get(url)) == "throttled"
    cache.clear()


# $everything and Part 2 ------------------------------------------------------------------------------


def test_everything_returns_the_whole_record(records: Records, care_manager: User, api_as: ApiAs) -> None:
    response = api_as(care_manager).get(f"/fhir/R4/Patient/{records.enrollment.patient_id}/$everything")
    bundle = response.json()

    assert response.status_code == 200
    assert bundle["type"] == "searchset"
    found = sorted((entry["resource"]["resourceType"], entry["resource"]["id"]) for entry in bundle["entry"])
    referral_in = f"in-{records.enrollment.referral.pk}"
    assert found == sorted(
        [(resource_type, records.id_of(resource_type)) for resource_type in TYPES]
        + [("ServiceRequest", referral_in)]
    )
    assert bundle["entry"][0]["search"] == {"mode": "match"}
    assert "meta" not in bundle


def test_everything_for_another_teams_patient_answers_404(
    records: Records, care_manager_other_team: User, api_as: ApiAs
) -> None:
    response = api_as(care_manager_other_team).get(
        f"/fhir/R4/Patient/{records.enrollment.patient_id}/$everything"
    )

    assert response.status_code == 404
    assert issue_code(response) == "not-found"


@pytest.fixture
def part2_records(records: Records, care_manager: User) -> tuple[Contact, Goal]:
    """A Part 2 contact, and a goal that came of the substance-use part of the assessment."""
    contact = ContactFactory(enrollment=records.enrollment, made_by=care_manager, is_part2=True)
    domain = AssessmentDomain.objects.create(
        enrollment=records.enrollment,
        domain=AssessmentDomainKind.SUBSTANCE_USE,
        is_part2=True,
        assessed_on=records.enrollment.referred_on,
        assessed_by=care_manager,
    )
    goal = GoalFactory(care_plan=records.plan, from_assessment=domain)
    return contact, goal


def consent_to_disclose(enrollment: Enrollment) -> Consent:
    return Consent.objects.create(
        patient=enrollment.patient,
        kind=ConsentKind.SUBSTANCE_USE_DISCLOSURE,
        recipient="Synthetic Health System",
        purpose="Treatment",
        given_on=datetime.date(2025, 1, 1),
        expires_on=datetime.date(2099, 1, 1),
    )


def test_part2_records_stay_in_without_consent(
    records: Records, part2_records: tuple[Contact, Goal], care_manager: User, api_as: ApiAs
) -> None:
    contact, goal = part2_records
    client = api_as(care_manager)

    assert client.get(f"/fhir/R4/Encounter/{contact.pk}").status_code == 404
    assert client.get(f"/fhir/R4/Goal/{goal.pk}").status_code == 404
    assert search_ids(client.get("/fhir/R4/Encounter").json()) == [str(records.reached.pk)]
    assert search_ids(client.get("/fhir/R4/Goal").json()) == [str(records.goal.pk)]
    plan = client.get(f"/fhir/R4/CarePlan/{records.plan.pk}").json()
    assert plan["goal"] == [{"reference": f"Goal/{records.goal.pk}"}]
    bundle = client.get(f"/fhir/R4/Patient/{records.enrollment.patient_id}/$everything").json()
    withheld = [entry["resource"] for entry in bundle["entry"] if entry["search"]["mode"] == "outcome"]
    assert len(withheld) == 1
    assert withheld[0]["issue"][0]["severity"] == "information"
    assert withheld[0]["issue"][0]["code"] == "suppressed"
    assert withheld[0]["issue"][0]["details"]["text"].startswith("2 record(s) protected by 42 CFR Part 2")


def test_part2_records_leave_with_consent_to_the_care_team_labelled(
    records: Records, part2_records: tuple[Contact, Goal], care_manager: User, api_as: ApiAs
) -> None:
    contact, goal = part2_records
    consent_to_disclose(records.enrollment)
    client = api_as(care_manager)

    encounter = client.get(f"/fhir/R4/Encounter/{contact.pk}").json()
    searched = client.get(f"/fhir/R4/Goal?patient={records.enrollment.patient_id}").json()

    assert encounter["meta"]["security"] == [PART2_SECURITY]
    assert {"url": NOTICE_EXTENSION, "valueString": REDISCLOSURE_NOTICE} in encounter["extension"]
    assert search_ids(searched) == [str(records.goal.pk), str(goal.pk)]
    assert searched["meta"]["security"] == [PART2_SECURITY]
    notice = searched["entry"][0]
    assert notice["search"] == {"mode": "outcome"}
    assert notice["resource"]["issue"][0]["details"]["text"] == REDISCLOSURE_NOTICE


def test_part2_records_stay_in_for_a_supervisor_off_the_care_team_even_with_consent(
    records: Records, part2_records: tuple[Contact, Goal], supervisor: User, api_as: ApiAs
) -> None:
    contact, _goal = part2_records
    consent_to_disclose(records.enrollment)

    assert api_as(supervisor).get(f"/fhir/R4/Encounter/{records.reached.pk}").status_code == 200
    assert api_as(supervisor).get(f"/fhir/R4/Encounter/{contact.pk}").status_code == 404


# Access events ---------------------------------------------------------------------------------------


def test_every_read_search_and_everything_writes_one_export_event_per_patient(
    records: Records, enrollment_other_team: Enrollment, program_admin: User, api_as: ApiAs
) -> None:
    records_for(enrollment_other_team, program_admin)
    GoalFactory(care_plan=records.plan)
    client = api_as(program_admin)
    patient_id = records.enrollment.patient_id

    client.get("/fhir/R4/Goal")
    searched = list(AccessEvent.objects.order_by("patient_id").values_list("patient_id", "action", "route"))
    client.get(f"/fhir/R4/Goal/{records.goal.pk}")
    client.get(f"/fhir/R4/Patient/{patient_id}/$everything")
    client.get("/fhir/R4/Goal/999999")

    assert searched == [
        (patient_id, AccessAction.EXPORT, "/fhir/R4/Goal"),
        (enrollment_other_team.patient_id, AccessAction.EXPORT, "/fhir/R4/Goal"),
    ]
    later = list(
        AccessEvent.objects.exclude(route="/fhir/R4/Goal")
        .order_by("pk")
        .values_list("patient_id", "enrollment_id", "action", "object_type", "object_id")
    )
    assert later == [
        (patient_id, records.enrollment.pk, AccessAction.EXPORT, "Goal", records.goal.pk),
        (patient_id, None, AccessAction.EXPORT, "Patient/$everything", patient_id),
    ]
