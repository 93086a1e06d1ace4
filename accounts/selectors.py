"""Reads about people and teams."""

from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import Role, Team, User


def teams_of(user: User) -> QuerySet[Team]:
    """The teams a care manager works in, or a supervisor supervises."""
    return Team.objects.filter(memberships__user=user)


def care_managers_of_teams(*, team_ids: Iterable[int] | QuerySet[Team]) -> QuerySet[User]:
    """Active care managers in any of the teams (ids, or a queryset of team ids read in the same query)."""
    return (
        User.objects.filter(role=Role.CARE_MANAGER, is_active=True, team_memberships__team_id__in=team_ids)
        .distinct()
        .order_by("last_name", "first_name", "id")
    )
