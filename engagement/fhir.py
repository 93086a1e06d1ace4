"""FHIR R4 shapes of contacts: Encounter for a contact that reached the person, Communication for an
attempt that did not. A contact flagged `is_part2` is 42 CFR Part 2 content; callers decide whether
it may leave at all."""

import datetime

from django.db.models import Q

from engagement.models import Contact, ContactMode, EngagementMethod
from patients.fhir import (
    STRUCTURE_DEFINITION,
    Resource,
    coding,
    compact,
    instant,
    meta,
    narrative,
    patient_reference,
    practitioner,
    reference,
)

ENGAGEMENT_METHOD_EXTENSION = f"{STRUCTURE_DEFINITION}engagement-method"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_MODE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationMode"

ENCOUNTER_CLASS = {
    ContactMode.HOME: ("HH", "home health"),
    ContactMode.CLINIC: ("AMB", "ambulatory"),
    ContactMode.EMERGENCY_DEPARTMENT: ("EMER", "emergency"),
    ContactMode.HOSPITAL_BEDSIDE: ("IMP", "inpatient encounter"),
    ContactMode.STREET_SHELTER: ("FLD", "field"),
    ContactMode.ACCOMPANIED_APPOINTMENT: ("AMB", "ambulatory"),
    ContactMode.COMMUNITY: ("FLD", "field"),
    ContactMode.PHONE: ("VR", "virtual"),
    ContactMode.VIDEO: ("VR", "virtual"),
    ContactMode.TEXT: ("VR", "virtual"),
}
COMMUNICATION_MEDIUM = {
    ContactMode.PHONE: ("PHONE", "telephone"),
    ContactMode.VIDEO: ("VIDEOCONF", "videoconferencing"),
    ContactMode.TEXT: ("WRITTEN", "written"),
}
FACE_TO_FACE = ("FACE", "face-to-face")

CONTACT_PART2 = Q(is_part2=True)


def _mode(contact: Contact) -> dict[str, str]:
    return coding("contact-mode", contact.mode, contact.get_mode_display())


def _methods(contact: Contact) -> list[dict[str, object]]:
    return [
        {
            "url": ENGAGEMENT_METHOD_EXTENSION,
            "valueCoding": coding("engagement-method", method, EngagementMethod(method).label),
        }
        for method in contact.engagement_methods
    ]


def encounter_resource(contact: Contact) -> Resource:
    """A contact that reached the person. The note has no Encounter element: it is the narrative."""
    enrollment = contact.enrollment
    patient = enrollment.patient
    class_code, class_display = ENCOUNTER_CLASS[ContactMode(contact.mode)]
    end = (
        contact.occurred_at + datetime.timedelta(minutes=contact.duration_minutes)
        if contact.duration_minutes
        else None
    )
    return compact(
        {
            "resourceType": "Encounter",
            "id": str(contact.pk),
            "meta": meta(contact.created_at),
            "text": narrative(contact.note),
            "extension": _methods(contact),
            "status": "finished",
            "class": {"system": ACT_CODE, "code": class_code, "display": class_display},
            "type": [{"coding": [_mode(contact)]}],
            "subject": patient_reference(patient),
            "episodeOfCare": [reference("EpisodeOfCare", enrollment.pk)],
            "participant": [{"individual": practitioner(contact.made_by)}],
            "period": {"start": instant(contact.occurred_at), "end": instant(end)},
            "length": {
                "value": contact.duration_minutes,
                "unit": "min",
                "system": "http://unitsofmeasure.org",
                "code": "min",
            }
            if contact.duration_minutes
            else None,
        }
    )


def communication_resource(contact: Contact) -> Resource:
    """An attempt that did not reach the person: `not-done`, with why in `statusReason`."""
    enrollment = contact.enrollment
    patient = enrollment.patient
    medium_code, medium_display = COMMUNICATION_MEDIUM.get(ContactMode(contact.mode), FACE_TO_FACE)
    return compact(
        {
            "resourceType": "Communication",
            "id": str(contact.pk),
            "meta": meta(contact.created_at),
            "extension": _methods(contact),
            "status": "not-done",
            "statusReason": {"text": "The person was not reached"},
            "medium": [
                {
                    "coding": [
                        {"system": PARTICIPATION_MODE, "code": medium_code, "display": medium_display},
                        _mode(contact),
                    ]
                }
            ],
            "subject": patient_reference(patient),
            "about": [reference("EpisodeOfCare", enrollment.pk)],
            "sent": instant(contact.occurred_at),
            "recipient": [patient_reference(patient)],
            "sender": practitioner(contact.made_by),
            "note": [{"text": contact.note}] if contact.note else None,
        }
    )
