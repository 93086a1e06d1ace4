"""Clients for the API tests: signed in as one of the personas of tests/conftest.py, or with a token."""

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken, Program, User

ApiAs = Callable[[User | None], APIClient]


@pytest.fixture
def api_as() -> ApiAs:
    """`api_as(user)`: a client whose requests are `user`'s (a session, as the browser's); None: nobody."""

    def make(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def make_token(program_admin: User) -> Callable[..., tuple[ApiToken, str]]:
    """`make_token(name=..., program=...)`: a new token made by the program's admin, and its key."""

    def make(name: str = "Synthetic EHR", program: Program | None = None) -> tuple[ApiToken, str]:
        return api_token_create(
            program=program or program_admin.program, name=name, acting_user=program_admin
        )

    return make


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
