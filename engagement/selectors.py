"""Reads of contacts and events. Callers pass an enrolment they got from patients.access."""

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast

from engagement.models import CheckIn, Contact, GoalProgress, LifeEvent, SuccessMoment
from patients.models import Enrollment


def next_contact_planned_on(*, enrollment: Enrollment) -> datetime.date | None:
    """The next contact day agreed at the latest contact that planned one, however long ago."""
    return (
        Contact.objects.filter(enrollment=enrollment, next_contact_on__isnull=False)
        .order_by("-occurred_at", "-pk")
        .values_list("next_contact_on", flat=True)
        .first()
    )


def recent_check_ins_of(*, enrollment: Enrollment, limit: int = 6) -> list[CheckIn]:
    """The latest check-ins, oldest first, so a trend reads left to right."""
    latest = list(CheckIn.objects.filter(enrollment=enrollment, confidence__isnull=False)[:limit])
    return latest[::-1]


def recent_success_moments_of(*, enrollment: Enrollment, limit: int = 3) -> list[SuccessMoment]:
    return list(SuccessMoment.objects.filter(enrollment=enrollment)[:limit])


def recent_life_events_of(*, enrollment: Enrollment, limit: int = 5) -> list[LifeEvent]:
    """The person's latest life events, including those before this enrolment."""
    return list(LifeEvent.objects.filter(patient_id=enrollment.patient_id)[:limit])


@dataclass(frozen=True)
class TimelineItem:
    """One entry of a person's timeline: `kind` says which model `entry` is."""

    kind: str
    at: datetime.datetime
    entry: Contact | LifeEvent | GoalProgress | CheckIn | SuccessMoment


@dataclass(frozen=True)
class TimelinePage:
    items: list[TimelineItem]
    number: int
    has_older: bool


_TIMELINE_MODELS: dict[str, type[models.Model]] = {
    "contact": Contact,
    "life_event": LifeEvent,
    "goal_progress": GoalProgress,
    "check_in": CheckIn,
    "success": SuccessMoment,
}


def _on_day(field: str) -> Cast:
    return Cast(field, output_field=models.DateTimeField())


def timeline_page_of(*, enrollment: Enrollment, number: int = 1, per_page: int = 20) -> TimelinePage:
    """Contacts, life events, goal progress, check-ins and successes, newest first, one page at a time.

    One UNION query finds the page; one query per kind present fetches the rows: at most six,
    however long the history.
    """
    number = max(1, number)

    def keyed(queryset: models.QuerySet, kind: str, at: models.Expression) -> models.QuerySet:
        return (
            queryset.order_by()
            .annotate(timeline_kind=Value(kind), timeline_at=at)
            .values_list("timeline_kind", "pk", "timeline_at")
        )

    feed = keyed(Contact.objects.filter(enrollment=enrollment), "contact", F("occurred_at")).union(
        keyed(
            LifeEvent.objects.filter(patient_id=enrollment.patient_id), "life_event", _on_day("occurred_on")
        ),
        keyed(
            GoalProgress.objects.filter(goal__care_plan__enrollment=enrollment),
            "goal_progress",
            F("recorded_at"),
        ),
        keyed(CheckIn.objects.filter(enrollment=enrollment), "check_in", _on_day("occurred_on")),
        keyed(SuccessMoment.objects.filter(enrollment=enrollment), "success", _on_day("occurred_on")),
        all=True,
    )
    start = (number - 1) * per_page
    keys = list(feed.order_by("-timeline_at", "-pk")[start : start + per_page + 1])
    has_older, keys = len(keys) > per_page, keys[:per_page]
    by_kind: dict[str, list[int]] = {}
    for kind, pk, _at in keys:
        by_kind.setdefault(kind, []).append(pk)
    related = {"contact": ("made_by",), "goal_progress": ("goal", "recorded_by")}
    entries = {}
    for kind, pks in by_kind.items():
        queryset = _TIMELINE_MODELS[kind].objects.all()
        if kind in related:
            queryset = queryset.select_related(*related[kind])
        entries[kind] = queryset.in_bulk(pks)
    items = [TimelineItem(kind=kind, at=at, entry=entries[kind][pk]) for kind, pk, at in keys]
    return TimelinePage(items=items, number=number, has_older=has_older)
