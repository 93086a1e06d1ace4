"""Contacts, life events, check-ins and successes through the API: the record page's rules, scope,
42 CFR Part 2 handling and access events."""

import datetime
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from careplans import services as plans
from caseloads.models import CaseloadRecomputeRequest
from engagement.models import CheckIn, Contact, GoalProgress, LifeEvent, SuccessMoment
from patients.access import NOT_IN_CARE
from patients.models import AccessAction, AccessEvent, Enrollment, EnrollmentStatus
from tests.api.conftest import ApiAs
from tests.dates import program_today
from tests.engagement.factories import CheckInFactory, ContactFactory, LifeEventFactory, SuccessMomentFactory

pytestmark = pytest.mark.django_db

FORBIDDEN = {"detail": "You do not have permission to perform this action."}


def url(basename: str, pk: int | None = None) -> str:
    return reverse(f"api:{basename}-list") if pk is None else reverse(f"api:{basename}-detail", args=[pk])


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def just_now() -> str:
    return (timezone.now() - datetime.timedelta(minutes=5)).isoformat()


def recompute_requested(enrollment: Enrollment) -> bool:
    return CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).exists()


class TestContacts:
    def test_logging_a_reached_contact_with_the_goals_talked_about(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        plan = plans.care_plan_start(enrollment=enrollment, acting_user=care_manager)
        goal = plans.goal_add(
            care_plan=plan, acting_user=care_manager, patient_words="Sleep safe", life_domain="housing"
        )

        response = api_as(care_manager).post(
            url("contact"),
            {
                "enrollment": enrollment.pk,
                "occurred_at": just_now(),
                "mode": "home",
                "is_reached": True,
                "duration_minutes": 45,
                "engagement_methods": ["motivational_interviewing"],
                "note": "Synthetic visit note",
                "goal_reviews": [{"goal": goal.pk, "note": "Saw a flat"}],
            },
            format="json",
        )

        assert response.status_code == 201
        contact = Contact.objects.get(enrollment=enrollment)
        assert (contact.mode, contact.is_reached, contact.duration_minutes, contact.made_by) == (
            "home",
            True,
            45,
            care_manager,
        )
        assert list(GoalProgress.objects.filter(contact=contact).values_list("goal_id", "note")) == [
            (goal.pk, "Saw a flat")
        ]
        body = response.json()
        assert body["goal_reviews"] == [{"goal": goal.pk, "note": "Saw a flat"}]
        assert body["outreach_outcome"] == ""
        assert recompute_requested(enrollment)

    def test_an_attempt_in_outreach_answers_with_the_outreach_outcome(
        self, api_as: ApiAs, make_enrollment, team_a, care_manager: User
    ) -> None:
        in_outreach = make_enrollment(
            status=EnrollmentStatus.OUTREACH, team=team_a, care_manager=care_manager
        )
        program = in_outreach.program

        response = api_as(care_manager).post(
            url("contact"),
            # Counted from when outreach started, a moment ago.
            {
                "enrollment": in_outreach.pk,
                "occurred_at": timezone.now().isoformat(),
                "mode": "phone",
                "is_reached": False,
            },
        )

        assert response.status_code == 201
        assert response.json()["outreach_outcome"] == (
            f"Attempt 1 of {program.outreach_attempt_limit} in {program.outreach_period_days} days."
        )

    def test_reached_with_consent_in_outreach_starts_active_care(
        self, api_as: ApiAs, make_enrollment, team_a, care_manager: User
    ) -> None:
        in_outreach = make_enrollment(
            status=EnrollmentStatus.OUTREACH, team=team_a, care_manager=care_manager
        )

        response = api_as(care_manager).post(
            url("contact"),
            {
                "enrollment": in_outreach.pk,
                "occurred_at": just_now(),
                "mode": "clinic",
                "is_reached": True,
                "consent_given": True,
            },
        )

        assert response.status_code == 201
        assert response.json()["outreach_outcome"] == (
            "Welcome: they agreed to take part, so they are now in active care."
        )
        in_outreach.refresh_from_db()
        assert in_outreach.status == EnrollmentStatus.ACTIVE

    def test_a_contact_in_the_future_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        later = (timezone.now() + datetime.timedelta(hours=2)).isoformat()

        response = api_as(care_manager).post(
            url("contact"),
            {"enrollment": enrollment.pk, "occurred_at": later, "mode": "phone", "is_reached": True},
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "The contact is in the future. Enter when it happened."}
        assert Contact.objects.filter(enrollment=enrollment).exists() is False

    def test_consent_outside_outreach_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("contact"),
            {
                "enrollment": enrollment.pk,
                "occurred_at": just_now(),
                "mode": "phone",
                "is_reached": True,
                "consent_given": True,
            },
        )

        assert response.status_code == 400
        assert response.json() == {
            "detail": "Consent to take part is recorded while the person is in outreach."
        }
        assert Contact.objects.filter(enrollment=enrollment).exists() is False

    def test_bad_contact_input_gets_field_errors(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("contact"),
            {
                "enrollment": enrollment.pk,
                "mode": "pigeon",
                "duration_minutes": 0,
                "engagement_methods": ["magic"],
            },
            format="json",
        )

        assert response.status_code == 400
        assert response.json() == {
            "occurred_at": ["This field is required."],
            "mode": ['"pigeon" is not a valid choice.'],
            "is_reached": ["This field is required."],
            "duration_minutes": ["Ensure this value is greater than or equal to 1."],
            "engagement_methods": {"0": ['"magic" is not a valid choice.']},
        }

    @pytest.mark.parametrize("persona", ["care_manager_same_team", "program_lead"])
    def test_someone_who_may_only_read_cannot_log_a_contact(
        self, api_as: ApiAs, request: pytest.FixtureRequest, persona: str, enrollment: Enrollment
    ) -> None:
        response = api_as(request.getfixturevalue(persona)).post(
            url("contact"),
            {"enrollment": enrollment.pk, "occurred_at": just_now(), "mode": "phone", "is_reached": True},
        )

        assert response.status_code == 403
        assert response.json() == FORBIDDEN
        assert Contact.objects.filter(enrollment=enrollment).exists() is False

    def test_another_teams_contacts_are_missing_and_not_listed(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, enrollment_other_team: Enrollment
    ) -> None:
        theirs = ContactFactory(enrollment=enrollment_other_team)
        ours = ContactFactory(enrollment=enrollment)
        client = api_as(care_manager)

        assert ids(client.get(url("contact"))) == [ours.pk]
        assert client.get(url("contact", theirs.pk)).status_code == 404
        response = client.post(
            url("contact"),
            {
                "enrollment": enrollment_other_team.pk,
                "occurred_at": just_now(),
                "mode": "phone",
                "is_reached": True,
            },
        )
        assert response.status_code == 404
        assert Contact.objects.filter(enrollment=enrollment_other_team).count() == 1

    def test_a_closed_episode_takes_no_contact(
        self, api_as: ApiAs, make_enrollment, team_a, supervisor: User
    ) -> None:
        closed = make_enrollment(status=EnrollmentStatus.DISENROLLED, team=team_a)

        response = api_as(supervisor).post(
            url("contact"),
            {"enrollment": closed.pk, "occurred_at": just_now(), "mode": "phone", "is_reached": True},
        )

        assert response.status_code == 403
        assert response.json() == {"detail": NOT_IN_CARE}
        assert Contact.objects.filter(enrollment=closed).exists() is False

    @pytest.mark.parametrize(
        ("persona", "note_shown"),
        [
            ("care_manager", "Synthetic substance-use note"),
            ("supervisor", ""),
            ("care_manager_same_team", ""),
            ("program_admin", ""),
        ],
    )
    def test_a_part2_note_is_for_the_care_team_only(
        self,
        api_as: ApiAs,
        request: pytest.FixtureRequest,
        persona: str,
        note_shown: str,
        enrollment: Enrollment,
    ) -> None:
        part2 = ContactFactory(enrollment=enrollment, note="Synthetic substance-use note", is_part2=True)
        plain = ContactFactory(enrollment=enrollment, note="Synthetic plain note")
        client = api_as(request.getfixturevalue(persona))

        listed = {row["id"]: row for row in client.get(url("contact")).json()["results"]}
        shown = client.get(url("contact", part2.pk)).json()

        assert (listed[part2.pk]["note"], shown["note"]) == (note_shown, note_shown)
        assert shown["is_withheld"] is (note_shown == "")
        assert (listed[plain.pk]["note"], listed[plain.pk]["is_withheld"]) == ("Synthetic plain note", False)

    def test_reads_are_recorded_as_access_events(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        contact = ContactFactory(enrollment=enrollment)
        client = api_as(care_manager)

        client.get(url("contact"))
        client.get(url("contact", contact.pk))

        events = AccessEvent.objects.filter(user=care_manager).order_by("pk")
        assert [(event.action, event.patient_id, event.object_type, event.object_id) for event in events] == [
            (AccessAction.LIST, enrollment.patient_id, "", None),
            (AccessAction.VIEW, enrollment.patient_id, "contact", contact.pk),
        ]

    def test_updated_since_follows_when_the_contact_was_logged(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        earlier = ContactFactory(enrollment=enrollment)
        Contact.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))
        latest = ContactFactory(
            enrollment=enrollment, occurred_at=timezone.now() - datetime.timedelta(days=3)
        )
        since = (timezone.now() - datetime.timedelta(hours=1)).isoformat()

        assert ids(api_as(care_manager).get(url("contact"), {"updated_since": since})) == [latest.pk]

    def test_a_time_without_offset_is_a_field_error(self, api_as: ApiAs, care_manager: User) -> None:
        response = api_as(care_manager).get(url("contact"), {"updated_since": "2026-06-01T09:00:00"})

        assert response.status_code == 400
        assert response.json() == {
            "updated_since": ["Give a date and time with its offset, like 2026-06-01T09:00:00Z."]
        }


class TestLifeEvents:
    def test_recording_an_event_goes_through_the_caseload_service(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        today = enrollment.program.today()

        response = api_as(care_manager).post(
            url("life-event"),
            {
                "enrollment": enrollment.pk,
                "kind": "admission",
                "occurred_on": today.isoformat(),
                "facility": "Test Hospital",
            },
        )

        assert response.status_code == 201
        event = LifeEvent.objects.get(enrollment=enrollment)
        assert (
            event.patient_id,
            event.kind,
            event.occurred_on,
            event.facility,
            event.source,
            event.recorded_by,
        ) == (
            enrollment.patient_id,
            "admission",
            today,
            "Test Hospital",
            "care_team",
            care_manager,
        )
        assert response.json()["id"] == event.pk
        assert recompute_requested(enrollment)

    def test_an_event_ending_before_it_started_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        today = enrollment.program.today()

        response = api_as(care_manager).post(
            url("life-event"),
            {
                "enrollment": enrollment.pk,
                "kind": "admission",
                "occurred_on": today.isoformat(),
                "ended_on": (today - datetime.timedelta(days=1)).isoformat(),
            },
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "The event cannot end before it started."}
        assert LifeEvent.objects.filter(patient=enrollment.patient).exists() is False

    def test_bad_event_input_gets_field_errors(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("life-event"), {"enrollment": enrollment.pk, "kind": "party"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "kind": ['"party" is not a valid choice.'],
            "occurred_on": ["This field is required."],
        }

    def test_events_belong_to_the_person_across_episodes_but_not_to_other_teams(
        self, api_as: ApiAs, care_manager: User, care_manager_other_team: User, enrollment: Enrollment
    ) -> None:
        # From claims data, before this episode: the person's, shown with them as on the record.
        before = LifeEventFactory(patient=enrollment.patient)
        during = LifeEventFactory(enrollment=enrollment)

        assert sorted(
            ids(api_as(care_manager).get(url("life-event"), {"patient": enrollment.patient_id}))
        ) == [
            before.pk,
            during.pk,
        ]
        assert ids(api_as(care_manager_other_team).get(url("life-event"))) == []
        assert api_as(care_manager_other_team).get(url("life-event", during.pk)).status_code == 404

    def test_a_program_lead_cannot_record_an_event(
        self, api_as: ApiAs, program_lead: User, enrollment: Enrollment
    ) -> None:
        response = api_as(program_lead).post(
            url("life-event"),
            {
                "enrollment": enrollment.pk,
                "kind": "crisis",
                "occurred_on": enrollment.program.today().isoformat(),
            },
        )

        assert response.status_code == 403
        assert LifeEvent.objects.filter(patient=enrollment.patient).exists() is False


class TestCheckIns:
    def test_recording_a_check_in_goes_through_the_caseload_service(
        self, api_as: ApiAs, supervisor: User, enrollment: Enrollment
    ) -> None:
        today = enrollment.program.today()

        response = api_as(supervisor).post(
            url("check-in"),
            {
                "enrollment": enrollment.pk,
                "occurred_on": today.isoformat(),
                "confidence": 7,
                "readiness_to_graduate": "unsure",
            },
        )

        assert response.status_code == 201
        check_in = CheckIn.objects.get(enrollment=enrollment)
        assert (check_in.confidence, check_in.readiness_to_graduate, check_in.recorded_by) == (
            7,
            "unsure",
            supervisor,
        )
        assert recompute_requested(enrollment)

    def test_a_check_in_in_the_future_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        tomorrow = enrollment.program.today() + datetime.timedelta(days=1)

        response = api_as(care_manager).post(
            url("check-in"),
            {"enrollment": enrollment.pk, "occurred_on": tomorrow.isoformat(), "confidence": 5},
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "The check-in is in the future. Enter the day it happened."}
        assert CheckIn.objects.filter(enrollment=enrollment).exists() is False

    def test_confidence_out_of_range_gets_the_forms_message(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("check-in"),
            {
                "enrollment": enrollment.pk,
                "occurred_on": enrollment.program.today().isoformat(),
                "confidence": 11,
            },
        )

        assert response.status_code == 400
        assert response.json() == {"confidence": ["Enter a number from 0 to 10."]}

    def test_a_same_team_colleague_cannot_record_a_check_in(
        self, api_as: ApiAs, care_manager_same_team: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager_same_team).post(
            url("check-in"),
            {
                "enrollment": enrollment.pk,
                "occurred_on": enrollment.program.today().isoformat(),
                "confidence": 5,
            },
        )

        assert response.status_code == 403
        assert CheckIn.objects.filter(enrollment=enrollment).exists() is False

    def test_another_teams_check_ins_are_missing_and_not_listed(
        self, api_as: ApiAs, care_manager_other_team: User, enrollment: Enrollment
    ) -> None:
        ours = CheckInFactory(enrollment=enrollment)
        client = api_as(care_manager_other_team)

        assert client.get(url("check-in", ours.pk)).status_code == 404
        assert ids(client.get(url("check-in"))) == []


class TestSuccessMoments:
    def test_noting_a_success_goes_through_the_caseload_service(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        today = enrollment.program.today()

        response = api_as(care_manager).post(
            url("success-moment"),
            {
                "enrollment": enrollment.pk,
                "occurred_on": today.isoformat(),
                "kind": "trust",
                "description": "Called me back",
            },
        )

        assert response.status_code == 201
        moment = SuccessMoment.objects.get(enrollment=enrollment)
        assert (moment.kind, moment.description, moment.goal, moment.recorded_by) == (
            "trust",
            "Called me back",
            None,
            care_manager,
        )
        assert recompute_requested(enrollment)

    def test_a_goal_of_another_person_is_refused_with_the_pages_sentence(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, make_enrollment, team_a
    ) -> None:
        someone_else = make_enrollment(status=EnrollmentStatus.ACTIVE, team=team_a, care_manager=care_manager)
        plan = plans.care_plan_start(enrollment=someone_else, acting_user=care_manager)
        goal = plans.goal_add(
            care_plan=plan, acting_user=care_manager, patient_words="Theirs", life_domain="health"
        )

        response = api_as(care_manager).post(
            url("success-moment"),
            {
                "enrollment": enrollment.pk,
                "occurred_on": enrollment.program.today().isoformat(),
                "kind": "trust",
                "description": "Called me back",
                "goal": goal.pk,
            },
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "A reviewed goal does not belong to this person's plan."}
        assert SuccessMoment.objects.filter(enrollment=enrollment).exists() is False

    def test_bad_success_input_gets_field_errors(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            url("success-moment"), {"enrollment": enrollment.pk, "occurred_on": "yesterday", "kind": "luck"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "occurred_on": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
            "kind": ['"luck" is not a valid choice.'],
            "description": ["This field is required."],
        }

    def test_a_program_lead_reads_but_cannot_note_a_success(
        self, api_as: ApiAs, program_lead: User, care_manager_other_team: User, enrollment: Enrollment
    ) -> None:
        moment = SuccessMomentFactory(enrollment=enrollment)
        client = api_as(program_lead)

        assert ids(client.get(url("success-moment"))) == [moment.pk]
        assert api_as(care_manager_other_team).get(url("success-moment", moment.pk)).status_code == 404
        response = client.post(
            url("success-moment"),
            {
                "enrollment": enrollment.pk,
                "occurred_on": enrollment.program.today().isoformat(),
                "kind": "trust",
                "description": "X",
            },
        )
        assert response.status_code == 403
        assert SuccessMoment.objects.filter(enrollment=enrollment).count() == 1


# --- query counts: the same for a few records and for many ------------------------------------------


@pytest.fixture
def two_enrollments(enrollment: Enrollment, make_enrollment, team_a, care_manager: User) -> list[Enrollment]:
    return [
        enrollment,
        make_enrollment(status=EnrollmentStatus.ACTIVE, team=team_a, care_manager=care_manager),
    ]


def bulk(
    model, make_one: Callable[[int, Enrollment], object], enrollments: list[Enrollment]
) -> Callable[[int], None]:
    def make(count: int) -> None:
        model.objects.bulk_create(make_one(index, enrollments[index % 2]) for index in range(count))

    return make


@pytest.mark.parametrize(
    ("basename", "model", "make_one"),
    [
        (
            "contact",
            Contact,
            lambda index, enrollment, user: Contact(
                enrollment=enrollment,
                occurred_at=timezone.now(),
                made_by=user,
                mode="phone",
                is_reached=True,
                note="Synthetic",
                is_part2=index % 3 == 0,
            ),
        ),
        (
            "life-event",
            LifeEvent,
            lambda index, enrollment, user: LifeEvent(
                patient_id=enrollment.patient_id,
                enrollment=enrollment,
                kind="ed_visit",
                occurred_on=program_today(),
            ),
        ),
        (
            "check-in",
            CheckIn,
            lambda index, enrollment, user: CheckIn(
                enrollment=enrollment,
                occurred_on=program_today(),
                confidence=index % 11,
                recorded_by=user,
            ),
        ),
        (
            "success-moment",
            SuccessMoment,
            lambda index, enrollment, user: SuccessMoment(
                enrollment=enrollment,
                occurred_on=program_today(),
                kind="trust",
                description="Synthetic",
                recorded_by=user,
            ),
        ),
    ],
)
def test_a_list_costs_the_same_queries_for_a_few_records_and_for_many(
    api_as: ApiAs,
    supervisor: User,
    care_manager: User,
    two_enrollments: list[Enrollment],
    django_assert_num_queries,
    basename: str,
    model,
    make_one,
) -> None:
    make = bulk(model, lambda index, enrollment: make_one(index, enrollment, care_manager), two_enrollments)
    client = api_as(supervisor)
    # The first request of a session saves it once: not counted, as it is not about the rows.
    client.get(url(basename))
    # Contacts fetch their goal reviews in one more query.
    expected = 8 if basename == "contact" else 7

    make(10)
    with django_assert_num_queries(expected):
        few = client.get(url(basename))
    make(490)
    with django_assert_num_queries(expected):
        many = client.get(url(basename))

    assert (len(few.json()["results"]), len(many.json()["results"])) == (10, 50)
