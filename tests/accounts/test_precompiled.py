"""Reads compiled once and run with each request's values (accounts.precompiled)."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Value
from django.db.models.expressions import RawSQL

from accounts.models import Program, User
from accounts.precompiled import PrecompiledRead, instance_builder
from caseloads.models import CaseloadStatus
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db


def _users_in(*, ids: list[int]):
    return (
        User.objects.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
        .order_by("pk")
        .values_list("pk", "username")
    )


def test_each_run_uses_its_own_values_and_the_sql_is_compiled_once(
    care_manager, care_manager_same_team, supervisor, django_assert_num_queries
) -> None:
    read = PrecompiledRead(build=_users_in, stand_ins={"ids": [-1]})

    with django_assert_num_queries(1):
        first = read.rows(ids=[care_manager.pk])
    compiled = read._compiled
    second = read.rows(ids=[supervisor.pk, care_manager_same_team.pk])

    assert first == [(care_manager.pk, care_manager.username)]
    assert second == sorted(
        [(supervisor.pk, supervisor.username), (care_manager_same_team.pk, care_manager_same_team.username)]
    )
    assert read.rows(ids=[]) == []
    assert read._compiled is compiled


def test_a_stand_in_used_twice_gets_the_value_in_both_places(
    care_manager, care_manager_same_team, supervisor
) -> None:
    def twice(*, ids: list[int]):
        return _users_in(ids=ids).filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))

    read = PrecompiledRead(build=twice, stand_ins={"ids": [-1]})

    assert read.rows(ids=[supervisor.pk, care_manager.pk]) == sorted(
        [(supervisor.pk, supervisor.username), (care_manager.pk, care_manager.username)]
    )
    assert read.rows(ids=[care_manager_same_team.pk]) == [
        (care_manager_same_team.pk, care_manager_same_team.username)
    ]


def test_a_read_that_cannot_be_kept_is_refused(care_manager) -> None:
    def never(*, ids: list[int]):
        return User.objects.values_list("pk")

    def alike(*, ids: list[int], team_ids: list[int]):
        return _users_in(ids=ids).filter(team_memberships__team__in=RawSQL("SELECT unnest(%s)", (team_ids,)))

    def reads_while_built(*, ids: list[int]):
        # Evaluated while building: the first request's answer would be kept in the SQL.
        return _users_in(ids=[*ids, *User.objects.values_list("pk", flat=True)])

    def copies_the_value(*, ids: list[int]):
        # The value written into a text: the text would keep the first request's value.
        return _users_in(ids=ids).exclude(username=f"left-out-{ids[0]}")

    refusals = [
        (copies_the_value, {"ids": [-1]}, "compiles differently for other values"),
        (never, {"ids": [-1]}, "'ids' is not in the compiled read"),
        (alike, {"ids": [-1], "team_ids": [-1]}, "same value"),
        (reads_while_built, {"ids": [-1]}, "must not read the database"),
    ]
    for build, stand_ins, message in refusals:
        with pytest.raises(ImproperlyConfigured, match=message):
            PrecompiledRead(build=build, stand_ins=stand_ins).rows(
                **{name: [care_manager.pk] for name in stand_ins}
            )


def test_columns_are_converted_as_the_orm_converts_them(make_enrollment, care_manager) -> None:
    enrollment = make_enrollment(care_manager=care_manager)
    reasons_given = ["Two ED visits", "No housing"]
    CaseloadStatusFactory(
        enrollment=enrollment, care_manager=care_manager, recommendation_reasons=reasons_given
    )
    moment = datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC)

    def reasons(*, enrollment_id: int, now: datetime.datetime):
        return CaseloadStatus.objects.filter(enrollment_id=enrollment_id).values_list(
            "recommendation_reasons", Value(now)
        )

    long_ago = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
    read = PrecompiledRead(build=reasons, stand_ins={"enrollment_id": -1, "now": long_ago})

    assert read.rows(enrollment_id=enrollment.pk, now=moment) == [(reasons_given, moment)]


def test_an_instance_from_some_columns_reads_the_rest_when_asked(program) -> None:
    built = instance_builder(Program)(["id", "name"], [program.pk, "Renamed here only"])

    assert built.name == "Renamed here only"
    assert built.get_deferred_fields() >= {"time_zone"}
    assert built.time_zone == Program.objects.values_list("time_zone", flat=True).get(pk=program.pk)
    assert built._state.adding is False
