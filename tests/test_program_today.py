"""Dates default to the day where the program works, not the server's or the task's time zone."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from patients.models import Enrollment, EnrollmentStatus
from patients.services import enrollment_change_phase

pytestmark = pytest.mark.django_db

# 02:30 UTC on 2 March is still the evening of 1 March in New York (the fixture program's time zone).
LATE_EVENING_IN_NEW_YORK = datetime.datetime(2026, 3, 2, 2, 30, tzinfo=datetime.UTC)


def test_program_today_is_the_programs_calendar_day(program) -> None:
    with time_machine.travel(LATE_EVENING_IN_NEW_YORK, tick=False):
        assert program.today() == datetime.date(2026, 3, 1)


def test_a_service_run_outside_a_request_dates_changes_in_the_programs_day(
    make_enrollment, care_manager
) -> None:
    with time_machine.travel(LATE_EVENING_IN_NEW_YORK - datetime.timedelta(days=3), tick=False):
        enrollment = make_enrollment(status=EnrollmentStatus.ACTIVE, care_manager=care_manager)
    with time_machine.travel(LATE_EVENING_IN_NEW_YORK, tick=False), timezone.override(datetime.UTC):
        # Like a Celery task or a management command: the active time zone is UTC.
        enrollment_change_phase(
            enrollment=enrollment,
            phase="wellness",
            evidence="Co-created plan; calls back.",
            acting_user=care_manager,
        )
    assert Enrollment.objects.get(pk=enrollment.pk).phase_changed_on == datetime.date(2026, 3, 1)
