"""The referral queue, a new referral with its duplicate check, and the queue's CSV export."""

import csv
import datetime
import html
import io
import re
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import Program, User
from patients.models import (
    AccessAction,
    AccessEvent,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Referral,
    ReferralSource,
    Urgency,
)
from patients.selectors import referral_queue_for
from patients.services import access_events_record_for_list, enrollment_move, referral_receive
from tests.patients.factories import PatientFactory, person_details, referral_details

pytestmark = pytest.mark.django_db

S = EnrollmentStatus
QUEUE_URL = reverse("patients:referral-queue")
CREATE_URL = reverse("patients:referral-create")
EXPORT_URL = reverse("patients:referral-export")
# Noon in the test program's time zone (America/New_York).
NOW = datetime.datetime(2025, 6, 11, 16, 0, tzinfo=datetime.UTC)
BORN = datetime.date(1971, 5, 14)


@pytest.fixture(autouse=True)
def _today_is_fixed(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def admin_client(client: Client, program_admin: User) -> Client:
    client.force_login(program_admin)
    return client


def _receive(
    program: Program,
    admin: User,
    *,
    days_ago: int = 0,
    source: str = ReferralSource.PRIMARY_CARE,
    **person: Any,
) -> Enrollment:
    return referral_receive(
        program=program,
        person=person_details(**person),
        referral=referral_details(source=source, received_at=NOW - datetime.timedelta(days=days_ago)),
        acting_user=admin,
    )


def _referral_post(**overrides: str) -> dict[str, str]:
    data = {
        "legal_first_name": "Quillon",
        "legal_last_name": "Fablethorn",
        "preferred_name": "Quill",
        "date_of_birth": "1971-05-14",
        "mrn": "TEST-9001",
        "phone": "555-0142",
        "preferred_language": "English",
        "source": ReferralSource.EMERGENCY_DEPARTMENT,
        "referrer_name": "Dr Testwell Placeholder",
        "referrer_organization": "Example Test Hospital",
        "referrer_phone": "555-0199",
        "reason": "Synthetic: four emergency visits in three months, missed clinic appointments.",
        "priority_1": "Get my own place",
        "priority_2": "Keep my sugar steady",
        "priority_3": "See my grandchildren more",
        "urgency": Urgency.SOON,
    }
    return data | overrides


def _stored_counts() -> tuple[int, int, int]:
    return Patient.objects.count(), Enrollment.objects.count(), Referral.objects.count()


def _messages(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The queue -------------------------------------------------------------------------------------


class TestQueue:
    def test_counts_by_stage_team_age_and_source(
        self, admin_client, program, program_admin, make_enrollment, team_a
    ) -> None:
        _receive(program, program_admin, days_ago=0, source=ReferralSource.EMERGENCY_DEPARTMENT)
        _receive(program, program_admin, days_ago=3, source=ReferralSource.EMERGENCY_DEPARTMENT)
        _receive(program, program_admin, days_ago=7, source=ReferralSource.HEALTH_PLAN)
        _receive(program, program_admin, days_ago=8, source=ReferralSource.SELF)
        in_screening = make_enrollment(status=S.SCREENING)
        with_team = make_enrollment(status=S.REFERRED, team=team_a)
        make_enrollment(status=S.ACTIVE)  # in care: not in the queue
        make_enrollment(status=S.DECLINED)  # closed: not in the queue

        queue = admin_client.get(QUEUE_URL).context["queue"]

        assert (queue.total, queue.referred_count, queue.screening_count, queue.unassigned_count) == (
            6,
            5,
            1,
            5,
        )
        # The two made by make_enrollment were received now, so today.
        assert [(group.label, group.count) for group in queue.by_age] == [
            ("Today", 3),
            ("1\u20137 days", 2),
            ("Over a week", 1),
        ]
        assert {group.key: group.count for group in queue.by_source} == {
            ReferralSource.PRIMARY_CARE: 2,
            ReferralSource.EMERGENCY_DEPARTMENT: 2,
            ReferralSource.INPATIENT: 0,
            ReferralSource.HEALTH_PLAN: 1,
            ReferralSource.COMMUNITY_ORGANIZATION: 0,
            ReferralSource.SELF: 1,
        }
        assert {in_screening.pk, with_team.pk} <= {row.enrollment.pk for row in queue.rows}

    def test_rows_are_oldest_first_with_days_waiting_and_a_screen_link(
        self, admin_client, program, program_admin
    ) -> None:
        newest = _receive(program, program_admin, days_ago=0)
        oldest = _receive(program, program_admin, days_ago=12, source=ReferralSource.COMMUNITY_ORGANIZATION)
        middle = _receive(program, program_admin, days_ago=2)

        response = admin_client.get(QUEUE_URL)

        rows = response.context["queue"].rows
        assert [row.enrollment.pk for row in rows] == [oldest.pk, middle.pk, newest.pk]
        assert [(row.days_waiting, row.age_label) for row in rows] == [
            (12, "Over a week"),
            (2, "1\u20137 days"),
            (0, "Today"),
        ]
        page = response.content.decode()
        assert reverse("caseloads:screening", args=[oldest.patient_id]) in page
        assert "12 days waiting" in page
        assert "Community organisation" in page
        for link in (CREATE_URL, reverse("patients:referral-import"), EXPORT_URL):
            assert f'href="{link}"' in page

    def test_a_referral_received_just_after_midnight_in_the_program_counts_as_today(
        self, program, program_admin
    ) -> None:
        # 00:30 in New York on 11 June is 04:30 UTC; 23:30 the evening before is 03:30 UTC.
        for hour in (4, 3):
            referral_receive(
                program=program,
                person=person_details(),
                referral=referral_details(
                    received_at=datetime.datetime(2025, 6, 11, hour, 30, tzinfo=datetime.UTC)
                ),
                acting_user=program_admin,
            )

        queue = referral_queue_for(user=program_admin)

        assert [(group.key, group.count) for group in queue.by_age] == [
            ("today", 1),
            ("this_week", 1),
            ("older", 0),
        ]
        assert sorted(row.days_waiting for row in queue.rows) == [0, 1]

    @pytest.mark.parametrize("waiting", [3, 30])
    def test_the_queue_takes_three_queries_however_long_it_is(
        self, django_assert_num_queries, program, program_admin, waiting
    ) -> None:
        for day in range(waiting):
            _receive(program, program_admin, days_ago=day % 10)
        admin = User.objects.get(pk=program_admin.pk)  # nothing cached: the program is read too

        with django_assert_num_queries(3):
            queue = referral_queue_for(user=admin)
            shown = [
                (
                    row.patient.display_name,
                    row.referral.get_source_display(),
                    row.enrollment.team,
                    row.age_label,
                )
                for row in queue.rows
            ]

        assert len(shown) == queue.total == waiting

    @pytest.mark.parametrize("url", [QUEUE_URL, EXPORT_URL])
    def test_the_page_and_the_export_take_the_same_queries_for_3_and_30_referrals(
        self, admin_client, django_assert_num_queries, program, program_admin, url
    ) -> None:
        def receive(count: int) -> None:
            for day in range(count):
                _receive(program, program_admin, days_ago=day % 10)

        receive(3)
        admin_client.get(url)  # the first request also reads the program's time zone
        # Session, user; the program, the counts and the rows (referral_queue_for); the export's access
        # events in one insert; the session's expiry saved (savepoint, update, release).
        expected = 8 if url == QUEUE_URL else 9
        with django_assert_num_queries(expected):
            assert admin_client.get(url).status_code == 200
        receive(27)
        with django_assert_num_queries(expected):
            assert admin_client.get(url).status_code == 200

    def test_an_empty_queue_says_so(self, admin_client) -> None:
        response = admin_client.get(QUEUE_URL)
        assert response.status_code == 200
        assert "No referrals are waiting" in response.content.decode()


# --- Who may use these pages -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_lead"])
@pytest.mark.parametrize("url", [QUEUE_URL, CREATE_URL, EXPORT_URL])
def test_only_program_admins_may_open_intake_pages(client, request, persona, url) -> None:
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


def test_a_care_manager_cannot_post_a_referral_and_nothing_is_stored(client, care_manager) -> None:
    client.force_login(care_manager)
    assert client.post(CREATE_URL, _referral_post()).status_code == 403
    assert _stored_counts() == (0, 0, 0)


@pytest.mark.parametrize("url", [QUEUE_URL, CREATE_URL, EXPORT_URL])
def test_signed_out_people_are_sent_to_sign_in(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


class TestAnotherProgram:
    def test_its_admin_sees_none_of_this_programs_referrals(
        self, client, program, program_admin, other_program_admin
    ) -> None:
        waiting = _receive(program, program_admin, legal_first_name="Zephrine")
        client.force_login(other_program_admin)

        queue_page = client.get(QUEUE_URL)
        export = client.get(EXPORT_URL)

        queue = queue_page.context["queue"]
        assert (queue.total, queue.rows, sum(group.count for group in queue.by_source)) == (0, [], 0)
        assert "Zephrine" not in queue_page.content.decode()
        assert list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")))) == [
            ["Received", "Source", "Name", "Date of birth", "MRN", "Urgency", "Status", "Days waiting"]
        ]
        assert AccessEvent.objects.filter(patient=waiting.patient).exists() is False

    def test_its_admin_is_not_offered_this_programs_patients_as_duplicates(
        self, client, program, other_program, program_admin, other_program_admin
    ) -> None:
        ours = _receive(
            program,
            program_admin,
            legal_first_name="Quillon",
            legal_last_name="Fablethorn",
            date_of_birth=BORN,
            mrn="TEST-9001",
        )
        client.force_login(other_program_admin)

        response = client.post(CREATE_URL, _referral_post())

        assert response.status_code == 302
        created = Patient.objects.get(program=other_program)
        assert created.pk != ours.patient_id
        assert Patient.objects.filter(program=program).count() == 1


# --- A new referral --------------------------------------------------------------------------------


class TestNewReferral:
    def test_the_form_shows_every_part(self, admin_client) -> None:
        response = admin_client.get(CREATE_URL)
        page = response.content.decode()
        assert response.status_code == 200
        for label in (
            "Legal first name",
            "Date of birth",
            "Where the referral came from",
            "Reason for the referral",
            "What they want to work on",
            "How soon should we reach them",
        ):
            assert label in page

    def test_a_new_person_gets_a_patient_an_enrolment_and_a_referral_with_their_three_priorities(
        self, admin_client, program, program_admin
    ) -> None:
        response = admin_client.post(CREATE_URL, _referral_post())

        assert response.status_code == 302
        assert response["Location"] == QUEUE_URL
        patient = Patient.objects.get()
        assert (patient.program, patient.legal_first_name, patient.legal_last_name) == (
            program,
            "Quillon",
            "Fablethorn",
        )
        assert (patient.preferred_name, patient.date_of_birth, patient.mrn, patient.phone) == (
            "Quill",
            BORN,
            "TEST-9001",
            "555-0142",
        )
        enrollment = Enrollment.objects.get(patient=patient)
        assert (enrollment.status, enrollment.program, enrollment.team) == (S.REFERRED, program, None)
        referral = enrollment.referral
        assert (
            referral.patient_priorities == "Get my own place\nKeep my sugar steady\nSee my grandchildren more"
        )
        assert (referral.source, referral.urgency, referral.received_by) == (
            ReferralSource.EMERGENCY_DEPARTMENT,
            Urgency.SOON,
            program_admin,
        )
        assert referral.reason.startswith("Synthetic: four emergency visits")
        assert (referral.referrer_name, referral.referrer_organization, referral.referrer_phone) == (
            "Dr Testwell Placeholder",
            "Example Test Hospital",
            "555-0199",
        )

    def test_the_saved_message_names_nobody(self, admin_client) -> None:
        response = admin_client.post(CREATE_URL, _referral_post(), follow=True)
        messages = _messages(response)
        assert messages == ["Referral saved. It is waiting for screening."]
        assert "Quill" not in messages[0]

    def test_blank_priorities_are_left_out(self, admin_client) -> None:
        admin_client.post(
            CREATE_URL, _referral_post(priority_1="", priority_2="  Sleep   better ", priority_3="")
        )
        assert Referral.objects.get().patient_priorities == "Sleep better"

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("reason", "", "Give the reason for the referral."),
            ("reason", "   ", "Give the reason for the referral."),
            ("legal_first_name", "", "Give the person&#x27;s legal first name."),
            ("legal_last_name", " ", "Give the person&#x27;s legal last name."),
            ("date_of_birth", "1971-02-31", "Enter the date of birth as a real date"),
            ("date_of_birth", "next tuesday", "Enter the date of birth as a real date"),
            ("date_of_birth", "", "Give the person&#x27;s date of birth."),
            ("date_of_birth", "1899-12-31", "Check the date of birth: it is before 1900."),
            ("date_of_birth", "2025-06-12", "Check the date of birth: it is in the future."),
            ("source", "", "Say where the referral came from."),
            ("source", "fax", "Choose where the referral came from from the list."),
            ("urgency", "whenever", "Choose how soon we should reach them from the list."),
        ],
    )
    def test_bad_input_is_explained_on_the_page_and_nothing_is_stored(
        self, admin_client, field, value, message
    ) -> None:
        response = admin_client.post(CREATE_URL, _referral_post(**{field: value}))

        assert response.status_code == 422
        page = response.content.decode()
        assert message in page
        assert 'value="Example Test Hospital"' in page  # what was typed stays
        assert _stored_counts() == (0, 0, 0)


# --- The duplicate check ---------------------------------------------------------------------------


class TestDuplicateCheck:
    @pytest.fixture
    def maria(self, program: Program, program_admin: User, make_enrollment) -> Patient:
        """María García, whose earlier episode was declined: a new referral may be attached to her."""
        patient = PatientFactory(
            program=program,
            legal_first_name="María",
            legal_last_name="García",
            date_of_birth=BORN,
            mrn="TEST-7001",
        )
        declined = referral_receive(
            program=program,
            person=person_details(),
            referral=referral_details(received_at=NOW - datetime.timedelta(days=400)),
            acting_user=program_admin,
            existing_patient=patient,
        )
        enrollment_move(enrollment=declined, to_status=S.DECLINED, acting_user=program_admin)
        return patient

    @staticmethod
    def _swapped(**overrides: str) -> dict[str, str]:
        return _referral_post(
            **({"legal_first_name": "GARCIA", "legal_last_name": "Maria", "mrn": ""} | overrides)
        )

    def test_same_name_swapped_with_other_case_and_no_accents_is_offered_and_nothing_is_stored(
        self, admin_client, maria
    ) -> None:
        before = _stored_counts()

        response = admin_client.post(CREATE_URL, self._swapped())

        assert response.status_code == 200
        assert [match.patient for match in response.context["choice"].matches] == [maria]
        page = response.content.decode()
        assert "This person may already be in Tandem" in page
        assert "María García" in page
        assert "14 May 1971" in page
        assert "TEST-7001" in page
        assert "Last enrolment: declined" in page
        assert f'name="existing_patient" value="{maria.pk}"' in page
        assert 'name="confirmed_new" value="1"' in page
        assert _stored_counts() == before

    def test_the_same_mrn_is_offered_whatever_the_name(self, admin_client, maria) -> None:
        response = admin_client.post(
            CREATE_URL, _referral_post(legal_first_name="Osbeck", mrn="TEST-7001", date_of_birth="1980-01-02")
        )
        assert [match.patient for match in response.context["choice"].matches] == [maria]
        assert "Same MRN" in response.content.decode()

    def test_the_typed_details_travel_with_the_check(self, admin_client, maria) -> None:
        page = admin_client.post(CREATE_URL, self._swapped()).content.decode()
        hidden = {
            name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="(\w+)"(?: value="([^"]*)")?', page)
            if name != "csrfmiddlewaretoken"
        }
        assert hidden == self._swapped() | {"shown": str(maria.pk)}

    def test_showing_the_people_found_is_recorded(self, admin_client, maria, program_admin) -> None:
        admin_client.post(CREATE_URL, self._swapped())
        event = AccessEvent.objects.get(patient=maria, action=AccessAction.LIST)
        assert (event.user, event.route) == (program_admin, CREATE_URL)

    def test_attaching_opens_a_new_episode_for_the_existing_person(
        self, admin_client, maria, program_admin
    ) -> None:
        patients_before = Patient.objects.count()
        earlier = Enrollment.objects.get(patient=maria)

        response = admin_client.post(
            CREATE_URL, self._swapped(existing_patient=str(maria.pk), attach="1", shown=str(maria.pk))
        )

        assert response.status_code == 302
        assert Patient.objects.count() == patients_before
        episode = Enrollment.objects.get(patient=maria, status=S.REFERRED)
        assert episode.previous_enrollment == earlier
        assert episode.referral.patient_priorities.splitlines()[0] == "Get my own place"
        assert episode.referral.received_by == program_admin
        maria.refresh_from_db()
        assert (maria.legal_first_name, maria.legal_last_name) == ("María", "García")  # her record is kept
        assert _messages(response) == [
            "Referral saved and added to the existing person's record. It is waiting for screening."
        ]

    def test_someone_else_creates_a_new_person(self, admin_client, maria) -> None:
        response = admin_client.post(CREATE_URL, self._swapped(confirmed_new="1", shown=str(maria.pk)))

        assert response.status_code == 302
        new_person = Patient.objects.exclude(pk=maria.pk).get()
        assert (new_person.legal_first_name, new_person.legal_last_name) == ("GARCIA", "Maria")
        assert Enrollment.objects.get(patient=new_person).status == S.REFERRED
        assert Enrollment.objects.filter(patient=maria).count() == 1

    def test_someone_else_wins_over_a_radio_left_checked(self, admin_client, maria) -> None:
        admin_client.post(
            CREATE_URL, self._swapped(existing_patient=str(maria.pk), confirmed_new="1", shown=str(maria.pk))
        )
        assert Patient.objects.count() == 2
        assert Enrollment.objects.filter(patient=maria).count() == 1

    def test_someone_else_with_the_same_mrn_is_refused(self, admin_client, maria) -> None:
        before = _stored_counts()
        response = admin_client.post(
            CREATE_URL, _referral_post(mrn="TEST-7001", confirmed_new="1", shown=str(maria.pk))
        )

        assert response.status_code == 422
        assert "already has this MRN" in response.content.decode()
        assert _stored_counts() == before

    def test_attaching_to_someone_with_an_open_enrolment_shows_the_refusal_and_stores_nothing(
        self, admin_client, program, program_admin, make_enrollment
    ) -> None:
        in_care = make_enrollment(status=S.ACTIVE)
        patient = in_care.patient
        before = _stored_counts()
        post = _referral_post(
            legal_first_name=patient.legal_last_name.upper(),
            legal_last_name=patient.legal_first_name,
            date_of_birth=patient.date_of_birth.isoformat(),
            mrn="",
        )

        offered = admin_client.post(CREATE_URL, post)
        assert "Now:" in offered.content.decode()
        response = admin_client.post(
            CREATE_URL, post | {"existing_patient": str(patient.pk), "attach": "1", "shown": str(patient.pk)}
        )

        assert response.status_code == 422
        assert "already has an open enrolment" in response.content.decode()
        assert _stored_counts() == before

    def test_attach_without_choosing_asks_for_a_choice(self, admin_client, maria) -> None:
        before = _stored_counts()
        response = admin_client.post(CREATE_URL, self._swapped(attach="1", shown=str(maria.pk)))

        assert response.status_code == 422
        assert "Choose the person to attach the referral to" in response.content.decode()
        assert _stored_counts() == before

    def test_a_person_who_was_not_offered_cannot_be_chosen(self, admin_client, maria, other_program) -> None:
        stranger = PatientFactory(program=other_program)
        before = _stored_counts()

        response = admin_client.post(
            CREATE_URL, self._swapped(existing_patient=str(stranger.pk), attach="1", shown=str(maria.pk))
        )

        assert response.status_code == 422
        assert "Choose one of the people listed." in response.content.decode()
        assert _stored_counts() == before

    def test_a_match_found_since_the_check_is_shown_before_saving(self, admin_client, maria, program) -> None:
        shown_then = admin_client.post(CREATE_URL, self._swapped()).context["choice"].fields["shown"].initial
        twin = PatientFactory(
            program=program, legal_first_name="Maria", legal_last_name="Garcia", date_of_birth=BORN
        )
        before = _stored_counts()

        response = admin_client.post(CREATE_URL, self._swapped(shown=shown_then, confirmed_new="1"))

        assert response.status_code == 422
        assert "Check the list again" in response.content.decode()
        assert {match.patient for match in response.context["choice"].matches} == {maria, twin}
        assert _stored_counts() == before

    def test_change_the_details_goes_back_to_the_form_as_typed(self, admin_client, maria) -> None:
        response = admin_client.post(CREATE_URL, self._swapped(edit="1"))

        assert response.status_code == 200
        assert response.context["choice"] is None
        assert 'value="GARCIA"' in response.content.decode()
        assert _stored_counts() == (1, 1, 1)

    def test_a_patient_of_another_program_is_never_offered(self, admin_client, other_program) -> None:
        PatientFactory(
            program=other_program,
            legal_first_name="Maria",
            legal_last_name="Garcia",
            date_of_birth=BORN,
            mrn="TEST-7001",
        )

        response = admin_client.post(CREATE_URL, self._swapped(mrn="TEST-7001"))

        assert response.status_code == 302
        assert Patient.objects.count() == 2


# --- The export ------------------------------------------------------------------------------------


class TestExport:
    def _rows(self, response: Any) -> list[list[str]]:
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def test_the_queue_as_csv_oldest_first(self, admin_client, program, program_admin) -> None:
        _receive(
            program,
            program_admin,
            days_ago=1,
            legal_first_name="Lunetta",
            legal_last_name="Mockridge",
            date_of_birth=BORN,
            mrn="TEST-5001",
            source=ReferralSource.INPATIENT,
        )
        _receive(
            program,
            program_admin,
            days_ago=9,
            legal_first_name="Torvalle",
            legal_last_name="Samplesby",
            date_of_birth=datetime.date(1960, 1, 2),
            mrn="",
        )

        response = admin_client.get(EXPORT_URL)

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="referrals-2025-06-11.csv"'
        assert response.content.startswith("\ufeff".encode())
        assert self._rows(response) == [
            ["Received", "Source", "Name", "Date of birth", "MRN", "Urgency", "Status", "Days waiting"],
            [
                "2025-06-02",
                "Primary care",
                "Torvalle Samplesby",
                "1960-01-02",
                "",
                "Routine",
                "Referred",
                "9",
            ],
            [
                "2025-06-10",
                "Hospital inpatient",
                "Lunetta Mockridge",
                "1971-05-14",
                "TEST-5001",
                "Routine",
                "Referred",
                "1",
            ],
        ]

    def test_cells_that_could_run_in_a_spreadsheet_are_neutralised(
        self, admin_client, program, program_admin
    ) -> None:
        dangerous = [
            {"legal_first_name": '=HYPERLINK("http://example.test","Open")', "mrn": "TEST-1"},
            {"legal_first_name": "Ithriel", "mrn": "+1"},
            {"legal_first_name": "Osbeck", "mrn": "-2"},
            {"legal_first_name": "@SUM(A1:A9)", "mrn": "TEST-4"},
        ]
        for days_ago, person in enumerate(reversed(dangerous)):
            _receive(program, program_admin, days_ago=days_ago, legal_last_name="Testwood", **person)

        rows = self._rows(admin_client.get(EXPORT_URL))[1:]

        assert [(row[2], row[4]) for row in rows] == [
            ('\'=HYPERLINK("http://example.test","Open") Testwood', "TEST-1"),
            ("Ithriel Testwood", "'+1"),
            ("Osbeck Testwood", "'-2"),
            ("'@SUM(A1:A9) Testwood", "TEST-4"),
        ]

    def test_each_person_exported_gets_an_access_event(self, admin_client, program, program_admin) -> None:
        exported = [_receive(program, program_admin, days_ago=day).patient for day in range(3)]

        admin_client.get(EXPORT_URL)

        events = AccessEvent.objects.filter(action=AccessAction.EXPORT)
        assert sorted(event.patient_id for event in events) == sorted(patient.pk for patient in exported)
        assert {(event.user_id, event.route) for event in events} == {(program_admin.pk, EXPORT_URL)}


def test_access_events_for_a_list_are_one_per_person(program, program_admin) -> None:
    patients = PatientFactory.create_batch(2, program=program)

    events = access_events_record_for_list(
        user=program_admin, patients=[*patients, patients[0]], route="/somewhere/", action=AccessAction.EXPORT
    )

    assert len(events) == 2
    assert AccessEvent.objects.filter(action=AccessAction.EXPORT, route="/somewhere/").count() == 2
