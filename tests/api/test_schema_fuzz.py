"""Schemathesis against the API's own OpenAPI schema, as a care manager, a supervisor, an admin (with a
token) and without credentials: every generated request gets an answer that is not a server error and
that matches the schema (status code, content type, body, headers).

Hypothesis runs derandomised, so CI sees the same cases every run. The number of cases run is printed
(`pytest -s`) and named in the failure message.
"""

import json
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, BaseSchema, Case, openapi
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from config.wsgi import application

pytestmark = pytest.mark.django_db(transaction=False)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 12


def api_schema() -> BaseSchema:
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    schema.app = application
    return schema


# A CSRF secret as the cookie carries it; the header may send the secret itself.
CSRF_SECRET = "Synthetic0CsrfSecret0ForFuzzing0"


Credentials = tuple[dict[str, str], dict[str, str]]  # headers, cookies


def signed_in(user: User) -> Credentials:
    """A signed-in browser's session cookie and CSRF header, as the pages' own requests send them."""
    client = Client()
    client.force_login(user)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    cookies = {django_settings.SESSION_COOKIE_NAME: session, django_settings.CSRF_COOKIE_NAME: CSRF_SECRET}
    return {"X-CSRFToken": CSRF_SECRET}, cookies


def failures_of(
    operation: APIOperation, headers: dict[str, str], cookies: dict[str, str]
) -> tuple[int, set[str]]:
    """Run the operation's generated cases; how many ran and the distinct failures."""
    ran, found = 0, set()

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case: Case) -> None:
        nonlocal ran
        ran += 1
        # Each request in its own savepoint, as each is its own transaction in production: a request that
        # fails in the database must not abort the test's transaction for the requests after it.
        # Generated cases send made-up tokens too; each case starts with no failed sign-ins counted, so
        # the throttle does not answer 429 to every case after the twentieth.
        cache.clear()
        savepoint = transaction.savepoint_create()
        response = case.call(headers=headers, cookies=cookies)
        if response.status_code >= 500:
            transaction.savepoint_rollback(savepoint)
        else:
            transaction.savepoint_commit(savepoint)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except BaseException as failure:  # schemathesis' FailureGroup is a BaseExceptionGroup
            if isinstance(failure, KeyboardInterrupt):
                raise
            found.add(
                f"{operation.method.upper()} {operation.path} -> {response.status_code}: {failure}"[:900]
            )

    run()
    return ran, found


def fuzz(credentials: Credentials) -> tuple[int, list[str]]:
    """Every operation's cases with `credentials`: the number run and the distinct failures of them all."""
    headers, cookies = credentials
    ran, failures = 0, []
    for result in api_schema().get_all_operations():
        cases, found = failures_of(result.ok(), headers, cookies)
        ran += cases
        failures.extend(sorted(found))
    print(f"schemathesis: {ran} cases")  # the figure the issue asks for
    return ran, failures


@pytest.fixture(autouse=True)
def _keep_the_tests_connection():
    """The WSGI app closes the database connection after each request (as in production); the test's
    transaction lives on it, so keep it open as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


PERSONAS: dict[str, Callable[..., Credentials]] = {
    "care manager": lambda request: signed_in(request.getfixturevalue("care_manager")),
    "supervisor": lambda request: signed_in(request.getfixturevalue("supervisor")),
    "admin, with a token": lambda request: (
        {"Authorization": f"Bearer {request.getfixturevalue('make_token')()[1]}"},
        {},
    ),
    "nobody": lambda request: ({}, {}),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_answer_is_no_server_error_and_matches_the_schema(request, persona: str, enrollment) -> None:
    ran, failures = fuzz(PERSONAS[persona](request))

    assert ran > 0
    assert failures == [], f"{len(failures)} failures in {ran} cases:\n" + "\n\n".join(failures)
