"""Work out a program's outcome figures from its records, so the outcomes page reads narrow tables.

Two set-based statements per program, whatever its size (never a query per patient):

- one row per enrolment (`OutcomeEpisode`): its dates through the funnel, ED visits and admissions in the
  365 days before enrolment and since, the days since enrolment, and the first and last confidence since
  enrolment;
- one row per dated event the page counts within a period (`OutcomeEvent`): each hospital discharge while
  enrolled, with whether an admission followed within 30 days; each satisfaction answer; each success
  moment.

Both upsert on their key and write only rows whose values differ, then delete rows whose source is gone,
so a second run writes nothing. Everything happens in one transaction: the page sees the previous figures
until the new ones are complete, and `OutcomeRefresh` says when they were computed. One refresh per
program at a time (an advisory lock; a second one at the same moment returns at once). The definitions are
in caseloads.outcomes.
"""

import dataclasses
import datetime
import logging
import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Program
from caseloads.models import OutcomeEpisode, OutcomeEvent, OutcomeEventKind, OutcomeRefresh
from engagement.models import CheckIn, LifeEvent, LifeEventKind, SuccessMoment
from patients.models import Enrollment, Referral

logger = logging.getLogger(__name__)

# The utilisation window before enrolment: one patient-year.
DAYS_BEFORE_ENROLMENT = 365
# A discharge followed by an admission within this many days counts as readmitted.
READMISSION_DAYS = 30
ADMISSION_KINDS = [LifeEventKind.ADMISSION.value, LifeEventKind.READMISSION.value]
UTILISATION_KINDS = [LifeEventKind.ED_VISIT.value, *ADMISSION_KINDS]
# pg_try_advisory_xact_lock's first key ("OUTC"); the second is the program.
_REFRESH_LOCK = 0x4F555443


@dataclasses.dataclass(frozen=True)
class OutcomesRefreshResult:
    episodes: int
    events: int
    # Rows inserted, changed or removed; 0 when nothing changed since the last run.
    written: int
    seconds: float
    # Another refresh of the program was running: this one left it to that one.
    skipped: bool = False


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


_EPISODE_COLUMNS = (
    "team_id",
    "status",
    "referred_on",
    "screened_on",
    "enrolled_on",
    "ended_on",
    "ed_visits_before",
    "admissions_before",
    "ed_visits_since",
    "admissions_since",
    "days_since",
    "first_confidence",
    "last_confidence",
)


def _upsert(columns: tuple[str, ...]) -> tuple[str, str]:
    """The SET list of ON CONFLICT DO UPDATE, and its WHERE: only when a value differs."""
    assignments = ", ".join(f"{column} = EXCLUDED.{column}" for column in columns)
    current = ", ".join(f"stored.{column}" for column in columns)
    proposed = ", ".join(f"EXCLUDED.{column}" for column in columns)
    return assignments, f"({current}) IS DISTINCT FROM ({proposed})"


def _episodes_sql() -> str:
    assignments, changed = _upsert(_EPISODE_COLUMNS)
    columns = ", ".join(_EPISODE_COLUMNS)
    # Only table names from model metadata are interpolated; every value is a parameter.
    return f"""
WITH ep AS MATERIALIZED (
    SELECT e.id, e.team_id, e.status, e.patient_id, e.referred_on, e.enrolled_on, e.ended_on,
           (r.screened_at AT TIME ZONE %(time_zone)s)::date AS screened_on,
           CASE WHEN e.enrolled_on IS NOT NULL
                THEN LEAST(COALESCE(e.ended_on, %(today)s::date), %(today)s::date) END AS since_until
    FROM {_table(Enrollment)} e
    LEFT JOIN {_table(Referral)} r ON r.enrollment_id = e.id
    WHERE e.program_id = %(program_id)s
),
visits AS (
    -- The care team and a claims file often record the same visit: one per person, kind and day.
    SELECT DISTINCT le.patient_id, le.kind = %(ed_visit)s AS is_ed_visit, le.occurred_on
    FROM {_table(LifeEvent)} le
    WHERE le.kind = ANY(%(utilisation_kinds)s)
      AND le.patient_id IN (SELECT patient_id FROM ep WHERE enrolled_on IS NOT NULL)
),
utilisation AS (
    SELECT ep.id,
           count(*) FILTER (WHERE v.is_ed_visit AND v.occurred_on < ep.enrolled_on) AS ed_visits_before,
           count(*) FILTER (WHERE NOT v.is_ed_visit AND v.occurred_on < ep.enrolled_on) AS admissions_before,
           count(*) FILTER (WHERE v.is_ed_visit AND v.occurred_on >= ep.enrolled_on) AS ed_visits_since,
           count(*) FILTER (WHERE NOT v.is_ed_visit AND v.occurred_on >= ep.enrolled_on) AS admissions_since
    FROM ep
    JOIN visits v ON v.patient_id = ep.patient_id
     AND v.occurred_on >= ep.enrolled_on - %(days_before)s::integer
     AND v.occurred_on <= ep.since_until
    GROUP BY ep.id
),
confidence AS (
    SELECT c.enrollment_id,
           count(*) AS ratings,
           (array_agg(c.confidence ORDER BY c.occurred_on, c.id))[1] AS first_confidence,
           (array_agg(c.confidence ORDER BY c.occurred_on DESC, c.id DESC))[1] AS last_confidence
    FROM {_table(CheckIn)} c
    JOIN ep ON ep.id = c.enrollment_id
    WHERE c.confidence IS NOT NULL AND c.occurred_on >= ep.enrolled_on AND c.occurred_on <= %(today)s::date
    GROUP BY c.enrollment_id
),
fresh AS (
    SELECT ep.id AS enrollment_id, ep.team_id, ep.status, ep.referred_on, ep.screened_on, ep.enrolled_on,
           ep.ended_on,
           COALESCE(u.ed_visits_before, 0) AS ed_visits_before,
           COALESCE(u.admissions_before, 0) AS admissions_before,
           COALESCE(u.ed_visits_since, 0) AS ed_visits_since,
           COALESCE(u.admissions_since, 0) AS admissions_since,
           CASE WHEN ep.enrolled_on IS NOT NULL
                THEN GREATEST(ep.since_until - ep.enrolled_on + 1, 0) END AS days_since,
           CASE WHEN cf.ratings >= 2 THEN cf.first_confidence END AS first_confidence,
           CASE WHEN cf.ratings >= 2 THEN cf.last_confidence END AS last_confidence
    FROM ep
    LEFT JOIN utilisation u ON u.id = ep.id
    LEFT JOIN confidence cf ON cf.enrollment_id = ep.id
),
written AS (
    INSERT INTO {_table(OutcomeEpisode)} AS stored (enrollment_id, program_id, {columns})
    SELECT enrollment_id, %(program_id)s, {columns} FROM fresh
    ON CONFLICT (enrollment_id) DO UPDATE SET program_id = EXCLUDED.program_id, {assignments}
    WHERE {changed} OR stored.program_id IS DISTINCT FROM EXCLUDED.program_id
    RETURNING 1
),
removed AS (
    DELETE FROM {_table(OutcomeEpisode)} old
    WHERE old.program_id = %(program_id)s AND NOT EXISTS (SELECT 1 FROM ep WHERE ep.id = old.enrollment_id)
    RETURNING 1
)
SELECT (SELECT count(*) FROM fresh), (SELECT count(*) FROM written) + (SELECT count(*) FROM removed)
"""  # noqa: S608 - only table and column names from this module; values are parameters


_EVENT_COLUMNS = (
    "enrollment_id",
    "team_id",
    "occurred_on",
    "value",
    "success_kind",
    "previous_on",
    "previous_of_kind_on",
)


def _events_sql() -> str:
    assignments, changed = _upsert(_EVENT_COLUMNS)
    columns = ", ".join(_EVENT_COLUMNS)
    return f"""
WITH ep AS MATERIALIZED (
    SELECT e.id, e.team_id, e.patient_id, e.enrolled_on, COALESCE(e.ended_on, %(today)s::date) AS until
    FROM {_table(Enrollment)} e
    WHERE e.program_id = %(program_id)s
),
stays AS (
    -- A discharge is a discharge event, or the end date of an admission (claims files give it); the same
    -- person's discharges on one day are one.
    SELECT DISTINCT ON (le.patient_id, d.discharged_on) le.patient_id, le.id AS source_id, d.discharged_on
    FROM {_table(LifeEvent)} le
    CROSS JOIN LATERAL (
        SELECT CASE WHEN le.kind = %(discharge)s THEN le.occurred_on ELSE le.ended_on END AS discharged_on
    ) d
    WHERE (le.kind = %(discharge)s OR (le.kind = ANY(%(admission_kinds)s) AND le.ended_on IS NOT NULL))
      AND le.patient_id IN (SELECT patient_id FROM ep WHERE enrolled_on IS NOT NULL)
    ORDER BY le.patient_id, d.discharged_on, le.id
),
admissions AS (
    SELECT DISTINCT le.patient_id, le.occurred_on
    FROM {_table(LifeEvent)} le
    WHERE le.kind = ANY(%(admission_kinds)s) AND le.patient_id IN (SELECT patient_id FROM stays)
),
found AS (
    SELECT ep.id AS enrollment_id, ep.team_id, %(discharge_kind)s::text AS kind, s.source_id,
           s.discharged_on AS occurred_on,
           CASE WHEN s.discharged_on > %(today)s::date - %(readmission_days)s::integer THEN NULL
                WHEN EXISTS (
                    SELECT 1 FROM admissions a
                    WHERE a.patient_id = s.patient_id
                      AND a.occurred_on > s.discharged_on
                      AND a.occurred_on <= s.discharged_on + %(readmission_days)s::integer
                ) THEN 1 ELSE 0 END AS value,
           ''::text AS success_kind
    FROM stays s
    JOIN ep ON ep.patient_id = s.patient_id AND s.discharged_on BETWEEN ep.enrolled_on AND ep.until
    UNION ALL
    SELECT c.enrollment_id, ep.team_id, %(satisfaction_kind)s::text, c.id, c.occurred_on, c.satisfaction,
           ''::text
    FROM {_table(CheckIn)} c
    JOIN ep ON ep.id = c.enrollment_id
    WHERE c.satisfaction IS NOT NULL
    UNION ALL
    SELECT m.enrollment_id, ep.team_id, %(success_kind)s::text, m.id, m.occurred_on, NULL, m.kind::text
    FROM {_table(SuccessMoment)} m
    JOIN ep ON ep.id = m.enrollment_id
),
one_each AS (
    -- Episodes of one person can touch on one day: a discharge that day belongs to the later one.
    SELECT DISTINCT ON (kind, source_id) *
    FROM found
    ORDER BY kind, source_id, enrollment_id DESC
),
fresh AS (
    SELECT one_each.*,
           lag(occurred_on) OVER (
               PARTITION BY enrollment_id, kind, success_kind ORDER BY occurred_on, source_id
           ) AS previous_on,
           lag(occurred_on) OVER (PARTITION BY enrollment_id, kind ORDER BY occurred_on, source_id)
               AS previous_of_kind_on
    FROM one_each
),
written AS (
    INSERT INTO {_table(OutcomeEvent)} AS stored (program_id, kind, source_id, {columns})
    SELECT %(program_id)s, kind, source_id, {columns} FROM fresh
    ON CONFLICT (kind, source_id) DO UPDATE SET program_id = EXCLUDED.program_id, {assignments}
    WHERE {changed} OR stored.program_id IS DISTINCT FROM EXCLUDED.program_id
    RETURNING 1
),
removed AS (
    DELETE FROM {_table(OutcomeEvent)} old
    WHERE old.program_id = %(program_id)s
      AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.kind = old.kind AND f.source_id = old.source_id)
    RETURNING 1
)
SELECT (SELECT count(*) FROM fresh), (SELECT count(*) FROM written) + (SELECT count(*) FROM removed)
"""  # noqa: S608 - only table and column names from this module; values are parameters


def outcomes_refresh(
    *,
    program: Program,
    today: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> OutcomesRefreshResult:
    """Work out the program's outcome figures again from its records, as of `today` (the program's today).

    Idempotent: a second run with the same records writes no row (only the computed-at time moves).
    """
    started = time.monotonic()
    today = today or program.today()
    parameters = {
        "program_id": program.pk,
        "today": today,
        "time_zone": program.time_zone,
        "days_before": DAYS_BEFORE_ENROLMENT,
        "readmission_days": READMISSION_DAYS,
        "ed_visit": LifeEventKind.ED_VISIT.value,
        "discharge": LifeEventKind.DISCHARGE.value,
        "utilisation_kinds": UTILISATION_KINDS,
        "admission_kinds": ADMISSION_KINDS,
        "discharge_kind": OutcomeEventKind.DISCHARGE.value,
        "satisfaction_kind": OutcomeEventKind.SATISFACTION.value,
        "success_kind": OutcomeEventKind.SUCCESS.value,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [_REFRESH_LOCK, program.pk])
        (acquired,) = cursor.fetchone()
        if not acquired:
            logger.info("outcomes_refresh_skipped program=%s", program.pk)
            return OutcomesRefreshResult(
                episodes=0, events=0, written=0, seconds=time.monotonic() - started, skipped=True
            )
        if progress:
            progress("enrolments")
        cursor.execute(_episodes_sql(), parameters)
        episodes, episodes_written = cursor.fetchone()
        if progress:
            progress("discharges, satisfaction surveys and success moments")
        cursor.execute(_events_sql(), parameters)
        events, events_written = cursor.fetchone()
        seconds = time.monotonic() - started
        # Fresh statistics, so the page's queries are planned for the rows just written.
        cursor.execute(f"ANALYZE {_table(OutcomeEpisode)}, {_table(OutcomeEvent)}")
        OutcomeRefresh.objects.update_or_create(
            program=program,
            defaults={
                "computed_at": timezone.now(),
                "computed_on": today,
                "episode_count": episodes,
                "event_count": events,
                "duration_ms": round(seconds * 1000),
            },
        )
    written = episodes_written + events_written
    logger.info(
        "outcomes_refreshed program=%s episodes=%s events=%s written=%s ms=%s",
        program.pk,
        episodes,
        events,
        written,
        round(seconds * 1000),
    )
    return OutcomesRefreshResult(episodes=episodes, events=events, written=written, seconds=seconds)
