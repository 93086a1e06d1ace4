"""The population-scale data set the benchmarks share (bench/recompute.py, bench/dashboard.py).

The seeding and top-up were first written for bench/recompute.py and moved here unchanged, so that
the benchmarks build the same data: `manage.py seed_demo --patients 142500` (about 100,000 enrolments
in care; see bench/seed_demo.py for the scratch-database helpers), then `top_up` to the issue 5
volume (20 contacts, 3 goals and 0.5 life events per enrolment in care).

`extend_for_dashboard` adds what the issue 6 pages need at that scale, each step skipped when done:
about 1,000 care managers in 100 teams of ten with a supervisor each, the enrolments spread over them
(about 100 in care each), 12 weeks of daily caseload snapshots, fortnightly supervision sessions and
a year of program costs. Every row is synthetic, written by set-based SQL with the audit triggers
firing under one history context per step.
"""

import datetime
import importlib.util
import json
import math
import sys
import time
import uuid
from pathlib import Path
from typing import Any

# What a row added by the top-up carries in a text column (contact and life event note, goal framing).
MARKER = "Synthetic row added by bench/recompute.py"
# The volume for 100,000 enrolments in care, per enrolment in care.
CONTACTS_PER_ENROLMENT = 20.0
GOALS_PER_ENROLMENT = 3.0
LIFE_EVENTS_PER_ENROLMENT = 0.5
# 142,500 seeded patients give 99,665 enrolments in care.
DEFAULT_PATIENTS = 142_500


def seed_demo_helpers() -> Any:
    """bench/seed_demo.py, next to this file: its scratch-database helpers."""
    spec = importlib.util.spec_from_file_location("bench_seed_demo", Path(__file__).with_name("seed_demo.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def check_migrations(*, apply: bool) -> None:
    """The code under test needs the schema it was written for: stop (or migrate) when they differ."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = [
        f"{migration.app_label}.{migration.name}"
        for migration, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())
    ]
    applied, on_disk = set(executor.loader.applied_migrations), set(executor.loader.disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in applied - on_disk)
    if unknown:
        print(f"Applied to the database but not in this checkout: {', '.join(unknown)}")
    if not pending:
        return
    if not apply:
        raise SystemExit(
            f"The database lacks migrations of this checkout: {', '.join(pending)}. Migrate it "
            "(DATABASE_URL=... .venv/bin/python manage.py migrate) or pass --migrate."
        )
    print(f"Applying {len(pending)} pending migrations: {', '.join(pending)}")
    call_command("migrate", interactive=False, verbosity=0)


# --- top-up ------------------------------------------------------------------------------------------

# Each statement adds %(missing)s rows spread evenly over the program's enrolments in care (`base` rows
# each, one more for the first `extra`), with random values from setseed(). Only synthetic text.
_TARGET_SQL = """
    SELECT e.id AS enrollment_id, e.patient_id, m.user_id,
           COALESCE(e.enrolled_on, e.referred_on) AS start_on,
           ROW_NUMBER() OVER (ORDER BY e.id) - 1 AS rank
    FROM patients_enrollment e
    JOIN patients_careteammember m ON m.enrollment_id = e.id AND m.is_primary AND m.ended_on IS NULL
    WHERE e.program_id = %(program_id)s AND e.status = ANY(%(care_statuses)s)
"""

# Contacts of the last 180 days (never before the enrolment's start, so after the referral), each by the
# primary care manager, about 65% reached, in the past: up to an hour ago.
_CONTACTS_SQL = f"""
INSERT INTO engagement_contact (
    enrollment_id, made_by_id, occurred_at, mode, is_reached, duration_minutes, engagement_methods,
    note, is_part2, next_contact_on, created_at)
SELECT r.enrollment_id, r.user_id, r.occurred_at, r.mode, r.is_reached,
       CASE WHEN r.is_reached THEN 5 + floor(r.u_duration * 85)::int END,
       '{{}}'::varchar[], %(marker)s, FALSE,
       CASE WHEN r.u_next < 0.3
            THEN (r.occurred_at AT TIME ZONE %(tz)s)::date + 7 + floor(r.u_next * 70)::int END,
       %(now)s
FROM (
    SELECT t.enrollment_id, t.user_id,
           t.low + random() * GREATEST(%(latest)s - t.low, interval '0') AS occurred_at,
           (%(modes)s::text[])[1 + floor(random() * cardinality(%(modes)s::text[]))::int] AS mode,
           random() < 0.65 AS is_reached, random() AS u_duration, random() AS u_next
    FROM (
        SELECT target.*,
               (GREATEST(target.start_on, %(today)s - 180)::timestamp AT TIME ZONE %(tz)s) AS low
        FROM ({_TARGET_SQL}) target
    ) t
    CROSS JOIN LATERAL generate_series(1, %(base)s + (t.rank < %(extra)s)::int)
) r
"""  # noqa: S608 - only this module's constant SQL is interpolated

# Goals on the active plans of enrolments in care, after the plan's existing priorities; about 20%
# achieved (with a date), changed on a day between the plan's start and today.
_GOALS_SQL = """
INSERT INTO careplans_goal (
    care_plan_id, created_by_id, patient_words, team_framing, life_domain, priority, why_it_matters,
    success_looks_like, target_on, status, status_changed_on, achieved_on, from_assessment_id, version,
    created_at, updated_at, updated_by_id)
SELECT r.care_plan_id, r.created_by_id, 'A synthetic benchmark goal', %(marker)s, r.life_domain,
       r.priority, '', '', NULL, r.status, r.changed_on,
       CASE WHEN r.status = 'achieved' THEN r.changed_on END, NULL, 1, %(now)s, %(now)s, NULL
FROM (
    SELECT p.care_plan_id, p.created_by_id, (p.top_priority + g.n)::smallint AS priority,
           (%(domains)s::text[])[1 + floor(random() * cardinality(%(domains)s::text[]))::int] AS life_domain,
           CASE WHEN u.u < 0.2 THEN 'achieved' WHEN u.u < 0.7 THEN 'active' WHEN u.u < 0.85 THEN 'proposed'
                WHEN u.u < 0.95 THEN 'paused' ELSE 'let_go' END AS status,
           LEAST(p.started_on + floor(random() * (GREATEST(%(today)s - p.started_on, 0) + 1))::int,
                 %(today)s) AS changed_on
    FROM (
        SELECT plan.id AS care_plan_id, plan.created_by_id, plan.started_on,
               COALESCE((SELECT MAX(goal.priority) FROM careplans_goal goal
                         WHERE goal.care_plan_id = plan.id), 0) AS top_priority,
               ROW_NUMBER() OVER (ORDER BY plan.id) - 1 AS rank
        FROM careplans_careplan plan JOIN patients_enrollment e ON e.id = plan.enrollment_id
        WHERE e.program_id = %(program_id)s AND e.status = ANY(%(care_statuses)s) AND plan.status = 'active'
    ) p
    CROSS JOIN LATERAL generate_series(1, %(base)s + (p.rank < %(extra)s)::int) AS g(n)
    CROSS JOIN LATERAL (SELECT random() + 0 * g.n AS u) AS u
) r
"""

# Life events of the patients in care within the last year, most of them crises; one that happened
# since the enrolment started is linked to it.
_LIFE_EVENTS_SQL = f"""
INSERT INTO engagement_lifeevent (
    patient_id, enrollment_id, kind, occurred_on, ended_on, facility, note, source, recorded_by_id,
    created_at)
SELECT r.patient_id, CASE WHEN r.occurred_on >= r.start_on THEN r.enrollment_id END, r.kind, r.occurred_on,
       NULL, '', %(marker)s, 'care_team', r.user_id, %(now)s
FROM (
    SELECT t.patient_id, t.enrollment_id, t.start_on, t.user_id,
           (%(kinds)s::text[])[1 + floor(random() * cardinality(%(kinds)s::text[]))::int] AS kind,
           %(today)s - floor(random() * 365)::int AS occurred_on
    FROM ({_TARGET_SQL}) t
    CROSS JOIN LATERAL generate_series(1, %(base)s + (t.rank < %(extra)s)::int)
) r
"""  # noqa: S608 - only this module's constant SQL is interpolated


def top_up(*, program: Any, today: datetime.date, care_statuses: list[str]) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from careplans.models import LifeDomain
    from engagement.models import ContactMode, LifeEventKind

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM patients_enrollment WHERE program_id = %s AND status = ANY(%s)",
            [program.pk, care_statuses],
        )
        (in_care,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM careplans_careplan plan"
            " JOIN patients_enrollment e ON e.id = plan.enrollment_id"
            " WHERE e.program_id = %s AND e.status = ANY(%s) AND plan.status = 'active'",
            [program.pk, care_statuses],
        )
        (active_plans,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM patients_enrollment e JOIN patients_careteammember m"
            " ON m.enrollment_id = e.id AND m.is_primary AND m.ended_on IS NULL"
            " WHERE e.program_id = %s AND e.status = ANY(%s)",
            [program.pk, care_statuses],
        )
        (with_manager,) = cursor.fetchone()
    crisis_heavy = [
        *[LifeEventKind.ED_VISIT] * 3,
        *[LifeEventKind.ADMISSION] * 2,
        LifeEventKind.CRISIS,
        LifeEventKind.READMISSION,
        LifeEventKind.DISCHARGE,
        LifeEventKind.HOUSING_LOSS,
        LifeEventKind.RELAPSE,
    ]
    plans = (
        (
            "contacts",
            "engagement_contact",
            CONTACTS_PER_ENROLMENT,
            _CONTACTS_SQL,
            with_manager,
            {"modes": [str(mode) for mode in ContactMode]},
        ),
        (
            "goals",
            "careplans_goal",
            GOALS_PER_ENROLMENT,
            _GOALS_SQL,
            active_plans,
            {"domains": [str(domain) for domain in LifeDomain]},
        ),
        (
            "life events",
            "engagement_lifeevent",
            LIFE_EVENTS_PER_ENROLMENT,
            _LIFE_EVENTS_SQL,
            with_manager,
            {"kinds": [str(kind) for kind in crisis_heavy]},
        ),
    )
    print(
        f"\nTop-up to the issue's volume ({CONTACTS_PER_ENROLMENT:g} contacts, "
        f"{GOALS_PER_ENROLMENT:g} goals, {LIFE_EVENTS_PER_ENROLMENT:g} life events per enrolment in care; "
        f"{in_care:,} enrolments in care):"
    )
    now = timezone.now()
    added_any = False
    for label, table, per_enrolment, statement, carriers, extra_params in plans:
        target = math.ceil(per_enrolment * in_care)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a constant table name
            (count,) = cursor.fetchone()
        missing = target - count
        if missing <= 0 or not carriers:
            print(f"  {label:<12} {count:>12,} of {target:>12,} wanted: nothing to add")
            continue
        params = {
            "program_id": program.pk,
            "care_statuses": care_statuses,
            "tz": program.time_zone,
            "today": today,
            "now": now,
            "latest": now - datetime.timedelta(hours=1),
            "marker": MARKER,
            "base": missing // carriers,
            "extra": missing % carriers,
            **extra_params,
        }
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            tag_history(cursor)
            cursor.execute("SELECT setseed(0.5)")
            cursor.execute(statement, params)
            inserted = cursor.rowcount
        added_any = True
        print(
            f"  {label:<12} {count:>12,} of {target:>12,} wanted: added {inserted:,} "
            f"in {time.perf_counter() - started:.1f} s (audit triggers firing)"
        )
    if added_any:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE: {time.perf_counter() - started:.1f} s")


def tag_history(cursor: Any, source: str = "bench/recompute.py top-up") -> None:
    """One audit history context for a bulk write, set once, as seed_demo does for its chunks."""
    cursor.execute(
        "SELECT set_config('pghistory.context_id', %s, true),"
        " set_config('pghistory.context_metadata', %s, true),"
        " set_config('pgtrigger.ignore', '{}', true)",
        [str(uuid.uuid4()), json.dumps({"source": source})],
    )


# --- what the issue 6 pages need: staff at scale, snapshots, supervision, costs ---------------------

# The seed's 3 teams and 12 care managers would hold 8,000 people each; the bench spreads the enrolments
# over 100 teams of ten care managers, one supervisor each (about 100 people in care per care manager).
BENCH_TEAMS = 100
CARE_MANAGERS_PER_TEAM = 10
CARE_MANAGER_PREFIX = "bench.cm"
SUPERVISOR_PREFIX = "bench.sup"
TEAM_PREFIX = "Bench team"
# Daily snapshots for the dashboard's 12-week trends; a supervision session every two weeks.
SNAPSHOT_DAYS = 12 * 7
SUPERVISION_EVERY_DAYS = 14
COST_MONTHS = 12
HISTORY_SOURCE = "bench/dataset.py dashboard data"
DISCIPLINES = ("rn", "social_worker", "chw", "peer_specialist")


def prepare_dashboard_data(*, program: Any, today: datetime.date, care_statuses: list[str]) -> None:
    """Everything the dashboard, caseload review and outcomes pages read, at the issue's scale, in the
    order the data depends on: staff and the enrolments spread over them, the issue 5 top-up, the
    caseload recompute, then snapshots, supervision and costs. Each step is skipped when done."""
    from caseloads.recompute import recompute_caseloads

    print("\nThe dashboard's data set (issue 6):")
    bench_staff(program=program)
    spread_enrolments(program=program)
    top_up(program=program, today=today, care_statuses=care_statuses)
    started = time.perf_counter()
    result = recompute_caseloads(program=program, today=today)
    print(
        f"  caseload recompute: {time.perf_counter() - started:.1f} s, {result.enrolments:,} enrolments, "
        f"{result.written:,} rows written{' (SKIPPED: another run holds the lock)' if result.skipped else ''}"
    )
    wrote = daily_snapshots(program=program, today=today)
    wrote += supervision_sessions(program=program, today=today)
    wrote += program_costs(program=program, today=today)
    if wrote:
        from django.db import connection

        started = time.perf_counter()
        with connection.cursor() as cursor:
            for table in (
                "accounts_user",
                "accounts_team",
                "accounts_teammembership",
                "patients_enrollment",
                "patients_careteammember",
                "caseloads_caseloadstatus",
                "caseloads_caseloadsnapshot",
                "caseloads_supervisionsession",
                "caseloads_supervisionsession_enrollments_discussed",
                "caseloads_supervisiondecision",
                "caseloads_programcost",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"  VACUUM ANALYZE of the tables written: {time.perf_counter() - started:.1f} s")


def _step(label: str, started: float, detail: str) -> None:
    print(f"  {label:<22} {detail} ({time.perf_counter() - started:.1f} s)")


def bench_staff(*, program: Any) -> None:
    """BENCH_TEAMS teams, each with a supervisor and CARE_MANAGERS_PER_TEAM care managers (bulk_create;
    one password hash, DEMO_PASSWORD's, serves every login)."""
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import Role, Team, TeamMembership, User

    started = time.perf_counter()
    if User.objects.filter(username=f"{SUPERVISOR_PREFIX}001").exists():
        _step("staff", started, "already there")
        return
    password = make_password(settings.DEMO_PASSWORD)
    with transaction.atomic():
        teams = Team.objects.bulk_create(
            Team(program=program, name=f"{TEAM_PREFIX} {number:03d}") for number in range(1, BENCH_TEAMS + 1)
        )
        people, memberships = [], []
        for team_number, team in enumerate(teams, start=1):
            supervisor = User(
                username=f"{SUPERVISOR_PREFIX}{team_number:03d}",
                first_name="Sup",
                last_name=f"Bench {team_number:03d}",
                email=f"{SUPERVISOR_PREFIX}{team_number:03d}@bench.example.org",
                password=password,
                program=program,
                role=Role.SUPERVISOR,
            )
            people.append(supervisor)
            memberships.append((team, supervisor))
            for slot in range(CARE_MANAGERS_PER_TEAM):
                number = (team_number - 1) * CARE_MANAGERS_PER_TEAM + slot + 1
                care_manager = User(
                    username=f"{CARE_MANAGER_PREFIX}{number:04d}",
                    first_name=f"Cm{number:04d}",
                    last_name=f"Bench {team_number:03d}",
                    email=f"{CARE_MANAGER_PREFIX}{number:04d}@bench.example.org",
                    password=password,
                    program=program,
                    role=Role.CARE_MANAGER,
                    discipline=DISCIPLINES[number % len(DISCIPLINES)],
                    # Intensity-weighted points (high 3, medium 2, low 1): some will be over.
                    caseload_capacity=170 + (number * 37) % 80,
                )
                people.append(care_manager)
                memberships.append((team, care_manager))
        User.objects.bulk_create(people)
        TeamMembership.objects.bulk_create(TeamMembership(team=team, user=user) for team, user in memberships)
    _step("staff", started, f"{BENCH_TEAMS} teams, {len(people):,} users (supervisors and care managers)")


def spread_enrolments(*, program: Any) -> None:
    """Every enrolment with a team moves, at random, to one bench care manager and their team: the
    enrolment's team and its primary care-team rows (current and past) change, in two UPDATEs."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM patients_careteammember m JOIN accounts_user u ON u.id = m.user_id"
            " WHERE m.is_primary AND m.ended_on IS NULL AND u.username LIKE %s)",
            [f"{CARE_MANAGER_PREFIX}%"],
        )
        (done,) = cursor.fetchone()
    if done:
        _step("spread", started, "already spread over the bench care managers")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        tag_history(cursor, HISTORY_SOURCE)
        cursor.execute("SELECT setseed(0.25)")
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_slot ON COMMIT DROP AS"
            " SELECT u.id AS user_id, m.team_id, ROW_NUMBER() OVER (ORDER BY u.username) - 1 AS slot"
            " FROM accounts_user u JOIN accounts_teammembership m ON m.user_id = u.id"
            " WHERE u.program_id = %s AND u.username LIKE %s",
            [program.pk, f"{CARE_MANAGER_PREFIX}%"],
        )
        cursor.execute("SELECT count(*) FROM bench_slot")
        (slots,) = cursor.fetchone()
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_spread ON COMMIT DROP AS"
            " SELECT e.id AS enrollment_id, s.user_id, s.team_id"
            " FROM (SELECT id, floor(random() * %s)::int AS slot FROM patients_enrollment"
            "       WHERE program_id = %s AND team_id IS NOT NULL) e"
            " JOIN bench_slot s ON s.slot = e.slot",
            [slots, program.pk],
        )
        cursor.execute(
            "UPDATE patients_enrollment e SET team_id = s.team_id FROM bench_spread s"
            " WHERE e.id = s.enrollment_id"
        )
        enrolments = cursor.rowcount
        cursor.execute(
            "UPDATE patients_careteammember m SET user_id = s.user_id FROM bench_spread s"
            " WHERE m.enrollment_id = s.enrollment_id AND m.is_primary"
        )
        primaries = cursor.rowcount
    _step(
        "spread",
        started,
        f"{enrolments:,} enrolments over {slots:,} care managers ({primaries:,} primary care-team rows)",
    )


def daily_snapshots(*, program: Any, today: datetime.date) -> int:
    """Today's snapshot as the nightly job takes it (`caseload_snapshots_take`), then the SNAPSHOT_DAYS
    before it for each care manager, drifting from today's figures; days already there are kept."""
    from django.db import connection, transaction

    from caseloads.recompute import caseload_snapshots_take

    started = time.perf_counter()
    taken = caseload_snapshots_take(program=program, today=today)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.75)")
        cursor.execute(
            """
INSERT INTO caseloads_caseloadsnapshot (
    care_manager_id, taken_on, outreach_count, active_count, maintenance_count, high_count, medium_count,
    low_count, overdue_count, graduation_candidate_count, weighted_load, computed_at)
SELECT t.care_manager_id, t.taken_on - d.days_ago,
       round(t.outreach_count * f.f), round(t.active_count * f.f), round(t.maintenance_count * f.f),
       round(t.high_count * f.f), round(t.medium_count * f.f), round(t.low_count * f.f),
       round(t.overdue_count * (f.f + (random() - 0.5) * 0.3)), round(t.graduation_candidate_count * f.f),
       round(t.weighted_load * f.f), t.computed_at - d.days_ago * interval '1 day'
FROM caseloads_caseloadsnapshot t
JOIN accounts_user u ON u.id = t.care_manager_id AND u.program_id = %(program_id)s
CROSS JOIN generate_series(1, %(days)s - 1) AS d(days_ago)
CROSS JOIN LATERAL (SELECT 1 - 0.002 * d.days_ago + (random() - 0.5) * 0.04 AS f) AS f
WHERE t.taken_on = %(today)s
ON CONFLICT (care_manager_id, taken_on) DO NOTHING
""",
            {"program_id": program.pk, "today": today, "days": SNAPSHOT_DAYS},
        )
        added = cursor.rowcount
    _step("snapshots", started, f"today's for {taken:,} care managers, {added:,} earlier days added")
    return added


def supervision_sessions(*, program: Any, today: datetime.date) -> int:
    """A session every SUPERVISION_EVERY_DAYS days over the 12 weeks for each bench care manager with
    their team's supervisor: three of their people discussed, one decision (60% applied)."""
    from django.db import connection, transaction

    from caseloads.models import SupervisionSession

    started = time.perf_counter()
    through = SupervisionSession.enrollments_discussed.through._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM caseloads_supervisionsession s"
            " JOIN accounts_user u ON u.id = s.supervisor_id WHERE u.username LIKE %s",
            [f"{SUPERVISOR_PREFIX}%"],
        )
        (existing,) = cursor.fetchone()
    if existing:
        _step("supervision", started, f"{existing:,} sessions already there")
        return 0
    params = {
        "program_id": program.pk,
        "today": today,
        "cm": f"{CARE_MANAGER_PREFIX}%",
        "sup": f"{SUPERVISOR_PREFIX}%",
        "sessions": SNAPSHOT_DAYS // SUPERVISION_EVERY_DAYS,
        "every": SUPERVISION_EVERY_DAYS,
        "now": datetime.datetime.now(tz=datetime.UTC),
        "notes": [
            "Went through the overdue list; two people to try at the shelter this week.",
            "Caseload heavy; talked about who could step down to low.",
            "Graduation candidates discussed; one ready to plan.",
        ],
        "kinds": ["increase_support", "prepare_graduation", "other", "increase_support"],
        "details": [
            "Two visits a week until the housing move.",
            "Start graduation planning with the patient.",
        ],
        "tz": program.time_zone,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        tag_history(cursor, HISTORY_SOURCE)
        cursor.execute("SELECT setseed(0.5)")
        cursor.execute(
            """
INSERT INTO caseloads_supervisionsession (supervisor_id, care_manager_id, held_on, notes, created_at)
SELECT sup.id, cm.id, %(today)s - (k.k * %(every)s + floor(random() * 5))::int,
       (%(notes)s::text[])[1 + floor(random() * cardinality(%(notes)s::text[]))::int], %(now)s
FROM accounts_user cm
JOIN accounts_teammembership cmm ON cmm.user_id = cm.id
JOIN accounts_teammembership supm ON supm.team_id = cmm.team_id
JOIN accounts_user sup ON sup.id = supm.user_id AND sup.username LIKE %(sup)s
CROSS JOIN generate_series(0, %(sessions)s - 1) AS k(k)
WHERE cm.program_id = %(program_id)s AND cm.username LIKE %(cm)s
RETURNING id
""",
            params,
        )
        session_ids = [row[0] for row in cursor.fetchall()]
        params["ids"] = session_ids
        cursor.execute(
            f"""
INSERT INTO {through} (supervisionsession_id, enrollment_id)
SELECT s.id, pick.enrollment_id
FROM caseloads_supervisionsession s
CROSS JOIN LATERAL (
    SELECT m.enrollment_id FROM patients_careteammember m
    WHERE m.user_id = s.care_manager_id AND m.is_primary AND m.ended_on IS NULL
    ORDER BY random() + 0 * s.id LIMIT 3
) AS pick
WHERE s.id = ANY(%(ids)s)
""",  # noqa: S608 - the through table's name from the model
            params,
        )
        discussed = cursor.rowcount
        cursor.execute(
            f"""
INSERT INTO caseloads_supervisiondecision (
    session_id, enrollment_id, kind, detail, level, level_until, reassign_to_id, applied_at)
SELECT DISTINCT ON (d.supervisionsession_id) d.supervisionsession_id, d.enrollment_id,
       (%(kinds)s::text[])[1 + floor(random() * cardinality(%(kinds)s::text[]))::int],
       (%(details)s::text[])[1 + floor(random() * cardinality(%(details)s::text[]))::int], '', NULL, NULL,
       CASE WHEN random() < 0.6 THEN (s.held_on + time '16:00') AT TIME ZONE %(tz)s END
FROM {through} d JOIN caseloads_supervisionsession s ON s.id = d.supervisionsession_id
WHERE s.id = ANY(%(ids)s)
ORDER BY d.supervisionsession_id, d.id
""",  # noqa: S608 - the through table's name from the model
            params,
        )
        decisions = cursor.rowcount
    _step(
        "supervision",
        started,
        f"{len(session_ids):,} sessions, {discussed:,} people discussed, {decisions:,} decisions",
    )
    return len(session_ids)


def program_costs(*, program: Any, today: datetime.date) -> int:
    """A monthly cost for each bench team over the last COST_MONTHS months, for cost per case."""
    from django.db import connection, transaction

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM caseloads_programcost c JOIN accounts_team t ON t.id = c.team_id"
            " WHERE t.name LIKE %s",
            [f"{TEAM_PREFIX}%"],
        )
        (existing,) = cursor.fetchone()
    if existing:
        _step("costs", started, f"{existing:,} monthly team costs already there")
        return 0
    first_month = (today.replace(day=1) - datetime.timedelta(days=31 * (COST_MONTHS - 1))).replace(day=1)
    with transaction.atomic(), connection.cursor() as cursor:
        tag_history(cursor, HISTORY_SOURCE)
        cursor.execute("SELECT setseed(0.125)")
        cursor.execute(
            """
INSERT INTO caseloads_programcost (
    program_id, team_id, starts_on, ends_on, amount, description, created_at, updated_at)
SELECT t.program_id, t.id, m.month::date, (m.month + interval '1 month - 1 day')::date,
       round((52000 + random() * 8000)::numeric, 2), 'Staff and travel (synthetic)', now(), now()
FROM accounts_team t
CROSS JOIN generate_series(%(first)s::date, %(last)s::date, interval '1 month') AS m(month)
WHERE t.program_id = %(program_id)s AND t.name LIKE %(team)s
""",
            {
                "program_id": program.pk,
                "first": first_month,
                "last": today.replace(day=1),
                "team": f"{TEAM_PREFIX}%",
            },
        )
        added = cursor.rowcount
    _step("costs", started, f"{added:,} monthly team costs")
    return added
