"""Benchmark the bulk referral import on a scratch database, then drop it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/import_referrals.py
    ... bench/import_referrals.py --rows 20000 --keep
    .venv/bin/python bench/import_referrals.py        # the embedded PostgreSQL under var/

DATABASE_URL names the server (and a database to connect to while creating and dropping the scratch
one); it is never written to. Without it, the embedded server is used. The script migrates a new database
(timed separately, not counted), makes a program and its admin, generates a CSV of N synthetic referrals
(invented names, TEST- MRNs, dates in ISO, US and Excel forms) and prints the seconds each step takes:

- upload: decode, parse, check for duplicates against the program, keep the file;
- preview: the same check again, as the preview page makes it, and the page itself (first 200 problems);
- import all: three bulk inserts in one transaction, with the audit triggers firing for every row;
- the same file again: every row is now a duplicate of an existing patient, so N problems.

Then it drops the scratch database (unless --keep).
"""

import argparse
import csv
import datetime
import importlib.util
import io
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

FIRST_NAMES = (
    "Quillon",
    "Marnivy",
    "Torvalle",
    "Zephrine",
    "Osbeck",
    "Lunetta",
    "Brackley",
    "Ithriel",
    "Zoë",
)
LAST_NAMES = ("Testwood", "Fablethorn", "Mockridge", "Samplesby", "Dummerly", "Fauxley", "Núñez-Placeholder")
SOURCES = ("Primary care", "ED", "Emergency department", "Hospital inpatient", "health_plan", "Self-referral")
COLUMNS = ("first_name", "last_name", "date_of_birth", "mrn", "phone", "source", "reason", "urgency")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database and print its URL.")
    options = parser.parse_args()

    seed_bench = _seed_bench()
    server_url = os.environ.get("DATABASE_URL") or _embedded_server_url()
    scratch_name = f"tandem_bench_import_{os.getpid()}"
    scratch_url = seed_bench._with_database(server_url, scratch_name)
    print(f"Scratch database {scratch_name}; load average before: {seed_bench._load()}")
    seed_bench._admin(server_url, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch_name)))
    try:
        migrate_seconds = seed_bench._timed(["migrate", "--noinput", "-v", "0"], scratch_url)
        print(f"migrate: {migrate_seconds:.1f} s (not counted)")
        _run(scratch_url, rows=options.rows, seed=options.seed)
        print(f"load average after: {seed_bench._load()}")
    finally:
        if options.keep:
            print(f"Kept: DATABASE_URL={scratch_url}")
        else:
            seed_bench._admin(
                server_url, sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(scratch_name))
            )
            print(f"Dropped {scratch_name}.")
    return 0


def _seed_bench() -> Any:
    """bench/seed_demo.py, next to this file: its scratch-database helpers."""
    spec = importlib.util.spec_from_file_location("bench_seed_demo", Path(__file__).with_name("seed_demo.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _synthetic_csv(rows: int, seed: int) -> bytes:
    generator = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number in range(rows):
        born = datetime.date(1940, 1, 1) + datetime.timedelta(days=generator.randrange(0, 25_000))
        written = generator.choice(
            (
                born.isoformat(),
                f"{born.month}/{born.day}/{born.year}",
                str((born - datetime.date(1899, 12, 30)).days),
            )
        )
        writer.writerow(
            (
                generator.choice(FIRST_NAMES),
                f"{generator.choice(LAST_NAMES)}-{number}",
                written,
                f"TEST-B{number:07d}",
                f"555-01{number % 100:02d}",
                generator.choice(SOURCES),
                "Synthetic benchmark referral: missed appointments and frequent emergency visits",
                generator.choice(("", "routine", "Urgent", "Within a week")),
            )
        )
    return ("\ufeff" + buffer.getvalue()).encode()


def _run(database_url: str, *, rows: int, seed: int) -> None:
    """Django in this process, against the scratch database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from accounts.models import Organization, Program, Role, User
    from patients.imports import import_preview_of, referral_import_run, referral_import_upload
    from patients.models import Patient

    setup_test_environment()
    program = Program.objects.create(organization=Organization.objects.create(name="Bench Org"), name="Bench")
    admin = User.objects.create(username="bench.admin", program=program, role=Role.PROGRAM_ADMIN)
    content = _synthetic_csv(rows, seed)
    print(f"\nA CSV of {rows:,} rows, {len(content) / 1_048_576:.2f} MB")

    def timed(label: str, step):
        started = time.monotonic()
        result = step()
        print(f"  {label:<58} {time.monotonic() - started:>7.2f} s")
        return result

    referral_import = timed(
        "upload (decode, parse, duplicate check, keep the file)",
        lambda: referral_import_upload(
            program=program, file_name="bench.csv", raw=content, acting_user=admin
        ),
    )
    preview = timed(
        "preview (parse and duplicate check again)",
        lambda: import_preview_of(referral_import=referral_import),
    )
    print(
        f"    {preview.row_count:,} rows, {preview.valid_count:,} ready, {len(preview.problems):,} problems"
    )
    client = Client()
    client.force_login(admin)
    url = reverse("patients:referral-import-preview", kwargs={"import_id": referral_import.pk})
    response = timed("preview page (GET, rendered)", lambda: client.get(url))
    assert response.status_code == 200, response.status_code
    imported = timed(
        "import all (3 bulk inserts, one transaction, audit triggers)",
        lambda: referral_import_run(referral_import=referral_import, acting_user=admin),
    )
    print(f"    {imported:,} referrals imported; {Patient.objects.count():,} patients in the program")
    again = timed(
        "the same file again: upload, every row a duplicate",
        lambda: referral_import_upload(
            program=program, file_name="again.csv", raw=content, acting_user=admin
        ),
    )
    response = timed(
        "its preview page (GET, first 200 of the problems)",
        lambda: client.get(reverse("patients:referral-import-preview", kwargs={"import_id": again.pk})),
    )
    assert response.status_code == 200, response.status_code
    print(f"    {again.row_count:,} rows, {again.error_count:,} with problems")
    _print_counts(database_url)


def _embedded_server_url() -> str:
    from config.embedded_postgres import embedded_database_settings

    settings = embedded_database_settings(PROJECT_DIR / "var" / "pgdata")
    # libpq and django-environ both read a socket directory from the host parameter.
    return f"postgres://postgres@/postgres?host={settings['HOST']}"


def _print_counts(database_url: str) -> None:
    tables = ("patients_patient", "patients_enrollment", "patients_referral", "patients_referralimport")
    with psycopg.connect(database_url) as connection:
        print("\nRows written:")
        for table in tables:
            count = connection.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            ).fetchone()
            print(f"  {table:<40} {count[0] if count else 0:>10,}")
        for table in ("patients_patientevent", "patients_enrollmentevent", "patients_referralevent"):
            exists = connection.execute("SELECT to_regclass(%s)", [table]).fetchone()
            if exists and exists[0]:
                count = connection.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
                ).fetchone()
                print(f"  {table + ' (audit)':<40} {count[0] if count else 0:>10,}")


if __name__ == "__main__":
    raise SystemExit(main())
