"""Reads of contacts and events. Callers pass an enrolment they got from patients.access."""

from django.db.models import QuerySet

from engagement.models import CheckIn, Contact, LifeEvent, SuccessMoment
from patients.models import Enrollment


def recent_contacts_of(*, enrollment: Enrollment, limit: int = 10) -> list[Contact]:
    return list(Contact.objects.filter(enrollment=enrollment).select_related("made_by")[:limit])


def contacts_of(*, enrollment: Enrollment) -> QuerySet[Contact]:
    return Contact.objects.filter(enrollment=enrollment)


def recent_check_ins_of(*, enrollment: Enrollment, limit: int = 6) -> list[CheckIn]:
    """The latest check-ins, oldest first, so a trend reads left to right."""
    latest = list(CheckIn.objects.filter(enrollment=enrollment, confidence__isnull=False)[:limit])
    return latest[::-1]


def recent_success_moments_of(*, enrollment: Enrollment, limit: int = 3) -> list[SuccessMoment]:
    return list(SuccessMoment.objects.filter(enrollment=enrollment)[:limit])


def recent_life_events_of(*, enrollment: Enrollment, limit: int = 5) -> list[LifeEvent]:
    """The person's latest life events, including those before this enrolment."""
    return list(LifeEvent.objects.filter(patient_id=enrollment.patient_id)[:limit])
