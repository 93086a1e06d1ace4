"""The database refuses what the rules forbid, whichever code path writes it."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Team, User
from patients.models import (
    CareTeamMember,
    CareTeamRole,
    Consent,
    ConsentKind,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    Patient,
)
from tests.accounts.factories import ProgramFactory
from tests.conftest import CheckDeferredConstraints
from tests.dates import program_today
from tests.patients.factories import (
    CareTeamMemberFactory,
    ConsentFactory,
    EnrollmentFactory,
    PatientFactory,
)

pytestmark = pytest.mark.django_db


def _current_primaries(enrollment: Enrollment) -> list[int | None]:
    return list(
        CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True, ended_on__isnull=True)
        .order_by("pk")
        .values_list("user_id", flat=True)
    )


class TestPrimaryCareManager:
    def test_a_second_current_primary_is_refused_by_the_partial_unique_index(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        with pytest.raises(IntegrityError, match="care_team_one_current_primary"), transaction.atomic():
            CareTeamMember.objects.create(
                enrollment=enrollment,
                user=care_manager_same_team,
                role=CareTeamRole.CARE_MANAGER,
                is_primary=True,
                started_on=program_today(),
            )

        assert _current_primaries(enrollment) == [care_manager.pk]
        assert CareTeamMember.objects.filter(user=care_manager_same_team).exists() is False

    def test_an_ended_primary_does_not_count_against_the_new_one(
        self,
        enrollment: Enrollment,
        care_manager_same_team: User,
        check_deferred_constraints: CheckDeferredConstraints,
    ) -> None:
        today = program_today()
        CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True).update(ended_on=today)
        CareTeamMember.objects.create(
            enrollment=enrollment,
            user=care_manager_same_team,
            role=CareTeamRole.CARE_MANAGER,
            is_primary=True,
            started_on=today,
        )

        check_deferred_constraints()

        assert _current_primaries(enrollment) == [care_manager_same_team.pk]
        assert CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True).count() == 2

    def test_an_active_enrolment_without_a_current_primary_fails_at_commit(
        self, team_a: Team, check_deferred_constraints: CheckDeferredConstraints
    ) -> None:
        patient = PatientFactory(program=team_a.program)
        today = program_today()

        with transaction.atomic():
            # The trigger is deferred: the insert alone is accepted until the check runs.
            Enrollment.objects.create(
                patient=patient,
                program=patient.program,
                team=team_a,
                status=EnrollmentStatus.ACTIVE,
                status_changed_at=timezone.now(),
                referred_on=today,
                enrolled_on=today,
            )
            assert Enrollment.objects.filter(patient=patient).count() == 1
            with pytest.raises(IntegrityError, match="has no current primary care manager"):
                check_deferred_constraints()
            transaction.set_rollback(True)

        assert Enrollment.objects.filter(patient=patient).exists() is False

    def test_an_active_enrolment_with_its_primary_added_in_the_same_transaction_commits(
        self, team_a: Team, care_manager: User, check_deferred_constraints: CheckDeferredConstraints
    ) -> None:
        patient = PatientFactory(program=care_manager.program)
        today = program_today()
        enrollment = Enrollment.objects.create(
            patient=patient,
            program=patient.program,
            team=team_a,
            status=EnrollmentStatus.ACTIVE,
            status_changed_at=timezone.now(),
            referred_on=today,
            enrolled_on=today,
        )
        CareTeamMember.objects.create(
            enrollment=enrollment,
            user=care_manager,
            role=CareTeamRole.CARE_MANAGER,
            is_primary=True,
            started_on=today,
        )

        check_deferred_constraints()

        assert _current_primaries(enrollment) == [care_manager.pk]

    def test_ending_the_only_primary_of_an_active_enrolment_is_refused(
        self, enrollment: Enrollment, care_manager: User, check_deferred_constraints: CheckDeferredConstraints
    ) -> None:
        with transaction.atomic():
            CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True).update(
                ended_on=program_today()
            )
            with pytest.raises(IntegrityError, match="has no current primary care manager"):
                check_deferred_constraints()
            transaction.set_rollback(True)

        assert _current_primaries(enrollment) == [care_manager.pk]

    def test_deleting_the_only_primary_of_an_active_enrolment_is_refused(
        self, enrollment: Enrollment, care_manager: User, check_deferred_constraints: CheckDeferredConstraints
    ) -> None:
        with transaction.atomic():
            CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True).delete()
            with pytest.raises(IntegrityError, match="has no current primary care manager"):
                check_deferred_constraints()
            transaction.set_rollback(True)

        assert _current_primaries(enrollment) == [care_manager.pk]

    def test_a_primary_must_be_a_tandem_user(self, enrollment: Enrollment, care_manager: User) -> None:
        with pytest.raises(IntegrityError, match="care_team_primary_is_user"), transaction.atomic():
            CareTeamMemberFactory(
                enrollment=enrollment, user=None, name="Dr Outside Example", is_primary=True
            )

        assert CareTeamMember.objects.filter(enrollment=enrollment).count() == 1

    def test_a_care_team_member_ends_after_starting(self, enrollment: Enrollment) -> None:
        with pytest.raises(IntegrityError, match="care_team_dates_in_order"), transaction.atomic():
            CareTeamMemberFactory(
                enrollment=enrollment,
                started_on=enrollment.referred_on,
                ended_on=enrollment.referred_on - datetime.timedelta(days=1),
            )

        assert CareTeamMember.objects.filter(enrollment=enrollment).count() == 1


class TestEnrollment:
    def test_an_unknown_status_is_refused(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="enrollment_status_valid"), transaction.atomic():
            Enrollment.objects.filter(pk=enrollment.pk).update(status="on_holiday")

        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.REFERRED

    def test_an_episode_cannot_end_before_it_was_referred(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="enrollment_ended_after_referral"), transaction.atomic():
            Enrollment.objects.filter(pk=enrollment.pk).update(
                status=EnrollmentStatus.DECLINED,
                ended_on=enrollment.referred_on - datetime.timedelta(days=1),
                end_reason=EndReason.DECLINED,
            )

        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.ended_on, enrollment.end_reason) == (
            EnrollmentStatus.REFERRED,
            None,
            "",
        )

    def test_a_person_cannot_be_enrolled_before_they_were_referred(self) -> None:
        with pytest.raises(IntegrityError, match="enrollment_enrolled_after_referral"), transaction.atomic():
            EnrollmentFactory(referred_on=datetime.date(2025, 3, 10), enrolled_on=datetime.date(2025, 3, 9))

        assert Enrollment.objects.exists() is False

    @pytest.mark.parametrize(
        ("status", "ended_on", "end_reason"),
        [
            pytest.param(EnrollmentStatus.DECLINED, None, EndReason.DECLINED, id="closed-without-end-date"),
            pytest.param(
                EnrollmentStatus.DECLINED, datetime.date(2025, 5, 1), "", id="closed-without-reason"
            ),
            pytest.param(
                EnrollmentStatus.SCREENING,
                datetime.date(2025, 5, 1),
                "",
                id="open-with-end-date",
            ),
            pytest.param(EnrollmentStatus.SCREENING, None, EndReason.OTHER, id="open-with-reason"),
        ],
    )
    def test_a_closed_episode_has_an_end_date_and_reason_and_an_open_one_neither(
        self, status: str, ended_on: datetime.date | None, end_reason: str
    ) -> None:
        enrollment = EnrollmentFactory(referred_on=datetime.date(2025, 4, 1))

        with pytest.raises(IntegrityError, match="enrollment_closed_has_end"), transaction.atomic():
            Enrollment.objects.filter(pk=enrollment.pk).update(
                status=status, ended_on=ended_on, end_reason=end_reason
            )

        enrollment.refresh_from_db()
        assert (enrollment.status, enrollment.ended_on, enrollment.end_reason) == (
            EnrollmentStatus.REFERRED,
            None,
            "",
        )

    def test_a_closed_episode_with_end_date_and_reason_is_stored(self) -> None:
        enrollment = EnrollmentFactory(referred_on=datetime.date(2025, 4, 1))

        Enrollment.objects.filter(pk=enrollment.pk).update(
            status=EnrollmentStatus.DECLINED,
            ended_on=datetime.date(2025, 4, 2),
            end_reason=EndReason.DECLINED,
        )

        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.DECLINED

    def test_a_person_has_one_open_episode_at_a_time(self) -> None:
        first = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="enrollment_one_open_per_patient"), transaction.atomic():
            EnrollmentFactory(patient=first.patient)

        assert Enrollment.objects.filter(patient=first.patient).count() == 1

    def test_an_episode_in_care_needs_a_team(self) -> None:
        enrollment = EnrollmentFactory()

        with pytest.raises(IntegrityError, match="enrollment_in_care_has_team"), transaction.atomic():
            Enrollment.objects.filter(pk=enrollment.pk).update(status=EnrollmentStatus.OUTREACH)

        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.REFERRED


class TestPatient:
    def test_an_mrn_is_unique_within_a_program(self) -> None:
        first = PatientFactory(mrn="TEST-9001")

        with pytest.raises(IntegrityError, match="patient_unique_mrn_per_program"), transaction.atomic():
            PatientFactory(program=first.program, mrn="TEST-9001")

        assert list(Patient.objects.filter(mrn="TEST-9001").values_list("pk", flat=True)) == [first.pk]

    def test_the_same_mrn_is_allowed_in_another_program(self) -> None:
        first = PatientFactory(mrn="TEST-9001")

        second = PatientFactory(program=ProgramFactory(), mrn="TEST-9001")

        assert Patient.objects.filter(mrn="TEST-9001").count() == 2
        assert first.program_id != second.program_id

    def test_blank_mrns_are_allowed_twice_in_one_program(self) -> None:
        first = PatientFactory(mrn="")

        PatientFactory(program=first.program, mrn="")

        assert Patient.objects.filter(program=first.program, mrn="").count() == 2

    def test_an_implausible_birth_date_is_refused(self) -> None:
        with pytest.raises(IntegrityError, match="patient_birth_date_plausible"), transaction.atomic():
            PatientFactory(date_of_birth=datetime.date(1899, 12, 31))

        assert Patient.objects.exists() is False


class TestConsent:
    @pytest.mark.parametrize(
        "missing",
        [
            pytest.param({"recipient": ""}, id="no-recipient"),
            pytest.param({"purpose": ""}, id="no-purpose"),
            pytest.param({"expires_on": None}, id="no-expiry"),
        ],
    )
    def test_a_part2_disclosure_consent_names_recipient_purpose_and_expiry(
        self, missing: dict[str, object]
    ) -> None:
        patient = PatientFactory()
        complete = {
            "recipient": "Example Test Recovery Clinic",
            "purpose": "Coordinating treatment",
            "expires_on": datetime.date(2026, 1, 1),
        }

        with pytest.raises(IntegrityError, match="consent_part2_complete"), transaction.atomic():
            ConsentFactory(
                patient=patient,
                kind=ConsentKind.SUBSTANCE_USE_DISCLOSURE,
                given_on=datetime.date(2025, 1, 1),
                **(complete | missing),
            )

        assert Consent.objects.filter(patient=patient).exists() is False

    def test_a_complete_part2_disclosure_consent_is_stored(self) -> None:
        consent = ConsentFactory(
            kind=ConsentKind.SUBSTANCE_USE_DISCLOSURE,
            recipient="Example Test Recovery Clinic",
            purpose="Coordinating treatment",
            given_on=datetime.date(2025, 1, 1),
            expires_on=datetime.date(2026, 1, 1),
        )

        assert Consent.objects.filter(pk=consent.pk, kind=ConsentKind.SUBSTANCE_USE_DISCLOSURE).count() == 1

    def test_other_consents_need_no_recipient(self) -> None:
        consent = ConsentFactory(kind=ConsentKind.PROGRAM_PARTICIPATION, recipient="", purpose="")

        assert Consent.objects.filter(pk=consent.pk).count() == 1
