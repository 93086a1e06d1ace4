"""engagement.services.contact_log: every rule refuses with a message and stores nothing."""

import datetime

import pytest
from django.utils import timezone

from accounts.errors import DomainError
from caseloads.models import CaseloadStatus
from caseloads.services import caseload_contact_log
from engagement.models import Contact, GoalProgress
from engagement.services import GoalReview, contact_log
from patients.models import Enrollment, EnrollmentStatus
from tests.careplans.factories import CarePlanFactory, GoalFactory

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
    assert status.next_contact_due_on == timezone.localdate(contact.occurred_at) + datetime.timedelta(days=7)
    assert (status.reached_contacts_last_30_days, status.is_overdue) == (1, False)
