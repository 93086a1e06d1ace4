"""Every link in a role's top navigation opens for that role."""

import pytest

from accounts.navigation import navigation_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "labels"),
    [
        ("care_manager", ["My caseload", "Peer support", "Resources"]),
        ("supervisor", ["Dashboard", "Peer support", "Resources"]),
        ("program_lead", ["Outcomes", "Dashboard", "Program"]),
    ],
)
def test_each_navigation_link_opens_for_the_role(client, request, persona, labels) -> None:
    user = request.getfixturevalue(persona)
    links = navigation_for(user)
    assert [link.label for link in links] == labels
    client.force_login(user)
    assert {link.label: client.get(link.url).status_code for link in links} == dict.fromkeys(labels, 200)


def test_a_program_admins_links_all_open(client, program_admin) -> None:
    client.force_login(program_admin)
    statuses = {link.label: client.get(link.url).status_code for link in navigation_for(program_admin)}
    assert set(statuses.values()) == {200}, statuses
