"""The set-based caseload recompute: gather every enrolment's facts in one statement, apply the rules,
write the results in bulk.

The whole program and a single enrolment go through the same code: `enrollment_ids` only narrows the
statement. Running it twice changes nothing: a row is written only when a computed value differs.
`computed_at` is when the facts of the last write were gathered. A full run also leaves out, in SQL,
rows whose facts are unchanged (`inputs_fingerprint`) and whose rules cannot turn yet (`stable_until`).

The team's decision is kept: `current_level` and a running override are never touched, except that an
override whose `override_until` has passed is cleared and `current_level` falls back to the
recommendation. That fallback is applied in the write itself, against the row as it is then, so a
level the team changes while the recompute runs is not overwritten.
"""

import datetime
import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Program
from careplans.models import CarePlan, CarePlanStatus, Goal, GoalStatus
from caseloads import rules as rules_module
from caseloads.models import (
    CaseloadRecomputeRequest,
    CaseloadSnapshot,
    CaseloadStatus,
    GraduationCriteria,
    IntensityLevel,
    IntensityPolicy,
)
from caseloads.rules import (
    Criteria,
    Criterion,
    EnrollmentFacts,
    Policy,
    graduation_readiness,
    next_contact_due,
    phase_suggestion,
    recommend_level,
    stable_until,
)
from engagement.models import (
    CRISIS_KINDS,
    CheckIn,
    Contact,
    LifeEvent,
    LifeEventKind,
    SuccessKind,
    SuccessMoment,
)
from patients.models import CARE_STATUSES, CareTeamMember, CareTeamRole, Enrollment, EnrollmentStatus, Phase

# Where the rules start for an enrolment that has no caseload row yet (its current level is then set
# to the recommendation).
STARTING_LEVEL = IntensityLevel.MEDIUM

# How a crisis kind reads inside a reason ("ED visit on 3 Jun, within 30 days: high.").
CRISIS_WORDS = {
    LifeEventKind.ED_VISIT: "ED visit",
    LifeEventKind.ADMISSION: "admission",
    LifeEventKind.READMISSION: "readmission",
    LifeEventKind.CRISIS: "crisis",
}


class StoredDecision(NamedTuple):
    """The team's decision as stored on an existing caseload row."""

    current_level: str
    recommended_level: str
    override_reason: str
    override_until: datetime.date | None
    override_by_id: int | None


class Gathered(NamedTuple):
    facts: EnrollmentFacts
    care_manager_id: int | None
    last_reached_at: datetime.datetime | None
    last_attempt_at: datetime.datetime | None
    stored: StoredDecision | None
    inputs_fingerprint: str


@dataclass(frozen=True)
class RecomputeResult:
    enrolments: int
    written: int
    unchanged: int
    # A full run found another full run of the program going, and left it to that one.
    skipped: bool = False


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _inputs_sql() -> str:
    """One statement: every input the rules need, for the enrolments in care of one program."""
    # Only table names from model metadata are interpolated; every value is a parameter.
    return f"""
WITH target AS MATERIALIZED (
    SELECT e.id, e.patient_id, e.phase, COALESCE(e.enrolled_on, e.referred_on) AS enrolled_on
    FROM {_table(Enrollment)} e
    WHERE e.program_id = %(program_id)s
      AND e.status = ANY(%(care_statuses)s)
      AND (%(ids)s::bigint[] IS NULL OR e.id = ANY(%(ids)s::bigint[]))
),
contacts AS (
    SELECT c.enrollment_id,
           MAX(c.occurred_at) FILTER (WHERE c.is_reached) AS last_reached_at,
           MAX(c.occurred_at) FILTER (WHERE NOT c.is_reached) AS last_attempt_at,
           COUNT(*) FILTER (WHERE c.is_reached) AS reached,
           COUNT(*) FILTER (WHERE c.is_reached AND (c.occurred_at AT TIME ZONE %(tz)s)::date
                            BETWEEN %(window_start)s AND %(today)s) AS reached_30,
           COUNT(*) FILTER (WHERE NOT c.is_reached AND (c.occurred_at AT TIME ZONE %(tz)s)::date
                            BETWEEN %(window_start)s AND %(today)s) AS attempts_30,
           (ARRAY_AGG(c.next_contact_on ORDER BY c.occurred_at DESC, c.id DESC)
                FILTER (WHERE c.next_contact_on IS NOT NULL))[1] AS planned_on
    FROM {_table(Contact)} c JOIN target t ON t.id = c.enrollment_id
    GROUP BY c.enrollment_id
),
crises AS (
    SELECT DISTINCT ON (t.id) t.id AS enrollment_id, le.occurred_on, le.kind
    FROM {_table(LifeEvent)} le JOIN target t ON t.patient_id = le.patient_id
    WHERE le.kind = ANY(%(crisis_kinds)s) AND le.occurred_on <= %(today)s
    ORDER BY t.id, le.occurred_on DESC, le.id DESC
),
check_ins AS (
    SELECT ci.enrollment_id, ci.confidence, ci.readiness_to_graduate,
           ROW_NUMBER() OVER w AS n_any,
           ROW_NUMBER() OVER (w_rated) AS n_rated
    FROM {_table(CheckIn)} ci JOIN target t ON t.id = ci.enrollment_id
    WHERE ci.occurred_on <= %(today)s
    WINDOW w AS (PARTITION BY ci.enrollment_id ORDER BY ci.occurred_on DESC, ci.id DESC),
           w_rated AS (PARTITION BY ci.enrollment_id, ci.confidence IS NULL
                       ORDER BY ci.occurred_on DESC, ci.id DESC)
),
check_in_summary AS (
    SELECT enrollment_id,
           MAX(confidence) FILTER (WHERE confidence IS NOT NULL AND n_rated = 1) AS latest_confidence,
           MAX(confidence) FILTER (WHERE confidence IS NOT NULL AND n_rated = 2) AS previous_confidence,
           MAX(readiness_to_graduate) FILTER (WHERE n_any = 1) AS readiness
    FROM check_ins WHERE n_any = 1 OR n_rated <= 2
    GROUP BY enrollment_id
),
plans AS (
    SELECT p.enrollment_id,
           BOOL_OR(p.status = %(plan_active)s AND p.co_created_with <> '') AS co_created,
           COUNT(g.id) FILTER (WHERE g.status = %(goal_achieved)s) AS goals_achieved
    FROM {_table(CarePlan)} p JOIN target t ON t.id = p.enrollment_id
    LEFT JOIN {_table(Goal)} g ON g.care_plan_id = p.id
    GROUP BY p.enrollment_id
),
trust AS (
    SELECT s.enrollment_id, COUNT(*) AS trust_successes
    FROM {_table(SuccessMoment)} s JOIN target t ON t.id = s.enrollment_id
    WHERE s.kind = %(trust)s
    GROUP BY s.enrollment_id
),
team AS (
    SELECT m.enrollment_id,
           MIN(m.user_id) FILTER (WHERE m.is_primary) AS care_manager_id,
           BOOL_OR(m.role = %(pcp)s) AS has_pcp
    FROM {_table(CareTeamMember)} m JOIN target t ON t.id = m.enrollment_id
    WHERE m.ended_on IS NULL OR m.ended_on >= %(today)s
    GROUP BY m.enrollment_id
)
SELECT * FROM (
    SELECT t.id, t.phase, t.enrolled_on,
           c.last_reached_at, c.last_attempt_at,
           COALESCE(c.reached, 0) AS reached, COALESCE(c.reached_30, 0) AS reached_30,
           COALESCE(c.attempts_30, 0) AS attempts_30, c.planned_on,
           cr.occurred_on AS crisis_on, cr.kind AS crisis_kind,
           cs.latest_confidence, cs.previous_confidence, COALESCE(cs.readiness, '') AS readiness,
           COALESCE(p.goals_achieved, 0) AS goals_achieved, COALESCE(p.co_created, FALSE) AS co_created,
           COALESCE(tr.trust_successes, 0) AS trust_successes,
           tm.care_manager_id, COALESCE(tm.has_pcp, FALSE) AS has_pcp,
           s.current_level, s.recommended_level, s.override_reason, s.override_until, s.override_by_id,
           -- The facts above (today aside), the team's override and the rules: equal digests, equal
           -- results. The level itself is left out: the rules reach a fixed point from their own
           -- recommendation, and a level the team sets is recomputed at once (caseloads.levels).
           md5(ROW(t.phase, t.enrolled_on, c.*, cr.*, cs.*, p.*, tr.*, tm.*,
                   COALESCE(s.override_reason, ''), s.override_until, s.override_by_id)::text
               || %(rules_key)s) AS inputs_fingerprint,
           s.inputs_fingerprint AS stored_fingerprint, s.stable_until
    FROM target t
    LEFT JOIN contacts c ON c.enrollment_id = t.id
    LEFT JOIN crises cr ON cr.enrollment_id = t.id
    LEFT JOIN check_in_summary cs ON cs.enrollment_id = t.id
    LEFT JOIN plans p ON p.enrollment_id = t.id
    LEFT JOIN trust tr ON tr.enrollment_id = t.id
    LEFT JOIN team tm ON tm.enrollment_id = t.id
    LEFT JOIN {_table(CaseloadStatus)} s ON s.enrollment_id = t.id
) gathered
-- With only_changed, rows whose facts are unchanged and whose rules cannot turn yet are left out.
WHERE NOT %(only_changed)s
   OR stored_fingerprint IS DISTINCT FROM inputs_fingerprint
   OR stable_until IS NULL OR stable_until <= %(today)s
ORDER BY id
"""  # noqa: S608


def inputs_statement(
    *,
    program: Program,
    today: datetime.date,
    enrollment_ids: Sequence[int] | None = None,
    only_changed: bool = False,
    rules_key: str = "",
) -> tuple[str, dict[str, Any]]:
    """The one statement (and its parameters) that gathers every input of the rules; `bench/` times it
    alone, for every enrolment, as the floor of the full recompute."""
    params = {
        "program_id": program.pk,
        "care_statuses": [str(status) for status in CARE_STATUSES],
        "ids": list(enrollment_ids) if enrollment_ids is not None else None,
        "tz": program.time_zone,
        "today": today,
        "window_start": today - datetime.timedelta(days=30),
        "crisis_kinds": [str(kind) for kind in CRISIS_KINDS],
        "plan_active": CarePlanStatus.ACTIVE,
        "goal_achieved": GoalStatus.ACHIEVED,
        "trust": SuccessKind.TRUST,
        "pcp": CareTeamRole.PRIMARY_CARE_PROVIDER,
        "only_changed": only_changed,
        "rules_key": rules_key,
    }
    return _inputs_sql(), params


def _gather(
    *,
    program: Program,
    today: datetime.date,
    enrollment_ids: Sequence[int] | None,
    only_changed: bool = False,
    rules_key: str = "",
) -> dict[int, Gathered]:
    statement, params = inputs_statement(
        program=program,
        today=today,
        enrollment_ids=enrollment_ids,
        only_changed=only_changed,
        rules_key=rules_key,
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    gathered: dict[int, Gathered] = {}
    for row in rows:
        (
            enrollment_id, phase, enrolled_on,
            last_reached_at, last_attempt_at, reached, reached_30, attempts_30, planned_on,
            crisis_on, crisis_kind,
            latest_confidence, previous_confidence, readiness,
            goals_achieved, co_created, trust_successes,
            care_manager_id, has_pcp,
            current_level, recommended_level, override_reason, override_until, override_by_id,
            inputs_fingerprint, _stored_fingerprint, _stable_until,
        ) = row  # fmt: skip
        stored = (
            StoredDecision(current_level, recommended_level, override_reason, override_until, override_by_id)
            if current_level is not None
            else None
        )
        facts = EnrollmentFacts(
            today=today,
            phase=phase,
            enrolled_on=enrolled_on,
            current_level=_starting_level(stored, today),
            last_crisis_on=crisis_on,
            last_crisis_kind=CRISIS_WORDS.get(crisis_kind, "crisis"),
            last_reached_on=program.local_date(last_reached_at) if last_reached_at else None,
            reached_contacts=reached,
            reached_contacts_last_30_days=reached_30,
            attempts_last_30_days=attempts_30,
            planned_contact_on=planned_on,
            latest_confidence=latest_confidence,
            previous_confidence=previous_confidence,
            last_check_in_readiness=readiness,
            goals_achieved=goals_achieved,
            has_co_created_plan=co_created,
            trust_successes=trust_successes,
            has_primary_care_provider=has_pcp,
        )
        gathered[enrollment_id] = Gathered(
            facts, care_manager_id, last_reached_at, last_attempt_at, stored, inputs_fingerprint
        )
    return gathered


def _override_expired(stored: StoredDecision, today: datetime.date) -> bool:
    return (
        bool(stored.override_reason) and stored.override_until is not None and stored.override_until < today
    )


def _starting_level(stored: StoredDecision | None, today: datetime.date) -> str:
    """The level the rules start from: the team's, or after an expired override the last recommendation."""
    if stored is None:
        return STARTING_LEVEL
    if _override_expired(stored, today):
        return stored.recommended_level
    return stored.current_level


def gather_facts(
    *, program: Program, today: datetime.date, enrollment_ids: Sequence[int] | None = None
) -> dict[int, tuple[EnrollmentFacts, int | None, datetime.datetime | None, datetime.datetime | None]]:
    """Facts, primary care manager id, last reached and last attempt times per enrolment in care.

    One SQL statement for the whole program; `enrollment_ids` narrows the same statement.
    """
    gathered = _gather(program=program, today=today, enrollment_ids=enrollment_ids)
    return {
        enrollment_id: (item.facts, item.care_manager_id, item.last_reached_at, item.last_attempt_at)
        for enrollment_id, item in gathered.items()
    }


def compute_status(
    *,
    facts: EnrollmentFacts,
    policy: Policy,
    criteria: Criteria,
    stored: StoredDecision | None,
    care_manager_id: int | None,
    last_reached_at: datetime.datetime | None,
    last_attempt_at: datetime.datetime | None,
) -> dict[str, Any]:
    """The CaseloadStatus field values for one enrolment (without `computed_at`). Pure."""
    recommendation = recommend_level(facts, policy)
    recommended = str(recommendation.level)
    if stored is None or _override_expired(stored, facts.today):
        decision: dict[str, Any] = {
            "current_level": recommended,
            "override_reason": "",
            "override_until": None,
            "override_by_id": None,
        }
    else:
        decision = {
            "current_level": stored.current_level,
            "override_reason": stored.override_reason,
            "override_until": stored.override_until,
            "override_by_id": stored.override_by_id,
        }
    # The cadence follows the level the team works at, not the recommendation.
    next_due = next_contact_due(facts, policy, decision["current_level"])
    readiness = graduation_readiness(facts, criteria)
    until = stable_until(
        facts, policy, criteria, next_due=next_due, override_until=decision["override_until"]
    )
    return {
        "care_manager_id": care_manager_id,
        "recommended_level": recommended,
        "recommendation_reasons": [reason.text for reason in recommendation.reasons],
        **decision,
        "last_reached_contact_at": last_reached_at,
        "last_attempt_at": last_attempt_at,
        "reached_contacts_last_30_days": facts.reached_contacts_last_30_days,
        "next_contact_due_on": next_due,
        "is_overdue": next_due < facts.today,
        "is_graduation_candidate": readiness.ready,
        "graduation_criteria": [_criterion_json(item) for item in readiness.criteria],
        # The field holds the phase; the sentence explaining it is recomputed for display.
        "suggested_phase": str(Phase.WELLNESS) if phase_suggestion(facts) is not None else "",
        "stable_until": until,
    }


@functools.lru_cache(maxsize=32768)
def _criterion_json(item: Criterion) -> dict[str, Any]:
    # Shared between rows with the same criterion; never mutated.
    return {"label": item.label, "met": item.met, "detail": item.detail}


# Columns compared to decide whether a row changed; the decision columns only change on expiry.
_COMPUTED = (
    "care_manager_id",
    "recommended_level",
    "recommendation_reasons",
    "last_reached_contact_at",
    "last_attempt_at",
    "reached_contacts_last_30_days",
    "next_contact_due_on",
    "is_overdue",
    "is_graduation_candidate",
    "graduation_criteria",
    "suggested_phase",
    "stable_until",
    "inputs_fingerprint",
)
_DECISION = ("current_level", "override_reason", "override_until", "override_by_id")
_COLUMN_TYPES = {
    "enrollment_id": "bigint",
    "care_manager_id": "bigint",
    "recommended_level": "text",
    "recommendation_reasons": "text",
    "current_level": "text",
    "override_reason": "text",
    "override_until": "date",
    "override_by_id": "bigint",
    "last_reached_contact_at": "timestamptz",
    "last_attempt_at": "timestamptz",
    "reached_contacts_last_30_days": "integer",
    "next_contact_due_on": "date",
    "is_overdue": "boolean",
    "is_graduation_candidate": "boolean",
    "graduation_criteria": "text",
    "suggested_phase": "text",
    "stable_until": "date",
    "inputs_fingerprint": "text",
}
_JSON = frozenset({"recommendation_reasons", "graduation_criteria"})


def _upsert_sql() -> str:
    columns = list(_COLUMN_TYPES)
    # The rows travel as one JSON document: a single parameter is quoted far faster than 18 arrays.
    record = ", ".join(f"{name} {'jsonb' if name in _JSON else kind}" for name, kind in _COLUMN_TYPES.items())
    expired = "s.override_reason <> '' AND s.override_until < %s"
    updates = [f"{name} = EXCLUDED.{name}" for name in _COMPUTED]
    updates += [f"{name} = CASE WHEN {expired} THEN EXCLUDED.{name} ELSE s.{name} END" for name in _DECISION]
    old = ", ".join(f"s.{name}" for name in _COMPUTED)
    new = ", ".join(f"EXCLUDED.{name}" for name in _COMPUTED)
    # Only the table name and this module's fixed column names are interpolated.
    return f"""
INSERT INTO {_table(CaseloadStatus)} AS s ({", ".join(columns)}, computed_at)
SELECT {", ".join(f"v.{name}" for name in columns)}, %s FROM jsonb_to_recordset(%s::jsonb) AS v({record})
ON CONFLICT (enrollment_id) DO UPDATE SET {", ".join(updates)}, computed_at = EXCLUDED.computed_at
WHERE s.computed_at <= EXCLUDED.computed_at AND (({old}) IS DISTINCT FROM ({new}) OR ({expired}))
"""  # noqa: S608


def _iso(value: Any) -> str:
    if isinstance(value, datetime.date):  # dates and datetimes
        return value.isoformat()
    raise TypeError(f"Cannot write {type(value).__name__} to a caseload row.")


def _write_chunk(rows: list[dict[str, Any]], *, today: datetime.date, now: datetime.datetime) -> int:
    # Dates and times as ISO text, which PostgreSQL reads back into date and timestamptz.
    document = json.dumps(rows, default=_iso)
    # The expiry test appears once per decision column in SET and once in WHERE.
    params = [now, document, *([today] * len(_DECISION)), today]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_upsert_sql(), params)
        return max(cursor.rowcount, 0)


def _rows(
    gathered: Iterable[tuple[int, Gathered]], *, policy: Policy, criteria: Criteria
) -> list[dict[str, Any]]:
    """The computed rows, ready to write (the write itself skips rows equal to what is stored)."""
    return [
        {
            "enrollment_id": enrollment_id,
            **compute_status(
                facts=item.facts,
                policy=policy,
                criteria=criteria,
                stored=item.stored,
                care_manager_id=item.care_manager_id,
                last_reached_at=item.last_reached_at,
                last_attempt_at=item.last_attempt_at,
            ),
            "inputs_fingerprint": item.inputs_fingerprint,
        }
        for enrollment_id, item in gathered
    ]


# Key of the session advisory lock that lets one full recompute per program run at a time.
_FULL_RUN_LOCK = 0x7A4E5C01


@contextmanager
def _full_run_lock(program: Program) -> Iterator[bool]:
    """Hold the program's full-recompute lock; yields False when another run holds it.

    A session lock: if the worker dies, PostgreSQL releases it with the connection.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_FULL_RUN_LOCK, program.pk])
        (acquired,) = cursor.fetchone()
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_FULL_RUN_LOCK, program.pk])


def recompute_caseloads(
    *,
    program: Program,
    today: datetime.date | None = None,
    enrollment_ids: Sequence[int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RecomputeResult:
    """Recompute the caseload rows of a program's enrolments in care (or of `enrollment_ids` among them).

    Idempotent: rows whose computed values are unchanged are not written, so a second run writes 0.
    Rows of enrolments no longer in care are left as they are. A full run (no `enrollment_ids`) while
    another full run of the program is going returns at once with `skipped=True`.

    Each chunk is written in its own transaction, so a run that dies half-way leaves every row either
    as before or as computed; running again completes it. A row computed after this run gathered its
    facts (by the one-enrolment path, after a contact) is newer and is not overwritten.
    """
    if enrollment_ids is None:
        with _full_run_lock(program) as acquired:
            if not acquired:
                return RecomputeResult(enrolments=0, written=0, unchanged=0, skipped=True)
            return _recompute(program=program, today=today, enrollment_ids=None, progress=progress)
    return _recompute(program=program, today=today, enrollment_ids=enrollment_ids, progress=progress)


def _recompute(
    *,
    program: Program,
    today: datetime.date | None,
    enrollment_ids: Sequence[int] | None,
    progress: Callable[[int, int], None] | None,
) -> RecomputeResult:
    today = today or program.today()
    policy = Policy.from_model(IntensityPolicy.objects.filter(program=program).first())
    criteria = Criteria.from_model(GraduationCriteria.objects.filter(program=program).first())
    # The facts are as of this moment: it is stored as `computed_at`, and a row computed later wins.
    gathered_at = timezone.now()
    full_run = enrollment_ids is None
    gathered = list(
        _gather(
            program=program,
            today=today,
            enrollment_ids=enrollment_ids,
            # A full run leaves out enrolments whose facts are unchanged and whose rules cannot turn yet.
            only_changed=full_run,
            rules_key=_rules_key(policy, criteria),
        ).items()
    )
    chunk_size = settings.CASELOAD_RECOMPUTE_CHUNK_SIZE
    pause = settings.CASELOAD_RECOMPUTE_CHUNK_PAUSE_SECONDS
    written = 0
    for start in range(0, len(gathered), chunk_size):
        if start and pause:
            time.sleep(pause)
        rows = _rows(gathered[start : start + chunk_size], policy=policy, criteria=criteria)
        written += _write_chunk(rows, today=today, now=gathered_at)
        if progress is not None:
            progress(min(start + chunk_size, len(gathered)), len(gathered))
    in_care = _in_care_count(program) if full_run else len(gathered)
    return RecomputeResult(enrolments=in_care, written=written, unchanged=in_care - written)


def _in_care_count(program: Program) -> int:
    return Enrollment.objects.filter(program=program, status__in=CARE_STATUSES).count()


# The source of the rules and of this module: a change to either makes every row's facts "changed".
_SOURCE_DIGEST = hashlib.blake2b(
    Path(rules_module.__file__).read_bytes() + Path(__file__).read_bytes(), digest_size=8
).hexdigest()


def _rules_key(policy: Policy, criteria: Criteria) -> str:
    """What besides the facts decides a row: the program's policy and criteria, and the rules' code."""
    return f"|{_SOURCE_DIGEST}|{policy!r}|{criteria!r}"


def recompute_requested(*, enrollment_ids: Sequence[int] | None = None) -> RecomputeResult:
    """Recompute the enrolments asked for by changes (`CaseloadRecomputeRequest`), then clear those requests.

    `enrollment_ids` narrows it to some enrolments (the task sent after a change), which are recomputed
    whether or not a request is stored. A request written again while this runs is kept for next time.
    """
    requests = CaseloadRecomputeRequest.objects.all()
    if enrollment_ids is not None:
        requests = requests.filter(enrollment_id__in=enrollment_ids)
    seen = list(requests.values_list("enrollment_id", "requested_at"))
    wanted = set(enrollment_ids or ()) | {enrollment_id for enrollment_id, _ in seen}
    by_program: dict[int, list[int]] = {}
    for enrollment_id, program_id in Enrollment.objects.filter(pk__in=wanted).values_list("pk", "program_id"):
        by_program.setdefault(program_id, []).append(enrollment_id)
    total = RecomputeResult(enrolments=0, written=0, unchanged=0)
    for program in Program.objects.filter(pk__in=by_program).order_by("pk"):
        result = _recompute(program=program, today=None, enrollment_ids=by_program[program.pk], progress=None)
        total = RecomputeResult(
            enrolments=total.enrolments + result.enrolments,
            written=total.written + result.written,
            unchanged=total.unchanged + result.unchanged,
        )
    if seen:
        ids, times = zip(*seen, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {_table(CaseloadRecomputeRequest)} "  # noqa: S608 - the model's table name
                "WHERE (enrollment_id, requested_at) IN "
                "(SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]))",
                [list(ids), list(times)],
            )
    return total


def _snapshot_sql() -> str:
    # Only table names from model metadata are interpolated; every value is a parameter.
    return f"""
INSERT INTO {_table(CaseloadSnapshot)} AS snap (
    care_manager_id, taken_on, outreach_count, active_count, maintenance_count,
    high_count, medium_count, low_count, overdue_count, graduation_candidate_count, weighted_load, computed_at
)
SELECT s.care_manager_id, %(today)s,
       COUNT(*) FILTER (WHERE e.status = %(outreach)s),
       COUNT(*) FILTER (WHERE e.status = %(active)s),
       COUNT(*) FILTER (WHERE e.status = %(maintenance)s),
       COUNT(*) FILTER (WHERE s.current_level = %(high)s),
       COUNT(*) FILTER (WHERE s.current_level = %(medium)s),
       COUNT(*) FILTER (WHERE s.current_level = %(low)s),
       COUNT(*) FILTER (WHERE s.is_overdue),
       COUNT(*) FILTER (WHERE s.is_graduation_candidate),
       SUM(CASE s.current_level WHEN %(high)s THEN %(high_weight)s WHEN %(medium)s THEN %(medium_weight)s
                                ELSE %(low_weight)s END),
       %(now)s
FROM {_table(CaseloadStatus)} s JOIN {_table(Enrollment)} e ON e.id = s.enrollment_id
WHERE e.program_id = %(program_id)s AND e.status = ANY(%(care_statuses)s) AND s.care_manager_id IS NOT NULL
GROUP BY s.care_manager_id
ON CONFLICT (care_manager_id, taken_on) DO UPDATE SET
    outreach_count = EXCLUDED.outreach_count, active_count = EXCLUDED.active_count,
    maintenance_count = EXCLUDED.maintenance_count, high_count = EXCLUDED.high_count,
    medium_count = EXCLUDED.medium_count, low_count = EXCLUDED.low_count,
    overdue_count = EXCLUDED.overdue_count, graduation_candidate_count = EXCLUDED.graduation_candidate_count,
    weighted_load = EXCLUDED.weighted_load, computed_at = EXCLUDED.computed_at
"""  # noqa: S608


def caseload_snapshots_take(*, program: Program, today: datetime.date | None = None) -> int:
    """Each care manager's caseload today (counts by status, level, overdue, graduation candidates and the
    intensity-weighted load), one row per care manager and day; taking it again the same day replaces it.
    One statement. Returns the number of care managers."""
    policy = IntensityPolicy.objects.filter(program=program).first() or IntensityPolicy()
    params = {
        "program_id": program.pk,
        "today": today or program.today(),
        "now": timezone.now(),
        "care_statuses": [str(status) for status in CARE_STATUSES],
        "outreach": EnrollmentStatus.OUTREACH,
        "active": EnrollmentStatus.ACTIVE,
        "maintenance": EnrollmentStatus.MAINTENANCE,
        "high": IntensityLevel.HIGH,
        "medium": IntensityLevel.MEDIUM,
        "low": IntensityLevel.LOW,
        "high_weight": policy.high_weight,
        "medium_weight": policy.medium_weight,
        "low_weight": policy.low_weight,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_snapshot_sql(), params)
        return max(cursor.rowcount, 0)
