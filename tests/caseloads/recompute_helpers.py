"""Helpers for the recompute tests that look at it from outside: stored rows, and the full-run lock as
PostgreSQL sees it from another connection."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

from accounts.models import Program
from caseloads.models import CaseloadStatus

# The advisory lock a full recompute of a program holds: pg_advisory_lock(FULL_RUN_LOCK, program_id).
FULL_RUN_LOCK = 0x7A4E5C01


def computed_rows(program: Program) -> dict[int, dict[str, Any]]:
    """Every stored caseload row of the program by enrolment, without `id` and the times it was written."""
    rows = CaseloadStatus.objects.filter(enrollment__program=program).order_by("enrollment_id").values()
    return {
        row["enrollment_id"]: {
            name: value for name, value in row.items() if name not in ("id", "computed_at", "updated_at")
        }
        for row in rows
    }


def full_run_lock_holders(program: Program) -> int:
    """How many sessions hold the program's full-run lock, in this test's database."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT COUNT(*) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND objsubid = 2
              AND classid::bigint = %s AND objid::bigint = %s
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """,
            [FULL_RUN_LOCK, program.pk],
        )
        (holders,) = cursor.fetchone()
    return holders


@contextmanager
def full_run_lock_held_elsewhere(program: Program) -> Iterator[psycopg.Connection]:
    """Hold the program's full-run lock from a second connection, as a run on another worker would."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings.get("USER") or "postgres",
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or "127.0.0.1",
        port=settings.get("PORT") or 5432,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_advisory_lock(%s, %s)", [FULL_RUN_LOCK, program.pk])
        try:
            yield other
        finally:
            other.execute("SELECT pg_advisory_unlock(%s, %s)", [FULL_RUN_LOCK, program.pk])
