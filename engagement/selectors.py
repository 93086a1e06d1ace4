"""Reads of contacts and events. Callers pass an enrolment they got from patients.access."""

from django.db.models import QuerySet

from engagement.models import Contact
from patients.models import Enrollment


def recent_contacts_of(*, enrollment: Enrollment, limit: int = 10) -> list[Contact]:
    return list(Contact.objects.filter(enrollment=enrollment).select_related("made_by")[:limit])


def contacts_of(*, enrollment: Enrollment) -> QuerySet[Contact]:
    return Contact.objects.filter(enrollment=enrollment)
