"""/healthz reports the database and broker for load balancers and operators."""

import json

import pytest
from django.urls import reverse

from tests.subprocesses import run_django_snippet


@pytest.mark.django_db
def test_healthz_answers_200_with_database_and_broker_state(client, settings) -> None:
    settings.CELERY_BROKER_URL = ""
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in-process"}


def _healthz_in_subprocess(environment: dict[str, str], database_name: str = "") -> dict:
    # A fresh process, so the settings (broker, database) are read from the environment given.
    script = (
        "import json\n"
        "from django.db import connection\n"
        f"connection.settings_dict['NAME'] = {database_name!r} or connection.settings_dict['NAME']\n"
        "from django.test import Client\n"
        "response = Client().get('/healthz')\n"
        "print(json.dumps({'code': response.status_code, 'body': json.loads(response.content)}))"
    )
    return json.loads(run_django_snippet(script, environment=environment))


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
