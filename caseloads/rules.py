"""The caseload rules: level of care, contact cadence, graduation readiness and phase suggestion.

Pure functions over plain values: no ORM, no I/O. The full recompute gathers `EnrollmentFacts` for the
whole population in a few statements and the one-enrolment path builds a single one; both call these.

Date windows are inclusive of their boundary day, always counted in whole days from `today`:
- "in the last N days" means 0 <= today - date <= N (an event 30 days ago counts, 31 days ago does not);
- "N days without X" means today - date >= N (a crisis 90 days ago is 90 crisis-free days);
- "no reached contact in N days" fires when the last reached contact is more than N days ago.
When no crisis is recorded, the crisis-free time counts from enrolment: the team can only vouch for the
time it has known the person.
"""

import calendar
import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from caseloads.models import GraduationCriteria, IntensityLevel, IntensityPolicy
from engagement.models import ReadinessView
from patients.models import Phase

LEVELS: tuple[IntensityLevel, ...] = (IntensityLevel.LOW, IntensityLevel.MEDIUM, IntensityLevel.HIGH)


@dataclass(frozen=True, kw_only=True)
class EnrollmentFacts:
    """Everything the rules need to know about one enrolment, as plain values."""

    today: datetime.date
    phase: str
    enrolled_on: datetime.date
    current_level: str
    # Latest ED visit, admission, readmission or crisis, and what it was ("ED visit", "admission", ...).
    last_crisis_on: datetime.date | None
    last_crisis_kind: str = "crisis"
    last_reached_on: datetime.date | None
    reached_contacts: int
    reached_contacts_last_30_days: int
    attempts_last_30_days: int
    # The next contact date planned at the latest contact that set one.
    planned_contact_on: datetime.date | None = None
    latest_confidence: int | None
    previous_confidence: int | None
    # A ReadinessView value from the latest check-in, or "" when it was not asked.
    last_check_in_readiness: str
    goals_achieved: int
    has_co_created_plan: bool
    trust_successes: int
    has_primary_care_provider: bool


@dataclass(frozen=True, kw_only=True)
class Policy:
    high_contacts_per_30_days: int
    medium_contacts_per_30_days: int
    low_contacts_per_30_days: int
    crisis_lookback_days: int
    engagement_phase_days: int
    no_contact_days: int
    confidence_drop: int
    step_down_crisis_free_days: int
    step_down_confidence: int

    @classmethod
    def from_model(cls, policy: IntensityPolicy | None) -> "Policy":
        """The program's policy, or the model's defaults when the program has none."""
        source = policy if policy is not None else IntensityPolicy()
        return cls(
            high_contacts_per_30_days=source.high_contacts_per_30_days,
            medium_contacts_per_30_days=source.medium_contacts_per_30_days,
            low_contacts_per_30_days=source.low_contacts_per_30_days,
            crisis_lookback_days=source.crisis_lookback_days,
            engagement_phase_days=source.engagement_phase_days,
            no_contact_days=source.no_contact_days,
            confidence_drop=source.confidence_drop,
            step_down_crisis_free_days=source.step_down_crisis_free_days,
            step_down_confidence=source.step_down_confidence,
        )

    def contacts_per_30_days(self, level: str) -> int:
        return {
            IntensityLevel.HIGH: self.high_contacts_per_30_days,
            IntensityLevel.MEDIUM: self.medium_contacts_per_30_days,
            IntensityLevel.LOW: self.low_contacts_per_30_days,
        }[IntensityLevel(level)]


@dataclass(frozen=True, kw_only=True)
class Criteria:
    min_months_enrolled: int
    crisis_free_days: int
    min_goals_achieved: int
    min_confidence: int
    requires_primary_care_connection: bool
    requires_patient_readiness: bool

    @classmethod
    def from_model(cls, criteria: GraduationCriteria | None) -> "Criteria":
        """The program's graduation criteria, or the model's defaults when the program has none."""
        source = criteria if criteria is not None else GraduationCriteria()
        return cls(
            min_months_enrolled=source.min_months_enrolled,
            crisis_free_days=source.crisis_free_days,
            min_goals_achieved=source.min_goals_achieved,
            min_confidence=source.min_confidence,
            requires_primary_care_connection=source.requires_primary_care_connection,
            requires_patient_readiness=source.requires_patient_readiness,
        )


class Effect(StrEnum):
    HIGH = "high"
    AT_LEAST_MEDIUM = "at_least_medium"
    ONE_UP = "one_up"
    ONE_DOWN = "one_down"


class Reason(NamedTuple):
    effect: Effect
    text: str


@dataclass(frozen=True)
class Recommendation:
    level: IntensityLevel
    reasons: list[Reason]
    # "step up", "step down" or "" compared with the current level.
    suggestion: str


class Criterion(NamedTuple):
    label: str
    met: bool
    detail: str


@dataclass(frozen=True)
class Readiness:
    ready: bool
    criteria: list[Criterion]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _short(day: datetime.date) -> str:
    return f"{day.day} {day:%b}"


def _long(day: datetime.date) -> str:
    return f"{day.day} {day:%b} {day.year}"


def _days_since(facts: EnrollmentFacts, day: datetime.date) -> int:
    return (facts.today - day).days


def _crisis_free_days(facts: EnrollmentFacts) -> int:
    return _days_since(facts, facts.last_crisis_on or facts.enrolled_on)


# The rules. Each returns a reason when it applies, or None.


def recent_crisis(facts: EnrollmentFacts, policy: Policy) -> Reason | None:
    if facts.last_crisis_on is None:
        return None
    if not 0 <= _days_since(facts, facts.last_crisis_on) <= policy.crisis_lookback_days:
        return None
    kind = facts.last_crisis_kind[:1].upper() + facts.last_crisis_kind[1:]
    return Reason(
        Effect.HIGH,
        f"{kind} on {_short(facts.last_crisis_on)}, within {policy.crisis_lookback_days} days: high.",
    )


def early_engagement(facts: EnrollmentFacts, policy: Policy) -> Reason | None:
    if facts.phase != Phase.ENGAGEMENT:
        return None
    days = _days_since(facts, facts.enrolled_on)
    if days > policy.engagement_phase_days:
        return None
    return Reason(
        Effect.AT_LEAST_MEDIUM,
        f"Building trust, enrolled {days} days ago (first {policy.engagement_phase_days} days): "
        "at least medium.",
    )


def no_recent_contact(facts: EnrollmentFacts, policy: Policy) -> Reason | None:
    since = facts.last_reached_on or facts.enrolled_on
    if _days_since(facts, since) <= policy.no_contact_days:
        return None
    if facts.last_reached_on is None:
        text = f"Not reached since enrolment on {_short(since)}, over {policy.no_contact_days} days: "
    else:
        text = f"Last reached on {_short(since)}, over {policy.no_contact_days} days ago: "
    return Reason(Effect.AT_LEAST_MEDIUM, text + "at least medium.")


def confidence_dropped(facts: EnrollmentFacts, policy: Policy) -> Reason | None:
    if facts.latest_confidence is None or facts.previous_confidence is None:
        return None
    if facts.previous_confidence - facts.latest_confidence < policy.confidence_drop:
        return None
    return Reason(
        Effect.ONE_UP,
        f"Confidence fell from {facts.previous_confidence} to {facts.latest_confidence} "
        "since the last check-in: one level up.",
    )


def stable_and_achieving(facts: EnrollmentFacts, policy: Policy) -> Reason | None:
    if _crisis_free_days(facts) < policy.step_down_crisis_free_days:
        return None
    if facts.latest_confidence is None or facts.latest_confidence < policy.step_down_confidence:
        return None
    if facts.goals_achieved < 1:
        return None
    return Reason(
        Effect.ONE_DOWN,
        f"{policy.step_down_crisis_free_days}+ days without a crisis, confidence {facts.latest_confidence} "
        f"and {facts.goals_achieved} goal(s) achieved: one level down.",
    )


def recommend_level(facts: EnrollmentFacts, policy: Policy) -> Recommendation:
    """The recommended level, combining the rules in this order:

    1. start from the current level;
    2. one level up if confidence dropped, otherwise one level down if stable and achieving
       (a drop cancels a step-down, which is then not listed as a reason; high and low are the ends);
    3. raise to at least medium for early engagement or no recent contact;
    4. high, whatever came before, after a recent crisis.
    Reasons list the rules that applied, in that order.
    """
    level = LEVELS.index(IntensityLevel(facts.current_level))
    reasons: list[Reason] = []

    if up := confidence_dropped(facts, policy):
        level = min(level + 1, len(LEVELS) - 1)
        reasons.append(up)
    elif down := stable_and_achieving(facts, policy):
        level = max(level - 1, 0)
        reasons.append(down)

    for floor_rule in (early_engagement, no_recent_contact):
        if floor := floor_rule(facts, policy):
            level = max(level, LEVELS.index(IntensityLevel.MEDIUM))
            reasons.append(floor)

    if crisis := recent_crisis(facts, policy):
        level = LEVELS.index(IntensityLevel.HIGH)
        reasons.append(crisis)

    current = LEVELS.index(IntensityLevel(facts.current_level))
    suggestion = "step up" if level > current else "step down" if level < current else ""
    return Recommendation(level=LEVELS[level], reasons=reasons, suggestion=suggestion)


def next_contact_due(facts: EnrollmentFacts, policy: Policy, level: str) -> datetime.date:
    """The date planned at a contact, while it is still ahead of the last reached contact; otherwise
    every 30 // target days after the last reached contact (or enrolment). Attempts do not count."""
    planned = facts.planned_contact_on
    if planned is not None and (facts.last_reached_on is None or planned > facts.last_reached_on):
        return planned
    interval = max(1, 30 // policy.contacts_per_30_days(level))
    return (facts.last_reached_on or facts.enrolled_on) + datetime.timedelta(days=interval)


def graduation_readiness(facts: EnrollmentFacts, criteria: Criteria) -> Readiness:
    """Whether the program's graduation criteria are all met, each shown met or unmet. It only flags."""
    months_on = add_months(facts.enrolled_on, criteria.min_months_enrolled)
    crisis_free = _crisis_free_days(facts)
    items = [
        Criterion(
            f"Enrolled at least {criteria.min_months_enrolled} months",
            months_on <= facts.today,
            f"Enrolled on {_long(facts.enrolled_on)}; {criteria.min_months_enrolled} months on "
            f"{_long(months_on)}.",
        ),
        Criterion(
            f"No ED visit or admission for {criteria.crisis_free_days} days",
            crisis_free >= criteria.crisis_free_days,
            f"Last on {_long(facts.last_crisis_on)}, {crisis_free} days ago."
            if facts.last_crisis_on
            else f"None recorded since enrolment, {crisis_free} days ago.",
        ),
        Criterion(
            f"At least {criteria.min_goals_achieved} goal(s) achieved",
            facts.goals_achieved >= criteria.min_goals_achieved,
            f"{facts.goals_achieved} achieved.",
        ),
        Criterion(
            f"Confidence {criteria.min_confidence} or more at the last check-in",
            facts.latest_confidence is not None and facts.latest_confidence >= criteria.min_confidence,
            f"Last rated {facts.latest_confidence}."
            if facts.latest_confidence is not None
            else "Not rated yet.",
        ),
    ]
    if criteria.requires_primary_care_connection:
        items.append(
            Criterion(
                "Connected to a primary care provider",
                facts.has_primary_care_provider,
                "Has a primary care provider." if facts.has_primary_care_provider else "None recorded.",
            )
        )
    if criteria.requires_patient_readiness:
        readiness = facts.last_check_in_readiness
        items.append(
            Criterion(
                "Feels ready to manage without the program",
                readiness == ReadinessView.READY,
                f"Said at the last check-in: {ReadinessView(readiness).label.lower()}."
                if readiness in ReadinessView.values
                else "Not asked yet.",
            )
        )
    return Readiness(ready=all(item.met for item in items), criteria=items)


def phase_suggestion(facts: EnrollmentFacts) -> str | None:
    """A suggestion to move from engagement to wellness, or None. The team decides."""
    if (
        facts.phase == Phase.ENGAGEMENT
        and facts.has_co_created_plan
        and facts.reached_contacts >= 3
        and facts.trust_successes >= 1
    ):
        return (
            f"Ready for the wellness phase: a co-created plan, {facts.reached_contacts} reached contacts "
            "and a trust success moment."
        )
    return None
