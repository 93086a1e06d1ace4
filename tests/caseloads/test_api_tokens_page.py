"""The API tokens card of the settings page: an admin creates a token, sees its key once, revokes it."""

import hashlib
import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.api_tokens import api_token_create
from accounts.models import ApiToken, User
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SETTINGS = reverse("caseloads:settings")
CREATE = reverse("caseloads:settings-api-token-create")
API_ROOT = "/api/v1/"
KEY_PATTERN = re.compile(r'id="api-token-new-key" value="(tdm_[^"]+)"')


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def revoke_url(token: ApiToken) -> str:
    return reverse("caseloads:settings-api-token-revoke", args=[token.pk])


def key_shown_in(response) -> str | None:
    found = KEY_PATTERN.search(response.content.decode())
    return found.group(1) if found else None


class TestCreating:
    def test_the_admin_sees_the_new_key_once_and_only_its_hash_is_stored(
        self, client, program_admin: User
    ) -> None:
        client.force_login(program_admin)

        response = client.post(CREATE, {"name": "County EHR"})

        assert response.status_code == 200
        key = key_shown_in(response)
        assert key is not None
        assert "Copy this key now. It is shown only this once." in response.content.decode()
        assert "no-store" in response["Cache-Control"]
        token = ApiToken.objects.get()
        assert (token.name, token.program_id, token.created_by_id) == (
            "County EHR",
            program_admin.program_id,
            program_admin.pk,
        )
        assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
        assert key not in (token.key_hash, token.key_prefix)
        assert token_client(key).get(API_ROOT).status_code == 200

        reloaded = client.get(SETTINGS)

        assert reloaded.status_code == 200
        assert key_shown_in(reloaded) is None
        assert key not in reloaded.content.decode()
        assert "County EHR" in reloaded.content.decode()
        assert f"Key starts {token.key_prefix}…" in reloaded.content.decode()

    def test_htmx_gets_the_section_with_the_key(self, client, program_admin: User) -> None:
        client.force_login(program_admin)

        response = client.post(CREATE, {"name": "Data warehouse"}, headers=HTMX)

        body = response.content.decode()
        assert response.status_code == 200
        assert body.lstrip().startswith('<section id="api-tokens"')
        assert key_shown_in(response) is not None
        assert "Token “Data warehouse” created." in body

    def test_a_name_already_used_is_refused_with_422_and_nothing_stored(
        self, client, program_admin: User
    ) -> None:
        api_token_create(program=program_admin.program, name="County EHR", acting_user=program_admin)
        client.force_login(program_admin)

        response = client.post(CREATE, {"name": "county ehr"}, headers=HTMX)

        assert response.status_code == 422
        assert (
            "This program already has a token named “county ehr”. Choose another name."
            in response.content.decode()
        )
        assert key_shown_in(response) is None
        assert ApiToken.objects.count() == 1

    def test_an_empty_name_is_refused(self, client, program_admin: User) -> None:
        client.force_login(program_admin)

        response = client.post(CREATE, {"name": "  "}, headers=HTMX)

        assert response.status_code == 422
        assert "Give the token a name that says which system uses it." in response.content.decode()
        assert ApiToken.objects.exists() is False


class TestRevoking:
    def test_revoking_marks_the_token_revoked_and_its_key_then_gets_401(
        self, client, program_admin: User
    ) -> None:
        token, key = api_token_create(
            program=program_admin.program, name="County EHR", acting_user=program_admin
        )
        assert token_client(key).get(API_ROOT).status_code == 200
        client.force_login(program_admin)

        response = client.post(revoke_url(token), headers=HTMX)

        assert response.status_code == 200
        assert (
            "Token “County EHR” revoked. The system using it can no longer sign in."
            in response.content.decode()
        )
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert token_client(key).get(API_ROOT).status_code == 401

    def test_a_plain_post_goes_back_to_the_section(self, client, program_admin: User) -> None:
        token, _ = api_token_create(
            program=program_admin.program, name="County EHR", acting_user=program_admin
        )
        client.force_login(program_admin)

        response = client.post(revoke_url(token))

        assert response.status_code == 302
        assert response["Location"] == f"{SETTINGS}#api-tokens"
        page = client.get(SETTINGS).content.decode()
        assert f'id="api-token-{token.pk}-revoke"' not in page
        assert "Revoked" in page

    def test_revoking_twice_is_refused_with_422(self, client, program_admin: User) -> None:
        token, _ = api_token_create(
            program=program_admin.program, name="County EHR", acting_user=program_admin
        )
        client.force_login(program_admin)
        client.post(revoke_url(token), headers=HTMX)
        revoked_at = ApiToken.objects.get().revoked_at

        response = client.post(revoke_url(token), headers=HTMX)

        assert response.status_code == 422
        assert "This token is already revoked." in response.content.decode()
        assert ApiToken.objects.get().revoked_at == revoked_at

    def test_another_programs_token_answers_404(
        self, client, program_admin: User, other_program_admin: User
    ) -> None:
        token, key = api_token_create(
            program=other_program_admin.program, name="Their EHR", acting_user=other_program_admin
        )
        client.force_login(program_admin)

        response = client.post(revoke_url(token))

        assert response.status_code == 404
        assert ApiToken.objects.get().revoked_at is None
        assert token_client(key).get(API_ROOT).status_code == 200


@pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_lead"])
def test_only_program_admins_use_the_tokens_card(client, request, program_admin: User, persona: str) -> None:
    token, key = api_token_create(program=program_admin.program, name="County EHR", acting_user=program_admin)
    client.force_login(request.getfixturevalue(persona))

    created = client.post(CREATE, {"name": "Sneaky"})
    revoked = client.post(revoke_url(token))

    assert (created.status_code, revoked.status_code) == (403, 403)
    assert list(ApiToken.objects.values_list("name", "revoked_at")) == [("County EHR", None)]
    assert token_client(key).get(API_ROOT).status_code == 200


def test_the_card_lists_who_created_each_token_and_when_it_was_last_used(client, program_admin: User) -> None:
    token, key = api_token_create(program=program_admin.program, name="County EHR", acting_user=program_admin)
    api_token_create(program=program_admin.program, name="Data warehouse", acting_user=program_admin)
    token_client(key).get(API_ROOT)
    client.force_login(program_admin)

    page = client.get(SETTINGS).content.decode()
    section = page[page.index('<section id="api-tokens"') :]
    facts = [
        re.sub(r"\s+", " ", fact).strip()
        for fact in re.findall(r'<p class="muted settings-person-facts">(.*?)</p>', section, re.S)
    ]

    assert len(facts) == 2
    assert facts[0].startswith("Key starts tdm_")
    assert facts[0].endswith("Never used")
    assert f"Created by {program_admin}" in facts[1]
    assert "Last used" in facts[1]
    assert token.key_prefix in facts[1]


def test_a_tokens_service_user_is_not_listed_or_editable_as_a_person(client, program_admin: User) -> None:
    token, _ = api_token_create(program=program_admin.program, name="County EHR", acting_user=program_admin)
    client.force_login(program_admin)

    page = client.get(SETTINGS).content.decode()
    people = page[page.index('id="people"') : page.index('<section id="api-tokens"')]

    assert "County EHR (API token)" not in people
    assert str(program_admin) in people
    person_url = reverse("caseloads:settings-person-update", args=[token.user_id])
    assert client.post(person_url, {"role": "care_manager"}).status_code == 404
    assert User.objects.get(pk=token.user_id).role == "program_admin"
