"""The API's clients (tests/api/conftest.py) for the FHIR tests."""

from tests.api.conftest import api_as, make_token, token_client

__all__ = ["api_as", "make_token", "token_client"]
