"""Contact, life event, check-in and success moment rules that the database enforces."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from engagement.models import (
    MAX_CONTACT_MINUTES,
    CheckIn,
    Contact,
    EngagementMethod,
    LifeEvent,
    SuccessMoment,
)
from tests.engagement.factories import (
    CheckInFactory,
    ContactFactory,
    LifeEventFactory,
    SuccessMomentFactory,
)
from tests.patients.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


class TestContact:
    def test_engagement_methods_must_be_known_values(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="contact_engagement_methods_valid"), transaction.atomic():
            ContactFactory(
                enrollment=enrollment,
                engagement_methods=[EngagementMethod.TEACH_BACK, "mind_reading"],
            )

        assert Contact.objects.filter(enrollment=enrollment).exists() is False

    def test_known_engagement_methods_are_stored(self) -> None:
        contact = ContactFactory(
            engagement_methods=[EngagementMethod.MOTIVATIONAL_INTERVIEWING, EngagementMethod.PRACTICAL_HELP]
        )

        contact.refresh_from_db()
        assert contact.engagement_methods == ["motivational_interviewing", "practical_help"]

    def test_a_contact_lasts_at_most_a_day(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="contact_duration_within_a_day"), transaction.atomic():
            ContactFactory(enrollment=enrollment, duration_minutes=MAX_CONTACT_MINUTES + 1)

        assert Contact.objects.filter(enrollment=enrollment).exists() is False

    def test_an_unknown_mode_is_refused(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="contact_mode_valid"), transaction.atomic():
            ContactFactory(enrollment=enrollment, mode="carrier_pigeon")

        assert Contact.objects.filter(enrollment=enrollment).exists() is False


class TestCheckIn:
    def test_confidence_above_ten_is_refused(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="check_in_confidence_0_10"), transaction.atomic():
            CheckInFactory(enrollment=enrollment, confidence=11)

        assert CheckIn.objects.filter(enrollment=enrollment).exists() is False

    @pytest.mark.parametrize("confidence", [0, 10, None])
    def test_confidence_from_zero_to_ten_or_not_asked_is_stored(self, confidence: int | None) -> None:
        check_in = CheckInFactory(confidence=confidence)

        assert CheckIn.objects.filter(pk=check_in.pk, confidence=confidence).count() == 1

    @pytest.mark.parametrize("satisfaction", [0, 6])
    def test_satisfaction_outside_one_to_five_is_refused(self, satisfaction: int) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="check_in_satisfaction_1_5"), transaction.atomic():
            CheckInFactory(enrollment=enrollment, satisfaction=satisfaction)

        assert CheckIn.objects.filter(enrollment=enrollment).exists() is False


class TestLifeEvent:
    def test_a_life_event_ends_after_it_starts(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="life_event_dates_in_order"), transaction.atomic():
            LifeEventFactory(
                enrollment=enrollment,
                occurred_on=datetime.date(2025, 3, 3),
                ended_on=datetime.date(2025, 3, 2),
            )

        assert LifeEvent.objects.filter(patient=enrollment.patient).exists() is False

    def test_a_life_event_belongs_to_the_enrolment_patient(self) -> None:
        enrollment = EnrollmentFactory()

        event = LifeEventFactory(enrollment=enrollment)

        assert (event.patient_id, event.enrollment_id) == (enrollment.patient_id, enrollment.pk)

    def test_a_life_event_before_enrolment_belongs_to_the_patient_alone(self) -> None:
        event = LifeEventFactory()

        stored = LifeEvent.objects.get(pk=event.pk)
        assert (stored.enrollment_id, stored.patient_id) == (None, event.patient.pk)


class TestSuccessMoment:
    def test_a_success_moment_is_described(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="success_moment_described"), transaction.atomic():
            SuccessMomentFactory(enrollment=enrollment, description="")

        assert SuccessMoment.objects.filter(enrollment=enrollment).exists() is False
