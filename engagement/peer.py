"""Peer support reads: the program's groups and mentors, and each person's connections to them.

Groups and mentors belong to a program: everyone working in it may read the list (care managers use it
to connect people), and only its supervisors and program admins keep it (`can_manage_peer_support`).
"""

from dataclasses import dataclass

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from accounts.models import Program, Role, User
from engagement.models import PeerConnection, PeerContact, PeerGroup, PeerMentor
from patients.models import Enrollment

PEER_SUPPORT_MANAGERS = (Role.SUPERVISOR, Role.PROGRAM_ADMIN)


def can_manage_peer_support(user: User, program_id: int | None) -> bool:
    """Supervisors and program admins of the program add and change its peer groups and mentors."""
    return (
        user.is_authenticated
        and user.is_active
        and program_id is not None
        and user.program_id == program_id
        and user.role in PEER_SUPPORT_MANAGERS
    )


def peer_connections_of(*, enrollment: Enrollment) -> list[PeerConnection]:
    """The episode's peer connections, current ones first (latest started first), then ended ones
    (latest ended first). One query, however many connections and contacts.

    Each carries its group or mentor, `last_contact_on` and `last_contact_note` (the latest peer contact,
    or None) and `contact_count`.
    `enrollment` must come from a scoped entry point (patients.access).
    """
    latest = PeerContact.objects.filter(connection=OuterRef("pk")).order_by("-occurred_on", "-pk")
    count = (
        PeerContact.objects.filter(connection=OuterRef("pk"))
        .order_by()
        .values("connection")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return list(
        PeerConnection.objects.filter(enrollment=enrollment)
        .select_related("group", "mentor")
        .annotate(
            last_contact_on=Subquery(latest.values("occurred_on")[:1]),
            last_contact_note=Subquery(latest.values("note")[:1]),
            contact_count=Coalesce(Subquery(count), 0),
        )
        .order_by(F("ended_on").desc(nulls_first=True), "-started_on", "-pk")
    )


def peer_connection_of(*, enrollment: Enrollment, connection_id: int) -> PeerConnection:
    """One of the episode's connections; Http404 for any other (another person's, another episode's)."""
    return get_object_or_404(
        PeerConnection.objects.select_related("group", "mentor"), pk=connection_id, enrollment=enrollment
    )


def _open_connections() -> Count:
    return Count("connections", filter=Q(connections__ended_on__isnull=True))


def peer_groups_of(*, program_id: int | None) -> QuerySet[PeerGroup]:
    """The program's groups, meeting ones first, each with `connected_count` (people connected now)."""
    return (
        PeerGroup.objects.filter(program_id=program_id)
        .annotate(connected_count=_open_connections())
        .order_by("-is_active", "name", "pk")
    )


def peer_mentors_of(*, program_id: int | None) -> QuerySet[PeerMentor]:
    """The program's mentors, volunteering ones first, each with `connected_count`."""
    return (
        PeerMentor.objects.filter(program_id=program_id)
        .annotate(connected_count=_open_connections())
        .order_by("-is_active", "name", "pk")
    )


@dataclass(frozen=True)
class PeerDirectory:
    groups: list[PeerGroup]
    mentors: list[PeerMentor]


def peer_directory_for(*, user: User) -> PeerDirectory:
    """The groups and mentors of `user`'s program, in two queries whatever their number. Counts are of
    people across the program: a number, never who."""
    return PeerDirectory(
        groups=list(peer_groups_of(program_id=user.program_id)),
        mentors=list(peer_mentors_of(program_id=user.program_id)),
    )


def peer_group_for_user(user: User, group_id: int) -> PeerGroup:
    """A group of `user`'s program; Http404 for another program's or an unknown one."""
    return get_object_or_404(PeerGroup, pk=group_id, program_id=user.program_id)


def peer_mentor_for_user(user: User, mentor_id: int) -> PeerMentor:
    """A mentor of `user`'s program; Http404 for another program's or an unknown one."""
    return get_object_or_404(PeerMentor, pk=mentor_id, program_id=user.program_id)


def peer_options_for(*, program: Program) -> PeerDirectory:
    """What a person can be connected to: the program's groups still meeting and mentors still
    volunteering (two queries)."""
    return PeerDirectory(
        groups=list(PeerGroup.objects.filter(program=program, is_active=True).order_by("name", "pk")),
        mentors=list(PeerMentor.objects.filter(program=program, is_active=True).order_by("name", "pk")),
    )
