"""FHIR R4 shapes of the patients app's records, as plain dicts (docs/fhir.md has the tables).

Patient, EpisodeOfCare (an enrolment), CareTeam (an enrolment's care team), RelatedPerson (community
supports and trusted people) and ServiceRequest (referrals in, `in-<id>`, and out, `out-<id>`). The
helpers every app's mapping shares live here too, since patients is the lowest app that has a mapping.
Callers pass records they read through patients.access; these functions never query.
"""

import datetime
import html
from collections.abc import Iterable, Mapping
from typing import Any

from accounts.models import User
from patients.models import (
    CareTeamMember,
    CommunitySupport,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Referral,
    ReferralOut,
    ReferralOutStatus,
    Urgency,
)

Resource = dict[str, Any]

STRUCTURE_DEFINITION = "https://tandem.example/fhir/StructureDefinition/"
CODE_SYSTEM = "https://tandem.example/fhir/CodeSystem/"
# Our own status word, kept beside the FHIR status wherever the FHIR value set is coarser than ours.
STATUS_EXTENSION = f"{STRUCTURE_DEFINITION}tandem-status"
PHASE_EXTENSION = f"{STRUCTURE_DEFINITION}phase"
PRONOUNS_EXTENSION = f"{STRUCTURE_DEFINITION}pronouns"
TRUSTED_EXTENSION = f"{STRUCTURE_DEFINITION}trusted-to-involve"
NOTICE_EXTENSION = f"{STRUCTURE_DEFINITION}redisclosure-notice"
INTERPRETER_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired"
GENDER_IDENTITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-genderIdentity"

PART2_SECURITY = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
    "code": "42CFRPart2",
    "display": "42 CFR Part2",
}
# 42 CFR 2.32(a)(1), the statement that must accompany a disclosure made with the patient's consent.
REDISCLOSURE_NOTICE = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony that "
    "describes the information contained in this record, in any civil, criminal, administrative, or "
    "legislative proceedings by any Federal, State, or local authority, against the patient, unless "
    "authorized by the consent of the patient, except as provided at 42 CFR 2.12(c)(5) or as authorized by "
    "a court in accordance with 42 CFR 2.64 or 2.65. In addition, the Federal rules prohibit you from "
    "making any other use or disclosure of this record unless at least one of the following applies: "
    "(i) Further use or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. (ii) You "
    "are a covered entity or business associate and have received the record for treatment, payment, or "
    "health care operations, or (iii) You have received the record from a covered entity or business "
    "associate as permitted by 45 CFR part 164, subparts A and E. A general authorization for the release "
    "of medical or other information is NOT sufficient to meet the required elements of written consent "
    "to further use or redisclose the record (see 42 CFR 2.31)."
)

# The pipeline in EpisodeOfCare's words. Outreach is "planned": a care manager is trying to reach the
# person, who has not yet agreed to take part; maintenance is still care, at a lower intensity.
EPISODE_STATUS = {
    EnrollmentStatus.REFERRED: "waitlist",
    EnrollmentStatus.SCREENING: "planned",
    EnrollmentStatus.OUTREACH: "planned",
    EnrollmentStatus.ACTIVE: "active",
    EnrollmentStatus.MAINTENANCE: "active",
    EnrollmentStatus.GRADUATED: "finished",
    EnrollmentStatus.DISENROLLED: "finished",
    EnrollmentStatus.DECLINED: "cancelled",
    EnrollmentStatus.NOT_A_FIT: "cancelled",
}
# A referral in is open while the person is referred or screened, done once they are taken on.
REFERRAL_IN_STATUS = {
    EnrollmentStatus.REFERRED: "active",
    EnrollmentStatus.SCREENING: "active",
    EnrollmentStatus.OUTREACH: "completed",
    EnrollmentStatus.ACTIVE: "completed",
    EnrollmentStatus.MAINTENANCE: "completed",
    EnrollmentStatus.GRADUATED: "completed",
    EnrollmentStatus.DISENROLLED: "completed",
    EnrollmentStatus.DECLINED: "revoked",
    EnrollmentStatus.NOT_A_FIT: "revoked",
}
REFERRAL_OUT_STATUS = {
    ReferralOutStatus.SENT: "active",
    ReferralOutStatus.ACCEPTED: "active",
    ReferralOutStatus.IN_PROGRESS: "active",
    ReferralOutStatus.DELIVERED: "completed",
    ReferralOutStatus.DECLINED: "revoked",
    ReferralOutStatus.COULD_NOT_CONTACT: "revoked",
}
REQUEST_PRIORITY = {Urgency.ROUTINE: "routine", Urgency.SOON: "urgent", Urgency.URGENT: "asap"}
GENDER = {"woman": "female", "female": "female", "man": "male", "male": "male"}
REFERRAL_CATEGORY = {"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}


# Shared helpers ----------------------------------------------------------------------------------


def compact(value: Any) -> Any:
    """Drop empty strings, None and empty lists or objects: FHIR forbids empty elements."""
    if isinstance(value, Mapping):
        kept = {key: compact(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        kept_items = [compact(item) for item in value]
        return [item for item in kept_items if item not in (None, "", [], {})]
    return value


def instant(moment: datetime.datetime | datetime.date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def reference(resource_type: str, resource_id: object, display: str = "") -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}", "display": display}


def patient_reference(patient: Patient) -> dict[str, str]:
    return reference("Patient", patient.pk, patient.display_name)


def practitioner(user: User | None) -> dict[str, str] | None:
    """Staff are referenced as Practitioner/<user id> with their name; Practitioner is not served."""
    if user is None:
        return None
    return reference("Practitioner", user.pk, str(user))


def coding(kind: str, code: str, display: str = "") -> dict[str, str]:
    """A code from one of Tandem's own code systems (https://tandem.example/fhir/CodeSystem/<kind>)."""
    return {"system": f"{CODE_SYSTEM}{kind}", "code": code, "display": display}


def status_extension(code: str) -> dict[str, str]:
    return {"url": STATUS_EXTENSION, "valueCode": code}


def meta(stamp: datetime.datetime | datetime.date | None) -> dict[str, Any]:
    """When the record last changed. A Part 2 record gets its security label from part2_labelled."""
    return {"lastUpdated": instant(stamp)}


def part2_labelled(resource: Resource) -> Resource:
    """A Part 2 record leaving with consent: the security label and the 42 CFR 2.32 notice on it."""
    resource.setdefault("meta", {}).setdefault("security", [])
    if PART2_SECURITY not in resource["meta"]["security"]:
        resource["meta"]["security"].append(PART2_SECURITY)
    resource.setdefault("extension", []).append({"url": NOTICE_EXTENSION, "valueString": REDISCLOSURE_NOTICE})
    return resource


def narrative(text: str) -> dict[str, str] | None:
    """Free text with no element of its own, as the resource's additional narrative."""
    if not text:
        return None
    return {
        "status": "additional",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml"><p>{html.escape(text)}</p></div>',
    }


# 42 CFR Part 2 ----------------------------------------------------------------------------------


# Patient ----------------------------------------------------------------------------------------


def patient_resource(patient: Patient) -> Resource:
    names = [{"use": "official", "family": patient.legal_last_name, "given": [patient.legal_first_name]}]
    if patient.preferred_name:
        names.append({"use": "usual", "family": patient.legal_last_name, "given": [patient.preferred_name]})
    gender = patient.gender.strip()
    return compact(
        {
            "resourceType": "Patient",
            "id": str(patient.pk),
            "meta": meta(patient.updated_at),
            "extension": [
                {"url": INTERPRETER_EXTENSION, "valueBoolean": patient.needs_interpreter},
                {"url": PRONOUNS_EXTENSION, "valueString": patient.pronouns},
                {"url": GENDER_IDENTITY_EXTENSION, "valueCodeableConcept": {"text": gender}}
                if gender
                else None,
            ],
            "identifier": [
                {
                    "use": "usual",
                    "type": {
                        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                    },
                    "system": f"https://tandem.example/fhir/program/{patient.program_id}/mrn",
                    "value": patient.mrn,
                }
                if patient.mrn
                else None
            ],
            "active": True,
            "name": names,
            "telecom": [
                {
                    "system": "phone",
                    "value": patient.phone,
                    "use": "mobile" if patient.can_receive_texts else None,
                }
                if patient.phone
                else None,
                {"system": "email", "value": patient.email} if patient.email else None,
            ],
            "gender": (GENDER.get(gender.lower(), "other") if gender else None),
            "birthDate": patient.date_of_birth.isoformat(),
            "address": [
                {"line": [patient.address_line], "city": patient.city, "postalCode": patient.postal_code}
                if patient.address_line or patient.city or patient.postal_code
                else None
            ],
            "communication": [{"language": {"text": patient.preferred_language}, "preferred": True}],
        }
    )


# EpisodeOfCare ----------------------------------------------------------------------------------


def status_history_of(events: Iterable[tuple[str, datetime.datetime]]) -> list[dict[str, Any]]:
    """Periods of each status the enrolment went through, from its history rows (status and the
    pipeline's status_changed_at) oldest first; the last period stays open."""
    runs: list[tuple[str, datetime.datetime]] = []
    for status, changed_at in events:
        if not runs or runs[-1] != (status, changed_at):
            runs.append((status, changed_at))
    history = []
    for index, (status, changed_at) in enumerate(runs):
        end = runs[index + 1][1] if index + 1 < len(runs) else None
        history.append(
            {
                "status": EPISODE_STATUS[EnrollmentStatus(status)],
                "period": {"start": instant(changed_at), "end": instant(end)},
            }
        )
    return history


def episode_of_care_resource(
    enrollment: Enrollment,
    *,
    primary: CareTeamMember | None,
    status_events: Iterable[tuple[str, datetime.datetime]],
) -> Resource:
    """`primary` is the current (or, for a closed episode, the last) primary care manager."""
    patient = enrollment.patient
    return compact(
        {
            "resourceType": "EpisodeOfCare",
            "id": str(enrollment.pk),
            "meta": meta(enrollment.updated_at),
            "extension": [
                status_extension(enrollment.status),
                {
                    "url": PHASE_EXTENSION,
                    "valueCoding": coding("phase", enrollment.phase, enrollment.get_phase_display()),
                },
            ],
            "status": EPISODE_STATUS[EnrollmentStatus(enrollment.status)],
            "statusHistory": status_history_of(status_events),
            "type": [{"coding": [coding("program", str(enrollment.program_id), enrollment.program.name)]}],
            "patient": patient_reference(patient),
            "managingOrganization": {"display": enrollment.program.name},
            "period": {"start": enrollment.referred_on.isoformat(), "end": instant(enrollment.ended_on)},
            "careManager": practitioner(primary.user) if primary is not None else None,
            "team": [reference("CareTeam", enrollment.pk)],
        }
    )


# CareTeam ---------------------------------------------------------------------------------------


def care_team_resource(enrollment: Enrollment, *, members: Iterable[CareTeamMember]) -> Resource:
    """One care team per enrolment (its id is the enrolment's), with past members and their periods."""
    patient = enrollment.patient
    participants = []
    for member in members:
        who = practitioner(member.user) if member.user_id is not None else {"display": member.name}
        participants.append(
            {
                "role": [
                    {
                        "coding": [coding("care-team-role", member.role, member.get_role_display())],
                        "text": "Primary care manager" if member.is_primary else member.get_role_display(),
                    }
                ],
                "member": who,
                "onBehalfOf": {"display": member.organization} if member.organization else None,
                "period": {"start": member.started_on.isoformat(), "end": instant(member.ended_on)},
            }
        )
    is_current = not enrollment.is_closed and any(member.ended_on is None for member in members)
    return compact(
        {
            "resourceType": "CareTeam",
            "id": str(enrollment.pk),
            "meta": meta(enrollment.updated_at),
            "status": "active" if is_current else "inactive",
            "name": f"Care team, {enrollment.program.name}",
            "subject": patient_reference(patient),
            "period": {"start": enrollment.referred_on.isoformat(), "end": instant(enrollment.ended_on)},
            "participant": participants,
            "managingOrganization": [{"display": enrollment.program.name}],
        }
    )


# RelatedPerson ----------------------------------------------------------------------------------


def related_person_resource(support: CommunitySupport) -> Resource:
    return compact(
        {
            "resourceType": "RelatedPerson",
            "id": str(support.pk),
            "meta": meta(support.updated_at),
            "extension": [{"url": TRUSTED_EXTENSION, "valueBoolean": support.is_trusted_to_involve}],
            "active": support.is_active,
            "patient": reference("Patient", support.patient_id),
            "relationship": [
                {
                    "coding": [coding("support-kind", support.kind, support.get_kind_display())],
                    "text": support.relationship or support.get_kind_display(),
                }
            ],
            "name": [{"text": support.name}],
            "telecom": [
                {"system": "phone", "value": support.phone} if support.phone else None,
                {"system": "email", "value": support.email} if support.email else None,
            ],
        }
    )


# ServiceRequest ---------------------------------------------------------------------------------

REFERRAL_IN_PREFIX = "in-"
REFERRAL_OUT_PREFIX = "out-"


def referral_in_resource(referral: Referral) -> Resource:
    """A referral to Tandem; its status follows the enrolment it opened."""
    enrollment = referral.enrollment
    patient = enrollment.patient
    referrer = ", ".join(part for part in (referral.referrer_name, referral.referrer_organization) if part)
    return compact(
        {
            "resourceType": "ServiceRequest",
            "id": f"{REFERRAL_IN_PREFIX}{referral.pk}",
            "meta": meta(referral.updated_at),
            "extension": [status_extension(enrollment.status)],
            "status": REFERRAL_IN_STATUS[EnrollmentStatus(enrollment.status)],
            "intent": "order",
            "category": [
                {"coding": [REFERRAL_CATEGORY]},
                {"coding": [coding("referral-source", referral.source, referral.get_source_display())]},
            ],
            "priority": REQUEST_PRIORITY[Urgency(referral.urgency)],
            "code": {"text": f"Referral to {enrollment.program.name}"},
            "subject": patient_reference(patient),
            "authoredOn": instant(referral.received_at),
            "requester": {"display": referrer} if referrer else None,
            "performer": [{"display": enrollment.program.name}],
            "reasonCode": [{"text": referral.reason}],
            "note": [
                {"text": f"What the person wants to work on: {referral.patient_priorities}"}
                if referral.patient_priorities
                else None,
                {"text": f"Screening decision: {referral.decision_note}"} if referral.decision_note else None,
            ],
        }
    )


def referral_out_resource(referral: ReferralOut) -> Resource:
    """A referral from Tandem to a service in the community directory."""
    enrollment = referral.enrollment
    patient = enrollment.patient
    resource = referral.resource
    return compact(
        {
            "resourceType": "ServiceRequest",
            "id": f"{REFERRAL_OUT_PREFIX}{referral.pk}",
            "meta": meta(referral.updated_at),
            "extension": [status_extension(referral.status)],
            "status": REFERRAL_OUT_STATUS[ReferralOutStatus(referral.status)],
            "intent": "order",
            "category": [
                {"coding": [REFERRAL_CATEGORY]},
                {"coding": [coding("resource-category", resource.category, resource.get_category_display())]},
            ],
            "code": {"text": f"Referral to {resource.name}"},
            "subject": patient_reference(patient),
            "authoredOn": referral.referred_on.isoformat(),
            "requester": practitioner(referral.referred_by),
            "performer": [{"display": resource.name}],
            "reasonCode": [{"text": referral.reason}] if referral.reason else None,
            "note": [{"text": referral.outcome_note}] if referral.outcome_note else None,
            "supportingInfo": [reference("EpisodeOfCare", enrollment.pk)],
        }
    )
