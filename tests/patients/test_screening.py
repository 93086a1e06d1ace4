"""Screening a referral for fit: the answers and the outcome (fit with a warm handoff, not a fit with a
redirect, declined with a re-approach date) saved together or not at all; the page and who may use it;
the questions kept in the Django admin."""

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.errors import DomainError
from accounts.models import Discipline, Program, Team, User
from caseloads.models import IntensityLevel
from patients.models import (
    AccessEvent,
    CareTeamMember,
    CommunityResource,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    HandoffSetting,
    Referral,
    ReferralOut,
    ReferralOutStatus,
    ResourceCategory,
    ScreeningAnswer,
    ScreeningQuestion,
    ScreeningResponse,
)
from patients.services import referral_screen
from patients.services.screening import ScreeningAnswerDetails, ScreeningOutcome, WarmHandoff
from tests.accounts.factories import TeamMembershipFactory, UserFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.conftest import CheckDeferredConstraints, MakeEnrollment

pytestmark = pytest.mark.django_db

S = EnrollmentStatus
NOW = datetime.datetime(2025, 3, 3, 15, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2025, 3, 3)
QUESTIONS = (
    "Two or more hospital admissions in the last six months",
    "Two or more chronic conditions",
    "A behavioural health or social need",
    "Willing to engage",
)


@pytest.fixture(autouse=True)
def _now_is_fixed(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _deferred_constraints_hold_after_each_test(
    check_deferred_constraints: CheckDeferredConstraints,
) -> Iterator[None]:
    yield
    check_deferred_constraints()


@pytest.fixture
def questions(program: Program) -> list[ScreeningQuestion]:
    made = [
        ScreeningQuestion.objects.create(program=program, text=text, position=position)
        for position, text in enumerate(QUESTIONS, start=1)
    ]
    ScreeningQuestion.objects.create(program=program, text="An old question", position=9, is_active=False)
    return made


@pytest.fixture
def resource(program: Program) -> CommunityResource:
    return CommunityResource.objects.create(
        program=program, name="Synthetic Food Pantry", category=ResourceCategory.FOOD
    )


@pytest.fixture
def referral(make_enrollment: MakeEnrollment, questions: list[ScreeningQuestion]) -> Enrollment:
    """A new referral, received two hours ago, in a program with four active questions."""
    enrollment = make_enrollment(status=S.REFERRED)
    Referral.objects.filter(enrollment=enrollment).update(received_at=NOW - datetime.timedelta(hours=2))
    return Enrollment.objects.select_related("referral").get(pk=enrollment.pk)


def answers_to(questions: list[ScreeningQuestion], *responses: str) -> list[ScreeningAnswerDetails]:
    responses = responses or (ScreeningResponse.YES,) * len(questions)
    return [
        ScreeningAnswerDetails(question=question, response=response, note="Synthetic note" if i == 0 else "")
        for i, (question, response) in enumerate(zip(questions, responses, strict=True))
    ]


def handoff(at: datetime.datetime = NOW - datetime.timedelta(minutes=30)) -> WarmHandoff:
    return WarmHandoff(introduced_by="Dr Placeholder (synthetic)", setting=HandoffSetting.CLINIC, at=at)


def stored_counts() -> dict[str, int]:
    """Everything a screening may write, to show that a refusal wrote nothing."""
    return {
        "answers": ScreeningAnswer.objects.count(),
        "care_team": CareTeamMember.objects.count(),
        "referrals_out": ReferralOut.objects.count(),
        "screened": Referral.objects.filter(screened_at__isnull=False).count(),
        "handoffs": Referral.objects.filter(handoff_at__isnull=False).count(),
        "closed": Enrollment.objects.filter(ended_on__isnull=False).count(),
        "in_outreach": Enrollment.objects.filter(status=S.OUTREACH).count(),
    }


def assert_refused_and_nothing_stored(
    message: str,
    *,
    enrollment: Enrollment,
    acting_user: User,
    questions: list[ScreeningQuestion],
    **arguments: Any,
) -> None:
    """Screening with every question answered and `arguments` is refused with `message`; nothing is stored."""
    before = stored_counts()
    with pytest.raises(DomainError, match=message):
        referral_screen(
            enrollment=enrollment, acting_user=acting_user, answers=answers_to(questions), **arguments
        )
    assert stored_counts() == before


class TestAFit:
    def test_moves_to_outreach_with_the_chosen_primary_and_the_warm_handoff(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager_other_team: User,
        team_b: Team,
    ) -> None:
        referral_screen(
            enrollment=referral,
            acting_user=program_admin,
            answers=answers_to(questions, "yes", "yes", "unknown", "yes"),
            outcome=ScreeningOutcome.FIT,
            decision_note="Synthetic: three admissions since autumn",
            care_manager=care_manager_other_team,
            handoff=handoff(),
        )

        enrollment = Enrollment.objects.get(pk=referral.pk)
        assert enrollment.status == S.OUTREACH
        assert enrollment.team == team_b  # the care manager's team becomes the enrolment's team
        primary = CareTeamMember.objects.get(enrollment=enrollment, is_primary=True, ended_on__isnull=True)
        assert (primary.user, primary.started_on, primary.added_by) == (
            care_manager_other_team,
            TODAY,
            program_admin,
        )
        stored = Referral.objects.get(enrollment=enrollment)
        assert (stored.screened_at, stored.screened_by, stored.decision_note) == (
            NOW,
            program_admin,
            "Synthetic: three admissions since autumn",
        )
        assert (stored.handoff_by, stored.handoff_setting, stored.handoff_at) == (
            "Dr Placeholder (synthetic)",
            HandoffSetting.CLINIC,
            NOW - datetime.timedelta(minutes=30),
        )
        assert list(
            ScreeningAnswer.objects.filter(referral=stored)
            .order_by("question__position")
            .values_list("question__text", "response", "note")
        ) == [
            (QUESTIONS[0], "yes", "Synthetic note"),
            (QUESTIONS[1], "yes", ""),
            (QUESTIONS[2], "unknown", ""),
            (QUESTIONS[3], "yes", ""),
        ]

    def test_a_referral_already_in_screening_moves_on_to_outreach(
        self,
        make_enrollment: MakeEnrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager: User,
    ) -> None:
        enrollment = make_enrollment(status=S.SCREENING)
        referral_screen(
            enrollment=enrollment,
            acting_user=program_admin,
            answers=answers_to(questions),
            outcome=ScreeningOutcome.FIT,
            care_manager=care_manager,
            handoff=handoff(at=NOW),
        )
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.OUTREACH

    def test_a_handoff_in_the_minute_the_referral_arrived_is_kept_at_the_moment_it_arrived(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager: User,
    ) -> None:
        arrived = NOW - datetime.timedelta(minutes=5, seconds=-40)  # 14:55:40
        Referral.objects.filter(enrollment=referral).update(received_at=arrived)
        referral_screen(
            enrollment=referral,
            acting_user=program_admin,
            answers=answers_to(questions),
            outcome=ScreeningOutcome.FIT,
            care_manager=care_manager,
            handoff=handoff(at=arrived.replace(second=0)),  # typed to the minute: 14:55
        )
        assert Referral.objects.get(enrollment=referral).handoff_at == arrived

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"handoff": handoff(at=NOW + datetime.timedelta(minutes=1))}, "cannot be in the future"),
            ({"handoff": handoff(at=NOW - datetime.timedelta(hours=3))}, "before the referral was received"),
            ({"handoff": None}, "Say who introduced the care manager"),
            ({"handoff": WarmHandoff(introduced_by=" ", setting="clinic", at=NOW)}, "Say who introduced"),
            ({"handoff": WarmHandoff(introduced_by="Nurse", setting="moon", at=NOW)}, "Say where"),
            ({"care_manager": None}, "Choose the primary care manager"),
        ],
    )
    def test_is_refused_without_a_proper_handoff_or_care_manager_and_nothing_is_stored(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager: User,
        changes: dict[str, Any],
        message: str,
    ) -> None:
        arguments: dict[str, Any] = {"care_manager": care_manager, "handoff": handoff()} | changes
        assert_refused_and_nothing_stored(
            message,
            enrollment=referral,
            acting_user=program_admin,
            questions=questions,
            outcome=ScreeningOutcome.FIT,
            **arguments,
        )
        assert Enrollment.objects.get(pk=referral.pk).status == S.REFERRED

    def test_a_supervisor_cannot_be_chosen_and_nothing_is_stored(
        self, referral: Enrollment, questions: list[ScreeningQuestion], program_admin: User, supervisor: User
    ) -> None:
        assert_refused_and_nothing_stored(
            "not a care manager",
            enrollment=referral,
            acting_user=program_admin,
            questions=questions,
            outcome=ScreeningOutcome.FIT,
            care_manager=supervisor,
            handoff=handoff(),
        )


class TestNotAFit:
    def test_redirects_to_the_service_and_closes_the_referral_as_not_a_fit(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        resource: CommunityResource,
    ) -> None:
        referral_screen(
            enrollment=referral,
            acting_user=program_admin,
            answers=answers_to(questions, "no", "no", "yes", "yes"),
            outcome=ScreeningOutcome.NOT_A_FIT,
            decision_note="Synthetic: needs food support only",
            resource=resource,
        )

        enrollment = Enrollment.objects.get(pk=referral.pk)
        assert (enrollment.status, enrollment.end_reason, enrollment.ended_on, enrollment.end_note) == (
            S.NOT_A_FIT,
            EndReason.NOT_A_FIT,
            TODAY,
            "Synthetic: needs food support only",
        )
        redirect = ReferralOut.objects.get(enrollment=enrollment)
        assert (redirect.resource, redirect.reason, redirect.status, redirect.referred_by) == (
            resource,
            "Synthetic: needs food support only",
            ReferralOutStatus.SENT,
            program_admin,
        )
        assert Referral.objects.get(enrollment=enrollment).screened_by == program_admin
        assert ScreeningAnswer.objects.filter(referral__enrollment=enrollment).count() == 4
        assert not CareTeamMember.objects.filter(enrollment=enrollment).exists()

    @pytest.mark.parametrize(
        ("note", "with_resource", "message"),
        [
            ("Synthetic reason", False, "Choose a service from the directory"),
            ("  ", True, "Say why the program is not a fit"),
        ],
    )
    def test_is_refused_without_a_reason_or_a_service_and_nothing_is_stored(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        resource: CommunityResource,
        note: str,
        with_resource: bool,
        message: str,
    ) -> None:
        assert_refused_and_nothing_stored(
            message,
            enrollment=referral,
            acting_user=program_admin,
            questions=questions,
            outcome=ScreeningOutcome.NOT_A_FIT,
            decision_note=note,
            resource=resource if with_resource else None,
        )

    def test_a_service_from_another_programs_directory_is_refused(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        other_program: Program,
    ) -> None:
        elsewhere = CommunityResource.objects.create(
            program=other_program, name="Synthetic Elsewhere", category=ResourceCategory.HOUSING
        )
        assert_refused_and_nothing_stored(
            "this program's directory",
            enrollment=referral,
            acting_user=program_admin,
            questions=questions,
            outcome=ScreeningOutcome.NOT_A_FIT,
            decision_note="Synthetic reason",
            resource=elsewhere,
        )


class TestDeclined:
    def test_closes_as_declined_keeping_when_and_how_to_approach_again(
        self, referral: Enrollment, questions: list[ScreeningQuestion], program_admin: User
    ) -> None:
        referral_screen(
            enrollment=referral,
            acting_user=program_admin,
            answers=answers_to(questions, "yes", "yes", "yes", "no"),
            outcome=ScreeningOutcome.DECLINED,
            decision_note="“I've got enough people in my business right now.”",
            reapproach_on=datetime.date(2025, 6, 1),
            reapproach_preference=" Through her daughter, by text ",
        )

        enrollment = Enrollment.objects.get(pk=referral.pk)
        assert (enrollment.status, enrollment.end_reason, enrollment.ended_on) == (
            S.DECLINED,
            EndReason.DECLINED,
            TODAY,
        )
        assert enrollment.end_note == "“I've got enough people in my business right now.”"
        assert (enrollment.reapproach_on, enrollment.reapproach_preference) == (
            datetime.date(2025, 6, 1),
            "Through her daughter, by text",
        )
        # What a re-approach worklist asks for on that day.
        assert list(Enrollment.objects.filter(reapproach_on__lte=datetime.date(2025, 6, 1))) == [enrollment]
        assert Referral.objects.get(enrollment=enrollment).decision_note == enrollment.end_note

    @pytest.mark.parametrize(
        ("note", "reapproach_on", "message"),
        [
            ("Synthetic: not now", None, "Choose a date to approach the person again"),
            ("Synthetic: not now", TODAY, "must be after today"),
            ("Synthetic: not now", TODAY - datetime.timedelta(days=1), "must be after today"),
            ("", TODAY + datetime.timedelta(days=30), "in their words"),
        ],
    )
    def test_is_refused_without_their_reason_or_a_future_reapproach_date_and_nothing_is_stored(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        note: str,
        reapproach_on: datetime.date | None,
        message: str,
    ) -> None:
        assert_refused_and_nothing_stored(
            message,
            enrollment=referral,
            acting_user=program_admin,
            questions=questions,
            outcome=ScreeningOutcome.DECLINED,
            decision_note=note,
            reapproach_on=reapproach_on,
        )


class TestTheRules:
    def decline(self, enrollment: Enrollment, user: User, answers: list[ScreeningAnswerDetails]) -> None:
        referral_screen(
            enrollment=enrollment,
            acting_user=user,
            answers=answers,
            outcome=ScreeningOutcome.DECLINED,
            decision_note="Synthetic: not now",
            reapproach_on=TODAY + datetime.timedelta(days=60),
        )

    def test_every_active_question_must_be_answered(
        self, referral: Enrollment, questions: list[ScreeningQuestion], program_admin: User
    ) -> None:
        with pytest.raises(DomainError, match="Answer every screening question"):
            self.decline(referral, program_admin, answers_to(questions[:3]))
        assert stored_counts()["answers"] == 0

    def test_an_inactive_or_another_programs_question_is_refused(
        self,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        other_program: Program,
    ) -> None:
        inactive = ScreeningQuestion.objects.get(is_active=False)
        elsewhere = ScreeningQuestion.objects.create(program=other_program, text="Elsewhere")
        for extra in (inactive, elsewhere):
            answers = [*answers_to(questions), ScreeningAnswerDetails(question=extra, response="yes")]
            with pytest.raises(DomainError, match="current screening questions"):
                self.decline(referral, program_admin, answers)
        assert stored_counts()["answers"] == 0

    def test_an_unknown_response_or_outcome_is_refused(
        self, referral: Enrollment, questions: list[ScreeningQuestion], program_admin: User
    ) -> None:
        with pytest.raises(DomainError, match="yes, no or not known"):
            self.decline(referral, program_admin, answers_to(questions, "yes", "maybe", "no", "no"))
        with pytest.raises(DomainError, match="Choose the outcome"):
            referral_screen(
                enrollment=referral, acting_user=program_admin, answers=answers_to(questions), outcome="later"
            )
        assert stored_counts()["answers"] == 0

    def test_a_referral_already_screened_cannot_be_screened_again(
        self, make_enrollment: MakeEnrollment, questions: list[ScreeningQuestion], program_admin: User
    ) -> None:
        enrollment = make_enrollment(status=S.OUTREACH)
        with pytest.raises(DomainError, match="already been screened"):
            self.decline(enrollment, program_admin, answers_to(questions))
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.OUTREACH

    @pytest.mark.parametrize("who", ["care_manager", "supervisor", "other_program_admin"])
    def test_only_this_programs_admins_screen(
        self,
        request: pytest.FixtureRequest,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        who: str,
    ) -> None:
        with pytest.raises(DomainError, match="Only this program's admins"):
            self.decline(referral, request.getfixturevalue(who), answers_to(questions))
        assert stored_counts()["answers"] == 0

    def test_a_program_without_questions_can_still_screen(
        self, make_enrollment: MakeEnrollment, program_admin: User
    ) -> None:
        enrollment = make_enrollment(status=S.REFERRED)
        self.decline(enrollment, program_admin, [])
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.DECLINED


# The page ---------------------------------------------------------------------------------------------


def page_url(enrollment: Enrollment) -> str:
    return reverse("caseloads:screening", kwargs={"patient_id": enrollment.patient_id})


def posted_answers(questions: list[ScreeningQuestion], response: str = "yes") -> dict[str, str]:
    return {f"answer_{question.pk}": response for question in questions} | {
        f"note_{question.pk}": "" for question in questions
    }


def fit_post(questions: list[ScreeningQuestion], care_manager: User, **overrides: str) -> dict[str, str]:
    return (
        posted_answers(questions)
        | {
            "outcome": "fit",
            "care_manager": str(care_manager.pk),
            "handoff_by": "Charge nurse (synthetic)",
            "handoff_setting": HandoffSetting.HOSPITAL_BEDSIDE,
            "handoff_at": "2025-03-03T09:30",  # in the program's time zone, New York: 14:30 UTC
        }
        | overrides
    )


def declined_post(questions: list[ScreeningQuestion], **overrides: str) -> dict[str, str]:
    return (
        posted_answers(questions)
        | {
            "outcome": "declined",
            "declined_reason": "Synthetic: “Not while I'm looking after my mum.”",
            "reapproach_preference": "Phone after 5 pm",
            "reapproach_on": "2025-05-01",
        }
        | overrides
    )


def rows_shown(page: str) -> dict[int, dict[str, str]]:
    """The suggestion table's numbers as shown, by care manager id."""
    rows = {}
    for pk, body in re.findall(r'<tr id="suggestion-(\d+)" class="suggestion-row">(.*?)</tr>', page, re.S):
        cells = dict(re.findall(r'<td data-count="(\w+)">([^<]*)', body))
        rows[int(pk)] = {name: value.strip() for name, value in cells.items()}
    return rows


class TestThePage:
    def test_shows_the_referral_the_questions_and_the_three_outcomes(
        self, client, referral: Enrollment, program_admin: User, resource: CommunityResource
    ) -> None:
        client.force_login(program_admin)
        response = client.get(page_url(referral))
        assert response.status_code == 200
        page = response.content.decode()
        assert referral.referral.reason in page
        assert "Dr Testwell Placeholder, Example Test Clinic" in page
        positions = [page.index(text) for text in QUESTIONS]
        assert positions == sorted(positions)
        assert "An old question" not in page
        for outcome in ("outcome-fit", "outcome-not_a_fit", "outcome-declined"):
            assert f'id="{outcome}"' in page
        assert '<optgroup label="Food">' in page
        assert "Synthetic Food Pantry" in page
        assert 'type="datetime-local" name="handoff_at" value="2025-03-03T10:00"' in page
        assert re.search(r'<input type="date" name="reapproach_on" min="2025-03-04"', page)

    def test_the_table_shows_the_numbers_the_suggestion_is_computed_from(
        self,
        client,
        referral: Enrollment,
        program_admin: User,
        team_a: Team,
        make_enrollment: MakeEnrollment,
    ) -> None:
        busy = UserFactory(program=team_a.program, caseload_capacity=20, first_name="Busy")
        TeamMembershipFactory(team=team_a, user=busy)
        for level, status in ((IntensityLevel.HIGH, S.ACTIVE), ("high", S.OUTREACH), ("low", S.MAINTENANCE)):
            enrollment = make_enrollment(status=status, care_manager=busy)
            CaseloadStatusFactory(enrollment=enrollment, recommended_level=level, care_manager=busy)
        free = UserFactory(program=team_a.program, caseload_capacity=30, first_name="Free")
        TeamMembershipFactory(team=team_a, user=free)
        make_enrollment(status=S.ACTIVE, care_manager=free)  # no computed level: medium

        client.force_login(program_admin)
        page = client.get(page_url(referral)).content.decode()

        shown = rows_shown(page)
        # 2 high + 1 low = 2 x 3 + 1 = 7 points of 20: 35 %; 1 medium = 2 points of 30: 7 %.
        assert shown[busy.pk] == {
            "high": "2",
            "medium": "0",
            "low": "1",
            "points": "7",
            "capacity": "20",
            "load": "35%",
        }
        assert shown[free.pk] == {
            "high": "0",
            "medium": "1",
            "low": "0",
            "points": "2",
            "capacity": "30",
            "load": "7%",
        }
        assert list(shown) == [free.pk, busy.pk]  # lowest load first
        first_row = page[page.index(f'id="suggestion-{free.pk}"') : page.index(f'id="suggestion-{busy.pk}"')]
        assert "Suggested" in first_row
        assert "each person at high intensity counts 3 points, medium 2, low 1" in page

    def test_sort_suggestions_by_discipline_keeps_what_was_filled_in_and_stores_nothing(
        self,
        client,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        team_a: Team,
    ) -> None:
        social_worker = UserFactory(program=team_a.program, discipline=Discipline.SOCIAL_WORKER)
        nurse = UserFactory(
            program=team_a.program, discipline=Discipline.REGISTERED_NURSE, caseload_capacity=1
        )
        for user in (social_worker, nurse):
            TeamMembershipFactory(team=team_a, user=user)
        client.force_login(program_admin)
        before = stored_counts()
        response = client.post(
            page_url(referral),
            posted_answers(questions, "no") | {"outcome": "fit", "discipline": "rn", "suggest": "1"},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert list(rows_shown(page)) == [nurse.pk, social_worker.pk]
        assert "Suggestions sorted for registered nurse. Nothing is saved yet." in page
        assert re.search(rf'name="answer_{questions[0].pk}" value="no"[^>]*checked', page)
        assert re.search(r'name="outcome" value="fit"[^>]*checked', page)
        assert stored_counts() == before

    def test_a_returning_persons_new_referral_is_screened_not_their_last_episode(
        self,
        client,
        make_enrollment: MakeEnrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
    ) -> None:
        earlier = make_enrollment(status=S.DECLINED)
        returning = make_enrollment(status=S.REFERRED, patient=earlier.patient)
        client.force_login(program_admin)
        page = client.get(page_url(returning)).content.decode()
        assert "Already screened" not in page
        assert 'name="outcome"' in page
        response = client.post(page_url(returning), declined_post(questions))
        assert response.status_code == 302
        assert Enrollment.objects.get(pk=returning.pk).status == S.DECLINED
        assert AccessEvent.objects.filter(enrollment=returning).count() == 1

    def test_a_program_without_questions_says_where_to_add_them(
        self, client, make_enrollment: MakeEnrollment, program_admin: User
    ) -> None:
        enrollment = make_enrollment(status=S.REFERRED)
        client.force_login(program_admin)
        response = client.get(page_url(enrollment))
        assert response.status_code == 200
        page = response.content.decode()
        assert "This program has no screening questions yet." in page
        assert (
            f'<a href="{reverse("caseloads:settings")}#questions">Add screening questions in Settings</a>'
            in page
        )

    def test_writes_an_access_event(self, client, referral: Enrollment, program_admin: User) -> None:
        client.force_login(program_admin)
        client.get(page_url(referral))
        event = AccessEvent.objects.get()
        assert (event.user, event.patient_id, event.enrollment_id, event.object_type, event.route) == (
            program_admin,
            referral.patient_id,
            referral.pk,
            "referral",
            page_url(referral),
        )

    def test_the_query_count_is_the_same_with_3_and_20_care_managers(
        self,
        client,
        referral: Enrollment,
        program_admin: User,
        team_a: Team,
        resource: CommunityResource,
        make_enrollment: MakeEnrollment,
        django_assert_num_queries,
    ) -> None:
        def add_care_managers(count: int) -> None:
            for _ in range(count):
                user = UserFactory(program=team_a.program)
                TeamMembershipFactory(team=team_a, user=user)
                make_enrollment(status=S.ACTIVE, care_manager=user)

        add_care_managers(3)
        client.force_login(program_admin)
        client.get(page_url(referral))  # the first request also reads the program's time zone
        # session, user, patient, enrolment, plan, Part 2 check, referral, questions, directory,
        # weights, care managers with their counts and teams, access event (3 with its savepoint),
        # session save (3)
        with django_assert_num_queries(17):
            response = client.get(page_url(referral))
        assert len(rows_shown(response.content.decode())) == 3
        add_care_managers(17)
        with django_assert_num_queries(17):
            response = client.get(page_url(referral))
        assert len(rows_shown(response.content.decode())) == 20


class TestWhoMayScreen:
    @pytest.mark.parametrize("who", ["care_manager", "supervisor", "program_lead"])
    def test_anyone_else_who_may_see_the_person_gets_403_and_nothing_changes(
        self,
        request: pytest.FixtureRequest,
        client,
        make_enrollment: MakeEnrollment,
        questions: list[ScreeningQuestion],
        team_a: Team,
        who: str,
    ) -> None:
        user = request.getfixturevalue(who)
        # Even someone whose team holds the referral.
        enrollment = make_enrollment(status=S.SCREENING, team=team_a)
        client.force_login(user)
        before = stored_counts()
        assert client.get(page_url(enrollment)).status_code == 403
        assert client.post(page_url(enrollment), declined_post(questions)).status_code == 403
        assert stored_counts() == before
        assert AccessEvent.objects.count() == 0

    @pytest.mark.parametrize("who", ["other_program_admin", "care_manager_other_team"])
    def test_someone_who_may_not_see_the_person_gets_404_and_nothing_changes(
        self,
        request: pytest.FixtureRequest,
        client,
        make_enrollment: MakeEnrollment,
        questions: list[ScreeningQuestion],
        team_a: Team,
        who: str,
    ) -> None:
        referral = make_enrollment(status=S.SCREENING, team=team_a)
        client.force_login(request.getfixturevalue(who))
        before = stored_counts()
        assert client.get(page_url(referral)).status_code == 404
        assert client.post(page_url(referral), declined_post(questions)).status_code == 404
        assert stored_counts() == before

    def test_an_unknown_patient_is_404(self, client, program_admin: User) -> None:
        client.force_login(program_admin)
        assert client.get(reverse("caseloads:screening", kwargs={"patient_id": 987654})).status_code == 404

    def test_someone_signed_out_is_sent_to_sign_in(self, client, referral: Enrollment) -> None:
        response = client.get(page_url(referral))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


class TestSaving:
    def test_a_fit_is_saved_and_the_queue_says_so_without_names(
        self,
        client,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager: User,
    ) -> None:
        client.force_login(program_admin)
        response = client.post(page_url(referral), fit_post(questions, care_manager))

        assert response.status_code == 302
        assert response["Location"] == reverse("patients:referral-queue")
        [message] = [str(message) for message in get_messages(response.wsgi_request)]
        assert message == "Screening saved: a fit. Outreach starts with the care manager you chose."
        assert str(care_manager) not in message
        assert referral.patient.legal_last_name not in message
        enrollment = Enrollment.objects.get(pk=referral.pk)
        assert enrollment.status == S.OUTREACH
        assert CareTeamMember.objects.get(enrollment=enrollment, is_primary=True).user == care_manager
        stored = Referral.objects.get(enrollment=enrollment)
        assert (stored.handoff_by, stored.handoff_setting, stored.handoff_at) == (
            "Charge nurse (synthetic)",
            HandoffSetting.HOSPITAL_BEDSIDE,
            datetime.datetime(2025, 3, 3, 14, 30, tzinfo=datetime.UTC),
        )
        assert ScreeningAnswer.objects.filter(referral=stored, response="yes").count() == 4

    def test_declined_is_saved_with_when_and_how_to_approach_again(
        self, client, referral: Enrollment, questions: list[ScreeningQuestion], program_admin: User
    ) -> None:
        client.force_login(program_admin)
        response = client.post(page_url(referral), declined_post(questions))

        assert response.status_code == 302
        [message] = [str(message) for message in get_messages(response.wsgi_request)]
        assert message.endswith("on the re-approach worklist from 1 May 2025.")
        enrollment = Enrollment.objects.get(pk=referral.pk)
        assert (enrollment.status, enrollment.reapproach_on, enrollment.reapproach_preference) == (
            S.DECLINED,
            datetime.date(2025, 5, 1),
            "Phone after 5 pm",
        )
        assert enrollment.end_note == "Synthetic: “Not while I'm looking after my mum.”"

    def test_not_a_fit_is_saved_with_the_redirect(
        self,
        client,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        resource: CommunityResource,
    ) -> None:
        client.force_login(program_admin)
        response = client.post(
            page_url(referral),
            posted_answers(questions, "no")
            | {
                "outcome": "not_a_fit",
                "not_a_fit_reason": "Synthetic: needs food",
                "resource": str(resource.pk),
            },
        )
        assert response.status_code == 302
        assert Enrollment.objects.get(pk=referral.pk).status == S.NOT_A_FIT
        assert ReferralOut.objects.get(enrollment=referral).resource == resource

    def test_the_other_outcomes_fields_are_ignored(
        self, client, referral: Enrollment, questions: list[ScreeningQuestion], program_admin: User
    ) -> None:
        client.force_login(program_admin)
        post = declined_post(questions, handoff_at="not a time", care_manager="99999", resource="nonsense")
        assert client.post(page_url(referral), post).status_code == 302
        assert Enrollment.objects.get(pk=referral.pk).status == S.DECLINED

    @pytest.mark.parametrize(
        ("post", "errors"),
        [
            ({"outcome": ""}, ["Choose the outcome: a fit, not a fit, or declined."]),
            (
                {"outcome": "fit", "care_manager": "", "handoff_by": "", "handoff_setting": ""},
                [
                    "Choose the primary care manager.",
                    "Say who introduced the care manager to the person.",
                    "Say where the introduction happened.",
                ],
            ),
            (
                {"outcome": "fit", "handoff_at": "2025-03-03T10:05"},
                ["The warm handoff cannot be in the future."],
            ),
            ({"outcome": "fit", "care_manager": "99999"}, ["Choose a care manager from the list."]),
            (
                {"outcome": "not_a_fit", "not_a_fit_reason": "", "resource": ""},
                [
                    "Say why the program is not a fit.",
                    "Choose a service from the directory to redirect the person to.",
                ],
            ),
            (
                {"outcome": "declined", "declined_reason": "Synthetic", "reapproach_on": ""},
                ["Choose a date to approach the person again."],
            ),
            (
                {"outcome": "declined", "declined_reason": "Synthetic", "reapproach_on": "2025-03-03"},
                ["The re-approach date must be after today."],
            ),
            (
                {"outcome": "declined", "declined_reason": "", "reapproach_on": "2025-05-01"},
                ["Write the reason the person gave, in their words."],
            ),
        ],
    )
    def test_bad_input_answers_422_with_the_message_and_stores_nothing(
        self,
        client,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager: User,
        resource: CommunityResource,
        post: dict[str, str],
        errors: list[str],
    ) -> None:
        client.force_login(program_admin)
        before = stored_counts()
        response = client.post(page_url(referral), fit_post(questions, care_manager) | post)
        assert response.status_code == 422
        page = response.content.decode()
        assert "Nothing was saved." in page
        for error in errors:
            assert error in page
        assert stored_counts() == before

    def test_an_unanswered_question_answers_422(
        self,
        client,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager: User,
    ) -> None:
        client.force_login(program_admin)
        post = fit_post(questions, care_manager)
        del post[f"answer_{questions[2].pk}"]
        before = stored_counts()
        response = client.post(page_url(referral), post)
        assert response.status_code == 422
        assert "Choose yes, no or not known." in response.content.decode()
        assert stored_counts() == before

    def test_a_rule_refused_by_the_service_is_shown_and_nothing_is_stored(
        self,
        client,
        referral: Enrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
        care_manager: User,
        team_b: Team,
    ) -> None:
        TeamMembershipFactory(team=team_b, user=care_manager)  # in two teams: which one is unclear
        client.force_login(program_admin)
        before = stored_counts()
        response = client.post(page_url(referral), fit_post(questions, care_manager))
        assert response.status_code == 422
        assert "works in several teams" in response.content.decode()
        assert stored_counts() == before

    def test_a_screened_referral_shows_the_decision_and_refuses_another(
        self,
        client,
        make_enrollment: MakeEnrollment,
        questions: list[ScreeningQuestion],
        program_admin: User,
    ) -> None:
        enrollment = make_enrollment(status=S.OUTREACH)
        client.force_login(program_admin)
        response = client.get(page_url(enrollment))
        assert response.status_code == 200
        assert "Already screened" in response.content.decode()
        assert 'name="outcome"' not in response.content.decode()
        response = client.post(page_url(enrollment), declined_post(questions))
        assert response.status_code == 409
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.OUTREACH


class TestQuestionsInTheDjangoAdmin:
    def test_a_program_admin_sees_and_reorders_only_their_programs_questions(
        self, client, questions: list[ScreeningQuestion], program_admin: User, other_program: Program
    ) -> None:
        ScreeningQuestion.objects.create(program=other_program, text="Another program's question")
        client.force_login(program_admin)
        url = reverse("admin:patients_screeningquestion_changelist")
        page = client.get(url).content.decode()
        assert all(text in page for text in QUESTIONS)
        assert "Another program's question" not in page

        shown = list(
            ScreeningQuestion.objects.filter(program=program_admin.program).order_by("position", "id")
        )
        form: dict[str, str] = {
            "form-TOTAL_FORMS": str(len(shown)),
            "form-INITIAL_FORMS": str(len(shown)),
            "_save": "Save",
        }
        for index, question in enumerate(shown):
            form |= {f"form-{index}-id": str(question.pk), f"form-{index}-position": str(question.position)}
            if question.is_active:
                form[f"form-{index}-is_active"] = "on"
        first, last = shown[0], shown[3]
        form["form-0-position"], form["form-3-position"] = "4", "1"
        form.pop("form-1-is_active")  # deactivate the second question
        assert client.post(url, form).status_code == 302
        first.refresh_from_db()
        last.refresh_from_db()
        assert (first.position, last.position) == (4, 1)
        assert ScreeningQuestion.objects.get(pk=shown[1].pk).is_active is False

    def test_a_program_admin_adds_a_question_to_their_own_program_only(
        self, client, program_admin: User, other_program: Program
    ) -> None:
        client.force_login(program_admin)
        url = reverse("admin:patients_screeningquestion_add")
        page = client.get(url).content.decode()
        assert other_program.name not in page
        response = client.post(
            url, {"program": str(other_program.pk), "text": "Sneaky", "position": "1", "is_active": "on"}
        )
        assert response.status_code == 200  # refused: not a choice
        assert not ScreeningQuestion.objects.filter(text="Sneaky").exists()
        response = client.post(
            url, {"program": str(program_admin.program_id), "text": "Lives alone", "position": "5"}
        )
        assert response.status_code == 302
        assert ScreeningQuestion.objects.get(text="Lives alone").program_id == program_admin.program_id

    def test_a_care_manager_cannot_open_them(self, client, care_manager: User) -> None:
        care_manager.is_staff = True
        care_manager.save(update_fields=["is_staff"])
        client.force_login(care_manager)
        assert client.get(reverse("admin:patients_screeningquestion_changelist")).status_code == 403
