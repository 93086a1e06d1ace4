"""engagement.services: contacts, check-ins, successes and life events; every rule refuses with a message
and stores nothing."""

import datetime

import pytest
from django.utils import timezone

from accounts.errors import DomainError
from caseloads.models import CaseloadStatus
from caseloads.services import caseload_contact_log
from engagement.models import (
    CheckIn,
    CheckInKind,
    Contact,
    GoalProgress,
    LifeEvent,
    LifeEventKind,
    LifeEventSource,
    SuccessKind,
    SuccessMoment,
)
from engagement.services import (
    GoalReview,
    check_in_record,
    contact_log,
    life_event_record,
    success_moment_record,
)
from patients.models import Enrollment, EnrollmentStatus
from tests.careplans.factories import CarePlanFactory, GoalFactory
from tests.dates import program_date

pytestmark = pytest.mark.django_db


def log(enrollment: Enrollment, user, **overrides) -> Contact:
    arguments = {
        "enrollment": enrollment,
        "acting_user": user,
        "occurred_at": timezone.now(),
        "mode": "home",
        "is_reached": True,
        **overrides,
    }
    return contact_log(**arguments)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"occurred_at": timezone.now() + datetime.timedelta(hours=2)}, "The contact is in the future."),
        ({"occurred_at": timezone.now() - datetime.timedelta(days=400)}, "before the person was referred"),
        ({"next_contact_on": datetime.date(2000, 1, 1)}, "The next contact cannot be before this one."),
        ({"engagement_methods": ["mind_reading"]}, "Unknown engagement method: mind_reading."),
    ],
)
def test_refusals_carry_a_message_and_store_nothing(enrollment, care_manager, overrides, message) -> None:
    with pytest.raises(DomainError) as refused:
        log(enrollment, care_manager, **overrides)
    assert message in refused.value.message
    assert Contact.objects.exists() is False


def test_contacts_are_only_for_people_in_outreach_or_care(make_enrollment, care_manager) -> None:
    referred = make_enrollment(status=EnrollmentStatus.REFERRED)
    with pytest.raises(DomainError) as refused:
        log(referred, care_manager)
    assert refused.value.message == "Contacts can be logged only while the person is in outreach or in care."
    assert Contact.objects.exists() is False


def test_goals_are_reviewed_only_when_the_person_was_reached(enrollment, care_manager) -> None:
    goal = GoalFactory(care_plan=CarePlanFactory(enrollment=enrollment, created_by=care_manager))
    with pytest.raises(DomainError, match="only when the person was reached"):
        log(enrollment, care_manager, is_reached=False, goal_reviews=[GoalReview(goal_id=goal.pk)])
    assert Contact.objects.exists() is False


def test_a_goal_of_another_persons_plan_is_refused(enrollment, enrollment_other_team, care_manager) -> None:
    stranger_goal = GoalFactory(care_plan=CarePlanFactory(enrollment=enrollment_other_team))
    with pytest.raises(DomainError, match="does not belong to this person's plan"):
        log(enrollment, care_manager, goal_reviews=[GoalReview(goal_id=stranger_goal.pk)])
    assert Contact.objects.exists() is False
    assert GoalProgress.objects.exists() is False


def test_the_first_reached_contact_is_kept_on_the_enrolment(enrollment, care_manager) -> None:
    log(enrollment, care_manager, is_reached=False, occurred_at=timezone.now())
    assert Enrollment.objects.get(pk=enrollment.pk).first_reached_at is None
    reached = log(enrollment, care_manager)
    log(enrollment, care_manager, occurred_at=timezone.now())
    assert Enrollment.objects.get(pk=enrollment.pk).first_reached_at == reached.occurred_at


def test_without_a_planned_date_the_next_contact_follows_the_level_of_care(
    enrollment, care_manager, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        contact = caseload_contact_log(
            enrollment=enrollment,
            acting_user=care_manager,
            occurred_at=timezone.now(),
            mode="phone",
            is_reached=True,
        ).contact
    status = CaseloadStatus.objects.get(enrollment=enrollment)
    # Medium by default: 4 reached contacts per 30 days, so about a week apart.
    assert status.current_level == "medium"
    assert status.next_contact_due_on == program_date(contact.occurred_at) + datetime.timedelta(days=7)
    assert (status.reached_contacts_last_30_days, status.is_overdue) == (1, False)


# --- check-ins, successes and life events -------------------------------------------------------------

DAY = datetime.timedelta(days=1)


def check_in(enrollment: Enrollment, user, **overrides) -> CheckIn:
    arguments = {
        "enrollment": enrollment,
        "acting_user": user,
        "occurred_on": enrollment.program.today(),
        "confidence": 6,
        **overrides,
    }
    return check_in_record(**arguments)


def test_a_check_in_is_stored_as_said(enrollment, care_manager) -> None:
    made = check_in(enrollment, care_manager, readiness_to_graduate="not_yet", note="  Better week  ")

    stored = CheckIn.objects.get(pk=made.pk)
    assert (stored.enrollment, stored.occurred_on, stored.kind, stored.confidence) == (
        enrollment,
        enrollment.program.today(),
        CheckInKind.ROUTINE,
        6,
    )
    assert (stored.readiness_to_graduate, stored.note, stored.recorded_by) == (
        "not_yet",
        "Better week",
        care_manager,
    )


@pytest.mark.parametrize(
    ("overrides_on", "message"),
    [
        pytest.param(
            lambda enrollment: {"occurred_on": enrollment.program.today() + DAY},
            "The check-in is in the future. Enter the day it happened.",
            id="future",
        ),
        pytest.param(
            lambda enrollment: {"occurred_on": enrollment.referred_on - DAY},
            "The check-in is before the person was referred.",
            id="before the referral",
        ),
        pytest.param(
            lambda enrollment: {"confidence": None},
            "Record the person's confidence (0 to 10), or their satisfaction for a survey.",
            id="nothing rated",
        ),
        pytest.param(
            lambda enrollment: {"confidence": 11},
            "Confidence is a number from 0 to 10.",
            id="confidence of 11",
        ),
    ],
)
def test_check_in_refusals_carry_a_message_and_store_nothing(
    enrollment, care_manager, overrides_on, message
) -> None:
    with pytest.raises(DomainError) as refused:
        check_in(enrollment, care_manager, **overrides_on(enrollment))
    assert refused.value.message == message
    assert CheckIn.objects.exists() is False


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(lambda enrollment, user: check_in(enrollment, user), id="check-in"),
        pytest.param(
            lambda enrollment, user: success_moment_record(
                enrollment=enrollment,
                acting_user=user,
                occurred_on=enrollment.program.today(),
                kind=SuccessKind.TRUST,
                description="Called me back",
            ),
            id="success",
        ),
    ],
)
def test_check_ins_and_successes_are_only_for_people_in_outreach_or_care(
    make_enrollment, care_manager, record
) -> None:
    referred = make_enrollment(status=EnrollmentStatus.REFERRED)
    with pytest.raises(DomainError) as refused:
        record(referred, care_manager)
    assert refused.value.message == "This can be recorded only while the person is in outreach or in care."
    assert (CheckIn.objects.exists(), SuccessMoment.objects.exists()) == (False, False)


def test_a_success_needs_words_and_stores_nothing_without_them(enrollment, care_manager) -> None:
    with pytest.raises(DomainError) as refused:
        success_moment_record(
            enrollment=enrollment,
            acting_user=care_manager,
            occurred_on=enrollment.program.today(),
            kind=SuccessKind.MINDSET_INITIATIVE,
            description="   ",
        )
    assert refused.value.message == "Say what happened, in a few words."
    assert SuccessMoment.objects.exists() is False


def test_a_life_event_is_kept_on_the_patient_and_the_episode(enrollment, care_manager) -> None:
    day = enrollment.program.today() - DAY

    made = life_event_record(
        enrollment=enrollment,
        acting_user=care_manager,
        kind=LifeEventKind.ADMISSION,
        occurred_on=day,
        ended_on=day + DAY,
        facility="  Example Test Hospital ",
    )

    stored = LifeEvent.objects.get(pk=made.pk)
    assert (stored.patient_id, stored.enrollment, stored.kind, stored.occurred_on, stored.ended_on) == (
        enrollment.patient_id,
        enrollment,
        LifeEventKind.ADMISSION,
        day,
        day + DAY,
    )
    assert (stored.facility, stored.source, stored.recorded_by) == (
        "Example Test Hospital",
        LifeEventSource.CARE_TEAM,
        care_manager,
    )


@pytest.mark.parametrize(
    ("days_of", "message"),
    [
        pytest.param(
            lambda today: {"occurred_on": today + DAY},
            "The event is in the future. Enter the day it happened.",
            id="future",
        ),
        pytest.param(
            lambda today: {"occurred_on": today - DAY, "ended_on": today - 2 * DAY},
            "The event cannot end before it started.",
            id="ends before it starts",
        ),
    ],
)
def test_life_event_refusals_carry_a_message_and_store_nothing(
    enrollment, care_manager, days_of, message
) -> None:
    with pytest.raises(DomainError) as refused:
        life_event_record(
            enrollment=enrollment,
            acting_user=care_manager,
            kind=LifeEventKind.CRISIS,
            **days_of(enrollment.program.today()),
        )
    assert refused.value.message == message
    assert LifeEvent.objects.exists() is False
