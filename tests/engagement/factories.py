"""Factories for contacts, life events, check-ins and success moments."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from engagement.models import (
    CheckIn,
    CheckInKind,
    Contact,
    ContactMode,
    LifeEvent,
    LifeEventKind,
    LifeEventSource,
    SuccessKind,
    SuccessMoment,
)
from tests.accounts.factories import UserFactory
from tests.patients.factories import EnrollmentFactory, PatientFactory


class ContactFactory(DjangoModelFactory[Contact]):
    """A reached phone contact by default; pass `is_reached=False` for an attempt."""

    class Meta:
        model = Contact

    enrollment = factory.SubFactory(EnrollmentFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    made_by = factory.SubFactory(UserFactory, program=factory.SelfAttribute("..enrollment.program"))
    mode = ContactMode.PHONE
    is_reached = True
    duration_minutes = 20
    engagement_methods = factory.LazyFunction(list)
    note = "Synthetic note: talked through the week ahead."


class LifeEventFactory(DjangoModelFactory[LifeEvent]):
    """An emergency department visit. The patient follows the enrolment when one is given."""

    class Meta:
        model = LifeEvent

    enrollment = None
    patient = factory.Maybe(
        "enrollment",
        yes_declaration=factory.SelfAttribute("enrollment.patient"),
        no_declaration=factory.SubFactory(PatientFactory),
    )
    kind = LifeEventKind.ED_VISIT
    # Today in the program's calendar, as the services date things (not the test's UTC day).
    occurred_on = factory.LazyAttribute(lambda event: event.patient.program.today())
    facility = "Example Test Hospital"
    source = LifeEventSource.CARE_TEAM


class CheckInFactory(DjangoModelFactory[CheckIn]):
    class Meta:
        model = CheckIn

    enrollment = factory.SubFactory(EnrollmentFactory)
    occurred_on = factory.LazyAttribute(lambda check_in: check_in.enrollment.program.today())
    kind = CheckInKind.ROUTINE
    confidence = 6
    recorded_by = factory.SubFactory(UserFactory, program=factory.SelfAttribute("..enrollment.program"))


class SuccessMomentFactory(DjangoModelFactory[SuccessMoment]):
    class Meta:
        model = SuccessMoment

    enrollment = factory.SubFactory(EnrollmentFactory)
    occurred_on = factory.LazyAttribute(lambda moment: moment.enrollment.program.today())
    kind = SuccessKind.TRUST
    description = "Called back on their own to say the appointment went well."
    recorded_by = factory.SubFactory(UserFactory, program=factory.SelfAttribute("..enrollment.program"))
