"""Two people saving the same goal from the same version at the same moment: one wins, one is told."""

import threading

import pytest
from django.db import connection, connections

from accounts.errors import DomainError
from careplans.models import CarePlan, CarePlanVersion, Goal, LifeDomain
from careplans.services import GoalEditConflict, care_plan_start, goal_add, goal_update


@pytest.mark.django_db(transaction=True)
def test_simultaneous_goal_edits_from_one_version_keep_exactly_one(
    enrollment, care_manager, care_manager_same_team
) -> None:
    plan = care_plan_start(enrollment=enrollment, acting_user=care_manager)
    goal = goal_add(
        care_plan=plan,
        acting_user=care_manager,
        patient_words="I want my own place",
        life_domain=LifeDomain.HOUSING,
    )
    words = {
        care_manager.pk: "I want a flat near my sister",
        care_manager_same_team.pk: "I want a room with a door that locks",
    }
    barrier = threading.Barrier(2)
    lock = threading.Lock()
    saved: list[int] = []
    conflicts: list[GoalEditConflict] = []
    other: list[str] = []

    def edit(user) -> None:
        try:
            barrier.wait(timeout=10)
            goal_update(goal=goal, acting_user=user, expected_version=1, patient_words=words[user.pk])
            with lock:
                saved.append(user.pk)
        except GoalEditConflict as conflict:
            with lock:
                conflicts.append(conflict)
        except DomainError as refusal:
            with lock:
                other.append(f"refused: {refusal.message}")
        except Exception as error:  # reported by the assertions below
            with lock:
                other.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=edit, args=(user,)) for user in (care_manager, care_manager_same_team)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not any(thread.is_alive() for thread in threads)
    assert other == []
    assert len(saved) == 1
    assert len(conflicts) == 1
    (winner,) = saved
    loser = care_manager_same_team if winner == care_manager.pk else care_manager
    # The loser is shown the winner's goal, and told who saved it.
    conflict = conflicts[0]
    assert conflict.goal.patient_words == words[winner]
    assert conflict.goal.version == 2
    assert conflict.goal.updated_by_id == winner
    winner_user = care_manager if winner == care_manager.pk else care_manager_same_team
    assert conflict.message.startswith(f"{winner_user.get_full_name()} changed this goal at ")
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.patient_words, stored.version, stored.updated_by_id) == (words[winner], 2, winner)
    assert stored.patient_words != words[loser.pk]
    assert CarePlan.objects.get(pk=plan.pk).revision == 3
    assert list(
        CarePlanVersion.objects.filter(care_plan=plan).order_by("revision").values_list("revision", flat=True)
    ) == [1, 2, 3]
    assert connection.is_usable()
