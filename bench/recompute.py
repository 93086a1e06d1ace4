"""Benchmark the caseload recompute (issue 5) at population scale.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/recompute.py
    ... bench/recompute.py --keep                          # keep the scratch database, print its URL
    ... bench/recompute.py --database postgres://postgres@127.0.0.1:5432/tandem_bench_5911

Without --database, DATABASE_URL names the server (and a database to connect to while creating and
dropping the scratch one; it is never written to): the script creates a scratch database, migrates it
and runs `manage.py seed_demo --patients 142500` (about 100,000 enrolments in care), as
bench/seed_demo.py does. With --database it reuses a database already seeded that way and never drops it.

Then it tops the data up to the issue's volume when it is short: per enrolment in care 20 contacts,
3 goals and 0.5 life events (2,000,000, 300,000 and 50,000 for 100,000 enrolments), counted over the
whole tables. The added rows are synthetic, written by set-based INSERT ... SELECT with the audit
triggers firing, and marked with MARKER in a text column; a second run finds the counts reached and
adds nothing. VACUUM ANALYZE follows any top-up.

Then, in this one process, it prints (each the median, min and max of several runs):

1. the full recompute, `recompute_caseloads(program=...)`: the first run apart (it writes what changed),
   then the next --runs runs;
2. the floor: `inputs_statement(program=..., today=...)`, the same per-enrolment inputs in one statement,
   executed and fetched;
3. their ratio (target: within 1.5x);
4. the obvious implementation, a per-enrolment ORM loop (a few queries, `compute_status`, one `save()`),
   on a --sample of enrolments inside a transaction that is rolled back, extrapolated to the population;
5. the incremental recompute of one enrolment, `recompute_requested(enrollment_ids=[id])` (what the task
   runs after a contact), over --incremental different enrolments (target: under 20 ms).

Only the public functions of caseloads.recompute are used, so the figures follow that module as it changes.
"""

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

# The seeding and top-up are shared with bench/dashboard.py (bench/dataset.py).
from bench.dataset import DEFAULT_PATIENTS, MARKER  # noqa: E402 - the project directory is on sys.path
from bench.dataset import check_migrations as _check_migrations  # noqa: E402
from bench.dataset import close_django_connections as _close_django_connections  # noqa: E402
from bench.dataset import seed_demo_helpers as _seed_bench  # noqa: E402
from bench.dataset import top_up as _top_up  # noqa: E402

TARGET_RATIO = 1.5
TARGET_INCREMENTAL_MS = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", metavar="URL", help="Reuse this already seeded database (never dropped)."
    )
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS, help="Patients to seed.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database and print its URL.")
    parser.add_argument("--runs", type=int, default=3, help="Timed runs of the full recompute and the floor.")
    parser.add_argument("--sample", type=int, default=2_000, help="Enrolments in the naive ORM loop.")
    parser.add_argument("--incremental", type=int, default=50, help="Enrolments recomputed one at a time.")
    parser.add_argument("--no-top-up", action="store_true", help="Time the data as it is.")
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="Apply pending migrations to the --database first (else the script stops and names them).",
    )
    options = parser.parse_args()

    seed_bench = _seed_bench()
    print(f"Machine: {os.cpu_count()} cores, load average {seed_bench._load()} (1, 5, 15 min)")
    if options.database:
        _run(options.database, options)
        return 0

    server_url = os.environ.get("DATABASE_URL") or seed_bench.DEFAULT_SERVER_URL
    scratch_name = f"tandem_bench_recompute_{os.getpid()}"
    scratch_url = seed_bench._with_database(server_url, scratch_name)
    print(f"Scratch database {scratch_name}")
    seed_bench._admin(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch_name)))
    try:
        migrate_seconds = seed_bench._timed(["migrate", "--noinput", "-v", "0"], scratch_url)
        print(f"migrate: {migrate_seconds:.1f} s")
        seed_seconds = seed_bench._timed(
            ["seed_demo", f"--patients={options.patients}", f"--seed={options.seed}"], scratch_url, echo=True
        )
        print(f"seed_demo --patients {options.patients}: {seed_seconds:.1f} s")
        _run(scratch_url, options)
    finally:
        if options.keep:
            print(f"Kept: --database {scratch_url}")
        else:
            _close_django_connections()
            seed_bench._admin(
                server_url, sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(scratch_name))
            )
            print(f"Dropped {scratch_name}.")
    return 0


def _run(database_url: str, options: argparse.Namespace) -> None:
    """Django in this process, against the benchmark database; settings as manage.py picks them."""
    os.environ["DATABASE_URL"] = database_url
    # Query logging (DEBUG) would slow the per-query paths and keep every statement in memory.
    os.environ.setdefault("DEBUG", "false")
    from config.environment import select_settings_module

    select_settings_module()
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from accounts.models import Program
    from caseloads import recompute
    from patients.models import CARE_STATUSES, Enrollment

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    print(
        f"Database {urlsplit(database_url).path.lstrip('/')} (PostgreSQL {version}); "
        f"settings {os.environ['DJANGO_SETTINGS_MODULE']}, DEBUG {settings.DEBUG}"
    )
    _check_migrations(apply=options.migrate)
    care_statuses = [str(status) for status in CARE_STATUSES]
    program = max(
        Program.objects.all(),
        key=lambda item: Enrollment.objects.filter(program=item, status__in=care_statuses).count(),
    )
    today = program.today()
    print(f'Program "{program.name}" (id {program.pk}), today {today} in {program.time_zone}')

    if not options.no_top_up:
        _top_up(program=program, today=today, care_statuses=care_statuses)
    population = _print_inputs(program=program, today=today, care_statuses=care_statuses)
    enrollment_ids = list(
        Enrollment.objects.filter(program=program, status__in=care_statuses)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    generator = random.Random(options.seed)
    # Each sample starts with one more enrolment, for an untimed warm-up call.
    wanted = options.sample + 1 + options.incremental + 1
    picked = generator.sample(enrollment_ids, min(len(enrollment_ids), wanted))
    naive_sample, incremental_sample = picked[: options.sample + 1], picked[options.sample + 1 :]

    print(f"\n1. Full recompute: recompute_caseloads(program=...), {population:,} enrolments in care")
    started = time.perf_counter()
    first = recompute.recompute_caseloads(program=program)
    first_seconds = time.perf_counter() - started
    print(
        f"   first run: {first_seconds:.2f} s; {first.enrolments:,} enrolments, "
        f"{first.written:,} rows written, {first.unchanged:,} unchanged{', SKIPPED' if first.skipped else ''}"
    )
    full_times, written = [], []
    for _ in range(options.runs):
        started = time.perf_counter()
        result = recompute.recompute_caseloads(program=program)
        full_times.append(time.perf_counter() - started)
        written.append(f"{result.written:,}" + (" (skipped)" if result.skipped else ""))
    print(f"   next {options.runs} runs: {_summary(full_times)}; rows written {', '.join(written)}")
    # The nightly run: the first run of each following day, when rows whose rules turn are recomputed.
    nightly_times, nightly_written = [], []
    for days_on in range(1, options.runs + 1):
        started = time.perf_counter()
        result = recompute.recompute_caseloads(
            program=program, today=today + datetime.timedelta(days=days_on)
        )
        nightly_times.append(time.perf_counter() - started)
        nightly_written.append(f"{result.written:,}")
    print(
        f"   the nightly run (the first run of each of the next {options.runs} days): "
        f"{_summary(nightly_times)}; rows written {', '.join(nightly_written)}"
    )

    print("\n2. Floor: inputs_statement(program=..., today=...) executed with a cursor and fetchall()")
    statement, params = recompute.inputs_statement(program=program, today=today)
    floor_times, fetched = [], 0
    for _ in range(options.runs):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            fetched = len(cursor.fetchall())
        floor_times.append(time.perf_counter() - started)
    print(f"   {options.runs} runs: {_summary(floor_times)}; {fetched:,} rows fetched")

    full_median, floor_median = statistics.median(full_times), statistics.median(floor_times)
    ratio = full_median / floor_median
    print(
        f"\n3. Ratio full / floor (medians): {ratio:.2f}x; target {TARGET_RATIO}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'not met'} "
        f"(the nightly run / floor: {statistics.median(nightly_times) / floor_median:.2f}x; "
        f"first run / floor: {first_seconds / floor_median:.2f}x)"
    )

    print(
        f"\n4. Naive per-enrolment ORM loop, {len(naive_sample) - 1:,} enrolments, "
        "in a transaction rolled back"
    )
    naive = _naive_loop(program=program, today=today, enrollment_ids=naive_sample)
    per_ms = [seconds * 1000 for seconds in naive.times]
    mean_ms = statistics.fmean(per_ms)
    extrapolated = mean_ms / 1000 * population
    print(f"   {naive.queries} queries per enrolment (the save's UPDATE included)")
    print(
        f"   per enrolment: mean {mean_ms:.2f} ms, median {statistics.median(per_ms):.2f} ms "
        f"(min {min(per_ms):.2f}, max {max(per_ms):.2f}); loop {sum(naive.times):.1f} s"
    )
    print(
        f"   extrapolated to {population:,} enrolments: {extrapolated:.0f} s ({extrapolated / 60:.1f} min), "
        f"{extrapolated / full_median:.0f}x the full recompute's median"
    )
    print(f"   {naive.agreement}")

    print(
        f"\n5. Incremental: recompute_requested(enrollment_ids=[id]), {len(incremental_sample) - 1} "
        "different enrolments, one call each"
    )
    recompute.recompute_requested(enrollment_ids=[incremental_sample[0]])  # warm-up, not counted
    one_times, one_written = [], 0
    for enrollment_id in incremental_sample[1:]:
        started = time.perf_counter()
        result = recompute.recompute_requested(enrollment_ids=[enrollment_id])
        one_times.append((time.perf_counter() - started) * 1000)
        one_written += result.written
    median_ms, p95_ms = statistics.median(one_times), _p95(one_times)
    print(
        f"   median {median_ms:.1f} ms, p95 {p95_ms:.1f} ms (min {min(one_times):.1f}, "
        f"max {max(one_times):.1f}); rows written {one_written} of {len(one_times)}"
    )
    verdict = "met" if median_ms < TARGET_INCREMENTAL_MS else "not met"
    p95_note = "under" if p95_ms < TARGET_INCREMENTAL_MS else "over"
    print(f"   target {TARGET_INCREMENTAL_MS:.0f} ms: {verdict} (by the median; the p95 is {p95_note} 20 ms)")
    print(f"\nload average at the end: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


def _summary(seconds: list[float]) -> str:
    return f"median {statistics.median(seconds):.3f} s (min {min(seconds):.3f}, max {max(seconds):.3f})"


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _print_inputs(*, program: Any, today: datetime.date, care_statuses: list[str]) -> int:
    """The row counts of the recompute's inputs; returns the enrolments in care."""
    from django.db import connection

    from engagement.models import CRISIS_KINDS

    queries = (
        ("enrolments in care", "SELECT count(*), 0, 0 FROM patients_enrollment e WHERE {in_care}"),
        (
            "contacts",
            "SELECT (SELECT count(*) FROM engagement_contact),"
            " (SELECT count(*) FROM engagement_contact c JOIN patients_enrollment e ON e.id = c.enrollment_id"
            "  WHERE {in_care}),"
            " (SELECT count(*) FROM engagement_contact WHERE note = %(marker)s)",
        ),
        (
            "goals",
            "SELECT (SELECT count(*) FROM careplans_goal),"
            " (SELECT count(*) FROM careplans_goal g JOIN careplans_careplan p ON p.id = g.care_plan_id"
            "  JOIN patients_enrollment e ON e.id = p.enrollment_id WHERE {in_care}),"
            " (SELECT count(*) FROM careplans_goal WHERE team_framing = %(marker)s)",
        ),
        (
            "life events",
            "SELECT (SELECT count(*) FROM engagement_lifeevent),"
            " (SELECT count(*) FROM engagement_lifeevent l JOIN patients_enrollment e"
            "  ON e.patient_id = l.patient_id WHERE {in_care}),"
            " (SELECT count(*) FROM engagement_lifeevent WHERE note = %(marker)s)",
        ),
        (
            "  crises",
            "SELECT (SELECT count(*) FROM engagement_lifeevent WHERE kind = ANY(%(crises)s)),"
            " (SELECT count(*) FROM engagement_lifeevent l JOIN patients_enrollment e"
            "  ON e.patient_id = l.patient_id WHERE {in_care} AND l.kind = ANY(%(crises)s)),"
            " (SELECT count(*) FROM engagement_lifeevent WHERE note = %(marker)s AND kind = ANY(%(crises)s))",
        ),
        (
            "check-ins",
            "SELECT (SELECT count(*) FROM engagement_checkin),"
            " (SELECT count(*) FROM engagement_checkin c JOIN patients_enrollment e ON e.id = c.enrollment_id"
            "  WHERE {in_care}), 0",
        ),
    )
    params = {
        "program_id": program.pk,
        "care_statuses": care_statuses,
        "marker": MARKER,
        "crises": [str(kind) for kind in CRISIS_KINDS],
    }
    in_care_sql = "e.program_id = %(program_id)s AND e.status = ANY(%(care_statuses)s)"
    print(f"\nInputs{'':<16} {'in the table':>14} {'of enrolments in care':>22} {'added by the top-up':>20}")
    population = 0
    with connection.cursor() as cursor:
        for label, query in queries:
            cursor.execute(query.format(in_care=in_care_sql), params)
            total, in_care, added = cursor.fetchone()
            if label == "enrolments in care":
                population = total
                print(f"  {label:<20} {total:>14,}")
            else:
                print(f"  {label:<20} {total:>14,} {in_care:>22,} {added:>20,}")
    return population


# --- the obvious implementation ----------------------------------------------------------------------


class NaiveResult:
    def __init__(self, times: list[float], queries: int, agreement: str) -> None:
        self.times = times
        self.queries = queries
        self.agreement = agreement


def _naive_loop(*, program: Any, today: datetime.date, enrollment_ids: list[int]) -> NaiveResult:
    """Time the per-enrolment ORM loop over the sample, rolled back; count its queries on one more
    enrolment; check that it gathers the same facts as the set-based statement."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from caseloads import recompute
    from caseloads.models import GraduationCriteria, IntensityPolicy
    from caseloads.rules import Criteria, Policy

    policy = Policy.from_model(IntensityPolicy.objects.filter(program=program).first())
    criteria = Criteria.from_model(GraduationCriteria.objects.filter(program=program).first())
    recompute_one = _naive_recompute_one(program=program, today=today, policy=policy, criteria=criteria)
    times: list[float] = []
    gathered: dict[int, tuple[Any, ...]] = {}
    warm_up, enrollment_ids = enrollment_ids[0], enrollment_ids[1:]
    with transaction.atomic():
        # One more enrolment, untimed, warms up and counts the queries.
        with CaptureQueriesContext(connection) as captured:
            recompute_one(warm_up)
        for enrollment_id in enrollment_ids:
            started = time.perf_counter()
            gathered[enrollment_id] = recompute_one(enrollment_id)
            times.append(time.perf_counter() - started)
        transaction.set_rollback(True)
    expected = recompute.gather_facts(program=program, today=today, enrollment_ids=enrollment_ids)
    differing = [key for key, value in gathered.items() if expected.get(key) != value]
    agreement = (
        f"the loop's facts equal the set-based gather_facts for {len(gathered) - len(differing):,} "
        f"of {len(gathered):,} enrolments"
    )
    if differing:
        agreement += f" (first differing: enrolment {differing[0]})"
    return NaiveResult(times=times, queries=len(captured), agreement=agreement)


def _naive_recompute_one(
    *, program: Any, today: datetime.date, policy: Any, criteria: Any
) -> Callable[[int], tuple[Any, ...]]:
    """The obvious implementation: per enrolment, a few ORM reads, the rules, and one save()."""
    from django.db.models import Count, Max, Q
    from django.utils import timezone

    from careplans.models import CarePlan, CarePlanStatus, Goal, GoalStatus
    from caseloads.models import CaseloadStatus
    from caseloads.recompute import CRISIS_WORDS, STARTING_LEVEL, StoredDecision, compute_status
    from caseloads.rules import EnrollmentFacts
    from engagement.models import CRISIS_KINDS, CheckIn, Contact, LifeEvent, SuccessKind, SuccessMoment
    from patients.models import CareTeamMember, CareTeamRole, Enrollment

    zone = zoneinfo.ZoneInfo(program.time_zone)
    window_from = datetime.datetime.combine(today - datetime.timedelta(days=30), datetime.time(), tzinfo=zone)
    window_to = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    last_30 = Q(occurred_at__gte=window_from, occurred_at__lt=window_to)

    def recompute_one(enrollment_id: int) -> tuple[Any, ...]:
        enrollment = Enrollment.objects.get(pk=enrollment_id)
        contacts = Contact.objects.filter(enrollment=enrollment).aggregate(
            last_reached_at=Max("occurred_at", filter=Q(is_reached=True)),
            last_attempt_at=Max("occurred_at", filter=Q(is_reached=False)),
            reached=Count("id", filter=Q(is_reached=True)),
            reached_30=Count("id", filter=Q(is_reached=True) & last_30),
            attempts_30=Count("id", filter=Q(is_reached=False) & last_30),
        )
        planned_on = (
            Contact.objects.filter(enrollment=enrollment, next_contact_on__isnull=False)
            .order_by("-occurred_at", "-id")
            .values_list("next_contact_on", flat=True)
            .first()
        )
        crisis = (
            LifeEvent.objects.filter(
                patient_id=enrollment.patient_id, kind__in=CRISIS_KINDS, occurred_on__lte=today
            )
            .order_by("-occurred_on", "-id")
            .values_list("occurred_on", "kind")
            .first()
        )
        check_ins = list(
            CheckIn.objects.filter(enrollment=enrollment, occurred_on__lte=today)
            .order_by("-occurred_on", "-id")
            .values_list("confidence", "readiness_to_graduate")
        )
        rated = [confidence for confidence, _ in check_ins if confidence is not None]
        goals_achieved = Goal.objects.filter(
            care_plan__enrollment=enrollment, status=GoalStatus.ACHIEVED
        ).count()
        co_created = (
            CarePlan.objects.filter(enrollment=enrollment, status=CarePlanStatus.ACTIVE)
            .exclude(co_created_with="")
            .exists()
        )
        trust = SuccessMoment.objects.filter(enrollment=enrollment, kind=SuccessKind.TRUST).count()
        team = list(
            CareTeamMember.objects.filter(
                Q(ended_on__isnull=True) | Q(ended_on__gte=today), enrollment=enrollment
            ).values_list("user_id", "is_primary", "role")
        )
        primaries = [user_id for user_id, is_primary, _ in team if is_primary and user_id is not None]
        status = CaseloadStatus.objects.filter(enrollment=enrollment).first()
        # The decision as stored, read field by field from the row (whatever fields StoredDecision has).
        stored = (
            StoredDecision(**{name: getattr(status, name) for name in StoredDecision._fields})
            if status is not None
            else None
        )
        if stored is None:
            starting_level = STARTING_LEVEL
        elif stored.override_reason and stored.override_until is not None and stored.override_until < today:
            starting_level = stored.recommended_level
        else:
            starting_level = stored.current_level
        last_reached_at = contacts["last_reached_at"]
        facts = EnrollmentFacts(
            today=today,
            phase=enrollment.phase,
            enrolled_on=enrollment.enrolled_on or enrollment.referred_on,
            current_level=starting_level,
            last_crisis_on=crisis[0] if crisis else None,
            last_crisis_kind=CRISIS_WORDS.get(crisis[1] if crisis else None, "crisis"),
            last_reached_on=program.local_date(last_reached_at) if last_reached_at else None,
            reached_contacts=contacts["reached"],
            reached_contacts_last_30_days=contacts["reached_30"],
            attempts_last_30_days=contacts["attempts_30"],
            planned_contact_on=planned_on,
            latest_confidence=rated[0] if rated else None,
            previous_confidence=rated[1] if len(rated) > 1 else None,
            last_check_in_readiness=check_ins[0][1] if check_ins else "",
            goals_achieved=goals_achieved,
            has_co_created_plan=co_created,
            trust_successes=trust,
            has_primary_care_provider=any(role == CareTeamRole.PRIMARY_CARE_PROVIDER for *_, role in team),
        )
        care_manager_id = min(primaries, default=None)
        values = compute_status(
            facts=facts,
            policy=policy,
            criteria=criteria,
            stored=stored,
            care_manager_id=care_manager_id,
            last_reached_at=last_reached_at,
            last_attempt_at=contacts["last_attempt_at"],
        )
        if status is None:
            status = CaseloadStatus(enrollment=enrollment)
        for name, value in values.items():
            setattr(status, name, value)
        status.computed_at = timezone.now()
        status.save()
        return facts, care_manager_id, last_reached_at, contacts["last_attempt_at"]

    return recompute_one


if __name__ == "__main__":
    raise SystemExit(main())
