"""API tokens for other systems: created by an admin, used, revoked (401 afterwards), throttled."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from accounts.api_tokens import KEY_PREFIX, api_token_create, api_token_revoke
from accounts.errors import DomainError
from accounts.models import ApiToken, Role, User
from patients.models import AccessEvent
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

API_ROOT = "/api/v1/"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def enrollments_url() -> str:
    return reverse("api:enrollment-list")


class TestCreating:
    def test_an_admin_gets_a_key_once_and_only_its_hash_is_stored(self, program_admin: User) -> None:
        token, key = api_token_create(
            program=program_admin.program, name="Synthetic EHR", acting_user=program_admin
        )

        stored = ApiToken.objects.get(pk=token.pk)
        assert key.startswith(KEY_PREFIX)
        assert key not in (stored.key_hash, stored.key_prefix)
        assert len(stored.key_hash) == 64
        assert stored.key_prefix == key[: len(KEY_PREFIX) + 4]
        assert (stored.name, stored.program_id, stored.created_by_id) == (
            "Synthetic EHR",
            program_admin.program_id,
            program_admin.pk,
        )

    def test_the_token_acts_as_its_own_service_user_of_the_program(self, program_admin: User) -> None:
        token, _ = api_token_create(
            program=program_admin.program, name="Data warehouse", acting_user=program_admin
        )

        service_user = User.objects.get(pk=token.user_id)
        assert (service_user.role, service_user.program_id) == (Role.PROGRAM_ADMIN, program_admin.program_id)
        assert service_user.has_usable_password() is False
        assert str(service_user) == "Data warehouse (API token)"

    def test_only_an_admin_of_the_program_creates_tokens(
        self, program_admin: User, other_program_admin: User, supervisor: User
    ) -> None:
        for someone in (other_program_admin, supervisor):
            with pytest.raises(DomainError, match=r"Only an admin of this program can change API tokens\."):
                api_token_create(program=program_admin.program, name="EHR", acting_user=someone)
        assert ApiToken.objects.exists() is False

    def test_names_are_needed_and_unique_in_a_program(self, program_admin: User, make_token) -> None:
        make_token(name="Synthetic EHR")
        with pytest.raises(DomainError, match="already has a token named “synthetic ehr”"):
            api_token_create(program=program_admin.program, name="synthetic ehr", acting_user=program_admin)
        with pytest.raises(DomainError, match="Give the token a name"):
            api_token_create(program=program_admin.program, name="  ", acting_user=program_admin)
        assert ApiToken.objects.count() == 1


class TestUsing:
    def test_a_token_reads_the_api_as_its_program(
        self, make_token, enrollment, enrollment_other_team
    ) -> None:
        _, key = make_token()

        response = token_client(key).get(enrollments_url())

        assert response.status_code == 200
        assert {row["id"] for row in response.json()["results"]} == {enrollment.pk, enrollment_other_team.pk}

    def test_a_token_of_another_program_sees_nothing_of_this_one(
        self, other_program_admin: User, enrollment
    ) -> None:
        _, key = api_token_create(
            program=other_program_admin.program, name="EHR", acting_user=other_program_admin
        )

        response = token_client(key).get(enrollments_url())

        assert response.status_code == 200
        assert response.json()["results"] == []
        detail = token_client(key).get(reverse("api:enrollment-detail", args=[enrollment.pk]))
        assert detail.status_code == 404

    def test_last_used_is_written_at_most_once_a_minute(self, make_token) -> None:
        token, key = make_token()
        start = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
        with time_machine.travel(start, tick=False):
            token_client(key).get(API_ROOT)
        with time_machine.travel(start + datetime.timedelta(seconds=30), tick=False):
            token_client(key).get(API_ROOT)
        token.refresh_from_db()
        assert token.last_used_at == start
        with time_machine.travel(start + datetime.timedelta(minutes=2), tick=False):
            token_client(key).get(API_ROOT)
        token.refresh_from_db()
        assert token.last_used_at == start + datetime.timedelta(minutes=2)

    def test_what_a_token_reads_is_recorded_as_that_system(self, make_token, enrollment) -> None:
        token, key = make_token(name="Synthetic EHR")

        token_client(key).get(reverse("api:enrollment-detail", args=[enrollment.pk]))

        assert set(AccessEvent.objects.values_list("user_id", flat=True)) == {token.user_id}


class TestRevoking:
    def test_a_revoked_token_gets_401_and_nothing_else(self, program_admin: User, make_token) -> None:
        token, key = make_token()
        assert token_client(key).get(API_ROOT).status_code == 200

        api_token_revoke(token=token, acting_user=program_admin)

        response = token_client(key).get(API_ROOT)
        assert response.status_code == 401
        assert response.json() == {"detail": "The token is not valid or has been revoked."}
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert User.objects.get(pk=token.user_id).is_active is False

    def test_revoking_twice_is_refused(self, program_admin: User, make_token) -> None:
        token, _ = make_token()
        api_token_revoke(token=token, acting_user=program_admin)
        with pytest.raises(DomainError, match="already revoked"):
            api_token_revoke(token=token, acting_user=program_admin)

    def test_only_an_admin_of_the_program_revokes(self, make_token, supervisor: User) -> None:
        token, key = make_token()
        with pytest.raises(DomainError, match="Only an admin"):
            api_token_revoke(token=token, acting_user=supervisor)
        assert token_client(key).get(API_ROOT).status_code == 200


class TestThrottling:
    def test_after_twenty_failed_tokens_a_minute_the_address_waits(self, make_token, settings) -> None:
        _, key = make_token()
        for attempt in range(20):
            assert token_client(f"{KEY_PREFIX}guess{attempt}").get(API_ROOT).status_code == 401

        blocked = token_client(f"{KEY_PREFIX}guess-more").get(API_ROOT)
        also_blocked = token_client(key).get(API_ROOT)

        assert blocked.status_code == 429
        assert blocked.json()["detail"].startswith("Too many failed sign-ins with a token.")
        assert int(blocked["Retry-After"]) > 0
        assert also_blocked.status_code == 429

    def test_failures_are_forgotten_after_the_minute(self, make_token) -> None:
        _, key = make_token()
        start = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
        with time_machine.travel(start, tick=False):
            for attempt in range(20):
                token_client(f"{KEY_PREFIX}guess{attempt}").get(API_ROOT)
            assert token_client(key).get(API_ROOT).status_code == 429
        with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
            assert token_client(key).get(API_ROOT).status_code == 200

    def test_a_session_is_not_throttled_by_failed_tokens(self, api_as, care_manager: User) -> None:
        for attempt in range(20):
            token_client(f"{KEY_PREFIX}guess{attempt}").get(API_ROOT)

        assert api_as(care_manager).get(API_ROOT).status_code == 200
