"""Benchmark `manage.py seed_demo` on a scratch database, then drop it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/seed_demo.py
    ... bench/seed_demo.py --patients 20000 --keep

DATABASE_URL names the server (and a database to connect to while creating and dropping the
scratch one); it is never written to. The script migrates a new database, runs seed_demo in a
subprocess, prints the elapsed seconds and the row count of every table, and drops the database
(unless --keep). Migration time is reported separately and not counted.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database and print its URL.")
    options = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER_URL
    scratch_name = f"tandem_bench_{os.getpid()}"
    scratch_url = _with_database(server_url, scratch_name)
    print(f"Scratch database {scratch_name}; load average before: {_load()}")
    _admin(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch_name)))
    try:
        migrate_seconds = _timed(["migrate", "--noinput", "-v", "0"], scratch_url)
        print(f"migrate: {migrate_seconds:.1f} s (not counted)")
        seed_seconds = _timed(
            ["seed_demo", f"--patients={options.patients}", f"--seed={options.seed}"], scratch_url, echo=True
        )
        print(f"load average after: {_load()}")
        _print_counts(scratch_url)
        print(f"\nseed_demo --patients {options.patients}: {seed_seconds:.1f} s")
    finally:
        if options.keep:
            print(f"Kept: DATABASE_URL={scratch_url}")
        else:
            _admin(server_url, sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(scratch_name)))
            print(f"Dropped {scratch_name}.")
    return 0


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _admin(url: str, statement: sql.Composed) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


def _timed(arguments: list[str], database_url: str, echo: bool = False) -> float:
    """Run a manage.py command against the scratch database; its output is shown only if asked."""
    environment = {**os.environ, "DATABASE_URL": database_url}
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 - fixed command line, our own manage.py
        [sys.executable, str(PROJECT_DIR / "manage.py"), *arguments],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=not echo,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        if not echo:
            print(result.stdout, result.stderr, sep="\n")
        raise SystemExit(f"manage.py {arguments[0]} failed with exit code {result.returncode}")
    return elapsed


def _print_counts(database_url: str) -> None:
    """Exact row counts for every table that has rows, with the audit (event) tables apart."""
    with psycopg.connect(database_url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
            )
        ]
        # pghistory event tables are the ones that point at their tracked row with pgh_obj_id.
        audit_tables = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND column_name = 'pgh_obj_id'"
            )
        }
        counts = {
            table: connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()[0]
            for table in tables
        }
    data = {table: count for table, count in counts.items() if count and table not in audit_tables}
    events = {table: count for table, count in counts.items() if count and table in audit_tables}
    for title, group in (("Tables", data), ("Audit event tables", events)):
        print(f"\n{title}:")
        for table, count in group.items():
            print(f"  {table:<50} {count:>12,}")
        print(f"  {'total':<50} {sum(group.values()):>12,}")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
