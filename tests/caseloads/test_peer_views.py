"""Peer support pages: the program's groups and mentors, and the peer support card on the record."""

import datetime
import html
import re
import zoneinfo

import pytest
from django.db import connection as database
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Program
from engagement.models import PeerConnection, PeerContact, PeerGroup, PeerGroupFormat, PeerMentor
from engagement.peer_services import peer_connection_start, peer_contact_log
from patients.models import Enrollment

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
DAY = datetime.timedelta(days=1)
PAGE_URL = reverse("caseloads:peer-support")


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def make_group(program: Program, name: str = "Tuesday Circle", **fields: object) -> PeerGroup:
    defaults: dict[str, object] = {
        "format": PeerGroupFormat.IN_PERSON,
        "meets": "Tuesdays 6pm at the library",
        "leader_name": "Synthetic Leader",
    }
    return PeerGroup.objects.create(program=program, name=name, **(defaults | fields))


def make_mentor(program: Program, name: str = "Rosa T.", **fields: object) -> PeerMentor:
    return PeerMentor.objects.create(program=program, name=name, **({"is_graduate": True} | fields))


def record_url(enrollment: Enrollment) -> str:
    return reverse("caseloads:patient-record", kwargs={"patient_id": enrollment.patient_id})


def connect_url(enrollment: Enrollment) -> str:
    return reverse("caseloads:peer-connection-create", kwargs={"patient_id": enrollment.patient_id})


def contact_url(connection: PeerConnection) -> str:
    return reverse(
        "caseloads:peer-contact-create",
        kwargs={"patient_id": connection.enrollment.patient_id, "connection_id": connection.pk},
    )


def end_url(connection: PeerConnection) -> str:
    return reverse(
        "caseloads:peer-connection-end",
        kwargs={"patient_id": connection.enrollment.patient_id, "connection_id": connection.pk},
    )


def group_data(**changes: str) -> dict[str, str]:
    values = {
        "name": "Thursday Online Circle",
        "format": "online",
        "meets": "Thursdays 7pm on Zoom",
        "leader_name": "Synthetic Leader",
        "leader_phone": "555-0100",
    } | changes
    return {"add": "group"} | {f"group-{name}": value for name, value in values.items()}


def mentor_data(**changes: str) -> dict[str, str]:
    values = {
        "name": "Rosa T.",
        "is_graduate": "on",
        "languages": "English, Spanish",
        "phone": "555-0111",
        "email": "rosa@example.org",
        "notes": "Free weekday evenings.",
    } | changes
    return {"add": "mentor"} | {f"mentor-{name}": value for name, value in values.items()}


def connect_data(choice: str, started_on: datetime.date, note: str = "") -> dict[str, str]:
    return {
        "peer-connect-connect_to": choice,
        "peer-connect-started_on": str(started_on),
        "peer-connect-note": note,
    }


@pytest.fixture
def today(enrollment: Enrollment) -> datetime.date:
    """The program's today, with the referral eight weeks back so there are past days to date things on."""
    today = enrollment.program.today()
    Enrollment.objects.filter(pk=enrollment.pk).update(referred_on=today - datetime.timedelta(weeks=8))
    return today


@pytest.fixture
def group(program: Program) -> PeerGroup:
    return make_group(program)


@pytest.fixture
def mentor(program: Program) -> PeerMentor:
    return make_mentor(program)


@pytest.fixture
def connection(
    enrollment: Enrollment, care_manager, group: PeerGroup, today: datetime.date
) -> PeerConnection:
    return peer_connection_start(
        enrollment=enrollment, acting_user=care_manager, group=group, started_on=today - 14 * DAY
    )


class TestPeerSupportPage:
    @pytest.mark.parametrize(
        ("persona", "can_manage"),
        [("supervisor", True), ("program_admin", True), ("care_manager", False), ("program_lead", False)],
    )
    def test_everyone_in_the_program_reads_the_list_and_managers_may_add(
        self, client, request, group: PeerGroup, mentor: PeerMentor, persona: str, can_manage: bool
    ) -> None:
        client.force_login(request.getfixturevalue(persona))
        response = client.get(PAGE_URL)
        assert response.status_code == 200
        page = text_of(response)
        assert "Tuesday Circle In person Meets Tuesdays 6pm at the library Led by Synthetic Leader" in page
        assert "Rosa T. Program graduate" in page
        assert ("Add a group" in page) is can_manage
        assert ("Add a mentor" in page) is can_manage
        edit_link = reverse("caseloads:peer-group-update", args=[group.pk])
        assert (edit_link in response.content.decode()) is can_manage

    def test_another_programs_groups_and_mentors_are_not_listed(
        self, client, care_manager, other_program: Program, group: PeerGroup
    ) -> None:
        make_group(other_program, "Elsewhere Circle")
        make_mentor(other_program, "Elsewhere Mentor")
        client.force_login(care_manager)
        page = text_of(client.get(PAGE_URL))
        assert "Tuesday Circle" in page
        assert "Elsewhere" not in page

    def test_a_supervisor_adds_a_group(self, client, supervisor, program: Program) -> None:
        client.force_login(supervisor)
        response = client.post(PAGE_URL, group_data())
        group = PeerGroup.objects.get()
        assert response.status_code == 302
        assert response["Location"] == f"{PAGE_URL}#group-{group.pk}"
        assert (group.program, group.name, group.format, group.meets, group.leader_phone) == (
            program,
            "Thursday Online Circle",
            "online",
            "Thursdays 7pm on Zoom",
            "555-0100",
        )
        page = text_of(client.get(PAGE_URL))
        assert "Added “Thursday Online Circle”." in page
        assert "Meets Thursdays 7pm on Zoom" in page

    def test_a_program_admin_adds_a_graduate_mentor(self, client, program_admin, program: Program) -> None:
        client.force_login(program_admin)
        response = client.post(PAGE_URL, mentor_data())
        assert response.status_code == 302
        mentor = PeerMentor.objects.get()
        assert (mentor.program, mentor.name, mentor.is_graduate, mentor.languages, mentor.email) == (
            program,
            "Rosa T.",
            True,
            "English, Spanish",
            "rosa@example.org",
        )

    @pytest.mark.parametrize("persona", ["care_manager", "program_lead"])
    def test_readers_may_not_add(self, client, request, persona: str) -> None:
        client.force_login(request.getfixturevalue(persona))
        assert client.post(PAGE_URL, group_data()).status_code == 403
        assert client.post(PAGE_URL, mentor_data()).status_code == 403
        assert PeerGroup.objects.exists() is False
        assert PeerMentor.objects.exists() is False

    @pytest.mark.parametrize(
        ("data", "error"),
        [
            (group_data(name=""), "This field is required."),
            (group_data(format="radio"), "Select a valid choice."),
            (group_data(name="tuesday circle"), "There is already a group called “tuesday circle”."),
            (mentor_data(email="not an address"), "Enter a valid email address."),
            (mentor_data(name="  "), "This field is required."),
        ],
    )
    def test_bad_input_is_shown_on_the_form_and_nothing_is_stored(
        self, client, supervisor, group: PeerGroup, data: dict[str, str], error: str
    ) -> None:
        client.force_login(supervisor)
        response = client.post(PAGE_URL, data)
        assert response.status_code == 422
        assert error in text_of(response)
        assert PeerGroup.objects.count() == 1
        assert PeerMentor.objects.exists() is False

    @pytest.mark.parametrize("size", [2, 20])
    def test_the_page_costs_the_same_whatever_the_number_of_groups(
        self,
        client,
        supervisor,
        program: Program,
        enrollment: Enrollment,
        size: int,
        django_assert_num_queries,
    ) -> None:
        for number in range(size):
            group = make_group(program, f"Circle {number}")
            mentor = make_mentor(program, f"Mentor {number}", is_graduate=number % 2 == 0)
            PeerConnection.objects.create(
                enrollment=enrollment, group=group, started_on=enrollment.referred_on
            )
            PeerConnection.objects.create(
                enrollment=enrollment, mentor=mentor, started_on=enrollment.referred_on
            )
        client.force_login(supervisor)
        client.get(PAGE_URL)  # the first request also reads the program's time zone
        # session, user, groups with their counts, mentors with theirs, session save (with its savepoint)
        with django_assert_num_queries(7):
            response = client.get(PAGE_URL)
        assert text_of(response).count("Connected now 1 person") == 2 * size


class TestEditing:
    def test_a_supervisor_edits_a_group_and_retires_it(self, client, supervisor, group: PeerGroup) -> None:
        client.force_login(supervisor)
        url = reverse("caseloads:peer-group-update", args=[group.pk])
        form = client.get(url)
        assert form.status_code == 200
        assert 'value="Tuesdays 6pm at the library"' in form.content.decode()
        data = {
            "name": "Tuesday Circle",
            "format": "in_person",
            "meets": "Tuesdays 7pm at the library",
            "leader_name": "New Leader",
            "no_longer_meeting": "on",
        }
        response = client.post(url, data)
        assert response.status_code == 302
        group.refresh_from_db()
        assert (group.meets, group.leader_name, group.is_active) == (
            "Tuesdays 7pm at the library",
            "New Leader",
            False,
        )
        assert "No longer meeting" in text_of(client.get(PAGE_URL))

    def test_a_program_admin_edits_a_mentor(self, client, program_admin, mentor: PeerMentor) -> None:
        client.force_login(program_admin)
        url = reverse("caseloads:peer-mentor-update", args=[mentor.pk])
        response = client.post(
            url, {"name": "Rosa T.", "languages": "Spanish", "no_longer_volunteering": "on"}
        )
        assert response.status_code == 302
        mentor.refresh_from_db()
        assert (mentor.languages, mentor.is_graduate, mentor.is_active) == ("Spanish", False, False)

    def test_bad_input_on_an_edit_keeps_what_was_stored(self, client, supervisor, group: PeerGroup) -> None:
        make_group(group.program, "Friday Circle")
        client.force_login(supervisor)
        url = reverse("caseloads:peer-group-update", args=[group.pk])
        response = client.post(url, {"name": "Friday Circle", "format": "online"})
        assert response.status_code == 422
        assert "There is already a group called “Friday Circle”." in text_of(response)
        group.refresh_from_db()
        assert (group.name, group.format) == ("Tuesday Circle", "in_person")

    @pytest.mark.parametrize("persona", ["care_manager", "program_lead"])
    def test_readers_may_not_edit(
        self, client, request, persona: str, group: PeerGroup, mentor: PeerMentor
    ) -> None:
        client.force_login(request.getfixturevalue(persona))
        group_url = reverse("caseloads:peer-group-update", args=[group.pk])
        mentor_url = reverse("caseloads:peer-mentor-update", args=[mentor.pk])
        assert client.get(group_url).status_code == 403
        assert client.post(group_url, {"name": "Renamed", "format": "online"}).status_code == 403
        assert client.post(mentor_url, {"name": "Renamed"}).status_code == 403
        group.refresh_from_db()
        mentor.refresh_from_db()
        assert (group.name, mentor.name) == ("Tuesday Circle", "Rosa T.")

    def test_another_programs_group_or_mentor_is_not_found(
        self, client, supervisor, other_program_admin, other_program: Program, group: PeerGroup
    ) -> None:
        elsewhere_group = make_group(other_program, "Elsewhere Circle")
        elsewhere_mentor = make_mentor(other_program, "Elsewhere Mentor")
        client.force_login(supervisor)
        assert (
            client.get(reverse("caseloads:peer-group-update", args=[elsewhere_group.pk])).status_code == 404
        )
        assert (
            client.get(reverse("caseloads:peer-mentor-update", args=[elsewhere_mentor.pk])).status_code == 404
        )
        assert client.get(reverse("caseloads:peer-group-update", args=[999_999_999])).status_code == 404
        client.force_login(other_program_admin)
        response = client.post(
            reverse("caseloads:peer-group-update", args=[group.pk]), {"name": "Taken", "format": "online"}
        )
        assert response.status_code == 404
        group.refresh_from_db()
        assert group.name == "Tuesday Circle"


class TestRecordCard:
    def test_the_record_shows_current_connections_and_the_last_peer_contact(
        self, client, care_manager, enrollment, connection, program, today
    ) -> None:
        peer_contact_log(
            connection=connection,
            acting_user=care_manager,
            occurred_on=today - 2 * DAY,
            note="Brought a friend.",
        )
        peer_connection_start(
            enrollment=enrollment, acting_user=care_manager, mentor=make_mentor(program), started_on=today
        )
        client.force_login(care_manager)
        page = text_of(client.get(record_url(enrollment)))
        last_contact = (today - 2 * DAY).strftime("%-d %b %Y")
        assert "Peer support" in page
        assert "Rosa T. Peer mentor, program graduate" in page
        assert (
            "Tuesday Circle In person group Meets Tuesdays 6pm at the library Led by Synthetic Leader" in page
        )
        assert f"Last peer contact {last_contact}" in page
        assert "Brought a friend." in page
        assert "Log a peer contact" in page
        assert "Connect to a group or mentor" in page

    def test_a_reader_sees_the_connections_without_the_forms(
        self, client, program_lead, enrollment, connection
    ) -> None:
        client.force_login(program_lead)
        page = text_of(client.get(record_url(enrollment)))
        assert "Tuesday Circle" in page
        assert "Log a peer contact" not in page
        assert "Connect to a group or mentor" not in page

    def test_nothing_yet_says_so(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)
        assert "Not connected to a peer group or mentor yet." in text_of(client.get(record_url(enrollment)))

    def test_the_connect_form_offers_the_programs_active_groups_and_mentors(
        self, client, care_manager, enrollment, group, mentor, program, other_program
    ) -> None:
        make_group(program, "Old Circle", is_active=False)
        make_group(other_program, "Elsewhere Circle")
        client.force_login(care_manager)
        response = client.get(connect_url(enrollment), headers=HTMX)
        assert response.status_code == 200
        page = text_of(response)
        assert "Tuesday Circle · In person · Tuesdays 6pm at the library" in page
        assert "Rosa T. · peer mentor, program graduate" in page
        assert "Old Circle" not in page
        assert "Elsewhere" not in page
        assert "<html" not in response.content.decode()  # the card alone, swapped in place

    def test_connecting_to_a_group_swaps_the_card(
        self, client, care_manager, enrollment, group, today
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            connect_url(enrollment), connect_data(f"group-{group.pk}", today, "Keen to go."), headers=HTMX
        )
        assert response.status_code == 200
        stored = PeerConnection.objects.get()
        assert (stored.enrollment, stored.group, stored.mentor, stored.started_on, stored.note) == (
            enrollment,
            group,
            None,
            today,
            "Keen to go.",
        )
        page = text_of(response)
        assert "Connected to Tuesday Circle." in page
        assert "No peer contact logged yet" in page
        assert 'id="peer-support"' in response.content.decode()
        assert "hx-swap-oob" not in response.content.decode()

    def test_connecting_to_a_mentor_without_javascript_goes_back_to_the_record(
        self, client, care_manager, enrollment, mentor, today
    ) -> None:
        client.force_login(care_manager)
        response = client.post(connect_url(enrollment), connect_data(f"mentor-{mentor.pk}", today))
        assert response.status_code == 302
        assert response["Location"] == f"{record_url(enrollment)}#peer-support"
        assert PeerConnection.objects.get().mentor == mentor
        assert "Connected to Rosa T." in text_of(client.get(record_url(enrollment)))

    @pytest.mark.parametrize(
        ("choice", "days_from_today", "error"),
        [
            ("", 0, "Choose a group or a mentor."),
            ("elsewhere", 0, "Choose a group that still meets or a mentor who still volunteers."),
            ("retired", 0, "Choose a group that still meets or a mentor who still volunteers."),
            ("group", 1, "The start date is in the future. Enter the day it happened."),
            ("group", -60, "The start date is before the person was referred."),
        ],
    )
    def test_bad_connections_are_refused_on_the_card(
        self,
        client,
        care_manager,
        enrollment,
        group,
        program,
        other_program,
        today,
        choice: str,
        days_from_today: int,
        error: str,
    ) -> None:
        keys = {
            "": "",
            "group": f"group-{group.pk}",
            "elsewhere": f"group-{make_group(other_program, 'Elsewhere Circle').pk}",
            "retired": f"group-{make_group(program, 'Old Circle', is_active=False).pk}",
        }
        client.force_login(care_manager)
        response = client.post(
            connect_url(enrollment), connect_data(keys[choice], today + days_from_today * DAY), headers=HTMX
        )
        assert response.status_code == 422
        assert error in text_of(response)
        assert PeerConnection.objects.exists() is False

    def test_a_second_open_connection_to_the_same_group_is_refused(
        self, client, care_manager, enrollment, connection, group, today
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            connect_url(enrollment), connect_data(f"group-{group.pk}", today), headers=HTMX
        )
        assert response.status_code == 422
        assert "They are already connected to the group “Tuesday Circle”." in text_of(response)
        assert PeerConnection.objects.count() == 1

    def test_logging_a_peer_contact(self, client, care_manager, connection, today) -> None:
        client.force_login(care_manager)
        data = {
            f"peer-{connection.pk}-contact-occurred_on": str(today - DAY),
            f"peer-{connection.pk}-contact-note": "Spoke for the first time.",
        }
        response = client.post(contact_url(connection), data, headers=HTMX)
        assert response.status_code == 200
        contact = PeerContact.objects.get()
        assert (contact.connection, contact.occurred_on, contact.note, contact.recorded_by) == (
            connection,
            today - DAY,
            "Spoke for the first time.",
            care_manager,
        )
        page = text_of(response)
        assert "Peer contact with Tuesday Circle saved." in page
        assert f"Last peer contact {(today - DAY).strftime('%-d %b %Y')}" in page

    @pytest.mark.parametrize(
        ("day", "error"),
        [("", "Enter the day."), ("tomorrow", "The peer contact is in the future."), ("bad", "Enter a day")],
    )
    def test_a_bad_peer_contact_is_shown_on_its_form(
        self, client, care_manager, connection, today, day: str, error: str
    ) -> None:
        value = str(today + DAY) if day == "tomorrow" else "" if day == "" else "14/03/2025"
        client.force_login(care_manager)
        response = client.post(
            contact_url(connection), {f"peer-{connection.pk}-contact-occurred_on": value}, headers=HTMX
        )
        assert response.status_code == 422
        assert error in text_of(response)
        # The refused form is open again, with what was typed.
        assert f'value="{value}"' in response.content.decode()
        assert PeerContact.objects.exists() is False

    def test_ending_a_connection(self, client, care_manager, enrollment, connection, today) -> None:
        client.force_login(care_manager)
        response = client.post(
            end_url(connection), {f"peer-{connection.pk}-end-ended_on": str(today)}, headers=HTMX
        )
        assert response.status_code == 200
        connection.refresh_from_db()
        assert connection.ended_on == today
        page = text_of(response)
        assert "Connection to Tuesday Circle ended." in page
        assert "Not connected to a peer group or mentor yet." in page
        assert "Earlier peer connections" in page
        assert "Log a peer contact" not in page

    def test_an_end_before_the_start_is_refused(self, client, care_manager, connection, today) -> None:
        client.force_login(care_manager)
        response = client.post(
            end_url(connection), {f"peer-{connection.pk}-end-ended_on": str(today - 20 * DAY)}, headers=HTMX
        )
        assert response.status_code == 422
        assert "The end date is before they were connected." in text_of(response)
        connection.refresh_from_db()
        assert connection.ended_on is None

    def test_the_card_without_javascript_is_a_page_of_its_own(
        self, client, care_manager, connection, today
    ) -> None:
        client.force_login(care_manager)
        response = client.post(end_url(connection), {f"peer-{connection.pk}-end-ended_on": ""})
        assert response.status_code == 422
        page = text_of(response)
        assert "Peer support for" in page
        assert "Enter the day." in page


class TestCardScoping:
    def test_another_teams_care_manager_finds_nothing(
        self, client, care_manager_other_team, enrollment, connection, group, today
    ) -> None:
        client.force_login(care_manager_other_team)
        assert client.get(connect_url(enrollment)).status_code == 404
        assert (
            client.post(connect_url(enrollment), connect_data(f"group-{group.pk}", today)).status_code == 404
        )
        day = {f"peer-{connection.pk}-contact-occurred_on": str(today)}
        assert client.post(contact_url(connection), day).status_code == 404
        assert (
            client.post(end_url(connection), {f"peer-{connection.pk}-end-ended_on": str(today)}).status_code
            == 404
        )
        assert PeerContact.objects.exists() is False
        connection.refresh_from_db()
        assert connection.ended_on is None

    def test_a_reader_may_not_change_peer_support(
        self, client, program_lead, enrollment, connection, today
    ) -> None:
        client.force_login(program_lead)
        assert client.get(connect_url(enrollment)).status_code == 403
        day = {f"peer-{connection.pk}-contact-occurred_on": str(today)}
        assert client.post(contact_url(connection), day).status_code == 403
        assert PeerContact.objects.exists() is False

    def test_another_persons_connection_is_not_found(
        self, client, care_manager, make_enrollment, connection, group, today
    ) -> None:
        other = make_enrollment(care_manager=care_manager)
        Enrollment.objects.filter(pk=other.pk).update(referred_on=today - 30 * DAY)
        url = reverse(
            "caseloads:peer-contact-create",
            kwargs={"patient_id": other.patient_id, "connection_id": connection.pk},
        )
        client.force_login(care_manager)
        assert client.post(url, {f"peer-{connection.pk}-contact-occurred_on": str(today)}).status_code == 404
        assert PeerContact.objects.exists() is False


class TestRecordIntegration:
    def test_the_record_costs_one_query_for_peer_support_however_many_connections(
        self, client, care_manager, enrollment, program, today, django_assert_num_queries
    ) -> None:
        def connect(number: int) -> None:
            connection = peer_connection_start(
                enrollment=enrollment,
                acting_user=care_manager,
                group=make_group(program, f"Circle {number}"),
                started_on=today - 10 * DAY,
            )
            for days_ago in (1, 2, 3):
                peer_contact_log(
                    connection=connection, acting_user=care_manager, occurred_on=today - days_ago * DAY
                )

        connect(0)
        client.force_login(care_manager)
        client.get(record_url(enrollment))  # the first request also reads the program's time zone
        with CaptureQueriesContext(database) as one:
            client.get(record_url(enrollment))
        for number in range(1, 10):
            connect(number)
        with django_assert_num_queries(len(one.captured_queries)):
            response = client.get(record_url(enrollment))
        assert text_of(response).count("Log a peer contact") == 10
        peer_queries = [
            query for query in one.captured_queries if "engagement_peerconnection" in query["sql"]
        ]
        assert len(peer_queries) == 1

    def test_a_contact_saved_in_place_leaves_the_card_alone(
        self, client, care_manager, enrollment, connection
    ) -> None:
        """The htmx answer to a contact re-renders the level-of-care card, not the peer card: a second
        peer card would be added where the form was."""
        client.force_login(care_manager)
        moment = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo(enrollment.program.time_zone))
        response = client.post(
            reverse("caseloads:contact-create", kwargs={"patient_id": enrollment.patient_id}),
            {"mode": "phone", "outcome": "attempt", "occurred_at": moment.strftime("%Y-%m-%dT%H:%M")},
            headers=HTMX,
        )
        assert response.status_code == 200
        content = response.content.decode()
        assert "Contact saved." in content
        assert content.count('id="peer-support"') == 0
        assert 'id="level-of-care"' in content
