"""The enrolment pipeline, primary care managers, care teams and referrals, against the real database."""

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.core.exceptions import ValidationError

from accounts.errors import DomainError
from accounts.models import Program, Role, Team, User
from patients import services
from patients.models import (
    CLOSED_STATUSES,
    CareTeamMember,
    CareTeamRole,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Phase,
    Referral,
    ReferralSource,
)
from patients.services import (
    ALLOWED_TRANSITIONS,
    care_team_member_add,
    care_team_member_end,
    enrollment_change_phase,
    enrollment_move,
    primary_care_manager_assign,
    referral_receive,
)
from tests.accounts.factories import TeamMembershipFactory, UserFactory
from tests.conftest import CheckDeferredConstraints, MakeEnrollment
from tests.patients.factories import PatientFactory, person_details, referral_details

pytestmark = pytest.mark.django_db

S = EnrollmentStatus
NOW = datetime.datetime(2025, 3, 3, 15, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 3, 3)
LATER = datetime.date(2025, 4, 1)

ALLOWED_MOVES = [(source, target) for source, targets in ALLOWED_TRANSITIONS.items() for target in targets]


@pytest.fixture(autouse=True)
def _today_is_fixed(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _deferred_constraints_hold_after_each_test(
    check_deferred_constraints: CheckDeferredConstraints,
) -> Iterator[None]:
    # The test transaction never commits, so without this a service that leaves an enrolment in
    # care without a primary care manager would pass here and fail in production.
    yield
    check_deferred_constraints()


def _care_team(enrollment: Enrollment) -> list[tuple[int | None, str, bool, datetime.date | None]]:
    return list(
        CareTeamMember.objects.filter(enrollment=enrollment)
        .order_by("pk")
        .values_list("user_id", "name", "is_primary", "ended_on")
    )


def _stored(enrollment: Enrollment) -> Enrollment:
    return Enrollment.objects.get(pk=enrollment.pk)


class TestEnrollmentMove:
    def test_the_transition_map_covers_every_status(self) -> None:
        assert set(ALLOWED_TRANSITIONS) == set(S.values)
        assert all(ALLOWED_TRANSITIONS[status] == () for status in CLOSED_STATUSES)

    @pytest.mark.parametrize(
        ("from_status", "to_status"), ALLOWED_MOVES, ids=[f"{a}-to-{b}" for a, b in ALLOWED_MOVES]
    )
    def test_every_allowed_transition_stores_the_new_status(
        self, make_enrollment: MakeEnrollment, care_manager: User, from_status: str, to_status: str
    ) -> None:
        enrollment = make_enrollment(status=from_status, care_manager=care_manager)
        assert enrollment.status == from_status

        returned = enrollment_move(
            enrollment=enrollment,
            to_status=to_status,
            acting_user=care_manager,
            end_reason=EndReason.MOVED_AWAY if to_status == S.DISENROLLED else "",
        )

        stored = _stored(enrollment)
        assert (returned.status, stored.status, stored.status_changed_at) == (to_status, to_status, NOW)
        assert (stored.ended_on is not None) is (to_status in CLOSED_STATUSES)

    @pytest.mark.parametrize(
        ("from_status", "to_status", "message"),
        [
            (
                S.REFERRED,
                S.ACTIVE,
                "An enrolment cannot move from referred to active. "
                "From referred it can move to: screening, outreach, declined, not a fit.",
            ),
            (
                S.ACTIVE,
                S.REFERRED,
                "An enrolment cannot move from active to referred. "
                "From active it can move to: maintenance, graduated, disenrolled.",
            ),
            (S.GRADUATED, S.ACTIVE, "An enrolment cannot move from graduated to active. It has ended."),
            (S.DECLINED, S.OUTREACH, "An enrolment cannot move from declined to outreach. It has ended."),
            (
                S.SCREENING,
                S.REFERRED,
                "An enrolment cannot move from screening to referred. "
                "From screening it can move to: outreach, declined, not a fit.",
            ),
            (
                S.OUTREACH,
                S.MAINTENANCE,
                "An enrolment cannot move from outreach to maintenance. "
                "From outreach it can move to: active, declined, disenrolled.",
            ),
        ],
    )
    def test_a_disallowed_transition_is_refused_with_a_message_and_nothing_changes(
        self,
        make_enrollment: MakeEnrollment,
        care_manager: User,
        from_status: str,
        to_status: str,
        message: str,
    ) -> None:
        enrollment = make_enrollment(status=from_status, care_manager=care_manager)
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            enrollment_move(enrollment=enrollment, to_status=to_status, acting_user=care_manager)

        assert refused.value.message == message
        stored = _stored(enrollment)
        assert (stored.status, stored.updated_at) == (from_status, enrollment.updated_at)
        assert _care_team(enrollment) == care_team_before

    def test_an_unknown_status_is_refused(self, enrollment: Enrollment, care_manager: User) -> None:
        with pytest.raises(DomainError) as refused:
            enrollment_move(enrollment=enrollment, to_status="on_holiday", acting_user=care_manager)

        assert refused.value.message == "“on_holiday” is not an enrolment status."
        assert _stored(enrollment).status == S.ACTIVE

    @pytest.mark.parametrize("from_status", [S.REFERRED, S.SCREENING])
    def test_moving_to_outreach_needs_a_primary_care_manager(
        self, make_enrollment: MakeEnrollment, program_admin: User, from_status: str
    ) -> None:
        enrollment = make_enrollment(status=from_status)

        with pytest.raises(DomainError) as refused:
            enrollment_move(enrollment=enrollment, to_status=S.OUTREACH, acting_user=program_admin)

        assert refused.value.message == "Assign a primary care manager before moving to outreach."
        stored = _stored(enrollment)
        assert (stored.status, stored.team_id) == (from_status, None)

    def test_a_date_before_the_referral_is_refused(self, enrollment: Enrollment, care_manager: User) -> None:
        with pytest.raises(DomainError) as refused:
            enrollment_move(
                enrollment=enrollment,
                to_status=S.MAINTENANCE,
                acting_user=care_manager,
                on=TODAY - datetime.timedelta(days=1),
            )

        assert refused.value.message == "The date is before the referral was received."
        assert _stored(enrollment).status == S.ACTIVE

    def test_becoming_active_records_the_enrolment_date_once(
        self, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        enrollment = make_enrollment(status=S.OUTREACH, care_manager=care_manager)
        assert enrollment.enrolled_on is None

        enrollment_move(enrollment=enrollment, to_status=S.ACTIVE, acting_user=care_manager, on=LATER)
        enrollment_move(enrollment=enrollment, to_status=S.MAINTENANCE, acting_user=care_manager, on=LATER)
        enrollment_move(
            enrollment=enrollment,
            to_status=S.ACTIVE,
            acting_user=care_manager,
            on=LATER + datetime.timedelta(days=9),
        )

        stored = _stored(enrollment)
        assert (stored.status, stored.enrolled_on) == (S.ACTIVE, LATER)

    @pytest.mark.parametrize(
        ("from_status", "to_status", "given_reason", "stored_reason"),
        [
            (S.ACTIVE, S.GRADUATED, "", EndReason.GRADUATED),
            (S.OUTREACH, S.DECLINED, "", EndReason.DECLINED),
            (S.REFERRED, S.NOT_A_FIT, "", EndReason.NOT_A_FIT),
            (S.MAINTENANCE, S.DISENROLLED, EndReason.MOVED_AWAY, EndReason.MOVED_AWAY),
        ],
    )
    def test_closing_sets_end_date_and_reason_and_ends_the_whole_care_team(
        self,
        make_enrollment: MakeEnrollment,
        care_manager: User,
        care_manager_same_team: User,
        from_status: str,
        to_status: str,
        given_reason: str,
        stored_reason: str,
    ) -> None:
        enrollment = make_enrollment(status=from_status, care_manager=care_manager)
        care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.SOCIAL_WORKER,
            user=care_manager_same_team,
            acting_user=care_manager,
        )
        care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.PRIMARY_CARE_PROVIDER,
            name="Dr Outside Example",
            acting_user=care_manager,
        )

        enrollment_move(
            enrollment=enrollment,
            to_status=to_status,
            acting_user=care_manager,
            on=LATER,
            end_reason=given_reason,
            note="Synthetic closing note",
        )

        stored = _stored(enrollment)
        assert (stored.status, stored.ended_on, stored.end_reason, stored.end_note) == (
            to_status,
            LATER,
            stored_reason,
            "Synthetic closing note",
        )
        members = CareTeamMember.objects.filter(enrollment=enrollment)
        assert members.count() == 3
        assert members.filter(ended_on__isnull=True).exists() is False
        assert set(members.values_list("ended_on", "end_reason")) == {(LATER, "Enrolment ended")}

    def test_declining_keeps_when_and_how_to_approach_again(
        self, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        enrollment = make_enrollment(status=S.OUTREACH, care_manager=care_manager)

        enrollment_move(
            enrollment=enrollment,
            to_status=S.DECLINED,
            acting_user=care_manager,
            reapproach_on=datetime.date(2025, 9, 1),
            reapproach_preference="Through the clinic nurse they trust",
        )

        stored = _stored(enrollment)
        assert (stored.reapproach_on, stored.reapproach_preference) == (
            datetime.date(2025, 9, 1),
            "Through the clinic nurse they trust",
        )

    def test_a_reapproach_date_is_refused_when_the_episode_stays_open(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as refused:
            enrollment_move(
                enrollment=enrollment,
                to_status=S.MAINTENANCE,
                acting_user=care_manager,
                reapproach_on=datetime.date(2025, 9, 1),
            )

        assert refused.value.message == (
            "A re-approach date belongs to people who declined or could not be reached."
        )
        stored = _stored(enrollment)
        assert (stored.status, stored.reapproach_on) == (S.ACTIVE, None)

    def test_disenrolling_needs_a_reason(self, enrollment: Enrollment, care_manager: User) -> None:
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            enrollment_move(enrollment=enrollment, to_status=S.DISENROLLED, acting_user=care_manager)

        assert refused.value.message == "Say why the enrolment is ending."
        stored = _stored(enrollment)
        assert (stored.status, stored.ended_on, stored.end_reason) == (S.ACTIVE, None, "")
        assert _care_team(enrollment) == care_team_before

    def test_disenrolling_with_an_unknown_reason_is_refused(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as refused:
            enrollment_move(
                enrollment=enrollment, to_status=S.DISENROLLED, acting_user=care_manager, end_reason="bored"
            )

        assert refused.value.message == "“bored” is not a reason for ending an enrolment."
        assert _stored(enrollment).status == S.ACTIVE

    def test_closing_is_all_or_nothing(
        self, enrollment: Enrollment, care_manager: User, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        care_team_before = _care_team(enrollment)
        real_save = services._save

        def save_failing_on_the_enrolment(instance: object, **kwargs: object) -> None:
            if isinstance(instance, Enrollment):
                raise RuntimeError("the database went away")
            real_save(instance, **kwargs)

        # The care team is ended first; the enrolment's own save then fails.
        monkeypatch.setattr(services, "_save", save_failing_on_the_enrolment)
        with pytest.raises(RuntimeError):
            enrollment_move(
                enrollment=enrollment,
                to_status=S.DISENROLLED,
                acting_user=care_manager,
                end_reason=EndReason.DIED,
            )

        assert _care_team(enrollment) == care_team_before
        assert CareTeamMember.objects.filter(enrollment=enrollment, ended_on__isnull=False).exists() is False
        stored = _stored(enrollment)
        assert (stored.status, stored.ended_on) == (S.ACTIVE, None)


class TestPrimaryCareManagerAssign:
    def test_the_first_assignment_sets_the_team(
        self, make_enrollment: MakeEnrollment, care_manager: User, program_admin: User, team_a: Team
    ) -> None:
        enrollment = make_enrollment(status=S.REFERRED)
        assert enrollment.team_id is None

        primary = primary_care_manager_assign(
            enrollment=enrollment, care_manager=care_manager, acting_user=program_admin
        )

        assert _stored(enrollment).team_id == team_a.pk
        stored = CareTeamMember.objects.get(pk=primary.pk)
        assert (
            stored.user_id,
            stored.role,
            stored.is_primary,
            stored.started_on,
            stored.ended_on,
            stored.added_by_id,
        ) == (
            care_manager.pk,
            CareTeamRole.CARE_MANAGER,
            True,
            TODAY,
            None,
            program_admin.pk,
        )

    def test_a_transfer_ends_the_previous_primary_and_keeps_the_history(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User, supervisor: User
    ) -> None:
        primary_care_manager_assign(
            enrollment=enrollment,
            care_manager=care_manager_same_team,
            acting_user=supervisor,
            on=LATER,
            transfer_note="Likes calls after 4pm; sister Ardenne is the trusted contact.",
        )

        primaries = CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True).order_by("pk")
        assert list(
            primaries.values_list("user_id", "started_on", "ended_on", "end_reason", "transfer_note")
        ) == [
            (care_manager.pk, TODAY, LATER, "Transferred to another care manager", ""),
            (
                care_manager_same_team.pk,
                LATER,
                None,
                "",
                "Likes calls after 4pm; sister Ardenne is the trusted contact.",
            ),
        ]
        assert _stored(enrollment).team_id == enrollment.team_id

    def test_the_team_follows_a_care_manager_from_another_team(
        self, enrollment: Enrollment, care_manager_other_team: User, supervisor: User, team_b: Team
    ) -> None:
        primary_care_manager_assign(
            enrollment=enrollment, care_manager=care_manager_other_team, acting_user=supervisor, on=LATER
        )

        assert _stored(enrollment).team_id == team_b.pk
        current = CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True, ended_on__isnull=True)
        assert list(current.values_list("user_id", flat=True)) == [care_manager_other_team.pk]

    def test_a_colleague_already_on_the_care_team_becomes_primary_in_a_new_membership(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.SOCIAL_WORKER,
            user=care_manager_same_team,
            acting_user=care_manager,
        )

        primary_care_manager_assign(
            enrollment=enrollment, care_manager=care_manager_same_team, acting_user=care_manager, on=LATER
        )

        memberships = CareTeamMember.objects.filter(
            enrollment=enrollment, user=care_manager_same_team
        ).order_by("pk")
        assert list(memberships.values_list("role", "is_primary", "ended_on", "end_reason")) == [
            (CareTeamRole.SOCIAL_WORKER, False, LATER, "Became primary care manager"),
            (CareTeamRole.CARE_MANAGER, True, None, ""),
        ]

    def test_assigning_the_current_primary_again_is_refused(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment, care_manager=care_manager, acting_user=care_manager
            )

        assert refused.value.message == f"{care_manager} is already the primary care manager."
        assert _care_team(enrollment) == care_team_before

    def test_a_supervisor_cannot_be_the_primary_care_manager(
        self, enrollment: Enrollment, supervisor: User
    ) -> None:
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment, care_manager=supervisor, acting_user=supervisor
            )

        assert refused.value.message == (
            f"{supervisor} is not a care manager, so cannot be the primary care manager."
        )
        assert _care_team(enrollment) == care_team_before

    def test_a_care_manager_from_another_program_is_refused(
        self, enrollment: Enrollment, care_manager: User, other_program: Program
    ) -> None:
        outsider = TeamMembershipFactory(team__program=other_program).user
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment, care_manager=outsider, acting_user=care_manager
            )

        assert refused.value.message == "Choose an active care manager from this program."
        assert _care_team(enrollment) == care_team_before
        assert _stored(enrollment).team_id == enrollment.team_id

    def test_an_inactive_care_manager_is_refused(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        care_manager_same_team.is_active = False
        care_manager_same_team.save(update_fields=["is_active"])

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment, care_manager=care_manager_same_team, acting_user=care_manager
            )

        assert refused.value.message == "Choose an active care manager from this program."
        assert CareTeamMember.objects.filter(user=care_manager_same_team).exists() is False

    def test_a_care_manager_in_several_teams_must_be_given_a_team(
        self, make_enrollment: MakeEnrollment, care_manager: User, program_admin: User, team_b: Team
    ) -> None:
        TeamMembershipFactory(team=team_b, user=care_manager)
        enrollment = make_enrollment(status=S.REFERRED)

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment, care_manager=care_manager, acting_user=program_admin
            )

        assert refused.value.message == (
            f"{care_manager} works in several teams; choose the team for this enrolment."
        )
        assert CareTeamMember.objects.filter(enrollment=enrollment).exists() is False

        primary_care_manager_assign(
            enrollment=enrollment, care_manager=care_manager, acting_user=program_admin, team_id=team_b.pk
        )
        assert _stored(enrollment).team_id == team_b.pk

    def test_a_closed_enrolment_gets_no_new_primary(
        self, make_enrollment: MakeEnrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        enrollment = make_enrollment(status=S.GRADUATED, care_manager=care_manager)
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment, care_manager=care_manager_same_team, acting_user=care_manager
            )

        assert refused.value.message == "This enrolment has ended; start a new one to assign a care manager."
        assert _care_team(enrollment) == care_team_before

    def test_a_transfer_dated_before_the_current_primary_started_is_refused(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment,
                care_manager=care_manager_same_team,
                acting_user=care_manager,
                on=TODAY - datetime.timedelta(days=1),
            )

        assert refused.value.message == "The transfer date is before the current care manager started."
        assert _care_team(enrollment) == care_team_before

    def test_a_failed_transfer_leaves_the_previous_primary_in_place(
        self, enrollment: Enrollment, care_manager: User, program: Program
    ) -> None:
        # The current primary is ended before the new one's team is looked up; that lookup fails.
        teamless = UserFactory(program=program, role=Role.CARE_MANAGER)
        care_team_before = _care_team(enrollment)

        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=enrollment, care_manager=teamless, acting_user=care_manager, on=LATER
            )

        assert refused.value.message == f"{teamless} is not in a team yet. Add them to a team first."
        assert _care_team(enrollment) == care_team_before
        assert list(
            CareTeamMember.objects.filter(
                enrollment=enrollment, is_primary=True, ended_on__isnull=True
            ).values_list("user_id", flat=True)
        ) == [care_manager.pk]


class TestCareTeam:
    def test_a_colleague_joins_the_care_team(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        member = care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.SOCIAL_WORKER,
            user=care_manager_same_team,
            acting_user=care_manager,
        )

        stored = CareTeamMember.objects.get(pk=member.pk)
        assert (stored.user_id, stored.role, stored.is_primary, stored.started_on, stored.added_by_id) == (
            care_manager_same_team.pk,
            CareTeamRole.SOCIAL_WORKER,
            False,
            TODAY,
            care_manager.pk,
        )

    def test_an_outside_clinician_joins_by_name(self, enrollment: Enrollment, care_manager: User) -> None:
        member = care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.PRIMARY_CARE_PROVIDER,
            name="  Dr Outside Example  ",
            organization="Example Test Clinic",
            acting_user=care_manager,
        )

        stored = CareTeamMember.objects.get(pk=member.pk)
        assert (stored.user_id, stored.name, stored.organization) == (
            None,
            "Dr Outside Example",
            "Example Test Clinic",
        )

    @pytest.mark.parametrize("name", ["", "   "])
    def test_a_member_without_a_user_needs_a_name(
        self, enrollment: Enrollment, care_manager: User, name: str
    ) -> None:
        with pytest.raises(DomainError) as refused:
            care_team_member_add(
                enrollment=enrollment, role=CareTeamRole.OTHER, name=name, acting_user=care_manager
            )

        assert refused.value.message == "Give the name of the care team member."
        assert CareTeamMember.objects.filter(enrollment=enrollment).count() == 1

    def test_someone_already_on_the_care_team_is_not_added_twice(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as refused:
            care_team_member_add(
                enrollment=enrollment, role=CareTeamRole.NURSE, user=care_manager, acting_user=care_manager
            )

        assert refused.value.message == f"{care_manager} is already on the care team."
        assert CareTeamMember.objects.filter(enrollment=enrollment).count() == 1

    def test_a_user_from_another_program_is_refused(
        self, enrollment: Enrollment, care_manager: User, other_program_admin: User
    ) -> None:
        with pytest.raises(DomainError) as refused:
            care_team_member_add(
                enrollment=enrollment,
                role=CareTeamRole.OTHER,
                user=other_program_admin,
                acting_user=care_manager,
            )

        assert refused.value.message == f"{other_program_admin} works in another program."
        assert CareTeamMember.objects.filter(user=other_program_admin).exists() is False

    def test_a_closed_enrolment_care_team_cannot_change(
        self, make_enrollment: MakeEnrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        enrollment = make_enrollment(status=S.DISENROLLED, care_manager=care_manager)

        with pytest.raises(DomainError) as refused:
            care_team_member_add(
                enrollment=enrollment,
                role=CareTeamRole.NURSE,
                user=care_manager_same_team,
                acting_user=care_manager,
            )

        assert refused.value.message == "This enrolment has ended; its care team cannot change."
        assert CareTeamMember.objects.filter(user=care_manager_same_team).exists() is False

    def test_a_member_leaves_the_care_team(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        member = care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.NURSE,
            user=care_manager_same_team,
            acting_user=care_manager,
        )

        care_team_member_end(member=member, acting_user=care_manager, reason="Covering shift ended", on=LATER)

        stored = CareTeamMember.objects.get(pk=member.pk)
        assert (stored.ended_on, stored.end_reason) == (LATER, "Covering shift ended")

    def test_the_primary_care_manager_cannot_simply_be_removed(
        self, enrollment: Enrollment, care_manager: User, supervisor: User
    ) -> None:
        primary = CareTeamMember.objects.get(enrollment=enrollment, is_primary=True)

        with pytest.raises(DomainError) as refused:
            care_team_member_end(member=primary, acting_user=supervisor)

        assert refused.value.message == (
            "The primary care manager cannot simply be removed. Transfer the role to another care manager."
        )
        primary.refresh_from_db()
        assert (primary.user_id, primary.ended_on) == (care_manager.pk, None)

    def test_a_member_who_has_left_cannot_leave_again(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        member = care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.NURSE,
            user=care_manager_same_team,
            acting_user=care_manager,
        )
        care_team_member_end(member=member, acting_user=care_manager, on=TODAY)

        with pytest.raises(DomainError) as refused:
            care_team_member_end(member=member, acting_user=care_manager, on=LATER)

        assert refused.value.message == f"{care_manager_same_team} has already left the care team."
        assert CareTeamMember.objects.get(pk=member.pk).ended_on == TODAY

    def test_a_member_cannot_leave_before_joining(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        member = care_team_member_add(
            enrollment=enrollment,
            role=CareTeamRole.NURSE,
            user=care_manager_same_team,
            acting_user=care_manager,
            on=LATER,
        )

        with pytest.raises(DomainError) as refused:
            care_team_member_end(member=member, acting_user=care_manager, on=TODAY)

        assert refused.value.message == "The end date is before this person joined the care team."
        assert CareTeamMember.objects.get(pk=member.pk).ended_on is None


class TestEnrollmentChangePhase:
    def test_moving_to_wellness_keeps_the_date_and_evidence(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        enrollment_change_phase(
            enrollment=enrollment,
            phase=Phase.WELLNESS,
            evidence="  Co-created plan with two goals; calls back on their own.  ",
            acting_user=care_manager,
            on=LATER,
        )

        stored = _stored(enrollment)
        assert (stored.phase, stored.phase_changed_on, stored.phase_change_evidence) == (
            Phase.WELLNESS,
            LATER,
            "Co-created plan with two goals; calls back on their own.",
        )

    @pytest.mark.parametrize("evidence", ["", "  \n "])
    def test_a_phase_change_needs_evidence(
        self, enrollment: Enrollment, care_manager: User, evidence: str
    ) -> None:
        with pytest.raises(DomainError) as refused:
            enrollment_change_phase(
                enrollment=enrollment, phase=Phase.WELLNESS, evidence=evidence, acting_user=care_manager
            )

        assert refused.value.message == (
            "Say what shows the change of phase (for example, a co-created plan and trust built)."
        )
        stored = _stored(enrollment)
        assert (stored.phase, stored.phase_changed_on) == (Phase.ENGAGEMENT, None)

    @pytest.mark.parametrize("status", [S.REFERRED, S.SCREENING, S.GRADUATED, S.DISENROLLED])
    def test_the_phase_changes_only_while_in_care(
        self, make_enrollment: MakeEnrollment, care_manager: User, status: str
    ) -> None:
        enrollment = make_enrollment(status=status, care_manager=care_manager)

        with pytest.raises(DomainError) as refused:
            enrollment_change_phase(
                enrollment=enrollment, phase=Phase.WELLNESS, evidence="Trust built", acting_user=care_manager
            )

        assert refused.value.message == "The phase can change only while the person is in care."
        assert _stored(enrollment).phase == Phase.ENGAGEMENT

    def test_the_same_phase_again_is_refused(self, enrollment: Enrollment, care_manager: User) -> None:
        with pytest.raises(DomainError) as refused:
            enrollment_change_phase(
                enrollment=enrollment,
                phase=Phase.ENGAGEMENT,
                evidence="Still building trust",
                acting_user=care_manager,
            )

        assert refused.value.message == "The enrolment is already in the engagement (building trust) phase."
        assert _stored(enrollment).phase_changed_on is None

    def test_an_unknown_phase_is_refused(self, enrollment: Enrollment, care_manager: User) -> None:
        with pytest.raises(DomainError) as refused:
            enrollment_change_phase(
                enrollment=enrollment, phase="bliss", evidence="Happy", acting_user=care_manager
            )

        assert refused.value.message == "“bliss” is not a phase."
        assert _stored(enrollment).phase == Phase.ENGAGEMENT


class TestReferralReceive:
    def test_a_referral_creates_the_patient_the_enrolment_and_the_referral(
        self, program: Program, program_admin: User
    ) -> None:
        received_at = datetime.datetime(2025, 3, 1, 14, 30, tzinfo=datetime.UTC)
        person = person_details(
            legal_first_name="Quillon",
            legal_last_name="Testwood",
            mrn="TEST-7001",
            date_of_birth=datetime.date(1971, 6, 2),
        )

        enrollment = referral_receive(
            program=program,
            person=person,
            referral=referral_details(source=ReferralSource.EMERGENCY_DEPARTMENT, received_at=received_at),
            acting_user=program_admin,
        )

        patient = Patient.objects.get()
        assert (patient.program_id, patient.mrn, patient.legal_name, patient.date_of_birth) == (
            program.pk,
            "TEST-7001",
            "Quillon Testwood",
            datetime.date(1971, 6, 2),
        )
        stored = Enrollment.objects.get()
        assert (stored.pk, stored.patient_id, stored.status, stored.referred_on, stored.team_id) == (
            enrollment.pk,
            patient.pk,
            S.REFERRED,
            datetime.date(2025, 3, 1),
            None,
        )
        assert stored.previous_enrollment_id is None
        referral = Referral.objects.get()
        assert (referral.enrollment_id, referral.source, referral.received_at, referral.received_by_id) == (
            enrollment.pk,
            ReferralSource.EMERGENCY_DEPARTMENT,
            received_at,
            program_admin.pk,
        )

    def test_a_referral_without_a_time_is_received_now(self, program: Program, program_admin: User) -> None:
        enrollment = referral_receive(
            program=program,
            person=person_details(),
            referral=referral_details(),
            acting_user=program_admin,
        )

        assert Referral.objects.get(enrollment=enrollment).received_at == NOW
        assert _stored(enrollment).referred_on == TODAY

    def test_a_person_with_an_open_enrolment_cannot_be_referred_again(
        self, enrollment: Enrollment, program_admin: User
    ) -> None:
        referrals_before = Referral.objects.count()

        with pytest.raises(DomainError) as refused:
            referral_receive(
                program=enrollment.program,
                person=person_details(),
                referral=referral_details(),
                acting_user=program_admin,
                existing_patient=enrollment.patient,
            )

        assert refused.value.message == (
            "This person already has an open enrolment. Add to that one instead of starting another."
        )
        assert list(Enrollment.objects.filter(patient=enrollment.patient).values_list("pk", flat=True)) == [
            enrollment.pk
        ]
        assert Referral.objects.count() == referrals_before

    def test_a_returning_person_gets_a_new_episode_linked_to_the_last_one(
        self, make_enrollment: MakeEnrollment, care_manager: User, program_admin: User
    ) -> None:
        first = make_enrollment(status=S.GRADUATED, care_manager=care_manager)
        patients_before = Patient.objects.count()

        second = referral_receive(
            program=first.program,
            person=person_details(),
            referral=referral_details(reason="Came back after a hospital stay"),
            acting_user=program_admin,
            existing_patient=first.patient,
        )

        stored = _stored(second)
        assert (stored.patient_id, stored.status, stored.previous_enrollment_id) == (
            first.patient_id,
            S.REFERRED,
            first.pk,
        )
        assert Patient.objects.count() == patients_before
        assert Enrollment.objects.filter(patient=first.patient).count() == 2

    def test_a_patient_of_another_program_is_refused(
        self, other_program: Program, program_admin: User, program: Program
    ) -> None:
        outsider = PatientFactory(program=other_program)

        with pytest.raises(DomainError) as refused:
            referral_receive(
                program=program,
                person=person_details(),
                referral=referral_details(),
                acting_user=program_admin,
                existing_patient=outsider,
            )

        assert refused.value.message == "This person belongs to another program."
        assert Enrollment.objects.filter(patient=outsider).exists() is False

    def test_a_referral_that_fails_part_way_writes_nothing(
        self, program: Program, program_admin: User
    ) -> None:
        # The patient and the enrolment are saved before the referral fails validation.
        with pytest.raises(ValidationError) as refused:
            referral_receive(
                program=program,
                person=person_details(mrn="TEST-7002"),
                referral=referral_details(source="carrier_pigeon"),
                acting_user=program_admin,
            )

        assert "source" in refused.value.message_dict
        assert Patient.objects.exists() is False
        assert Enrollment.objects.exists() is False
        assert Referral.objects.exists() is False


class TestDatesAndReasons:
    def test_a_care_team_member_cannot_start_before_the_referral(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        before = _care_team(enrollment)
        with pytest.raises(DomainError) as refused:
            care_team_member_add(
                enrollment=enrollment,
                role="nurse",
                user=care_manager_same_team,
                acting_user=care_manager,
                on=enrollment.referred_on - datetime.timedelta(days=1),
            )
        assert refused.value.message == "The date is before the referral was received."
        assert _care_team(enrollment) == before

    def test_a_first_primary_cannot_start_before_the_referral(
        self, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        referred = make_enrollment(status=EnrollmentStatus.REFERRED)
        with pytest.raises(DomainError) as refused:
            primary_care_manager_assign(
                enrollment=referred,
                care_manager=care_manager,
                acting_user=care_manager,
                on=referred.referred_on - datetime.timedelta(days=1),
            )
        assert refused.value.message == "The date is before the referral was received."
        assert referred.care_team.exists() is False

    def test_declining_with_a_different_reason_is_refused_rather_than_overwritten(
        self, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        referred = make_enrollment(status=EnrollmentStatus.REFERRED)
        with pytest.raises(DomainError) as refused:
            enrollment_move(
                enrollment=referred,
                to_status=EnrollmentStatus.DECLINED,
                end_reason=EndReason.UNABLE_TO_REACH,
                acting_user=care_manager,
            )
        assert "disenrol the person instead" in refused.value.message
        assert _stored(referred).status == EnrollmentStatus.REFERRED
