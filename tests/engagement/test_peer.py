"""Peer support rules: the program's groups and mentors, connections, peer contacts, and the record's read."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from accounts.errors import DomainError
from accounts.models import Program, User
from engagement.models import PeerConnection, PeerContact, PeerGroup, PeerGroupFormat, PeerMentor
from engagement.peer import peer_connections_of, peer_directory_for, peer_options_for
from engagement.peer_services import (
    peer_connection_end,
    peer_connection_start,
    peer_contact_log,
    peer_group_save,
    peer_mentor_save,
)
from patients.models import Enrollment, EnrollmentStatus

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def make_group(program: Program, name: str = "Tuesday Circle", **fields: object) -> PeerGroup:
    defaults: dict[str, object] = {
        "format": PeerGroupFormat.IN_PERSON,
        "meets": "Tuesdays 6pm at the library",
        "leader_name": "Synthetic Leader",
    }
    return PeerGroup.objects.create(program=program, name=name, **(defaults | fields))


def make_mentor(program: Program, name: str = "Rosa T.", **fields: object) -> PeerMentor:
    return PeerMentor.objects.create(program=program, name=name, **({"is_graduate": True} | fields))


def referred_weeks_ago(enrollment: Enrollment, weeks: int = 8) -> datetime.date:
    """Move the referral back so there are past days to date things on; returns the program's today."""
    today = enrollment.program.today()
    Enrollment.objects.filter(pk=enrollment.pk).update(referred_on=today - datetime.timedelta(weeks=weeks))
    enrollment.refresh_from_db()
    return today


@pytest.fixture
def today(enrollment: Enrollment) -> datetime.date:
    return referred_weeks_ago(enrollment)


@pytest.fixture
def group(program: Program) -> PeerGroup:
    return make_group(program)


@pytest.fixture
def mentor(program: Program) -> PeerMentor:
    return make_mentor(program)


class TestGroupsAndMentors:
    @pytest.mark.parametrize("persona", ["supervisor", "program_admin"])
    def test_supervisors_and_admins_add_a_group(self, request, program: Program, persona: str) -> None:
        user = request.getfixturevalue(persona)
        group = peer_group_save(
            program=program,
            acting_user=user,
            name="  Thursday   Online Circle ",
            group_format=PeerGroupFormat.ONLINE,
            meets=" Thursdays 7pm on Zoom ",
            leader_name="Synthetic Leader",
            leader_phone="555-0100",
        )
        stored = PeerGroup.objects.get(pk=group.pk)
        assert (stored.name, stored.format, stored.meets, stored.leader_phone, stored.is_active) == (
            "Thursday Online Circle",
            PeerGroupFormat.ONLINE,
            "Thursdays 7pm on Zoom",
            "555-0100",
            True,
        )

    @pytest.mark.parametrize("persona", ["care_manager", "program_lead", "other_program_admin"])
    def test_others_may_not_add_a_group(self, request, program: Program, persona: str) -> None:
        user = request.getfixturevalue(persona)
        with pytest.raises(DomainError, match="Only the program's supervisors and admins"):
            peer_group_save(program=program, acting_user=user, name="Circle", group_format="in_person")
        assert PeerGroup.objects.exists() is False

    def test_a_group_name_is_unique_in_the_program_whatever_its_case(
        self, program: Program, supervisor: User, group: PeerGroup
    ) -> None:
        with pytest.raises(DomainError, match="already a group called “tuesday circle”"):
            peer_group_save(
                program=program, acting_user=supervisor, name="tuesday circle", group_format="online"
            )
        assert PeerGroup.objects.count() == 1

    def test_editing_a_group_keeps_its_own_name_and_can_retire_it(
        self, program: Program, supervisor: User, group: PeerGroup
    ) -> None:
        peer_group_save(
            program=program,
            acting_user=supervisor,
            group=group,
            name="Tuesday Circle",
            group_format=PeerGroupFormat.IN_PERSON,
            meets="Tuesdays 7pm at the library",
            is_active=False,
        )
        group.refresh_from_db()
        assert (group.meets, group.is_active) == ("Tuesdays 7pm at the library", False)

    def test_an_unknown_format_is_refused(self, program: Program, supervisor: User) -> None:
        with pytest.raises(DomainError, match="in person or online"):
            peer_group_save(program=program, acting_user=supervisor, name="Circle", group_format="radio")

    def test_another_programs_group_cannot_be_changed(
        self, other_program: Program, other_program_admin: User, group: PeerGroup
    ) -> None:
        with pytest.raises(DomainError, match="belongs to another program"):
            peer_group_save(
                program=other_program,
                acting_user=other_program_admin,
                group=group,
                name="Taken over",
                group_format="online",
            )
        group.refresh_from_db()
        assert group.name == "Tuesday Circle"

    def test_a_mentor_is_added_with_their_details(self, program: Program, program_admin: User) -> None:
        mentor = peer_mentor_save(
            program=program,
            acting_user=program_admin,
            name=" Rosa  T. ",
            phone="555-0111",
            email="rosa@example.org",
            is_graduate=True,
            languages="English, Spanish",
            notes="Free weekday evenings.",
        )
        stored = PeerMentor.objects.get(pk=mentor.pk)
        assert (stored.name, stored.email, stored.is_graduate, stored.languages, stored.is_active) == (
            "Rosa T.",
            "rosa@example.org",
            True,
            "English, Spanish",
            True,
        )

    def test_a_mentor_email_must_be_an_address(self, program: Program, supervisor: User) -> None:
        with pytest.raises(DomainError, match="email address like"):
            peer_mentor_save(program=program, acting_user=supervisor, name="Sam", email="not an address")
        assert PeerMentor.objects.exists() is False

    def test_a_mentor_name_is_unique_in_the_program(
        self, program: Program, supervisor: User, mentor: PeerMentor
    ) -> None:
        with pytest.raises(DomainError, match="already a mentor called"):
            peer_mentor_save(program=program, acting_user=supervisor, name="ROSA T.")

    def test_the_same_name_may_be_used_in_another_program(
        self, other_program: Program, other_program_admin: User, mentor: PeerMentor
    ) -> None:
        peer_mentor_save(program=other_program, acting_user=other_program_admin, name="Rosa T.")
        assert PeerMentor.objects.filter(name="Rosa T.").count() == 2

    def test_a_care_manager_may_not_add_a_mentor(self, program: Program, care_manager: User) -> None:
        with pytest.raises(DomainError):
            peer_mentor_save(program=program, acting_user=care_manager, name="Sam")
        assert PeerMentor.objects.exists() is False

    def test_a_mentor_change_is_kept_in_the_history(
        self, program: Program, supervisor: User, mentor: PeerMentor
    ) -> None:
        peer_mentor_save(program=program, acting_user=supervisor, mentor=mentor, name="Rosa Torres")
        assert [event.name for event in mentor.events.order_by("pgh_id")] == ["Rosa T.", "Rosa Torres"]


class TestConnecting:
    def test_connects_to_a_group(
        self, enrollment: Enrollment, care_manager: User, group: PeerGroup, today: datetime.date
    ) -> None:
        connection = peer_connection_start(
            enrollment=enrollment, acting_user=care_manager, group=group, started_on=today, note=" Keen. "
        )
        stored = PeerConnection.objects.get(pk=connection.pk)
        assert (stored.enrollment_id, stored.group_id, stored.mentor_id, stored.started_on, stored.note) == (
            enrollment.pk,
            group.pk,
            None,
            today,
            "Keen.",
        )

    def test_connects_to_a_mentor(
        self, enrollment: Enrollment, care_manager: User, mentor: PeerMentor, today: datetime.date
    ) -> None:
        connection = peer_connection_start(
            enrollment=enrollment, acting_user=care_manager, mentor=mentor, started_on=today - DAY
        )
        assert PeerConnection.objects.get(pk=connection.pk).mentor_id == mentor.pk

    def test_the_start_cannot_be_in_the_future(
        self, enrollment: Enrollment, care_manager: User, group: PeerGroup, today: datetime.date
    ) -> None:
        with pytest.raises(DomainError, match="in the future"):
            peer_connection_start(
                enrollment=enrollment, acting_user=care_manager, group=group, started_on=today + DAY
            )
        assert PeerConnection.objects.exists() is False

    def test_the_start_cannot_be_before_the_referral(
        self, enrollment: Enrollment, care_manager: User, group: PeerGroup, today: datetime.date
    ) -> None:
        with pytest.raises(DomainError, match="before the person was referred"):
            peer_connection_start(
                enrollment=enrollment,
                acting_user=care_manager,
                group=group,
                started_on=enrollment.referred_on - DAY,
            )
        assert PeerConnection.objects.exists() is False

    def test_a_group_no_longer_meeting_cannot_be_chosen(
        self, enrollment: Enrollment, care_manager: User, program: Program, today: datetime.date
    ) -> None:
        retired = make_group(program, "Old Circle", is_active=False)
        with pytest.raises(DomainError, match="still meets"):
            peer_connection_start(
                enrollment=enrollment, acting_user=care_manager, group=retired, started_on=today
            )
        assert PeerConnection.objects.exists() is False

    def test_a_mentor_no_longer_volunteering_cannot_be_chosen(
        self, enrollment: Enrollment, care_manager: User, program: Program, today: datetime.date
    ) -> None:
        resting = make_mentor(program, "Sam K.", is_active=False)
        with pytest.raises(DomainError, match="still volunteers"):
            peer_connection_start(
                enrollment=enrollment, acting_user=care_manager, mentor=resting, started_on=today
            )

    def test_another_programs_group_cannot_be_chosen(
        self, enrollment: Enrollment, care_manager: User, other_program: Program, today: datetime.date
    ) -> None:
        elsewhere = make_group(other_program, "Elsewhere Circle")
        with pytest.raises(DomainError, match="still meets"):
            peer_connection_start(
                enrollment=enrollment, acting_user=care_manager, group=elsewhere, started_on=today
            )
        assert PeerConnection.objects.exists() is False

    def test_one_open_connection_per_group(
        self, enrollment: Enrollment, care_manager: User, group: PeerGroup, today: datetime.date
    ) -> None:
        first = peer_connection_start(
            enrollment=enrollment, acting_user=care_manager, group=group, started_on=today - 7 * DAY
        )
        with pytest.raises(DomainError, match="already connected to the group “Tuesday Circle”"):
            peer_connection_start(
                enrollment=enrollment, acting_user=care_manager, group=group, started_on=today
            )
        assert PeerConnection.objects.count() == 1
        # Once it has ended, they may join again.
        peer_connection_end(connection=first, acting_user=care_manager, ended_on=today - DAY)
        peer_connection_start(enrollment=enrollment, acting_user=care_manager, group=group, started_on=today)
        assert PeerConnection.objects.filter(ended_on__isnull=True).count() == 1

    def test_one_open_connection_per_mentor(
        self, enrollment: Enrollment, care_manager: User, mentor: PeerMentor, today: datetime.date
    ) -> None:
        peer_connection_start(
            enrollment=enrollment, acting_user=care_manager, mentor=mentor, started_on=today
        )
        with pytest.raises(DomainError, match=r"already connected to Rosa T\."):
            peer_connection_start(
                enrollment=enrollment, acting_user=care_manager, mentor=mentor, started_on=today
            )
        assert PeerConnection.objects.count() == 1

    def test_a_group_and_a_mentor_at_once_is_refused(
        self, enrollment: Enrollment, care_manager: User, group: PeerGroup, mentor: PeerMentor, today
    ) -> None:
        with pytest.raises(DomainError, match="one group or one mentor"):
            peer_connection_start(
                enrollment=enrollment, acting_user=care_manager, group=group, mentor=mentor, started_on=today
            )
        with pytest.raises(DomainError, match="one group or one mentor"):
            peer_connection_start(enrollment=enrollment, acting_user=care_manager, started_on=today)
        assert PeerConnection.objects.exists() is False

    def test_only_while_the_person_is_in_care(
        self, make_enrollment, care_manager: User, group: PeerGroup
    ) -> None:
        graduated = make_enrollment(status=EnrollmentStatus.GRADUATED, care_manager=care_manager)
        with pytest.raises(DomainError, match="only while the person is in outreach or in care"):
            peer_connection_start(
                enrollment=graduated,
                acting_user=care_manager,
                group=group,
                started_on=graduated.program.today(),
            )
        assert PeerConnection.objects.exists() is False


class TestDatabaseRules:
    def test_a_connection_has_either_a_group_or_a_mentor(
        self, enrollment: Enrollment, group: PeerGroup, mentor: PeerMentor
    ) -> None:
        today = enrollment.program.today()
        with pytest.raises(IntegrityError), transaction.atomic():
            PeerConnection.objects.create(enrollment=enrollment, group=group, mentor=mentor, started_on=today)
        with pytest.raises(IntegrityError), transaction.atomic():
            PeerConnection.objects.create(enrollment=enrollment, started_on=today)
        # A mentor named only (older connections, demo data) still counts.
        PeerConnection.objects.create(enrollment=enrollment, mentor_name="Synthetic Mentor", started_on=today)

    def test_the_database_refuses_a_second_open_connection_to_a_group(
        self, enrollment: Enrollment, group: PeerGroup
    ) -> None:
        today = enrollment.program.today()
        PeerConnection.objects.create(enrollment=enrollment, group=group, started_on=today)
        with pytest.raises(IntegrityError), transaction.atomic():
            PeerConnection.objects.create(enrollment=enrollment, group=group, started_on=today)


@pytest.fixture
def connection(
    enrollment: Enrollment, care_manager: User, group: PeerGroup, today: datetime.date
) -> PeerConnection:
    return peer_connection_start(
        enrollment=enrollment, acting_user=care_manager, group=group, started_on=today - 14 * DAY
    )


class TestPeerContacts:
    def test_a_peer_contact_is_stored_with_who_recorded_it(
        self, connection: PeerConnection, care_manager: User, today: datetime.date
    ) -> None:
        contact = peer_contact_log(
            connection=connection,
            acting_user=care_manager,
            occurred_on=today,
            note=" Spoke for the first time. ",
        )
        stored = PeerContact.objects.get(pk=contact.pk)
        assert (stored.connection_id, stored.occurred_on, stored.note, stored.recorded_by_id) == (
            connection.pk,
            today,
            "Spoke for the first time.",
            care_manager.pk,
        )

    @pytest.mark.parametrize(
        ("days_from_today", "refusal"),
        [(1, "in the future"), (-15, "before they were connected")],
    )
    def test_the_day_falls_within_the_connection(
        self,
        connection: PeerConnection,
        care_manager: User,
        today: datetime.date,
        days_from_today: int,
        refusal,
    ) -> None:
        with pytest.raises(DomainError, match=refusal):
            peer_contact_log(
                connection=connection, acting_user=care_manager, occurred_on=today + days_from_today * DAY
            )
        assert PeerContact.objects.exists() is False

    def test_no_contact_after_the_connection_ended(
        self, connection: PeerConnection, care_manager: User, today: datetime.date
    ) -> None:
        peer_connection_end(connection=connection, acting_user=care_manager, ended_on=today - 2 * DAY)
        with pytest.raises(DomainError, match="after the connection ended"):
            peer_contact_log(connection=connection, acting_user=care_manager, occurred_on=today)
        # A contact from before the end can still be noted.
        peer_contact_log(connection=connection, acting_user=care_manager, occurred_on=today - 3 * DAY)
        assert PeerContact.objects.count() == 1


class TestEnding:
    def test_ending_keeps_the_connection_with_its_end_date(
        self, connection: PeerConnection, care_manager: User, today: datetime.date
    ) -> None:
        peer_connection_end(connection=connection, acting_user=care_manager, ended_on=today)
        connection.refresh_from_db()
        assert connection.ended_on == today

    def test_an_ended_connection_cannot_end_again(
        self, connection: PeerConnection, care_manager: User, today: datetime.date
    ) -> None:
        peer_connection_end(connection=connection, acting_user=care_manager, ended_on=today - DAY)
        with pytest.raises(DomainError, match="already ended"):
            peer_connection_end(connection=connection, acting_user=care_manager, ended_on=today)
        connection.refresh_from_db()
        assert connection.ended_on == today - DAY

    def test_the_end_cannot_come_before_the_start_or_the_last_contact(
        self, connection: PeerConnection, care_manager: User, today: datetime.date
    ) -> None:
        with pytest.raises(DomainError, match="before they were connected"):
            peer_connection_end(connection=connection, acting_user=care_manager, ended_on=today - 15 * DAY)
        peer_contact_log(connection=connection, acting_user=care_manager, occurred_on=today - 3 * DAY)
        with pytest.raises(DomainError, match="before the last peer contact"):
            peer_connection_end(connection=connection, acting_user=care_manager, ended_on=today - 4 * DAY)
        with pytest.raises(DomainError, match="in the future"):
            peer_connection_end(connection=connection, acting_user=care_manager, ended_on=today + DAY)
        connection.refresh_from_db()
        assert connection.ended_on is None


class TestReads:
    def test_connections_come_current_first_with_their_last_contact_in_one_query(
        self,
        enrollment: Enrollment,
        care_manager: User,
        program: Program,
        today: datetime.date,
        django_assert_num_queries,
    ) -> None:
        ended = peer_connection_start(
            enrollment=enrollment,
            acting_user=care_manager,
            group=make_group(program, "Old Circle"),
            started_on=today - 30 * DAY,
        )
        peer_connection_end(connection=ended, acting_user=care_manager, ended_on=today - 20 * DAY)
        group_connection = peer_connection_start(
            enrollment=enrollment,
            acting_user=care_manager,
            group=make_group(program),
            started_on=today - 10 * DAY,
        )
        mentor_connection = peer_connection_start(
            enrollment=enrollment,
            acting_user=care_manager,
            mentor=make_mentor(program),
            started_on=today - 5 * DAY,
        )
        for days_ago, note in [(9, "First meeting."), (2, "Brought a friend."), (6, "Quiet week.")]:
            peer_contact_log(
                connection=group_connection,
                acting_user=care_manager,
                occurred_on=today - days_ago * DAY,
                note=note,
            )
        with django_assert_num_queries(1):
            connections = peer_connections_of(enrollment=enrollment)
            described = [
                (
                    c.pk,
                    c.group.name if c.group else c.mentor.name,
                    c.last_contact_on,
                    c.last_contact_note,
                    c.contact_count,
                )
                for c in connections
            ]
        assert described == [
            (mentor_connection.pk, "Rosa T.", None, None, 0),
            (group_connection.pk, "Tuesday Circle", today - 2 * DAY, "Brought a friend.", 3),
            (ended.pk, "Old Circle", None, None, 0),
        ]

    def test_another_episodes_connections_are_not_shown(
        self, enrollment: Enrollment, enrollment_other_team: Enrollment, group: PeerGroup
    ) -> None:
        PeerConnection.objects.create(
            enrollment=enrollment_other_team, group=group, started_on=enrollment_other_team.referred_on
        )
        assert peer_connections_of(enrollment=enrollment) == []

    def test_the_directory_is_the_users_program_with_people_connected_now(
        self,
        enrollment: Enrollment,
        enrollment_other_team: Enrollment,
        care_manager: User,
        group: PeerGroup,
        mentor: PeerMentor,
        other_program: Program,
    ) -> None:
        make_group(other_program, "Elsewhere Circle")
        make_mentor(other_program, "Elsewhere Mentor")
        today = enrollment.program.today()
        PeerConnection.objects.create(enrollment=enrollment, group=group, started_on=today)
        PeerConnection.objects.create(enrollment=enrollment_other_team, group=group, started_on=today)
        PeerConnection.objects.create(enrollment=enrollment, mentor=mentor, started_on=today, ended_on=today)
        directory = peer_directory_for(user=care_manager)
        assert [(g.name, g.connected_count) for g in directory.groups] == [("Tuesday Circle", 2)]
        assert [(m.name, m.connected_count) for m in directory.mentors] == [("Rosa T.", 0)]

    def test_only_groups_meeting_and_mentors_volunteering_are_offered(
        self, program: Program, group: PeerGroup, mentor: PeerMentor
    ) -> None:
        make_group(program, "Old Circle", is_active=False)
        make_mentor(program, "Sam K.", is_active=False)
        options = peer_options_for(program=program)
        assert [g.name for g in options.groups] == ["Tuesday Circle"]
        assert [m.name for m in options.mentors] == ["Rosa T."]
