"""Two people transferring the same enrolment at the same moment never leave it with 0 or 2 primaries."""

import threading

import pytest
from django.db import connection, connections

from accounts.errors import DomainError
from patients.models import CareTeamMember
from patients.services import primary_care_manager_assign


@pytest.mark.django_db(transaction=True)
def test_simultaneous_transfers_leave_exactly_one_current_primary(
    enrollment, care_manager, care_manager_same_team, team_a
) -> None:
    from tests.accounts.factories import TeamMembershipFactory, UserFactory

    third = UserFactory(program=team_a.program, role="care_manager")
    TeamMembershipFactory(team=team_a, user=third)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def transfer(to_user) -> None:
        try:
            barrier.wait(timeout=10)
            primary_care_manager_assign(enrollment=enrollment, care_manager=to_user, acting_user=care_manager)
            outcomes.append("transferred")
        except DomainError as refusal:
            outcomes.append(f"refused: {refusal.message}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=transfer, args=(user,)) for user in (care_manager_same_team, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # The enrolment row lock serialises the two: both succeed one after the other.
    assert sorted(outcomes) == ["transferred", "transferred"]
    current = CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True, ended_on__isnull=True)
    assert current.count() == 1
    assert current.get().user_id in {care_manager_same_team.pk, third.pk}
    assert CareTeamMember.objects.filter(enrollment=enrollment, is_primary=True).count() == 3
    assert connection.is_usable()
