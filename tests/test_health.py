"""/healthz reports the database and broker for load balancers and operators."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_answers_200_with_database_and_broker_state(client, settings) -> None:
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def _healthz_in_subprocess(environment: dict[str, str], database_name: str = "") -> dict:
    # A fresh process, so the settings (broker, database) are read from the environment given.
    script = (
        "import json, django; django.setup();"
        "from django.db import connection;"
        f"connection.settings_dict['NAME'] = {database_name!r} or connection.settings_dict['NAME'];"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(json.dumps({'code': r.status_code, 'body': json.loads(r.content)}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **environment}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_healthz_answers_503_when_the_database_is_down() -> None:
    # Port 9 on loopback has no PostgreSQL: a real refused connection, not a mock.
    answer = _healthz_in_subprocess(
        {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/tandem", "CELERY_BROKER_URL": ""}
    )
    assert answer == {
        "code": 503,
        "body": {"status": "unavailable", "database": "unreachable", "broker": "in-process"},
    }


@pytest.mark.django_db
def test_healthz_reports_an_unreachable_broker_without_failing() -> None:
    from django.db import connection

    answer = _healthz_in_subprocess(
        {"CELERY_BROKER_URL": "redis://127.0.0.1:9/0"}, database_name=connection.settings_dict["NAME"]
    )
    assert answer["code"] == 200
    assert answer["body"]["broker"] == "unreachable"
