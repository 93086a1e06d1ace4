"""The caseload rules at their boundaries. Pure functions: no database."""

import dataclasses
import datetime
from typing import Any

import pytest

from caseloads.models import GraduationCriteria, IntensityLevel, IntensityPolicy
from caseloads.rules import (
    Criteria,
    Effect,
    EnrollmentFacts,
    Policy,
    add_months,
    confidence_dropped,
    early_engagement,
    graduation_readiness,
    next_contact_due,
    no_recent_contact,
    phase_suggestion,
    recent_crisis,
    recommend_level,
    stable_and_achieving,
    stable_until,
)
from engagement.models import ReadinessView
from patients.models import Phase

TODAY = datetime.date(2025, 6, 15)
POLICY = Policy.from_model(None)
CRITERIA = Criteria.from_model(None)
L = IntensityLevel


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def facts(**overrides: Any) -> EnrollmentFacts:
    """A settled person in the wellness phase whom no rule touches, unless overridden."""
    values: dict[str, Any] = {
        "today": TODAY,
        "phase": Phase.WELLNESS,
        "enrolled_on": days_ago(300),
        "current_level": L.MEDIUM,
        "last_crisis_on": days_ago(60),
        "last_crisis_kind": "ED visit",
        "last_reached_on": days_ago(5),
        "reached_contacts": 20,
        "reached_contacts_last_30_days": 4,
        "attempts_last_30_days": 6,
        "latest_confidence": 6,
        "previous_confidence": 6,
        "last_check_in_readiness": "",
        "goals_achieved": 0,
        "has_co_created_plan": True,
        "trust_successes": 0,
        "has_primary_care_provider": False,
    }
    values.update(overrides)
    return EnrollmentFacts(**values)


def stable(**overrides: Any) -> EnrollmentFacts:
    """Someone who meets the step-down rule and every other rule's opposite."""
    values: dict[str, Any] = {
        "last_crisis_on": days_ago(120),
        "latest_confidence": 8,
        "previous_confidence": 8,
        "goals_achieved": 1,
    }
    return facts(**{**values, **overrides})


class TestRulesAlone:
    def test_the_baseline_fires_no_rule(self) -> None:
        base = facts()
        rules = (recent_crisis, early_engagement, no_recent_contact, confidence_dropped, stable_and_achieving)
        assert [rule(base, POLICY) for rule in rules] == [None] * 5

    @pytest.mark.parametrize(("days", "fires"), [(29, True), (30, True), (31, False)])
    def test_a_crisis_within_30_days_means_high(self, days: int, fires: bool) -> None:
        reason = recent_crisis(facts(last_crisis_on=days_ago(days)), POLICY)
        assert (reason is not None) is fires
        if reason:
            assert reason.effect == Effect.HIGH
            assert reason.text == f"ED visit on {days_ago(days).day} May, within 30 days: high."

    def test_no_crisis_recorded_is_not_a_recent_crisis(self) -> None:
        assert recent_crisis(facts(last_crisis_on=None), POLICY) is None

    @pytest.mark.parametrize(("days", "fires"), [(59, True), (60, True), (61, False)])
    def test_the_first_60_days_of_engagement_mean_at_least_medium(self, days: int, fires: bool) -> None:
        reason = early_engagement(
            facts(phase=Phase.ENGAGEMENT, enrolled_on=days_ago(days), last_crisis_on=None), POLICY
        )
        assert (reason is not None) is fires
        if reason:
            assert reason.effect == Effect.AT_LEAST_MEDIUM
            enrolled = days_ago(days)
            assert reason.text == (
                f"Building trust: enrolled on {enrolled.day} {enrolled:%b}, within the first 60 days: "
                "at least medium."
            )

    def test_early_days_in_the_wellness_phase_are_not_early_engagement(self) -> None:
        assert early_engagement(facts(phase=Phase.WELLNESS, enrolled_on=days_ago(10)), POLICY) is None

    @pytest.mark.parametrize(("days", "fires"), [(20, False), (21, False), (22, True)])
    def test_no_reached_contact_in_21_days_means_at_least_medium(self, days: int, fires: bool) -> None:
        reason = no_recent_contact(facts(last_reached_on=days_ago(days)), POLICY)
        assert (reason is not None) is fires
        if reason:
            assert reason.effect == Effect.AT_LEAST_MEDIUM
            assert (
                reason.text == f"Last reached on {days_ago(days).day} May, over 21 days ago: at least medium."
            )

    @pytest.mark.parametrize(("days", "fires"), [(21, False), (22, True)])
    def test_never_reached_counts_from_enrolment(self, days: int, fires: bool) -> None:
        reason = no_recent_contact(facts(last_reached_on=None, enrolled_on=days_ago(days)), POLICY)
        assert (reason is not None) is fires
        if reason:
            assert reason.text.startswith("Not reached since enrolment on ")

    @pytest.mark.parametrize(("previous", "latest", "fires"), [(8, 6, False), (8, 5, True), (9, 2, True)])
    def test_a_confidence_drop_of_3_means_one_level_up(self, previous: int, latest: int, fires: bool) -> None:
        reason = confidence_dropped(facts(previous_confidence=previous, latest_confidence=latest), POLICY)
        assert (reason is not None) is fires
        if reason:
            assert reason.effect == Effect.ONE_UP
            assert reason.text == (
                f"Confidence fell from {previous} to {latest} since the last check-in: one level up."
            )

    @pytest.mark.parametrize(("previous", "latest"), [(None, 2), (9, None), (None, None)])
    def test_no_drop_without_two_ratings(self, previous: int | None, latest: int | None) -> None:
        assert (
            confidence_dropped(facts(previous_confidence=previous, latest_confidence=latest), POLICY) is None
        )

    @pytest.mark.parametrize(("days", "fires"), [(89, False), (90, True), (91, True)])
    def test_step_down_needs_90_crisis_free_days(self, days: int, fires: bool) -> None:
        reason = stable_and_achieving(stable(last_crisis_on=days_ago(days)), POLICY)
        assert (reason is not None) is fires
        if reason:
            assert reason.effect == Effect.ONE_DOWN
            assert reason.text == (
                "90+ days without a crisis, confidence 8 and 1 goal(s) achieved: one level down."
            )

    @pytest.mark.parametrize(("enrolled_days", "fires"), [(89, False), (90, True)])
    def test_with_no_crisis_recorded_crisis_free_time_counts_from_enrolment(
        self, enrolled_days: int, fires: bool
    ) -> None:
        reason = stable_and_achieving(
            stable(last_crisis_on=None, enrolled_on=days_ago(enrolled_days)), POLICY
        )
        assert (reason is not None) is fires

    @pytest.mark.parametrize(("confidence", "fires"), [(None, False), (6, False), (7, True)])
    def test_step_down_needs_confidence_7(self, confidence: int | None, fires: bool) -> None:
        reason = stable_and_achieving(stable(latest_confidence=confidence), POLICY)
        assert (reason is not None) is fires

    @pytest.mark.parametrize(("goals", "fires"), [(0, False), (1, True)])
    def test_step_down_needs_a_goal_achieved(self, goals: int, fires: bool) -> None:
        assert (stable_and_achieving(stable(goals_achieved=goals), POLICY) is not None) is fires

    def test_thresholds_come_from_the_policy(self) -> None:
        strict = dataclasses.replace(POLICY, crisis_lookback_days=45)
        assert recent_crisis(facts(last_crisis_on=days_ago(45)), strict) is not None
        assert recent_crisis(facts(last_crisis_on=days_ago(45)), POLICY) is None


class TestRecommendLevel:
    @pytest.mark.parametrize("current", [L.LOW, L.MEDIUM, L.HIGH])
    def test_no_rule_keeps_the_current_level(self, current: IntensityLevel) -> None:
        recommendation = recommend_level(facts(current_level=current), POLICY)
        assert (recommendation.level, recommendation.reasons, recommendation.suggestion) == (current, [], "")

    @pytest.mark.parametrize("current", [L.LOW, L.MEDIUM, L.HIGH])
    def test_a_recent_crisis_means_high_from_any_level(self, current: IntensityLevel) -> None:
        recommendation = recommend_level(facts(current_level=current, last_crisis_on=days_ago(3)), POLICY)
        assert recommendation.level == L.HIGH
        assert recommendation.suggestion == ("" if current == L.HIGH else "step up")

    def test_high_override_beats_step_down(self) -> None:
        # Only a program whose step-down window is shorter than its crisis window can fire both.
        policy = dataclasses.replace(POLICY, step_down_crisis_free_days=14)
        recommendation = recommend_level(stable(current_level=L.HIGH, last_crisis_on=days_ago(20)), policy)
        assert recommendation.level == L.HIGH
        assert [reason.effect for reason in recommendation.reasons] == [Effect.ONE_DOWN, Effect.HIGH]
        assert recommendation.suggestion == ""

    def test_step_down_goes_one_level(self) -> None:
        recommendation = recommend_level(stable(current_level=L.HIGH), POLICY)
        assert (recommendation.level, recommendation.suggestion) == (L.MEDIUM, "step down")

    def test_step_down_from_low_stays_low(self) -> None:
        recommendation = recommend_level(stable(current_level=L.LOW), POLICY)
        assert (recommendation.level, recommendation.suggestion) == (L.LOW, "")

    def test_floor_keeps_medium_when_step_down_would_go_to_low(self) -> None:
        recommendation = recommend_level(stable(current_level=L.MEDIUM, last_reached_on=days_ago(25)), POLICY)
        assert recommendation.level == L.MEDIUM
        assert [reason.effect for reason in recommendation.reasons] == [
            Effect.ONE_DOWN,
            Effect.AT_LEAST_MEDIUM,
        ]
        assert recommendation.suggestion == ""

    @pytest.mark.parametrize(
        ("current", "expected", "suggestion"),
        [(L.LOW, L.MEDIUM, "step up"), (L.MEDIUM, L.HIGH, "step up"), (L.HIGH, L.HIGH, "")],
    )
    def test_a_confidence_drop_goes_one_level_up_and_no_higher_than_high(
        self, current: IntensityLevel, expected: IntensityLevel, suggestion: str
    ) -> None:
        recommendation = recommend_level(
            facts(current_level=current, previous_confidence=9, latest_confidence=5), POLICY
        )
        assert (recommendation.level, recommendation.suggestion) == (expected, suggestion)

    def test_a_confidence_drop_cancels_a_step_down(self) -> None:
        recommendation = recommend_level(
            stable(current_level=L.MEDIUM, previous_confidence=10, latest_confidence=7), POLICY
        )
        assert recommendation.level == L.HIGH
        assert [reason.effect for reason in recommendation.reasons] == [Effect.ONE_UP]

    def test_the_floor_lifts_low_to_medium(self) -> None:
        recommendation = recommend_level(facts(current_level=L.LOW, last_reached_on=days_ago(30)), POLICY)
        assert (recommendation.level, recommendation.suggestion) == (L.MEDIUM, "step up")

    def test_the_floor_does_not_lower_high(self) -> None:
        recommendation = recommend_level(facts(current_level=L.HIGH, last_reached_on=days_ago(30)), POLICY)
        assert (recommendation.level, recommendation.suggestion) == (L.HIGH, "")

    def test_every_rule_that_applied_is_a_reason_in_order(self) -> None:
        recommendation = recommend_level(
            facts(
                current_level=L.LOW,
                phase=Phase.ENGAGEMENT,
                enrolled_on=days_ago(40),
                last_reached_on=None,
                last_crisis_on=days_ago(2),
                previous_confidence=8,
                latest_confidence=3,
            ),
            POLICY,
        )
        assert recommendation.level == L.HIGH
        assert [reason.effect for reason in recommendation.reasons] == [
            Effect.ONE_UP,
            Effect.AT_LEAST_MEDIUM,
            Effect.AT_LEAST_MEDIUM,
            Effect.HIGH,
        ]


class TestNextContactDue:
    @pytest.mark.parametrize(("level", "every"), [(L.HIGH, 3), (L.MEDIUM, 7), (L.LOW, 15)])
    def test_due_after_the_last_reached_contact(self, level: IntensityLevel, every: int) -> None:
        assert next_contact_due(facts(last_reached_on=days_ago(5)), POLICY, level) == days_ago(5 - every)

    def test_never_reached_is_due_from_enrolment(self) -> None:
        due = next_contact_due(facts(last_reached_on=None, enrolled_on=days_ago(2)), POLICY, L.MEDIUM)
        assert due == days_ago(2 - 7)

    def test_a_target_above_30_still_means_daily(self) -> None:
        policy = dataclasses.replace(POLICY, high_contacts_per_30_days=40)
        assert next_contact_due(facts(last_reached_on=days_ago(5)), policy, L.HIGH) == days_ago(4)


def ready(**overrides: Any) -> EnrollmentFacts:
    """Someone who meets every default graduation criterion."""
    values: dict[str, Any] = {
        "enrolled_on": add_months(TODAY, -6),
        "last_crisis_on": days_ago(90),
        "goals_achieved": 1,
        "latest_confidence": 7,
        "has_primary_care_provider": True,
        "last_check_in_readiness": ReadinessView.READY,
    }
    return facts(**{**values, **overrides})


class TestGraduationReadiness:
    def test_ready_when_every_criterion_is_met(self) -> None:
        readiness = graduation_readiness(ready(), CRITERIA)
        assert readiness.ready is True
        assert [(item.label, item.met) for item in readiness.criteria] == [
            ("Enrolled at least 6 months", True),
            ("No ED visit or admission for 90 days", True),
            ("At least 1 goal(s) achieved", True),
            ("Confidence 7 or more at the last check-in", True),
            ("Connected to a primary care provider", True),
            ("Feels ready to manage without the program", True),
        ]
        assert readiness.criteria[0].detail == "Enrolled on 15 Dec 2024; 6 months on 15 Jun 2025."

    @pytest.mark.parametrize(
        ("overrides", "unmet"),
        [
            pytest.param({"enrolled_on": add_months(TODAY, -6) + datetime.timedelta(days=1)}, 0, id="months"),
            pytest.param({"last_crisis_on": days_ago(89)}, 1, id="crisis-89-days"),
            pytest.param({"goals_achieved": 0}, 2, id="no-goal"),
            pytest.param({"latest_confidence": 6}, 3, id="confidence-6"),
            pytest.param({"latest_confidence": None}, 3, id="confidence-not-rated"),
            pytest.param({"has_primary_care_provider": False}, 4, id="no-primary-care"),
            pytest.param({"last_check_in_readiness": ReadinessView.NOT_YET}, 5, id="not-yet"),
            pytest.param({"last_check_in_readiness": ReadinessView.UNSURE}, 5, id="unsure"),
            pytest.param({"last_check_in_readiness": ""}, 5, id="not-asked"),
        ],
    )
    def test_not_ready_when_one_criterion_is_unmet(self, overrides: dict[str, Any], unmet: int) -> None:
        readiness = graduation_readiness(ready(**overrides), CRITERIA)
        assert readiness.ready is False
        assert [index for index, item in enumerate(readiness.criteria) if not item.met] == [unmet]

    def test_criteria_the_program_does_not_require_are_not_shown(self) -> None:
        criteria = CRITERIA._replace(requires_primary_care_connection=False, requires_patient_readiness=False)
        readiness = graduation_readiness(
            ready(has_primary_care_provider=False, last_check_in_readiness=""), criteria
        )
        assert readiness.ready is True
        assert len(readiness.criteria) == 4

    @pytest.mark.parametrize(
        ("enrolled_on", "today", "met"),
        [
            pytest.param(datetime.date(2024, 8, 31), datetime.date(2025, 2, 27), False, id="31-aug-27-feb"),
            pytest.param(datetime.date(2024, 8, 31), datetime.date(2025, 2, 28), True, id="31-aug-28-feb"),
            pytest.param(datetime.date(2023, 8, 31), datetime.date(2024, 2, 28), False, id="leap-28-feb"),
            pytest.param(datetime.date(2023, 8, 31), datetime.date(2024, 2, 29), True, id="leap-29-feb"),
            pytest.param(datetime.date(2024, 9, 30), datetime.date(2025, 3, 29), False, id="30-sep-29-mar"),
            pytest.param(datetime.date(2024, 9, 30), datetime.date(2025, 3, 30), True, id="30-sep-30-mar"),
        ],
    )
    def test_six_months_are_calendar_months(
        self, enrolled_on: datetime.date, today: datetime.date, met: bool
    ) -> None:
        readiness = graduation_readiness(
            ready(enrolled_on=enrolled_on, today=today, last_crisis_on=None), CRITERIA
        )
        assert readiness.criteria[0].met is met

    def test_details_say_why(self) -> None:
        readiness = graduation_readiness(
            ready(latest_confidence=None, last_check_in_readiness=ReadinessView.UNSURE), CRITERIA
        )
        details = [item.detail for item in readiness.criteria]
        assert details[1:] == [
            "Last on 17 Mar 2025; 90 days on 15 Jun 2025.",
            "1 achieved.",
            "Not rated yet.",
            "Has a primary care provider.",
            "Said at the last check-in: not sure.",
        ]


class TestAddMonths:
    @pytest.mark.parametrize(
        ("day", "months", "expected"),
        [
            (datetime.date(2024, 8, 31), 6, datetime.date(2025, 2, 28)),
            (datetime.date(2023, 8, 31), 6, datetime.date(2024, 2, 29)),
            (datetime.date(2024, 1, 15), 6, datetime.date(2024, 7, 15)),
            (datetime.date(2024, 12, 31), 2, datetime.date(2025, 2, 28)),
            (datetime.date(2025, 6, 15), -6, datetime.date(2024, 12, 15)),
        ],
    )
    def test_clamps_to_the_end_of_the_month(
        self, day: datetime.date, months: int, expected: datetime.date
    ) -> None:
        assert add_months(day, months) == expected


class TestPhaseSuggestion:
    def test_suggests_wellness_when_all_three_hold_in_engagement(self) -> None:
        suggestion = phase_suggestion(facts(phase=Phase.ENGAGEMENT, reached_contacts=3, trust_successes=1))
        assert suggestion == (
            "Ready for the wellness phase: a co-created plan, 3 reached contacts and a trust success moment."
        )

    @pytest.mark.parametrize(
        "overrides",
        [
            pytest.param({"has_co_created_plan": False}, id="no-plan"),
            pytest.param({"reached_contacts": 2}, id="two-contacts"),
            pytest.param({"trust_successes": 0}, id="no-trust-moment"),
            pytest.param({"phase": Phase.WELLNESS}, id="already-wellness"),
        ],
    )
    def test_no_suggestion_when_one_is_missing(self, overrides: dict[str, Any]) -> None:
        values = {"phase": Phase.ENGAGEMENT, "reached_contacts": 3, "trust_successes": 1, **overrides}
        assert phase_suggestion(facts(**values)) is None


class TestDefaults:
    def test_policy_defaults_are_the_model_defaults(self) -> None:
        model = IntensityPolicy()
        assert dataclasses.asdict(Policy.from_model(None)) == {
            field.name: getattr(model, field.name) for field in dataclasses.fields(Policy)
        }
        assert (POLICY.high_contacts_per_30_days, POLICY.medium_contacts_per_30_days) == (8, 4)
        assert POLICY.low_contacts_per_30_days == 2

    def test_policy_from_a_program_model(self) -> None:
        assert Policy.from_model(IntensityPolicy(no_contact_days=14)).no_contact_days == 14

    def test_criteria_defaults_are_the_model_defaults(self) -> None:
        model = GraduationCriteria()
        assert Criteria.from_model(None)._asdict() == {
            name: getattr(model, name) for name in Criteria._fields
        }
        assert Criteria.from_model(GraduationCriteria(min_confidence=8)).min_confidence == 8


class TestStableUntil:
    """`stable_until` promises that, for the same facts, nothing the rules decide changes before it."""

    @staticmethod
    def _outcome(facts_on_day: EnrollmentFacts, override_until: datetime.date | None) -> tuple[Any, ...]:
        recommendation = recommend_level(facts_on_day, POLICY)
        level = facts_on_day.current_level
        due = next_contact_due(facts_on_day, POLICY, level)
        readiness = graduation_readiness(facts_on_day, CRITERIA)
        expired = override_until is not None and override_until < facts_on_day.today
        return (
            recommendation.level,
            [reason.text for reason in recommendation.reasons],
            due,
            due < facts_on_day.today,
            readiness.ready,
            readiness.criteria,
            phase_suggestion(facts_on_day),
            expired,
        )

    def test_no_outcome_changes_before_the_day_it_names(self) -> None:
        import random

        generator = random.Random(5)
        checked = turned = 0
        for _ in range(400):
            maybe = lambda day: days_ago(day) if generator.random() < 0.7 else None  # noqa: E731
            reached = maybe(generator.randint(0, 60))
            sample = facts(
                phase=generator.choice([Phase.ENGAGEMENT, Phase.WELLNESS]),
                enrolled_on=days_ago(generator.randint(0, 400)),
                current_level=generator.choice(["low", "medium", "high"]),
                last_crisis_on=maybe(generator.randint(0, 200)),
                last_reached_on=reached,
                planned_contact_on=(reached or TODAY) + datetime.timedelta(days=generator.randint(-3, 20))
                if generator.random() < 0.3
                else None,
                latest_confidence=generator.choice([None, 3, 6, 7, 9]),
                previous_confidence=generator.choice([None, 5, 9]),
                goals_achieved=generator.choice([0, 1, 2]),
            )
            override_until = TODAY + datetime.timedelta(days=generator.randint(0, 30))
            override = override_until if generator.random() < 0.3 else None
            due = next_contact_due(sample, POLICY, sample.current_level)
            until = stable_until(sample, POLICY, CRITERIA, next_due=due, override_until=override)
            assert until > TODAY
            expected = self._outcome(sample, override)
            day = TODAY + datetime.timedelta(days=1)
            while day < min(until, TODAY + datetime.timedelta(days=400)):
                assert self._outcome(sample._replace(today=day), override) == expected, (sample, day, until)
                day += datetime.timedelta(days=1)
                checked += 1
            if until < TODAY + datetime.timedelta(days=400):
                turned += self._outcome(sample._replace(today=until), override) != expected
        assert checked > 1000
        # The day named is a real turning point for most samples (it may be one whose rule is masked).
        assert turned > 200
