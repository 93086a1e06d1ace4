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
import dataclasses
import datetime
import functools
from enum import StrEnum
from typing import NamedTuple

from accounts.dates import day_text
from caseloads.models import LEVEL_ORDER, GraduationCriteria, IntensityLevel, IntensityPolicy, step_between
from engagement.models import ReadinessView
from patients.models import Phase

LEVELS = LEVEL_ORDER
# A level's place in LEVELS, by its stored value (the rules run 100,000 times a night: no enum lookups).
_RANK: dict[str, int] = {str(level): rank for rank, level in enumerate(LEVELS)}
_MEDIUM = _RANK[IntensityLevel.MEDIUM]
_HIGH = _RANK[IntensityLevel.HIGH]


@functools.cache
def _readiness_words() -> dict[str, str]:
    """How each answer to "ready to graduate?" reads in a sentence (labels are translated lazily)."""
    return {str(view): str(view.label).lower() for view in ReadinessView}


class EnrollmentFacts(NamedTuple):
    """Everything the rules need to know about one enrolment, as plain values. Build it with keywords.

    A named tuple rather than a dataclass: the full recompute makes 100,000 of them in one go.
    """

    today: datetime.date
    phase: str
    enrolled_on: datetime.date
    current_level: str
    # Latest ED visit, admission, readmission or crisis.
    last_crisis_on: datetime.date | None
    last_reached_on: datetime.date | None
    reached_contacts: int
    reached_contacts_last_30_days: int
    attempts_last_30_days: int
    latest_confidence: int | None
    previous_confidence: int | None
    # A ReadinessView value from the latest check-in, or "" when it was not asked.
    last_check_in_readiness: str
    goals_achieved: int
    has_co_created_plan: bool
    trust_successes: int
    has_primary_care_provider: bool
    # What the latest crisis was ("ED visit", "admission", ...).
    last_crisis_kind: str = "crisis"
    # The next contact date planned at the latest contact that set one.
    planned_contact_on: datetime.date | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
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
        return cls(**{field.name: getattr(source, field.name) for field in dataclasses.fields(cls)})

    def contacts_per_30_days(self, level: str) -> int:
        return (
            self.low_contacts_per_30_days,
            self.medium_contacts_per_30_days,
            self.high_contacts_per_30_days,
        )[_RANK[level]]


class Criteria(NamedTuple):
    """A program's graduation criteria as plain values (a named tuple: the rules cache on it)."""

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
        return cls(**{name: getattr(source, name) for name in cls._fields})


class Effect(StrEnum):
    HIGH = "high"
    AT_LEAST_MEDIUM = "at_least_medium"
    ONE_UP = "one_up"
    ONE_DOWN = "one_down"


class Reason(NamedTuple):
    effect: Effect
    text: str


@dataclasses.dataclass(frozen=True)
class Recommendation:
    level: IntensityLevel
    reasons: list[Reason]
    # "step up", "step down" or "" compared with the current level.
    suggestion: str


class Criterion(NamedTuple):
    label: str
    met: bool
    detail: str


@dataclasses.dataclass(frozen=True)
class Readiness:
    ready: bool
    criteria: list[Criterion]


@functools.lru_cache(maxsize=8192)
def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` calendar months later, clamped to the month's end (31 Aug + 6 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@functools.lru_cache(maxsize=8192)
def _short(day: datetime.date) -> str:
    return f"{day.day} {day:%b}"


# The recompute words millions of reasons: the same day text, cached.
_long = functools.lru_cache(maxsize=8192)(day_text)


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
    if _days_since(facts, facts.enrolled_on) > policy.engagement_phase_days:
        return None
    return Reason(
        Effect.AT_LEAST_MEDIUM,
        f"Building trust: enrolled on {_short(facts.enrolled_on)}, within the first "
        f"{policy.engagement_phase_days} days: at least medium.",
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
    level = _RANK[facts.current_level]
    reasons: list[Reason] = []

    if up := confidence_dropped(facts, policy):
        level = min(level + 1, len(LEVELS) - 1)
        reasons.append(up)
    elif down := stable_and_achieving(facts, policy):
        level = max(level - 1, 0)
        reasons.append(down)

    for floor_rule in (early_engagement, no_recent_contact):
        if floor := floor_rule(facts, policy):
            level = max(level, _MEDIUM)
            reasons.append(floor)

    if crisis := recent_crisis(facts, policy):
        level = _HIGH
        reasons.append(crisis)

    return Recommendation(
        level=LEVELS[level], reasons=reasons, suggestion=step_between(facts.current_level, LEVELS[level])
    )


def next_contact_due(facts: EnrollmentFacts, policy: Policy, level: str) -> datetime.date:
    """The date planned at a contact, while it is still ahead of the last reached contact; otherwise
    every 30 // target days after the last reached contact (or enrolment). Attempts do not count."""
    planned = facts.planned_contact_on
    if planned is not None and (facts.last_reached_on is None or planned > facts.last_reached_on):
        return planned
    interval = max(1, 30 // policy.contacts_per_30_days(level))
    return (facts.last_reached_on or facts.enrolled_on) + datetime.timedelta(days=interval)


def graduation_readiness(facts: EnrollmentFacts, criteria: Criteria) -> Readiness:
    """Whether the program's graduation criteria are all met, each shown met or unmet. It only flags.

    The details give dates, not "N days ago", so they read the same every day until something changes.
    Each criterion depends on a few values only, so it is made once per distinct set of them.
    """
    items = [
        _enrolled_long_enough(criteria, facts.enrolled_on, facts.today),
        _crisis_free_long_enough(criteria, facts.last_crisis_on, facts.enrolled_on, facts.today),
        _goals_achieved(criteria, facts.goals_achieved),
        _confident(criteria, facts.latest_confidence),
    ]
    if criteria.requires_primary_care_connection:
        items.append(_connected_to_primary_care(facts.has_primary_care_provider))
    if criteria.requires_patient_readiness:
        items.append(_feels_ready(facts.last_check_in_readiness))
    return Readiness(ready=all(item.met for item in items), criteria=items)


@functools.lru_cache(maxsize=16384)
def _enrolled_long_enough(criteria: Criteria, enrolled_on: datetime.date, today: datetime.date) -> Criterion:
    months_on = add_months(enrolled_on, criteria.min_months_enrolled)
    return Criterion(
        f"Enrolled at least {criteria.min_months_enrolled} months",
        months_on <= today,
        f"Enrolled on {_long(enrolled_on)}; {criteria.min_months_enrolled} months on {_long(months_on)}.",
    )


@functools.lru_cache(maxsize=16384)
def _crisis_free_long_enough(
    criteria: Criteria, last_crisis_on: datetime.date | None, enrolled_on: datetime.date, today: datetime.date
) -> Criterion:
    since = last_crisis_on or enrolled_on
    free_on = since + datetime.timedelta(days=criteria.crisis_free_days)
    after = f"{criteria.crisis_free_days} days on {_long(free_on)}."
    return Criterion(
        f"No ED visit or admission for {criteria.crisis_free_days} days",
        free_on <= today,
        f"Last on {_long(since)}; {after}"
        if last_crisis_on
        else f"None recorded since enrolment on {_long(since)}; {after}",
    )


@functools.lru_cache(maxsize=1024)
def _goals_achieved(criteria: Criteria, achieved: int) -> Criterion:
    return Criterion(
        f"At least {criteria.min_goals_achieved} goal(s) achieved",
        achieved >= criteria.min_goals_achieved,
        f"{achieved} achieved.",
    )


@functools.lru_cache(maxsize=1024)
def _confident(criteria: Criteria, confidence: int | None) -> Criterion:
    return Criterion(
        f"Confidence {criteria.min_confidence} or more at the last check-in",
        confidence is not None and confidence >= criteria.min_confidence,
        f"Last rated {confidence}." if confidence is not None else "Not rated yet.",
    )


@functools.cache
def _connected_to_primary_care(connected: bool) -> Criterion:
    return Criterion(
        "Connected to a primary care provider",
        connected,
        "Has a primary care provider." if connected else "None recorded.",
    )


@functools.lru_cache(maxsize=64)
def _feels_ready(readiness: str) -> Criterion:
    words = _readiness_words().get(readiness)
    return Criterion(
        "Feels ready to manage without the program",
        readiness == ReadinessView.READY,
        f"Said at the last check-in: {words}." if words else "Not asked yet.",
    )


def stable_until(
    facts: EnrollmentFacts,
    policy: Policy,
    criteria: Criteria,
    *,
    next_due: datetime.date,
    override_until: datetime.date | None,
) -> datetime.date:
    """The first day after `today` on which any rule's outcome could differ for these same facts.

    Until then a recompute with unchanged facts gives the same result, so the full run skips it. Every
    rule above that compares a date with `today` has its turning point here; `test_rules` checks this
    day by day.
    """
    today = facts.today
    since_crisis = facts.last_crisis_on
    crisis_free_from = since_crisis or facts.enrolled_on
    reached_from = facts.last_reached_on or facts.enrolled_on
    turning_points = [
        # recent_crisis stops applying.
        since_crisis + datetime.timedelta(days=policy.crisis_lookback_days + 1) if since_crisis else None,
        # early_engagement stops applying (only in the engagement phase).
        facts.enrolled_on + datetime.timedelta(days=policy.engagement_phase_days + 1)
        if facts.phase == Phase.ENGAGEMENT
        else None,
        # no_recent_contact starts applying.
        reached_from + datetime.timedelta(days=policy.no_contact_days + 1),
        # stable_and_achieving's crisis-free time is reached.
        crisis_free_from + datetime.timedelta(days=policy.step_down_crisis_free_days),
        # The contact becomes overdue.
        next_due + datetime.timedelta(days=1),
        # Graduation: months enrolled, and crisis-free days.
        add_months(facts.enrolled_on, criteria.min_months_enrolled),
        crisis_free_from + datetime.timedelta(days=criteria.crisis_free_days),
        # A level chosen against the recommendation runs out.
        override_until + datetime.timedelta(days=1) if override_until else None,
    ]
    upcoming = [day for day in turning_points if day is not None and day > today]
    return min(upcoming, default=datetime.date.max)


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
