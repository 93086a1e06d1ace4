"""Every FHIR resource Tandem emits for a seeded demo program validates with fhir.resources (R4B).

fhir.resources checks structure, cardinality and data types but not the codes of required bindings,
so the status codes are checked here against their value sets too.
"""

import datetime
import importlib
import io
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Role, User
from engagement.models import Contact
from patients.fhir import NOTICE_EXTENSION, PART2_SECURITY, REDISCLOSURE_NOTICE
from patients.models import (
    CareTeamMember,
    CommunityResource,
    Consent,
    ConsentKind,
    Enrollment,
    EnrollmentStatus,
    Patient,
    ReferralOut,
    ReferralOutStatus,
)
from tests.api.conftest import ApiAs
from tests.engagement.factories import ContactFactory
from tests.patients.factories import CareTeamMemberFactory

pytestmark = pytest.mark.django_db

TODAY = "2025-06-15"
SEARCHED_TYPES = (
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
)
REQUIRED_CODES: dict[tuple[str, str], set[str]] = {
    ("Patient", "gender"): {"male", "female", "other", "unknown"},
    ("EpisodeOfCare", "status"): {"planned", "waitlist", "active", "onhold", "finished", "cancelled"},
    ("CareTeam", "status"): {"proposed", "active", "suspended", "inactive"},
    ("CarePlan", "status"): {"draft", "active", "on-hold", "revoked", "completed", "unknown"},
    ("CarePlan", "intent"): {"proposal", "plan", "order", "option"},
    ("Goal", "lifecycleStatus"): {
        "proposed",
        "planned",
        "accepted",
        "active",
        "on-hold",
        "completed",
        "cancelled",
        "rejected",
    },
    ("Task", "status"): {"draft", "requested", "received", "accepted", "ready", "cancelled", "completed"},
    ("Task", "intent"): {"unknown", "proposal", "plan", "order"},
    ("Encounter", "status"): {"planned", "arrived", "in-progress", "finished", "cancelled"},
    ("Communication", "status"): {"preparation", "in-progress", "not-done", "completed"},
    ("ServiceRequest", "status"): {"draft", "active", "on-hold", "revoked", "completed", "unknown"},
    ("ServiceRequest", "intent"): {"proposal", "plan", "order"},
    ("ServiceRequest", "priority"): {"routine", "urgent", "asap", "stat"},
    ("Bundle", "type"): {"searchset", "collection"},
}


def model_for(resource_type: str) -> Any:
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


class Validator:
    def __init__(self) -> None:
        self.validated: Counter[str] = Counter()

    def check(self, resource: dict[str, Any]) -> None:
        resource_type = resource["resourceType"]
        label = f"{resource_type}/{resource.get('id', '(no id)')}"
        try:
            model_for(resource_type).model_validate(resource)
        except Exception as error:
            pytest.fail(f"{label} is not valid FHIR R4: {error}")
        for (of_type, element), codes in REQUIRED_CODES.items():
            if of_type == resource_type and element in resource:
                assert resource[element] in codes, f"{label}: {element}={resource[element]!r}"
        self.validated[resource_type] += 1

    def check_bundle(self, bundle: dict[str, Any]) -> list[dict[str, Any]]:
        self.check(bundle)
        resources = [entry["resource"] for entry in bundle.get("entry", [])]
        for resource in resources:
            self.check(resource)
        return resources


def fetch_all(client: APIClient, url: str, validator: Validator) -> list[dict[str, Any]]:
    """Every page of a search, following the Bundle's next links."""
    resources: list[dict[str, Any]] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/fhir+json"
        bundle = response.json()
        resources += validator.check_bundle(bundle)
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), "")
    return resources


def test_every_resource_of_a_seeded_demo_program_validates(api_as: ApiAs) -> None:
    call_command("seed_demo", f"--today={TODAY}", "--patients=20", stdout=io.StringIO())
    admin = User.objects.filter(role=Role.PROGRAM_ADMIN).order_by("pk").first()
    assert admin is not None
    # One person in care with a Part 2 contact and a current consent to disclose it, seen by their
    # primary care manager; and a Part 2 contact of someone without that consent.
    in_care = list(
        Enrollment.objects.filter(status=EnrollmentStatus.ACTIVE).select_related("patient").order_by("pk")[:2]
    )
    consented, not_consented = in_care
    primary = CareTeamMember.objects.get(enrollment=consented, is_primary=True, ended_on__isnull=True).user
    with_consent = ContactFactory(
        enrollment=consented, made_by=primary, is_part2=True, note="Synthetic Part 2 note."
    )
    # On the second person's care team too, so only the missing consent keeps their Part 2 contact in.
    CareTeamMemberFactory(enrollment=not_consented, user=primary, started_on=not_consented.referred_on)
    without_consent = ContactFactory(enrollment=not_consented, made_by=primary, is_part2=True)
    Consent.objects.create(
        patient=consented.patient,
        kind=ConsentKind.SUBSTANCE_USE_DISCLOSURE,
        recipient="Synthetic Health System",
        purpose="Treatment",
        given_on=datetime.date(2025, 1, 1),
        expires_on=datetime.date(2099, 1, 1),
    )
    # The demo refers nobody out; two referrals out, one open and one closed, cover that mapping.
    resource = CommunityResource.objects.order_by("pk").first()
    assert resource is not None
    ReferralOut.objects.create(
        enrollment=consented,
        resource=resource,
        reason="Synthetic reason",
        referred_on=consented.referred_on,
        referred_by=primary,
    )
    ReferralOut.objects.create(
        enrollment=not_consented,
        resource=resource,
        referred_on=not_consented.referred_on,
        referred_by=primary,
        status=ReferralOutStatus.DELIVERED,
        closed_on=not_consented.referred_on,
        outcome_note="Synthetic outcome",
    )
    Consent.objects.filter(patient=not_consented.patient, kind=ConsentKind.SUBSTANCE_USE_DISCLOSURE).delete()
    validator = Validator()

    admin_client = api_as(admin)
    validator.check(admin_client.get("/fhir/R4/metadata").json())
    for resource_type in SEARCHED_TYPES:
        found = fetch_all(admin_client, f"/fhir/R4/{resource_type}?_count=200", validator)
        assert found, f"the demo program has no {resource_type}"
    patients = list(Patient.objects.filter(enrollments__isnull=False).distinct().order_by("pk"))
    assert len(patients) == 20
    for patient in patients:
        response = admin_client.get(f"/fhir/R4/Patient/{patient.pk}/$everything")
        assert response.status_code == 200, response.content
        validator.check_bundle(response.json())

    # The admin is on nobody's care team: no Part 2 record leaves for them.
    admin_ids = {
        resource["id"] for resource in fetch_all(admin_client, "/fhir/R4/Encounter?_count=200", Validator())
    }
    assert str(with_consent.pk) not in admin_ids
    assert str(without_consent.pk) not in admin_ids

    # The primary care manager takes out the consented person's Part 2 contact, labelled and with the
    # notice; the other person's stays in.
    manager_client = api_as(primary)
    bundle = manager_client.get(f"/fhir/R4/Patient/{consented.patient_id}/$everything").json()
    resources = validator.check_bundle(bundle)
    part2 = [
        resource
        for resource in resources
        if resource["resourceType"] == "Encounter" and resource["id"] == str(with_consent.pk)
    ]
    assert len(part2) == 1
    assert part2[0]["meta"]["security"] == [PART2_SECURITY]
    assert {"url": NOTICE_EXTENSION, "valueString": REDISCLOSURE_NOTICE} in part2[0]["extension"]
    assert bundle["meta"]["security"] == [PART2_SECURITY]
    assert bundle["entry"][0]["resource"]["issue"][0]["details"]["text"] == REDISCLOSURE_NOTICE

    bundle = manager_client.get(f"/fhir/R4/Patient/{not_consented.patient_id}/$everything")
    resources = validator.check_bundle(bundle.json())
    assert str(without_consent.pk) not in {r["id"] for r in resources if r["resourceType"] == "Encounter"}
    outcomes = [r for r in resources if r["resourceType"] == "OperationOutcome"]
    assert any(issue["code"] == "suppressed" for outcome in outcomes for issue in outcome["issue"])
    assert Contact.objects.filter(is_part2=True).count() >= 2

    counts = dict(sorted(validator.validated.items()))
    print(f"validated {sum(validator.validated.values())} resources: {counts}")
    assert set(validator.validated) >= {*SEARCHED_TYPES, "Bundle", "CapabilityStatement", "OperationOutcome"}
