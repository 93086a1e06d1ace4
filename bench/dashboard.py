"""Benchmark the team dashboard, the caseload review and the outcomes page (issue 6) under gunicorn.

    make bench-dashboard
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/dashboard.py
    ... bench/dashboard.py --fresh                      # drop and rebuild the bench database first
    ... bench/dashboard.py --seed-only                  # build the data set, measure nothing
    ... bench/dashboard.py --database postgres://postgres@127.0.0.1:5432/tandem_bench_other

The data set: a database named tandem_bench_dash on the server DATABASE_URL names (default the local
PostgreSQL; the database DATABASE_URL names is never written to), or --database. It is kept between
runs. When it is new, the script migrates it and runs `manage.py seed_demo --patients 142500` (about
100,000 enrolments in care); then bench/dataset.py tops it up to the issue 5 volume (about 2 million
contacts) and adds what these pages need at that scale: 1,000 care managers in 100 teams of ten with a
supervisor each (about 100 people in care each), the caseload recompute, 12 weeks of daily snapshots,
fortnightly supervision sessions and monthly team costs. Every step is skipped when already done, so a
second run goes straight to the measurement. When the project has a `refresh_outcomes` command, it runs
(timed) before measuring, as the nightly job would.

The measurement: gunicorn (--workers, default 2) on 127.0.0.1 and a free port, with bench/settings.py
(the development settings, DEBUG off, CONN_MAX_AGE 60 as in docker-compose.yml, and a timing
middleware). The client signs in through the sign-in page like a browser: a supervisor of one team
(ten care managers) and the program lead. For each page it sends a few warm-up requests, then
--requests requests one at a time (at most --seconds), then --concurrency clients for --seconds. It
prints, per page: the server's time (the `Server-Timing` header the middleware adds: everything Django
does for the request), its median and p95, the view and SQL part, the number of SQL statements, the
client's latency (loopback, gunicorn included), requests per second under load, the ratio to the
framework floor (`/bench-floor/`: a bare view through the same server, middleware and session) and
the target. Targets are judged on the p95 of the server time of the one-at-a-time requests.
"""

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench import dataset  # noqa: E402 - the project directory is on sys.path from here

DEFAULT_DATABASE = "tandem_bench_dash"
# Written on the database once seed_demo has finished, so a half-seeded database is never measured.
SEEDED_COMMENT = "bench/dashboard.py: seed_demo --patients {patients} --seed {seed} done"
TARGETS_MS = {"dashboard": 60.0, "review": 60.0, "outcomes": 300.0}


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    who: str  # "supervisor" or "lead"
    target_ms: float | None


@dataclass
class Sample:
    status: int
    client_ms: float
    app_ms: float
    view_ms: float
    db_ms: float
    queries: int
    size: int


@dataclass
class Result:
    page: Page
    sequential: list[Sample] = field(default_factory=list)
    loaded: list[Sample] = field(default_factory=list)
    loaded_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", metavar="URL", help=f"The bench database (default {DEFAULT_DATABASE}).")
    parser.add_argument("--fresh", action="store_true", help="Drop the bench database and build it again.")
    parser.add_argument("--seed-only", action="store_true", help="Build the data set; measure nothing.")
    parser.add_argument("--migrate", action="store_true", help="Apply pending migrations to the database.")
    parser.add_argument("--patients", type=int, default=dataset.DEFAULT_PATIENTS, help="Patients to seed.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes.")
    parser.add_argument("--concurrency", type=int, default=2, help="Clients at once in the load phase.")
    parser.add_argument(
        "--requests", type=int, default=200, help="One-at-a-time requests per page (at most)."
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="Time cap of each phase, per page.")
    parser.add_argument("--supervisor", default=f"{dataset.SUPERVISOR_PREFIX}001", help="Supervisor login.")
    parser.add_argument(
        "--pages",
        default="floor,dashboard,review,dashboard-lead,outcomes,outcomes-team",
        help="Which pages, comma-separated (default all).",
    )
    options = parser.parse_args()

    seed_demo = dataset.seed_demo_helpers()
    print(f"Machine: {os.cpu_count()} cores, load average {seed_demo._load()} (1, 5, 15 min)")
    print("  The client, gunicorn and PostgreSQL share these cores, with whatever else runs on the machine.")
    build_started = time.perf_counter()
    database_url = _ensure_database(options, seed_demo)
    context = _prepare(database_url, options)
    print(f"\nData set ready: {time.perf_counter() - build_started:.1f} s in all (seeding steps above)")
    if options.seed_only:
        return 0
    dataset.close_django_connections()
    pages = _pages(context, options.pages.split(","))
    results = _measure(database_url, context, pages, options)
    _print_table(results, options)
    print(f"\nload average at the end: {seed_demo._load()}")
    return 0 if all(not result.errors for result in results) else 1


# --- the data set ------------------------------------------------------------------------------------


def _ensure_database(options: argparse.Namespace, seed_demo: Any) -> str:
    """The bench database, created, migrated and seeded when it is new (or --fresh)."""
    if options.database:
        database_url = options.database
        server_url = seed_demo._with_database(database_url, "postgres")
    else:
        server_url = os.environ.get("DATABASE_URL") or seed_demo.DEFAULT_SERVER_URL
        database_url = seed_demo._with_database(server_url, DEFAULT_DATABASE)
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
    exists, comment = row is not None, (row[0] or "") if row else ""
    if exists and options.fresh:
        if not name.startswith("tandem_bench"):
            raise SystemExit(f"--fresh drops only databases named tandem_bench…, not {name}.")
        seed_demo._admin(server_url, sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        print(f"Dropped {name} (--fresh).")
        exists, comment = False, ""
    if not exists:
        seed_demo._admin(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"Created {name}.")
    print(f"Database {name}: {comment or 'not seeded yet'}")
    if "seed_demo" in comment:
        return database_url
    with psycopg.connect(database_url) as connection:
        has_program = connection.execute("SELECT to_regclass('accounts_program') IS NOT NULL").fetchone()[0]
        if has_program:
            has_program = connection.execute("SELECT EXISTS (SELECT 1 FROM accounts_program)").fetchone()[0]
    if has_program:
        raise SystemExit(
            f"{name} holds data but its seed never finished (no completion mark on the database). "
            "Run again with --fresh to rebuild it."
        )
    migrate_seconds = seed_demo._timed(["migrate", "--noinput", "-v", "0"], database_url)
    print(f"migrate: {migrate_seconds:.1f} s")
    seed_seconds = seed_demo._timed(
        ["seed_demo", f"--patients={options.patients}", f"--seed={options.seed}"], database_url, echo=True
    )
    print(f"seed_demo --patients {options.patients}: {seed_seconds:.1f} s")
    mark = SEEDED_COMMENT.format(patients=options.patients, seed=options.seed)
    seed_demo._admin(
        server_url, sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(mark))
    )
    return database_url


@dataclass(frozen=True)
class Context:
    program_id: int
    supervisor: str
    team_id: int
    team_name: str
    care_manager_id: int
    care_manager_in_care: int
    lead: str
    care_managers: int
    in_care: int


def _prepare(database_url: str, options: argparse.Namespace) -> Context:
    """Django in this process: the data set's remaining steps, the outcomes refresh, who signs in."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DEBUG", "false")
    from config.environment import select_settings_module

    select_settings_module()
    import django

    django.setup()
    from django.core.management import call_command, get_commands
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Program, Role, User
    from caseloads.models import CaseloadStatus
    from patients.models import CARE_STATUSES, Enrollment

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    print(f"PostgreSQL {version}; settings {os.environ['DJANGO_SETTINGS_MODULE']} in this process")
    dataset.check_migrations(apply=options.migrate)
    care_statuses = [str(status) for status in CARE_STATUSES]
    program = max(
        Program.objects.all(),
        key=lambda item: Enrollment.objects.filter(program=item, status__in=care_statuses).count(),
    )
    today = program.today()
    print(f'Program "{program.name}" (id {program.pk}), today {today} in {program.time_zone}')
    dataset.prepare_dashboard_data(program=program, today=today, care_statuses=care_statuses)

    if "refresh_outcomes" in get_commands():
        started = time.perf_counter()
        call_command("refresh_outcomes")
        print(f"\nrefresh_outcomes (the outcomes page's precompute): {time.perf_counter() - started:.1f} s")
        # Fresh planner statistics for the tables it rewrote, as autovacuum leaves them in steady state.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE caseloads_outcomeepisode, caseloads_outcomeevent")
        print(f"ANALYZE of the outcome tables: {time.perf_counter() - started:.1f} s")
    else:
        print("\nNo refresh_outcomes command in this checkout: nothing precomputed for the outcomes page.")

    supervisor = User.objects.get(username=options.supervisor, role=Role.SUPERVISOR)
    team = supervisor.team_memberships.select_related("team").first().team
    in_care = dict(
        CaseloadStatus.objects.filter(
            enrollment__status__in=care_statuses, care_manager__team_memberships__team=team
        )
        .values_list("care_manager_id")
        .annotate(count=Count("pk"))
    )
    if not in_care:
        raise SystemExit(f"No care manager of {team.name} has anyone in care: is the data set complete?")
    # The review is measured on the care manager with the team's median caseload.
    ordered = sorted(in_care.items(), key=lambda item: (item[1], item[0]))
    care_manager_id, count = ordered[len(ordered) // 2]
    lead = User.objects.filter(program=program, role=Role.PROGRAM_LEAD, is_active=True).order_by("pk").first()
    if lead is None:
        raise SystemExit("The program has no program lead to sign in as.")
    context = Context(
        program_id=program.pk,
        supervisor=supervisor.username,
        team_id=team.pk,
        team_name=team.name,
        care_manager_id=care_manager_id,
        care_manager_in_care=count,
        lead=lead.username,
        care_managers=CaseloadStatus.objects.filter(enrollment__status__in=care_statuses)
        .values("care_manager_id")
        .distinct()
        .count(),
        in_care=Enrollment.objects.filter(program=program, status__in=care_statuses).count(),
    )
    print(
        f"Signing in as {context.supervisor} (supervisor of {context.team_name}: {len(in_care)} care "
        f"managers with {min(in_care.values())}-{max(in_care.values())} people in care) and "
        f"{context.lead} (program lead: {context.care_managers:,} care managers with a caseload, "
        f"{context.in_care:,} people in care)"
    )
    return context


def _pages(context: Context, wanted: list[str]) -> list[Page]:
    every = [
        Page("floor", "floor: a bare view", "/bench-floor/", "supervisor", None),
        Page(
            "dashboard", "team dashboard (supervisor)", "/dashboard/", "supervisor", TARGETS_MS["dashboard"]
        ),
        Page(
            "review",
            f"caseload review ({context.care_manager_in_care} in care)",
            f"/dashboard/care-managers/{context.care_manager_id}/",
            "supervisor",
            TARGETS_MS["review"],
        ),
        Page(
            "dashboard-lead",
            f"dashboard, all {context.care_managers:,} (lead)",
            "/dashboard/",
            "lead",
            None,
        ),
        Page("outcomes", "program outcomes (lead)", "/outcomes/", "lead", TARGETS_MS["outcomes"]),
        Page(
            "outcomes-team",
            "outcomes of one team (lead)",
            f"/outcomes/?team={context.team_id}",
            "lead",
            TARGETS_MS["outcomes"],
        ),
    ]
    unknown = set(wanted) - {page.key for page in every}
    if unknown:
        raise SystemExit(f"Unknown pages: {', '.join(sorted(unknown))}")
    pages = [page for page in every if page.key in wanted]
    if "floor" not in wanted:
        pages.insert(0, every[0])  # the ratio needs the floor
    return pages


# --- the server ----------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with bench/settings.py against the bench database; stopped (by its pid) on exit."""

    def __init__(self, database_url: str, workers: int) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        if not gunicorn.exists():
            found = shutil.which("gunicorn")
            if not found:
                raise SystemExit(
                    "gunicorn is not installed: .venv/bin/pip install -c constraints.txt gunicorn"
                )
            gunicorn = Path(found)
        self.port = _free_port()
        self.log_path = Path(f"/tmp/bench-dashboard-gunicorn-{os.getpid()}.log")  # noqa: S108
        environment = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DEBUG": "false",
            "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
            "LOG_LEVEL": "WARNING",
        }
        self.command = [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--chdir",
            str(PROJECT_DIR),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> "Server":
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            self.command, env=self.environment, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}):\n{self.log_path.read_text()}")
            try:
                if _get(self.port, "/accounts/login/").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer within 60 s:\n{self.log_path.read_text()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        errors = self.log_path.read_text(errors="replace").strip()
        if errors:
            tail = "\n".join(errors.splitlines()[-40:])
            print(f"\ngunicorn's log ({self.log_path}), last lines:\n{tail}")
        else:
            self.log_path.unlink(missing_ok=True)


# --- the client ----------------------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    client_ms: float


def _get(port: int, path: str, cookie: str = "", **kwargs: Any) -> Response:
    return _request(port, "GET", path, cookie, **kwargs)


def _request(
    port: int, method: str, path: str, cookie: str = "", body: str | None = None, content_type: str = ""
) -> Response:
    headers = {"Host": "127.0.0.1", "Accept": "text/html"}
    if cookie:
        headers["Cookie"] = cookie
    if content_type:
        headers["Content-Type"] = content_type
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        connection.close()
    return Response(response.status, response.headers, data, elapsed)


def _cookies(response: Response) -> dict[str, str]:
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(port: int, username: str, password: str) -> str:
    """Sign in through the sign-in page, as a browser does; returns the Cookie header to send."""
    page = _get(port, "/accounts/login/")
    cookies = _cookies(page)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    if page.status != 200 or token is None:
        raise SystemExit(f"The sign-in page answered {page.status} without a CSRF token.")
    answer = _request(
        port,
        "POST",
        "/accounts/login/",
        cookie="; ".join(f"{name}={value}" for name, value in cookies.items()),
        body=urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token[1].decode()}
        ),
        content_type="application/x-www-form-urlencoded",
    )
    cookies.update(_cookies(answer))
    if answer.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"Signing in as {username} failed (status {answer.status}).")
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


_TIMING = re.compile(r"(\w+);dur=([0-9.]+)")


def _sample(response: Response) -> Sample:
    timing = dict(_TIMING.findall(response.headers.get("Server-Timing", "")))
    return Sample(
        status=response.status,
        client_ms=response.client_ms,
        app_ms=float(timing.get("app", "nan")),
        view_ms=float(timing.get("view", "nan")),
        db_ms=float(timing.get("db", "nan")),
        queries=int(response.headers.get("X-Bench-Queries", "-1")),
        size=len(response.body),
    )


def _measure(
    database_url: str, context: Context, pages: list[Page], options: argparse.Namespace
) -> list[Result]:
    from django.conf import settings

    results = []
    with Server(database_url, options.workers) as server:
        version = subprocess.run(  # noqa: S603 - our own command line
            [server.command[0], "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        print(
            f"\n{version or 'gunicorn'} on 127.0.0.1:{server.port}, {options.workers} sync workers, "
            f"settings bench.settings (DEBUG off, CONN_MAX_AGE {server.environment['CONN_MAX_AGE']})"
        )
        print(
            f"Each page: warm-up, then up to {options.requests} requests one at a time (at most "
            f"{options.seconds:g} s), then {options.concurrency} clients for {options.seconds:g} s"
        )
        users = {"supervisor": context.supervisor, "lead": context.lead}
        sessions = {
            who: [sign_in(server.port, username, settings.DEMO_PASSWORD) for _ in range(options.concurrency)]
            for who, username in users.items()
            if any(page.who == who for page in pages)
        }
        for page in pages:
            result = _run_page(server.port, page, sessions[page.who], options)
            results.append(result)
            _print_progress(result)
    return results


def _run_page(port: int, page: Page, cookies: list[str], options: argparse.Namespace) -> Result:
    result = Result(page=page)

    def one(cookie: str, into: list[Sample]) -> None:
        response = _get(port, page.path, cookie)
        if response.status != 200:
            result.errors.append(f"{response.status}")
            into.append(_sample(response))
            return
        into.append(_sample(response))

    # Warm-up: every worker renders the page a few times (templates, connections, caches).
    warm: list[Sample] = []
    _in_threads(cookies, lambda cookie: [one(cookie, warm) for _ in range(3)])
    if result.errors:
        result.errors = [f"answers {warm[0].status} (warm-up)"]
        return result
    # One at a time: the latency of the page on an otherwise idle server.
    deadline = time.monotonic() + options.seconds
    while len(result.sequential) < options.requests and time.monotonic() < deadline:
        one(cookies[0], result.sequential)
    # Under load: --concurrency clients, each with its own session, for --seconds.
    per_thread: list[list[Sample]] = [[] for _ in cookies]
    started = time.perf_counter()
    deadline = time.monotonic() + options.seconds

    def load(index: int) -> None:
        while time.monotonic() < deadline:
            one(cookies[index], per_thread[index])

    _in_threads(list(range(len(cookies))), load)
    result.loaded_seconds = time.perf_counter() - started
    result.loaded = [sample for samples in per_thread for sample in samples]
    return result


def _in_threads(items: list[Any], work: Any) -> None:
    threads = [threading.Thread(target=work, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


# --- the figures ---------------------------------------------------------------------------------------


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def _print_progress(result: Result) -> None:
    if result.errors:
        print(f"  {result.page.path:<34} {result.errors[0]}: not measured")
        return
    app = [sample.app_ms for sample in result.sequential]
    print(
        f"  {result.page.path:<34} {len(result.sequential)} one at a time, app median "
        f"{statistics.median(app):.1f} ms; {len(result.loaded)} under load"
    )


def _print_table(results: list[Result], options: argparse.Namespace) -> None:
    floor = next(result for result in results if result.page.key == "floor")
    floor_median = (
        statistics.median(sample.app_ms for sample in floor.sequential) if floor.sequential else None
    )
    floor_rate = len(floor.loaded) / floor.loaded_seconds if floor.loaded_seconds else None
    print(
        "\nServer time (ms): Django's whole handling of the request, from the Server-Timing header.\n"
        "One at a time: n requests in sequence. Under load: "
        f"{options.concurrency} clients, {options.workers} gunicorn workers.\n"
    )
    header = (
        f"{'page':<36} {'n':>4} {'median':>7} {'p95':>7} {'view':>6} {'sql':>6} {'SQL#':>4} "
        f"{'client':>7} {'KB':>5} │ {'req/s':>6} {'p95':>7} │ {'x floor':>7} {'target':>7}  result"
    )
    print(
        f"{'':<36} {'':>4} {'one at a time: server':^23} {'p95 ms':^13} {'p95':>7} {'':>5} │ "
        f"{'under load':^14} │"
    )
    print(header)
    print("─" * len(header))
    for result in results:
        page = result.page
        if result.errors or not result.sequential:
            why = result.errors[0] if result.errors else "gave nothing"
            print(f"{page.label:<36} not measured: the page {why}")
            continue
        app = [sample.app_ms for sample in result.sequential]
        view = [sample.view_ms for sample in result.sequential]
        database = [sample.db_ms for sample in result.sequential]
        client = [sample.client_ms for sample in result.sequential]
        queries = statistics.median_high(sample.queries for sample in result.sequential)
        size = statistics.median(sample.size for sample in result.sequential) / 1024
        rate = len(result.loaded) / result.loaded_seconds if result.loaded_seconds else 0.0
        loaded_p95 = _p95([sample.app_ms for sample in result.loaded]) if result.loaded else float("nan")
        median, p95 = statistics.median(app), _p95(app)
        ratio = f"{median / floor_median:.1f}x" if floor_median else "-"
        if page.target_ms is None:
            target, verdict = "-", ""
        else:
            target = f"{page.target_ms:.0f}"
            verdict = "pass" if p95 < page.target_ms else "FAIL"
            if p95 < page.target_ms and loaded_p95 >= page.target_ms:
                verdict += " (not under load)"
        print(
            f"{page.label:<36} {len(app):>4} {median:>7.1f} {p95:>7.1f} {_p95(view):>6.1f} "
            f"{_p95(database):>6.1f} {queries:>4} {_p95(client):>7.1f} {size:>5.0f} │ {rate:>6.1f} "
            f"{loaded_p95:>7.1f} │ {ratio:>7} {target:>7}  {verdict}"
        )
    if floor_rate:
        rates = ", ".join(
            f"{result.page.key} {floor_rate / (len(result.loaded) / result.loaded_seconds):.1f}x"
            for result in results
            if result.loaded and result.page.key != "floor"
        )
        print(
            f"\nThroughput: the floor serves {floor_rate:.0f} req/s under load; pages are slower by: {rates}"
        )
    print(
        "x floor: the page's median server time over the floor's. Targets are judged on the one-at-a-time "
        "server p95;\n'(not under load)': met one at a time but not under load."
    )


if __name__ == "__main__":
    raise SystemExit(main())
