"""Test databases cloned from a migrated template.

Migrating Tandem's schema (with its audit triggers) costs about 20 s of CPU. It is done once into a
template database, rebuilt only when a migration file changes; each pytest-xdist worker then gets its
own copy with CREATE DATABASE ... TEMPLATE, which takes about a second.
"""

import contextlib
import fcntl
import hashlib
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

ROOT = Path(__file__).resolve().parent.parent


def _schema_fingerprint() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


@contextlib.contextmanager
def _exclusive(name: str) -> Iterator[None]:
    lock_path = Path(tempfile.gettempdir()) / f"tandem-{hashlib.sha256(name.encode()).hexdigest()[:12]}.lock"
    with lock_path.open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _quoted(connection: BaseDatabaseWrapper, name: str) -> str:
    return connection.ops.quote_name(name)


def _set_database_name(connection: BaseDatabaseWrapper, name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def test_run_id(config: pytest.Config) -> str:
    """The same for every pytest-xdist worker of one run; a new one for a run without workers."""
    worker_input = getattr(config, "workerinput", None)
    return worker_input["testrunuid"] if worker_input else uuid.uuid4().hex


def clone_test_database(connection: BaseDatabaseWrapper, *, rebuild_for_run: str | None) -> str:
    """Point `connection` at a fresh test database copied from the migrated template; return its name.

    `rebuild_for_run` (--create-db) names the test run that wants a fresh template: the first worker of
    that run rebuilds it, the others copy what it built."""
    worker_name = connection.creation._get_test_db_name()
    template_name = f"test_{connection.settings_dict['NAME']}_template"
    fingerprint = _schema_fingerprint()
    server = f"{connection.settings_dict.get('HOST')}:{connection.settings_dict.get('PORT')}/{template_name}"
    with _exclusive(server):
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [template_name],
            )
            row = cursor.fetchone()
        # A template left half-built by a stopped run has no comment yet: it is rebuilt.
        built_for = ((row[0] if row else None) or "").split()
        wanted = [fingerprint, rebuild_for_run] if rebuild_for_run else [fingerprint]
        if built_for[: len(wanted)] != wanted:
            original_name = connection.settings_dict["NAME"]
            test_settings = connection.settings_dict.setdefault("TEST", {})
            test_settings["NAME"] = template_name
            connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"COMMENT ON DATABASE {_quoted(connection, template_name)} IS %s",
                    [" ".join([fingerprint, rebuild_for_run or ""]).strip()],
                )
            _set_database_name(connection, original_name)
            test_settings["NAME"] = worker_name
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {_quoted(connection, worker_name)}")
            worker, template = _quoted(connection, worker_name), _quoted(connection, template_name)
            cursor.execute(f"CREATE DATABASE {worker} TEMPLATE {template}")
    _set_database_name(connection, worker_name)
    return worker_name


def drop_test_database(connection: BaseDatabaseWrapper, name: str) -> None:
    """At the end of a worker's run. FORCE ends connections still open to it (a live server's thread or a
    Celery worker that has not finished closing), which would otherwise fail the last test's teardown."""
    connection.close()
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {_quoted(connection, name)} WITH (FORCE)")
