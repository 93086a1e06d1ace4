"""`manage.py seed_demo`: fill an empty database with a synthetic demo program.

    python manage.py seed_demo [--patients N] [--seed S] [--if-empty] [--today YYYY-MM-DD]

One program, three teams, sixteen staff logins and N invented patients with their whole story:
referrals, episodes in every status, care teams, co-created plans, six months of contacts, life
events, check-ins and the computed caseload picture. The rows come from caseloads.demo_data.

Speed: rows go in with COPY, 5,000 patients per transaction, so the deferred "every enrolment in
care has a primary care manager" triggers check each chunk at its commit. Large runs generate
and write chunks in worker processes (one database connection each). The audit (pghistory)
triggers stay on; every event row is tagged with a "seed_demo" history context.
"""

import argparse
import dataclasses
import datetime
import json
import multiprocessing
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import pghistory
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections, models, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Discipline, Organization, Program, Role, Team, TeamMembership, User
from caseloads import demo_data
from caseloads.models import (
    CaseloadSnapshot,
    DecisionKind,
    GraduationCriteria,
    IntensityLevel,
    IntensityPolicy,
    ProgramCost,
    SupervisionDecision,
    SupervisionSession,
)
from caseloads.outcomes_refresh import outcomes_refresh
from caseloads.services import candidates_recompute
from engagement.models import LifeEvent, PeerGroup, PeerMentor
from patients.models import CommunityResource, Patient, ScreeningQuestion

CHUNK_SIZE = 5_000
# From this many patients, chunks are generated and written by worker processes.
PARALLEL_FROM = 20_000
DEFAULT_WORKERS = 2
# From this many patients the run ends with VACUUM ANALYZE, so the first queries plan well.
VACUUM_FROM = 10_000
DEFAULT_DEMO_PASSWORD = "tandem-demo"  # noqa: S105 - the documented demo default, not a secret
HISTORY_CONTEXT_NAMESPACE = uuid.UUID("6c0c5d43-6a9b-4f39-9a55-2f1d5a3f2e10")
# Rough rows per patient, to size the blocks of ids reserved from each sequence.
IDS_PER_PATIENT = {"Contact": 10, "Step": 3, "AssessmentDomain": 3, "Goal": 3}


def _parse_day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2025-03-31") from error


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


class Command(BaseCommand):
    help = "Fill an empty database with a synthetic demo program (invented people only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=_non_negative, default=400, help="How many patients (default 400)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="If the demo program already exists, print the logins and leave the data as it is.",
        )
        parser.add_argument(
            "--today",
            type=_parse_day,
            default=None,
            help="The day the data is generated up to (YYYY-MM-DD; default: today in America/New_York).",
        )
        parser.add_argument(
            "--workers",
            type=_non_negative,
            default=None,
            help=f"Worker processes that generate and write chunks, each on its own connection "
            f"(default {DEFAULT_WORKERS} from {PARALLEL_FROM:,} patients, else 0: all in this process).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        patients: int = options["patients"]
        now = timezone.now()
        today: datetime.date = options["today"] or now.astimezone(demo_data.PROGRAM_TIME_ZONE).date()
        if Program.objects.filter(name=demo_data.PROGRAM_NAME).exists():
            if options["if_empty"]:
                self.stdout.write("The demo program already exists; leaving its data as it is.")
                self._print_logins()
                return
            raise CommandError(
                f"This database already has the “{demo_data.PROGRAM_NAME}”. seed_demo only fills an "
                "empty database and never deletes data: create a fresh database (or use --if-empty "
                "to keep this one)."
            )
        self._refuse_existing_usernames()
        workers = options["workers"]
        if workers is None:
            workers = DEFAULT_WORKERS if patients >= PARALLEL_FROM else 0
        if connection.in_atomic_block:
            # Inside a caller's transaction (tests), other connections could not see the program.
            workers = 0
        run = SeedRun(seed=options["seed"], patients=patients, today=today, now=now)

        with transaction.atomic(), pghistory.context(**run.history_metadata(chunk="setup")):
            world = create_program(today=today, now=now)
        self.stdout.write(
            f"Seeding {patients:,} synthetic patients up to {today.isoformat()} "
            f"(seed {run.seed}, {workers or 'no'} worker processes)"
        )
        progress = _Progress(self, total=patients, started=started)
        try:
            if workers:
                _seed_in_processes(world, run, plan_chunks(patients), workers, progress)
            else:
                ids = SequenceIds(patients)
                for chunk in plan_chunks(patients):
                    progress.done(seed_chunk(world, run, chunk, ids))
        except Exception as error:
            raise CommandError(
                f"Writing the demo data failed after {progress.patients:,} patients were committed: "
                f"{error}. The database now holds part of the demo; drop it and start with a fresh one."
            ) from error
        with transaction.atomic(), pghistory.context(**run.history_metadata(chunk="supervision")):
            progress.counts += create_supervision(world, progress.tallies, random.Random(f"{run.seed}/staff"))
        with transaction.atomic(), pghistory.context(**run.history_metadata(chunk="utilisation")):
            progress.counts += create_utilisation_only_people(world, run, patients)
        # The admin's candidate list, as the nightly job would leave it.
        candidates = candidates_recompute(program=Program.objects.get(pk=world.program_id), today=world.today)
        self.stdout.write(f"Candidates from recorded admissions: {candidates:,}")
        with transaction.atomic(), pghistory.context(**run.history_metadata(chunk="program")):
            progress.counts += create_costs_and_mentors(world)
        # The outcome figures, as the hourly job would leave them.
        outcomes = outcomes_refresh(program=Program.objects.get(pk=world.program_id), today=world.today)
        self.stdout.write(f"Outcome figures worked out for {outcomes.episodes:,} episodes")
        if patients >= VACUUM_FROM and not connection.in_atomic_block:
            vacuum_started = time.monotonic()
            vacuum_analyze(connections_to_use=max(workers, 1))
            self.stdout.write(f"VACUUM ANALYZE done ({time.monotonic() - vacuum_started:.1f} s)")
        self._print_summary(progress.counts, time.monotonic() - started)
        self._print_logins()

    def _refuse_existing_usernames(self) -> None:
        usernames = [member.username for member in demo_data.STAFF]
        taken = sorted(
            User.objects.annotate(lower_name=Lower("username"))
            .filter(lower_name__in=usernames)
            .values_list("username", flat=True)
        )
        if taken:
            raise CommandError(
                f"These usernames already exist: {', '.join(taken)}. seed_demo needs a fresh database; "
                "create one and run it again."
            )

    # -- output: counts and logins only, never a patient's details -------------------------------

    def _print_summary(self, counts: Counter[str], elapsed: float) -> None:
        width = max(map(len, counts), default=0)
        self.stdout.write("")
        self.stdout.write("Rows written:")
        for table, count in sorted(counts.items()):
            self.stdout.write(f"  {table:<{width}} {count:>12,}")
        self.stdout.write(f"  {'total':<{width}} {sum(counts.values()):>12,}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {elapsed:.1f} s."))

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write("Demo logins:")
        for member in demo_data.STAFF:
            self.stdout.write(f"  {member.username:<16} {_describe(member)}")
        self.stdout.write("Password: the value of DEMO_PASSWORD (default tandem-demo)")
        if settings.DEMO_PASSWORD == DEFAULT_DEMO_PASSWORD:
            self.stdout.write(f"DEMO_PASSWORD is not set, so the password is: {DEFAULT_DEMO_PASSWORD}")


def _describe(member: demo_data.StaffMember) -> str:
    role = Role(member.role).label.lower()
    if member.role == Role.PROGRAM_ADMIN:
        return f"{role} (also Django admin)"
    if member.role == Role.SUPERVISOR:
        return f"{role} of {' and '.join(member.teams)}"
    if member.role == Role.CARE_MANAGER:
        discipline = Discipline(member.discipline).label.lower()
        return f"{role}, {member.teams[0]} ({discipline})"
    return role


# --- the run --------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SeedRun:
    seed: int
    patients: int
    today: datetime.date
    now: datetime.datetime

    def history_metadata(self, chunk: int | str) -> dict[str, Any]:
        return {"source": "seed_demo", "seed": self.seed, "patients": self.patients, "chunk": chunk}

    def history_context_id(self, chunk: int) -> uuid.UUID:
        # One context per chunk: two connections sharing one would queue on its row lock.
        return uuid.uuid5(HISTORY_CONTEXT_NAMESPACE, f"{self.now.isoformat()}/{self.seed}/{chunk}")


@dataclasses.dataclass(frozen=True)
class ChunkJob:
    number: int
    first: int
    count: int


@dataclasses.dataclass
class ChunkResult:
    patients: int
    counts: Counter[str]
    tallies: dict[int, demo_data.CaseloadTally]


class _Progress:
    """Adds up what has been committed and prints a line per chunk (counts only)."""

    def __init__(self, command: BaseCommand, total: int, started: float) -> None:
        self._command = command
        self._total = total
        self._started = started
        self.patients = 0
        self.counts: Counter[str] = Counter()
        self.tallies: dict[int, demo_data.CaseloadTally] = {}

    def done(self, result: ChunkResult) -> None:
        self.patients += result.patients
        self.counts += result.counts
        for care_manager_id, tally in result.tallies.items():
            self.tallies.setdefault(care_manager_id, demo_data.CaseloadTally()).merge(tally)
        elapsed = time.monotonic() - self._started
        self._command.stdout.write(f"patients {self.patients:,}/{self._total:,} ({elapsed:.1f} s)")


# --- setup: the program, its teams and staff (a few dozen rows, through the ORM) ----------------


def create_program(*, today: datetime.date, now: datetime.datetime) -> demo_data.DemoWorld:
    organization, _ = Organization.objects.get_or_create(name=demo_data.ORGANIZATION_NAME)
    program = Program.objects.create(
        organization=organization, name=demo_data.PROGRAM_NAME, time_zone="America/New_York"
    )
    IntensityPolicy.objects.create(program=program)
    GraduationCriteria.objects.create(program=program)
    questions = ScreeningQuestion.objects.bulk_create(
        ScreeningQuestion(program=program, text=text, position=position)
        for position, text in enumerate(demo_data.SCREENING_QUESTIONS, start=1)
    )
    resources = CommunityResource.objects.bulk_create(
        CommunityResource(
            program=program,
            name=name,
            category=category,
            description=description,
            eligibility_notes=demo_data.RESOURCE_ELIGIBILITY_AND_LANGUAGES.get(name, ("", ""))[0],
            languages=demo_data.RESOURCE_ELIGIBILITY_AND_LANGUAGES.get(name, ("", ""))[1],
            phone=phone,
            address=address,
            website=f"https://example.org/{name.lower().replace(' ', '-').replace('.', '')}",
        )
        for name, category, description, phone, address in demo_data.COMMUNITY_RESOURCES
    )
    peer_groups = PeerGroup.objects.bulk_create(
        PeerGroup(program=program, name=name, format=group_format, meets=meets, leader_name=leader)
        for name, group_format, meets, leader in demo_data.PEER_GROUPS
    )
    teams = {
        team.name: team
        for team in Team.objects.bulk_create(
            Team(program=program, name=name) for name in demo_data.TEAM_NAMES
        )
    }
    users = _create_staff(program, teams)
    return demo_data.DemoWorld(
        program_id=program.pk,
        today=today,
        now=now,
        lead_id=users["lead"].pk,
        care_managers=_care_manager_refs(users, teams),
        screening_question_ids=tuple(question.pk for question in questions),
        resources=tuple((resource.pk, resource.category) for resource in resources),
        peer_group_ids=tuple(group.pk for group in peer_groups),
    )


def _create_staff(program: Program, teams: dict[str, Team]) -> dict[str, User]:
    # Hashing is slow on purpose; one hash serves every demo login.
    password_hash = make_password(settings.DEMO_PASSWORD)
    users = User.objects.bulk_create(
        User(
            username=member.username,
            first_name=member.first_name,
            last_name=member.last_name,
            email=f"{member.username}@demo.example.org",
            password=password_hash,
            program=program,
            role=member.role,
            discipline=member.discipline,
            caseload_capacity=60,
            phone=f"(555) 555-01{50 + position:02d}",
            is_staff=member.role == Role.PROGRAM_ADMIN,
            is_superuser=member.role == Role.PROGRAM_ADMIN,
        )
        for position, member in enumerate(demo_data.STAFF)
    )
    by_username = {user.username: user for user in users}
    TeamMembership.objects.bulk_create(
        TeamMembership(team=teams[team_name], user=by_username[member.username])
        for member in demo_data.STAFF
        for team_name in member.teams
    )
    return by_username


def _care_manager_refs(
    users: dict[str, User], teams: dict[str, Team]
) -> tuple[demo_data.CareManagerRef, ...]:
    supervisor_of = {
        team_name: users[member.username].pk
        for member in demo_data.STAFF
        if member.role == Role.SUPERVISOR
        for team_name in member.teams
    }
    return tuple(
        demo_data.CareManagerRef(
            id=users[member.username].pk,
            username=member.username,
            team_id=teams[member.teams[0]].pk,
            discipline=member.discipline,
            supervisor_id=supervisor_of[member.teams[0]],
            weight=member.caseload_weight,
        )
        for member in demo_data.STAFF
        if member.role == Role.CARE_MANAGER
    )


def plan_chunks(patients: int) -> list[ChunkJob]:
    """Chunks of CHUNK_SIZE patients. The plan depends only on `patients` (not on the number of
    workers), and each chunk has its own random stream, so the data is the same either way."""
    return [
        ChunkJob(number=number, first=first, count=min(CHUNK_SIZE, patients - first + 1))
        for number, first in enumerate(range(1, patients + 1, CHUNK_SIZE))
    ]


# --- one chunk: generate, then COPY in one transaction ----------------------------------------


def seed_chunk(world: demo_data.DemoWorld, run: SeedRun, chunk: ChunkJob, ids: "SequenceIds") -> ChunkResult:
    """Generate one chunk of patients and commit it."""
    generator = demo_data.DemoGenerator(world, run.seed, ids)
    rows = generator.chunk(chunk.number, chunk.first, chunk.count)
    ChunkWriter(run).write(rows, chunk.number)
    return ChunkResult(
        patients=chunk.count,
        counts=Counter({model._meta.db_table: count for model, count in rows.counts().items() if count}),
        tallies=generator.tallies,
    )


class SequenceIds:
    """Row ids reserved from each table's identity sequence, a block at a time.

    COPY cannot return the ids it creates, and children need their parents' ids, so the
    generator takes ids first. nextval() is safe alongside other writers; ids left over in the
    last block are simply never used.
    """

    def __init__(self, patients: int) -> None:
        self._patients = max(patients, 1)
        self._blocks: dict[type[models.Model], Iterator[int]] = {}

    def __call__(self, model: type[models.Model]) -> int:
        try:
            return next(self._blocks[model])
        except (KeyError, StopIteration):
            self._blocks[model] = self._reserve(model)
            return next(self._blocks[model])

    def _reserve(self, model: type[models.Model]) -> Iterator[int]:
        per_patient = IDS_PER_PATIENT.get(model.__name__, 2)
        size = min(max(self._patients * per_patient, 100), 50_000)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, size],
            )
            return iter([row[0] for row in cursor.fetchall()])


class ChunkWriter:
    """Writes one chunk of rows with COPY, in one transaction."""

    def __init__(self, run: SeedRun) -> None:
        self._run = run

    def write(self, rows: demo_data.ChunkRows, number: int) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            self._tag_history(cursor, number)
            for model, table_rows in rows.tables.items():
                if table_rows:
                    self._copy(cursor, rows.specs[model], table_rows)

    def _tag_history(self, cursor: Any, number: int) -> None:
        """Give every audit event in this transaction one history context, set once for COPY.

        With these settings unset, each audit trigger looks them up inside an exception block on
        every row, which gets slower the more rows the transaction holds. Set, each row costs the
        same, and the events record where they came from. pgtrigger.ignore = '{}' means "ignore
        no triggers": every trigger still fires.
        """
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, true),"
            " set_config('pghistory.context_metadata', %s, true),"
            " set_config('pgtrigger.ignore', '{}', true)",
            [str(self._run.history_context_id(number)), json.dumps(self._run.history_metadata(chunk=number))],
        )

    def _copy(self, cursor: Any, spec: demo_data.TableSpec, table_rows: list[tuple[Any, ...]]) -> None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(column) for column in spec.columns)
        types = self._column_types(cursor, spec)
        with cursor.copy(f"COPY {quote(spec.table)} ({columns}) FROM STDIN") as copy:
            copy.set_types(types)
            for row in table_rows:
                copy.write_row(row)

    def _column_types(self, cursor: Any, spec: demo_data.TableSpec) -> list[int]:
        """The columns' type oids, so psycopg formats each value for its column (arrays, jsonb)."""
        cursor.execute(
            "SELECT attname, atttypid::int FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [spec.table],
        )
        oids = dict(cursor.fetchall())
        return [oids[column] for column in spec.columns]


# --- large runs: worker processes ----------------------------------------------------------------

_worker_ids: SequenceIds | None = None


def _seed_in_processes(
    world: demo_data.DemoWorld, run: SeedRun, chunks: list[ChunkJob], workers: int, progress: _Progress
) -> None:
    """Each worker process generates a chunk and writes it on its own connection.

    Processes, not threads: generating rows is pure Python, and two threads would take turns
    on one core. Chunks draw from their own random streams, so the data does not depend on
    which process makes which chunk.
    """
    # Forked children must not inherit this process's open connection.
    connections.close_all()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_worker,
        initargs=(run.patients // workers,),
    )
    with pool:
        futures = [pool.submit(_seed_chunk_in_worker, world, run, chunk) for chunk in chunks]
        try:
            for future in as_completed(futures):
                progress.done(future.result())
        except BaseException:
            for future in futures:
                future.cancel()  # chunks already running finish; the rest never start
            raise


def _start_worker(patients: int) -> None:
    global _worker_ids
    _worker_ids = SequenceIds(patients)


def _seed_chunk_in_worker(world: demo_data.DemoWorld, run: SeedRun, chunk: ChunkJob) -> ChunkResult:
    assert _worker_ids is not None  # noqa: S101 - set by _start_worker
    try:
        return seed_chunk(world, run, chunk, _worker_ids)
    finally:
        # Worker processes end without running exit handlers; close the connection cleanly now.
        connections.close_all()


def vacuum_analyze(connections_to_use: int) -> None:
    """VACUUM ANALYZE every table in the schema, split over several connections (threads that
    mostly wait for the server)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'r' AND n.nspname = current_schema() ORDER BY c.relpages DESC"
        )
        tables = [row[0] for row in cursor.fetchall()]
    # Largest first, dealt out in turn so each connection gets a similar share.
    shares = [tables[index::connections_to_use] for index in range(connections_to_use)]

    def vacuum(share: list[str]) -> None:
        try:
            with connection.cursor() as cursor:
                for table in share:
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
        finally:
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()

    threads = [threading.Thread(target=vacuum, args=(share,)) for share in shares[1:]]
    for thread in threads:
        thread.start()
    vacuum(shares[0])
    for thread in threads:
        thread.join()


# --- after the patients: program costs and peer mentors ------------------------------------------

# Synthetic yearly spend on care management: staff, travel, phones, flexible funds.
DEMO_YEARLY_COST = 1_450_000
DEMO_MENTORS = (
    (
        "Rosa M. (program graduate)",
        True,
        "English, Spanish",
        "Tuesday evenings; likes meeting at the library.",
    ),
    ("Deshawn T. (program graduate)", True, "English", "Recovery mentor; weekday afternoons."),
    ("Peer mentor from Peer Bridge", False, "English", "Drop-in Mondays and Fridays."),
)


def create_costs_and_mentors(world: Any) -> Counter[str]:
    """A year of program-wide costs for each of the last three years and the current quarter per team,
    and three peer mentors, two of them graduates who volunteer."""
    program_id, today = world.program_id, world.today
    costs = [
        ProgramCost(
            program_id=program_id,
            starts_on=datetime.date(year, 1, 1),
            ends_on=datetime.date(year, 12, 31),
            amount=DEMO_YEARLY_COST + 50_000 * (year - today.year + 2),
            description="Care-management staff, travel, phones and flexible funds (synthetic)",
        )
        for year in (today.year - 2, today.year - 1, today.year)
    ]
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    costs += [
        ProgramCost(
            program_id=program_id,
            team=team,
            starts_on=quarter_start,
            ends_on=quarter_start + datetime.timedelta(days=90),
            amount=120_000,
            description=f"{team.name}: staff and travel this quarter (synthetic)",
        )
        for team in Team.objects.filter(program_id=program_id)
    ]
    ProgramCost.objects.bulk_create(costs)
    mentors = [
        PeerMentor(program_id=program_id, name=name, is_graduate=graduate, languages=languages, notes=notes)
        for name, graduate, languages, notes in DEMO_MENTORS
    ]
    PeerMentor.objects.bulk_create(mentors)
    return Counter({ProgramCost._meta.db_table: len(costs), PeerMentor._meta.db_table: len(mentors)})


# --- after the patients: supervision sessions and caseload trend snapshots ----------------------


def create_utilisation_only_people(world: demo_data.DemoWorld, run: SeedRun, patients: int) -> Counter[str]:
    """People known only from the health plan's admissions data (see demo_data.utilisation_only_people)."""
    people, events = demo_data.utilisation_only_people(
        program_id=world.program_id, today=world.today, patients=patients, seed=run.seed
    )
    created = Patient.objects.bulk_create(people)
    rows = [event for patient, own in zip(created, events, strict=True) for event in own]
    for patient, own in zip(created, events, strict=True):
        for event in own:
            event.patient = patient
    LifeEvent.objects.bulk_create(rows)
    return Counter({Patient._meta.db_table: len(created), LifeEvent._meta.db_table: len(rows)})


def create_supervision(
    world: demo_data.DemoWorld, tallies: dict[int, demo_data.CaseloadTally], rng: random.Random
) -> Counter[str]:
    """Three recent supervision sessions per care manager, and twelve weekly caseload snapshots."""
    counts: Counter[str] = Counter()
    sessions, discussed, decisions = [], [], []
    for care_manager in world.care_managers:
        sample = tallies.get(care_manager.id, demo_data.CaseloadTally()).sample_enrollment_ids
        for weeks_ago in (0, 4, 8):
            held_on = world.today - datetime.timedelta(days=7 * weeks_ago + rng.randint(0, 4))
            session = SupervisionSession(
                supervisor_id=care_manager.supervisor_id,
                care_manager_id=care_manager.id,
                held_on=held_on,
                notes=rng.choice(SUPERVISION_NOTES),
            )
            chosen = rng.sample(sample, min(3, len(sample)))
            sessions.append(session)
            discussed.append(chosen)
            decisions.append(
                [
                    SupervisionDecision(
                        enrollment_id=enrollment_id,
                        kind=rng.choice(DecisionKind.values),
                        detail=rng.choice(DECISION_DETAILS),
                        applied_at=(
                            datetime.datetime.combine(held_on, datetime.time(16), demo_data.PROGRAM_TIME_ZONE)
                            if rng.random() < 0.6
                            else None
                        ),
                    )
                    for enrollment_id in chosen[:1]
                ]
            )
    SupervisionSession.objects.bulk_create(sessions)
    through = SupervisionSession.enrollments_discussed.through
    links = [
        through(supervisionsession_id=session.pk, enrollment_id=enrollment_id)
        for session, chosen in zip(sessions, discussed, strict=True)
        for enrollment_id in chosen
    ]
    through.objects.bulk_create(links)
    decision_rows = []
    for session, session_decisions in zip(sessions, decisions, strict=True):
        for decision in session_decisions:
            decision.session = session
            decision_rows.append(decision)
    SupervisionDecision.objects.bulk_create(decision_rows)
    snapshots = _snapshots(world, tallies, rng)
    CaseloadSnapshot.objects.bulk_create(snapshots)
    counts[SupervisionSession._meta.db_table] = len(sessions)
    counts[through._meta.db_table] = len(links)
    counts[SupervisionDecision._meta.db_table] = len(decision_rows)
    counts[CaseloadSnapshot._meta.db_table] = len(snapshots)
    return counts


def _snapshots(
    world: demo_data.DemoWorld, tallies: dict[int, demo_data.CaseloadTally], rng: random.Random
) -> list[CaseloadSnapshot]:
    """Weekly numbers that drift towards today's, so trend charts have a line to draw."""
    snapshots = []
    for care_manager in world.care_managers:
        tally = tallies.get(care_manager.id, demo_data.CaseloadTally())
        for weeks_ago in range(12):
            scale = 1 - 0.015 * weeks_ago + rng.uniform(-0.02, 0.02)

            def scaled(value: int, scale: float = scale) -> int:
                return max(0, round(value * scale))

            snapshots.append(
                CaseloadSnapshot(
                    care_manager_id=care_manager.id,
                    taken_on=world.today - datetime.timedelta(weeks=weeks_ago),
                    outreach_count=scaled(tally.by_status["outreach"]),
                    active_count=scaled(tally.by_status["active"]),
                    maintenance_count=scaled(tally.by_status["maintenance"]),
                    high_count=scaled(tally.by_level[IntensityLevel.HIGH]),
                    medium_count=scaled(tally.by_level[IntensityLevel.MEDIUM]),
                    low_count=scaled(tally.by_level[IntensityLevel.LOW]),
                    overdue_count=scaled(tally.overdue),
                    graduation_candidate_count=scaled(tally.graduation_candidates),
                    weighted_load=scaled(tally.weighted_load),
                    computed_at=world.now,
                )
            )
    return snapshots


SUPERVISION_NOTES = (
    "Went through the overdue list; two people to try at the shelter this week.",
    "Caseload heavy; talked about who could step down to low.",
    "Reviewed a hard transfer and what went well.",
    "Graduation candidates discussed; one ready to plan.",
)
DECISION_DETAILS = (
    "Step down to low after the next review.",
    "Add a peer specialist to the care team.",
    "Start graduation planning with the patient.",
    "Reassign to a colleague with Spanish.",
    "Two visits a week until the housing move.",
)
