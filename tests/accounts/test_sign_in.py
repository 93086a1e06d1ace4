"""Signing in lands each role on its page; sessions end when idle or too old; lockout after failures."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from tests.accounts.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")


def sign_in(client, user, password: str = TEST_PASSWORD):
    return client.post(LOGIN_URL, {"username": user.username, "password": password}, follow=True)


def test_sign_in_page_renders_for_anonymous_visitors(client) -> None:
    page = client.get(LOGIN_URL).content.decode()
    assert "Sign in to Tandem" in page
    assert 'autocomplete="current-password"' in page


@pytest.mark.parametrize(
    ("persona", "landing", "heading"),
    [
        ("care_manager", "caseloads:my-caseload", "My caseload"),
        ("supervisor", "caseloads:dashboard", "Team dashboard"),
        ("program_admin", "patients:referral-queue", "Referrals"),
        ("program_lead", "caseloads:outcomes", "Program outcomes"),
    ],
)
def test_each_role_lands_on_its_own_page(client, request, persona: str, landing: str, heading: str) -> None:
    response = sign_in(client, request.getfixturevalue(persona))
    assert response.redirect_chain[-1][0] == reverse(landing)
    assert response.status_code == 200
    assert f"<h1>{heading}</h1>" in response.content.decode()


def test_wrong_password_shows_a_clear_message(client, care_manager) -> None:
    response = sign_in(client, care_manager, password="not-the-password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_sign_in_even_with_the_right_password(client, care_manager) -> None:
    for _ in range(5):
        sign_in(client, care_manager, password="not-the-password")
    response = sign_in(client, care_manager)
    assert "Sign-in is locked for now" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_user_reaches_django_admin(client, program_admin) -> None:
    client.force_login(program_admin)
    assert client.get(reverse("admin:index")).status_code == 200


def test_idle_session_ends_after_30_minutes(client, care_manager) -> None:
    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        sign_in(client, care_manager)
        assert client.get(reverse("caseloads:my-caseload")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=29))
        assert client.get(reverse("caseloads:my-caseload")).status_code == 200
        traveller.shift(datetime.timedelta(minutes=31))
        response = client.get(reverse("caseloads:my-caseload"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_active_session_ends_after_12_hours(client, care_manager) -> None:
    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 7, 0, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        sign_in(client, care_manager)
        for _ in range(32):  # busy all day: a request every 25 minutes, 13 hours in all
            traveller.shift(datetime.timedelta(minutes=25))
            response = client.get(reverse("caseloads:my-caseload"))
            if response.status_code != 200:
                break
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_sign_out_ends_the_session(client, care_manager) -> None:
    sign_in(client, care_manager)
    client.post(reverse("logout"))
    response = client.get(reverse("caseloads:my-caseload"))
    assert response.status_code == 302


def test_password_change_refuses_a_weak_password_with_a_reason(client, care_manager) -> None:
    client.force_login(care_manager)
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This password is too short" in page
    care_manager.refresh_from_db()
    assert care_manager.check_password(TEST_PASSWORD)


def test_password_change_accepts_a_strong_password(client, care_manager) -> None:
    client.force_login(care_manager)
    new_password = "river-lantern-orchard-42"
    response = client.post(
        reverse("password_change"),
        {"old_password": TEST_PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    care_manager.refresh_from_db()
    assert care_manager.check_password(new_password)
