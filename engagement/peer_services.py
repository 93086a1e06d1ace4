"""Peer support writes: the program's groups and mentors, and connecting a person to them."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max

from accounts.dates import day_text
from accounts.errors import DomainError
from accounts.models import Program, User
from accounts.persistence import save_valid
from engagement.models import PeerConnection, PeerContact, PeerGroup, PeerGroupFormat, PeerMentor
from engagement.peer import can_manage_peer_support
from patients.models import Enrollment
from patients.services import enrollment_lock_in_care

logger = logging.getLogger(__name__)

PEER_REFUSAL = "Peer support can be changed only while the person is in outreach or in care."


def _require_manager(acting_user: User, program: Program) -> None:
    if not can_manage_peer_support(acting_user, program.pk):
        raise DomainError("Only the program's supervisors and admins can change its peer groups and mentors.")


def _clean_name(name: str, what: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError(f"Give the {what}'s name.")
    return name


@transaction.atomic
def peer_group_save(
    *,
    program: Program,
    acting_user: User,
    name: str,
    group_format: str,
    group: PeerGroup | None = None,
    meets: str = "",
    leader_name: str = "",
    leader_phone: str = "",
    is_active: bool = True,
) -> PeerGroup:
    """Add a peer group to the program (or change `group`): its supervisors and admins only. Names are
    unique in a program, whatever their case. A group no longer meeting (`is_active=False`) cannot be
    chosen for new connections; people already connected stay connected until someone ends it."""
    _require_manager(acting_user, program)
    # One change to a program's list at a time, so two people cannot add the same name at once.
    Program.objects.select_for_update().get(pk=program.pk)
    if group is not None:
        group = PeerGroup.objects.select_for_update().get(pk=group.pk)
        if group.program_id != program.pk:
            raise DomainError("This group belongs to another program.")
    name = _clean_name(name, "group")
    if group_format not in PeerGroupFormat.values:
        raise DomainError("Choose whether the group meets in person or online.")
    same_name = PeerGroup.objects.filter(program=program, name__iexact=name)
    if group is not None:
        same_name = same_name.exclude(pk=group.pk)
    if same_name.exists():
        raise DomainError(f"There is already a group called “{name}”. Edit that one instead.")
    group = group or PeerGroup(program=program)
    group.name = name
    group.format = group_format
    group.meets = meets.strip()
    group.leader_name = " ".join(leader_name.split())
    group.leader_phone = leader_phone.strip()
    group.is_active = is_active
    save_valid(group)
    logger.info("peer_group_saved group=%s program=%s", group.pk, program.pk)
    return group


@transaction.atomic
def peer_mentor_save(
    *,
    program: Program,
    acting_user: User,
    name: str,
    mentor: PeerMentor | None = None,
    phone: str = "",
    email: str = "",
    is_graduate: bool = False,
    languages: str = "",
    notes: str = "",
    is_active: bool = True,
) -> PeerMentor:
    """Add a peer mentor to the program (or change `mentor`): its supervisors and admins only.
    A graduate is listed by the name they volunteer under; nothing links the mentor to a patient."""
    _require_manager(acting_user, program)
    Program.objects.select_for_update().get(pk=program.pk)
    if mentor is not None:
        mentor = PeerMentor.objects.select_for_update().get(pk=mentor.pk)
        if mentor.program_id != program.pk:
            raise DomainError("This mentor belongs to another program.")
    name = _clean_name(name, "mentor")
    same_name = PeerMentor.objects.filter(program=program, name__iexact=name)
    if mentor is not None:
        same_name = same_name.exclude(pk=mentor.pk)
    if same_name.exists():
        raise DomainError(f"There is already a mentor called “{name}”. Edit that one instead.")
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError("Give an email address like name@example.org, or leave it empty.") from None
    mentor = mentor or PeerMentor(program=program)
    mentor.name = name
    mentor.phone = phone.strip()
    mentor.email = email
    mentor.is_graduate = is_graduate
    mentor.languages = languages.strip()
    mentor.notes = notes.strip()
    mentor.is_active = is_active
    save_valid(mentor)
    logger.info("peer_mentor_saved mentor=%s program=%s", mentor.pk, program.pk)
    return mentor


def _require_past_day(enrollment: Enrollment, day: datetime.date, what: str) -> None:
    if day > enrollment.program.today():
        raise DomainError(f"The {what} is in the future. Enter the day it happened.")
    if day < enrollment.referred_on:
        raise DomainError(f"The {what} is before the person was referred.")


@transaction.atomic
def peer_connection_start(
    *,
    enrollment: Enrollment,
    acting_user: User,
    started_on: datetime.date,
    group: PeerGroup | None = None,
    mentor: PeerMentor | None = None,
    note: str = "",
) -> PeerConnection:
    """Connect the person to one of the program's groups still meeting, or to one of its mentors
    still volunteering. One open connection per group or mentor per episode."""
    enrollment = enrollment_lock_in_care(enrollment, refusal=PEER_REFUSAL)
    _require_past_day(enrollment, started_on, "start date")
    if group is not None and mentor is None:
        group = PeerGroup.objects.select_for_update().get(pk=group.pk)
        if group.program_id != enrollment.program_id or not group.is_active:
            raise DomainError("Choose a group that still meets.")
        already = enrollment.peer_connections.filter(group=group, ended_on__isnull=True)
        named = f"the group “{group.name}”"
    elif mentor is not None and group is None:
        mentor = PeerMentor.objects.select_for_update().get(pk=mentor.pk)
        if mentor.program_id != enrollment.program_id or not mentor.is_active:
            raise DomainError("Choose a mentor who still volunteers.")
        already = enrollment.peer_connections.filter(mentor=mentor, ended_on__isnull=True)
        named = mentor.name
    else:
        raise DomainError("Choose one group or one mentor.")
    if already.exists():
        raise DomainError(f"They are already connected to {named}.")
    connection = PeerConnection(
        enrollment=enrollment, group=group, mentor=mentor, started_on=started_on, note=note.strip()
    )
    save_valid(connection)
    logger.info("peer_connection_started enrollment=%s connection=%s", enrollment.pk, connection.pk)
    return connection


def _lock_connection(connection: PeerConnection) -> tuple[Enrollment, PeerConnection]:
    enrollment = enrollment_lock_in_care(connection.enrollment, refusal=PEER_REFUSAL)
    return enrollment, PeerConnection.objects.select_for_update().get(pk=connection.pk)


@transaction.atomic
def peer_contact_log(
    *, connection: PeerConnection, acting_user: User, occurred_on: datetime.date, note: str = ""
) -> PeerContact:
    """Note that the person met their mentor or went to their group. The day falls within the
    connection: not before it started, not after it ended, never in the future."""
    enrollment, connection = _lock_connection(connection)
    _require_past_day(enrollment, occurred_on, "peer contact")
    if occurred_on < connection.started_on:
        raise DomainError("The peer contact is before they were connected.")
    if connection.ended_on is not None and occurred_on > connection.ended_on:
        raise DomainError("The peer contact is after the connection ended.")
    contact = PeerContact(
        connection=connection, occurred_on=occurred_on, note=note.strip(), recorded_by=acting_user
    )
    save_valid(contact)
    logger.info("peer_contact_logged connection=%s contact=%s", connection.pk, contact.pk)
    return contact


@transaction.atomic
def peer_connection_end(
    *, connection: PeerConnection, acting_user: User, ended_on: datetime.date
) -> PeerConnection:
    """The person no longer goes to the group or sees the mentor. The connection and its contacts
    stay on the record."""
    enrollment, connection = _lock_connection(connection)
    if connection.ended_on is not None:
        raise DomainError("This connection has already ended.")
    _require_past_day(enrollment, ended_on, "end date")
    if ended_on < connection.started_on:
        raise DomainError("The end date is before they were connected.")
    last_contact_on = connection.contacts.aggregate(last=Max("occurred_on"))["last"]
    if last_contact_on is not None and ended_on < last_contact_on:
        raise DomainError(f"The end date is before the last peer contact ({day_text(last_contact_on)}).")
    connection.ended_on = ended_on
    save_valid(connection, update_fields=["ended_on"])
    logger.info("peer_connection_ended connection=%s", connection.pk)
    return connection
