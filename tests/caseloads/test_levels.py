"""The team's decision on the level of care: accept the recommendation, or override it with a reason
and an end date. Refusals store nothing."""

import datetime

import pytest
import time_machine
from django.db import transaction

from accounts.errors import DomainError
from caseloads.levels import (
    NOT_WORKED_OUT_YET,
    OVERRIDE_MAX_DAYS,
    caseload_level_accept,
    caseload_level_override,
)
from caseloads.models import CaseloadRecomputeRequest, CaseloadStatus, IntensityLevel
from caseloads.services import caseload_recompute_soon
from patients.models import EnrollmentStatus
from tests.caseloads.factories import CaseloadStatusFactory
from tests.engagement.factories import ContactFactory

pytestmark = pytest.mark.django_db

# 03:00 UTC on 10 March is still 9 March in the fixture program's time zone (New York).
NOW = datetime.datetime(2026, 3, 10, 3, 0, tzinfo=datetime.UTC)
PROGRAM_TODAY = datetime.date(2026, 3, 9)
DECISION = ("current_level", "override_reason", "override_until", "override_by_id")


@pytest.fixture(autouse=True)
def _fixed_now(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def status(enrollment) -> CaseloadStatus:
    """The rules recommend high; the team works at medium."""
    return CaseloadStatusFactory(
        enrollment=enrollment,
        recommended_level=IntensityLevel.HIGH,
        current_level=IntensityLevel.MEDIUM,
        recommendation_reasons=["ED visit on 2 Mar, within 30 days: high."],
    )


@pytest.fixture
def overridden(enrollment, supervisor) -> CaseloadStatus:
    """The team chose low against a medium recommendation, until 30 April."""
    return CaseloadStatusFactory(
        enrollment=enrollment,
        recommended_level=IntensityLevel.MEDIUM,
        current_level=IntensityLevel.LOW,
        override_reason="Staying with her sister, who checks in daily.",
        override_until=datetime.date(2026, 4, 30),
        override_by=supervisor,
    )


def decision_of(status: CaseloadStatus) -> tuple[object, ...]:
    row = CaseloadStatus.objects.values_list(*DECISION).get(pk=status.pk)
    return tuple(row)


def recompute_requested_for(status: CaseloadStatus) -> bool:
    return CaseloadRecomputeRequest.objects.filter(enrollment_id=status.enrollment_id).exists()


def override(status: CaseloadStatus, acting_user, **changes: object) -> CaseloadStatus:
    arguments: dict[str, object] = {
        "level": IntensityLevel.LOW,
        "reason": "Stable at home; she asked for fewer calls.",
        "until": PROGRAM_TODAY + datetime.timedelta(days=30),
    } | changes
    return caseload_level_override(status=status, acting_user=acting_user, **arguments)


class TestAccept:
    def test_the_team_works_at_the_recommended_level(self, status, care_manager) -> None:
        accepted = caseload_level_accept(status=status, acting_user=care_manager)

        assert accepted.current_level == IntensityLevel.HIGH
        assert decision_of(status) == (IntensityLevel.HIGH, "", None, None)
        assert recompute_requested_for(status) is True

    def test_accepting_ends_an_override(self, overridden, care_manager) -> None:
        caseload_level_accept(status=overridden, acting_user=care_manager)

        assert decision_of(overridden) == (IntensityLevel.MEDIUM, "", None, None)

    def test_accepting_the_recommendation_that_was_seen(self, status, care_manager) -> None:
        caseload_level_accept(
            status=status, acting_user=care_manager, expected_recommendation=IntensityLevel.HIGH
        )

        assert decision_of(status)[0] == IntensityLevel.HIGH

    def test_a_recommendation_changed_since_it_was_seen_is_not_accepted(self, status, care_manager) -> None:
        with pytest.raises(DomainError) as refusal:
            caseload_level_accept(
                status=status, acting_user=care_manager, expected_recommendation=IntensityLevel.LOW
            )

        assert refusal.value.message == (
            "The recommendation has just changed to high. Look at the reasons again before accepting."
        )
        assert decision_of(status) == (IntensityLevel.MEDIUM, "", None, None)
        assert recompute_requested_for(status) is False


class TestOverride:
    def test_a_different_level_is_kept_with_who_why_and_until(self, status, care_manager) -> None:
        until = PROGRAM_TODAY + datetime.timedelta(days=30)

        changed = override(status, care_manager, reason="  Stable at home; she asked for fewer calls.  ")

        assert changed.is_override is True
        assert decision_of(status) == (
            IntensityLevel.LOW,
            "Stable at home; she asked for fewer calls.",
            until,
            care_manager.pk,
        )
        assert recompute_requested_for(status) is True

    def test_an_override_can_be_changed_by_another_member_of_the_team(self, overridden, care_manager) -> None:
        override(overridden, care_manager, level=IntensityLevel.HIGH, reason="Lost her housing.")

        assert decision_of(overridden) == (
            IntensityLevel.HIGH,
            "Lost her housing.",
            PROGRAM_TODAY + datetime.timedelta(days=30),
            care_manager.pk,
        )

    def test_choosing_the_recommended_level_accepts_it(self, overridden, care_manager) -> None:
        override(overridden, care_manager, level=IntensityLevel.MEDIUM, reason="", until=None)

        assert decision_of(overridden) == (IntensityLevel.MEDIUM, "", None, None)
        assert recompute_requested_for(overridden) is True

    def test_the_end_date_is_in_the_programs_calendar(self, status, care_manager) -> None:
        # 10 March is already today in UTC, but still tomorrow in New York.
        override(status, care_manager, until=datetime.date(2026, 3, 10))

        assert decision_of(status)[2] == datetime.date(2026, 3, 10)

    def test_the_end_date_may_be_the_last_allowed_day(self, status, care_manager) -> None:
        last_day = PROGRAM_TODAY + datetime.timedelta(days=OVERRIDE_MAX_DAYS)

        override(status, care_manager, until=last_day)

        assert OVERRIDE_MAX_DAYS == 180
        assert decision_of(status)[2] == last_day

    def test_a_reason_of_300_characters_is_kept(self, status, care_manager) -> None:
        override(status, care_manager, reason="x" * 300)

        assert decision_of(status)[1] == "x" * 300

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"level": "urgent"}, "Choose the level of care: high, medium or low."),
            ({"level": ""}, "Choose the level of care: high, medium or low."),
            ({"reason": ""}, "Say why the team is choosing a different level from the recommendation."),
            ({"reason": "   \n "}, "Say why the team is choosing a different level from the recommendation."),
            ({"reason": "x" * 301}, "Keep the reason to 300 characters or fewer (it has 301)."),
            (
                {"until": None},
                "Choose until when this level applies. After that date the recommendation applies again.",
            ),
            ({"until": PROGRAM_TODAY}, "The end date must be after today."),
            ({"until": PROGRAM_TODAY - datetime.timedelta(days=1)}, "The end date must be after today."),
            (
                {"until": PROGRAM_TODAY + datetime.timedelta(days=181)},
                "Choose an end date within 180 days, by 5 Sep 2026. "
                "The team can choose the level again then.",
            ),
        ],
    )
    def test_refusals_say_what_to_fix_and_store_nothing(
        self, status, care_manager, changes: dict[str, object], message: str
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            override(status, care_manager, **changes)

        assert refusal.value.message == message
        assert decision_of(status) == (IntensityLevel.MEDIUM, "", None, None)
        assert recompute_requested_for(status) is False


class TestWhoMayDecide:
    @pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_admin"])
    def test_the_care_team_their_supervisor_and_program_admins_may(
        self, request, status, persona: str
    ) -> None:
        user = request.getfixturevalue(persona)

        override(status, user)

        assert decision_of(status) == (
            IntensityLevel.LOW,
            "Stable at home; she asked for fewer calls.",
            PROGRAM_TODAY + datetime.timedelta(days=30),
            user.pk,
        )

    @pytest.mark.parametrize(
        "persona",
        [
            "care_manager_same_team",  # in the team, but not on this person's care team
            "care_manager_other_team",
            "supervisor_other_team",
            "program_lead",  # reads the whole program, changes nothing
            "other_program_admin",
        ],
    )
    @pytest.mark.parametrize("decide", ["accept", "override"])
    def test_anyone_else_is_refused_and_nothing_is_stored(
        self, request, status, persona: str, decide: str
    ) -> None:
        user = request.getfixturevalue(persona)

        def attempt() -> object:
            if decide == "accept":
                return caseload_level_accept(status=status, acting_user=user)
            return override(status, user)

        with pytest.raises(DomainError) as refusal:
            attempt()

        assert refusal.value.message == (
            "Only the person's care team or a supervisor of their team can change their level of care."
        )
        assert decision_of(status) == (IntensityLevel.MEDIUM, "", None, None)
        assert recompute_requested_for(status) is False

    def test_not_once_the_person_has_left_care(self, make_enrollment, supervisor) -> None:
        graduated = make_enrollment(status=EnrollmentStatus.GRADUATED)
        status = CaseloadStatusFactory(enrollment=graduated, recommended_level=IntensityLevel.LOW)

        with pytest.raises(DomainError) as refusal:
            caseload_level_accept(status=status, acting_user=supervisor)

        assert refusal.value.message == "The level of care can change only while the person is in care."
        assert recompute_requested_for(status) is False


def test_the_message_for_a_row_not_worked_out_yet_is_plain() -> None:
    assert NOT_WORKED_OUT_YET == "The level of care has not been worked out yet. Try again in a minute."


def test_the_recompute_keeps_the_override_and_the_next_contact_follows_it(
    enrollment, care_manager, django_capture_on_commit_callbacks
) -> None:
    ContactFactory(enrollment=enrollment, made_by=care_manager, occurred_at=NOW - datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        caseload_recompute_soon(enrollment_id=enrollment.pk)
    computed = CaseloadStatus.objects.get(enrollment=enrollment)
    assert computed.recommended_level == IntensityLevel.MEDIUM  # building trust, reached yesterday

    with django_capture_on_commit_callbacks(execute=True):
        override(computed, care_manager, level=IntensityLevel.HIGH, reason="Just home from hospital.")

    recomputed = CaseloadStatus.objects.get(enrollment=enrollment)
    assert decision_of(recomputed) == (
        IntensityLevel.HIGH,
        "Just home from hospital.",
        PROGRAM_TODAY + datetime.timedelta(days=30),
        care_manager.pk,
    )
    assert recompute_requested_for(recomputed) is False
    # More contacts a month at high: the next one is due sooner than at medium.
    assert recomputed.next_contact_due_on < computed.next_contact_due_on
