"""Outreach: reached with consent starts active care; enough failed attempts close as unable to reach."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError
from caseloads.services import UNABLE_TO_REACH_REAPPROACH_DAYS, caseload_contact_log
from engagement.models import Contact
from patients.models import Consent, ConsentKind, EndReason, Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_outreach(make_enrollment, care_manager) -> Enrollment:
    return make_enrollment(status=EnrollmentStatus.OUTREACH, care_manager=care_manager)


def log(enrollment, user, *, reached: bool, consent: bool = False, minutes_ago: int = 0):
    return caseload_contact_log(
        enrollment=enrollment,
        acting_user=user,
        occurred_at=timezone.now() - datetime.timedelta(minutes=minutes_ago),
        mode="phone",
        is_reached=reached,
        consent_given=consent,
    )


def test_reached_with_consent_starts_active_care(in_outreach, care_manager) -> None:
    logged = log(in_outreach, care_manager, reached=True, consent=True)

    stored = Enrollment.objects.get(pk=in_outreach.pk)
    assert stored.status == EnrollmentStatus.ACTIVE
    assert stored.enrolled_on == stored.program.today()
    assert stored.first_reached_at == logged.contact.occurred_at
    assert Consent.objects.filter(patient=stored.patient, kind=ConsentKind.PROGRAM_PARTICIPATION).count() == 1
    assert "now in active care" in logged.outreach_outcome


def test_reached_without_consent_stays_in_outreach(in_outreach, care_manager) -> None:
    logged = log(in_outreach, care_manager, reached=True)
    assert Enrollment.objects.get(pk=in_outreach.pk).status == EnrollmentStatus.OUTREACH
    assert logged.outreach_outcome == ""


def test_consent_on_an_attempt_is_refused_and_nothing_is_stored(in_outreach, care_manager) -> None:
    with pytest.raises(DomainError, match="when the person is reached"):
        log(in_outreach, care_manager, reached=False, consent=True)
    assert Contact.objects.filter(enrollment=in_outreach).exists() is False
    assert Consent.objects.exists() is False


def test_the_limit_of_failed_attempts_closes_as_unable_to_reach(in_outreach, care_manager) -> None:
    program = in_outreach.program
    program.outreach_attempt_limit = 3
    program.save()

    outcomes = [log(in_outreach, care_manager, reached=False).outreach_outcome for _ in range(3)]

    assert outcomes[:2] == ["Attempt 1 of 3 in 60 days.", "Attempt 2 of 3 in 60 days."]
    assert "closed as unable to reach" in outcomes[2]
    stored = Enrollment.objects.get(pk=in_outreach.pk)
    assert (stored.status, stored.end_reason) == (EnrollmentStatus.DISENROLLED, EndReason.UNABLE_TO_REACH)
    assert stored.reapproach_on == program.today() + datetime.timedelta(days=UNABLE_TO_REACH_REAPPROACH_DAYS)


def test_attempts_before_the_period_do_not_count(in_outreach, care_manager) -> None:
    program = in_outreach.program
    program.outreach_attempt_limit = 2
    program.outreach_period_days = 7
    program.save()
    Enrollment.objects.filter(pk=in_outreach.pk).update(
        referred_on=program.today() - datetime.timedelta(days=40),
        status_changed_at=timezone.now() - datetime.timedelta(days=30),
    )
    log(in_outreach, care_manager, reached=False, minutes_ago=20 * 24 * 60)

    outcome = log(in_outreach, care_manager, reached=False).outreach_outcome

    assert outcome == "Attempt 1 of 2 in 7 days."
    assert Enrollment.objects.get(pk=in_outreach.pk).status == EnrollmentStatus.OUTREACH


def test_someone_reached_once_is_not_closed_for_later_attempts(in_outreach, care_manager) -> None:
    program = in_outreach.program
    program.outreach_attempt_limit = 1
    program.save()
    log(in_outreach, care_manager, reached=True)
    assert log(in_outreach, care_manager, reached=False).outreach_outcome == ""
    assert Enrollment.objects.get(pk=in_outreach.pk).status == EnrollmentStatus.OUTREACH


def test_the_record_offers_consent_in_outreach_and_says_what_changed(
    client, in_outreach, care_manager
) -> None:
    url = reverse("caseloads:patient-record", args=[in_outreach.patient_id])
    client.force_login(care_manager)
    assert "They agreed to take part in the program" in client.get(url).content.decode()

    response = client.post(
        reverse("caseloads:contact-create", args=[in_outreach.patient_id]),
        {
            "mode": "phone",
            "outcome": "reached",
            # The form takes minutes in the program's time zone.
            "occurred_at": timezone.localtime(
                timezone.now(), zoneinfo.ZoneInfo(in_outreach.program.time_zone)
            ).strftime("%Y-%m-%dT%H:%M"),
            "consent_given": "on",
        },
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert "now in active care" in response.content.decode()
    assert Enrollment.objects.get(pk=in_outreach.pk).status == EnrollmentStatus.ACTIVE
    assert "They agreed to take part in the program" not in client.get(url).content.decode()


def test_the_record_shows_the_time_from_referral_to_handoff_and_first_contact(
    client, in_outreach, care_manager
) -> None:
    from patients.models import Referral

    received = timezone.now() - datetime.timedelta(days=9)
    Enrollment.objects.filter(pk=in_outreach.pk).update(
        referred_on=in_outreach.program.today() - datetime.timedelta(days=9)
    )
    Referral.objects.filter(enrollment=in_outreach).update(
        received_at=received, handoff_at=received + datetime.timedelta(days=2), handoff_by="Dr Test Ward"
    )
    log(in_outreach, care_manager, reached=True)
    client.force_login(care_manager)

    page = client.get(reverse("caseloads:patient-record", args=[in_outreach.patient_id])).content.decode()

    assert "2\xa0days after the referral, by Dr Test Ward" in page
    assert "1\xa0week, 2\xa0days after the referral" in page
