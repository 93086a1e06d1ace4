"""Factories for the computed caseload picture."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from caseloads.models import CaseloadStatus, IntensityLevel
from tests.patients.factories import EnrollmentFactory


class CaseloadStatusFactory(DjangoModelFactory[CaseloadStatus]):
    """A medium-intensity status with no override; the team's level follows the recommendation."""

    class Meta:
        model = CaseloadStatus

    enrollment = factory.SubFactory(EnrollmentFactory)
    recommended_level = IntensityLevel.MEDIUM
    current_level = factory.SelfAttribute("recommended_level")
    computed_at = factory.LazyFunction(timezone.now)
