"""Every change to patients, enrolments, referrals and care teams goes through a function here.

Each function runs in one transaction, locks the rows it reads before it writes, and raises
DomainError with a message a person can act on when a rule says no.
"""

import dataclasses
import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.errors import DomainError
from accounts.models import Program, Role, TeamMembership, User
from accounts.persistence import save_valid as _save
from patients.models import (
    CARE_STATUSES,
    CLOSED_STATUSES,
    AccessAction,
    AccessEvent,
    CareTeamMember,
    CareTeamRole,
    CommunitySupport,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Phase,
    Referral,
)

logger = logging.getLogger(__name__)

S = EnrollmentStatus

# The enrolment pipeline. Closed statuses are final: coming back opens a new episode.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.REFERRED: (S.SCREENING, S.OUTREACH, S.DECLINED, S.NOT_A_FIT),
    S.SCREENING: (S.OUTREACH, S.DECLINED, S.NOT_A_FIT),
    S.OUTREACH: (S.ACTIVE, S.DECLINED, S.DISENROLLED),
    S.ACTIVE: (S.MAINTENANCE, S.GRADUATED, S.DISENROLLED),
    S.MAINTENANCE: (S.ACTIVE, S.GRADUATED, S.DISENROLLED),
    S.GRADUATED: (),
    S.DECLINED: (),
    S.NOT_A_FIT: (),
    S.DISENROLLED: (),
}

# The end reason a closing status implies; disenrolment needs the person's own reason.
_IMPLIED_END_REASON = {
    S.GRADUATED: EndReason.GRADUATED,
    S.DECLINED: EndReason.DECLINED,
    S.NOT_A_FIT: EndReason.NOT_A_FIT,
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class PersonDetails:
    """Who is being referred. Names and date of birth are required; the rest as known."""

    legal_first_name: str
    legal_last_name: str
    date_of_birth: datetime.date
    mrn: str = ""
    preferred_name: str = ""
    pronouns: str = ""
    gender: str = ""
    preferred_language: str = "English"
    needs_interpreter: bool = False
    phone: str = ""
    can_receive_texts: bool = False
    email: str = ""
    address_line: str = ""
    city: str = ""
    postal_code: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReferralDetails:
    source: str
    reason: str
    referrer_name: str = ""
    referrer_organization: str = ""
    referrer_phone: str = ""
    patient_priorities: str = ""
    urgency: str = "routine"
    received_at: datetime.datetime | None = None


def enrollment_lock(enrollment: Enrollment) -> Enrollment:
    """The enrolment re-read and locked for a change, with its program (for its time zone and today)."""
    return Enrollment.objects.select_for_update(of=("self",)).select_related("program").get(pk=enrollment.pk)


def enrollment_lock_in_care(
    enrollment: Enrollment,
    *,
    refusal: str = "This can be recorded only while the person is in outreach or in care.",
) -> Enrollment:
    """`enrollment_lock`, refusing with `refusal` unless the person is in outreach or in care."""
    enrollment = enrollment_lock(enrollment)
    if enrollment.status not in CARE_STATUSES:
        raise DomainError(refusal)
    return enrollment


@transaction.atomic
def referral_receive(
    *,
    program: Program,
    person: PersonDetails,
    referral: ReferralDetails,
    acting_user: User,
    existing_patient: Patient | None = None,
) -> Enrollment:
    """Take in a referral: a new patient (or a returning one) and a new episode in `referred`."""
    received_at = referral.received_at or timezone.now()
    if existing_patient is None:
        patient = Patient(program=program, **dataclasses.asdict(person))
        _save(patient)
        previous = None
    else:
        patient = Patient.objects.select_for_update().get(pk=existing_patient.pk)
        if patient.program_id != program.pk:
            raise DomainError("This person belongs to another program.")
        if patient.enrollments.exclude(status__in=CLOSED_STATUSES).exists():
            raise DomainError(
                "This person already has an open enrolment. Add to that one instead of starting another."
            )
        previous = patient.enrollments.order_by("-referred_on", "-id").first()
    enrollment = Enrollment(
        patient=patient,
        program=program,
        status=S.REFERRED,
        status_changed_at=received_at,
        referred_on=program.local_date(received_at),
        previous_enrollment=previous,
    )
    _save(enrollment)
    details = dataclasses.asdict(referral) | {"received_at": received_at}
    _save(Referral(enrollment=enrollment, received_by=acting_user, **details))
    logger.info("referral_received enrollment=%s source=%s", enrollment.pk, referral.source)
    return enrollment


def _require_care_manager(care_manager: User, enrollment: Enrollment) -> None:
    if care_manager.program_id != enrollment.program_id or not care_manager.is_active:
        raise DomainError("Choose an active care manager from this program.")
    if care_manager.role != Role.CARE_MANAGER:
        raise DomainError(f"{care_manager} is not a care manager, so cannot be the primary care manager.")


def _team_for(care_manager: User, enrollment: Enrollment) -> int:
    team_ids = list(TeamMembership.objects.filter(user=care_manager).values_list("team_id", flat=True))
    if enrollment.team_id in team_ids:
        return enrollment.team_id
    if len(team_ids) == 1:
        return team_ids[0]
    if not team_ids:
        raise DomainError(f"{care_manager} is not in a team yet. Add them to a team first.")
    raise DomainError(f"{care_manager} works in several teams; choose the team for this enrolment.")


@transaction.atomic
def primary_care_manager_assign(
    *,
    enrollment: Enrollment,
    care_manager: User,
    acting_user: User,
    on: datetime.date | None = None,
    transfer_note: str = "",
    team_id: int | None = None,
) -> CareTeamMember:
    """Make `care_manager` the primary care manager. A current one is ended, with the note kept.

    The enrolment's team follows the care manager's team.
    """
    enrollment = enrollment_lock(enrollment)
    on = on or enrollment.program.today()
    if enrollment.is_closed:
        raise DomainError("This enrolment has ended; start a new one to assign a care manager.")
    _require_care_manager(care_manager, enrollment)
    current = (
        CareTeamMember.objects.select_for_update()
        .filter(enrollment=enrollment, ended_on__isnull=True, user__isnull=False)
        .order_by("pk")
    )
    current_primary = next((member for member in current if member.is_primary), None)
    if current_primary is not None and current_primary.user_id == care_manager.pk:
        raise DomainError(f"{care_manager} is already the primary care manager.")
    if current_primary is not None and current_primary.started_on > on:
        raise DomainError("The transfer date is before the current care manager started.")
    _require_not_before_referral(enrollment, on)
    if current_primary is not None:
        current_primary.ended_on = on
        current_primary.end_reason = "Transferred to another care manager"
        _save(current_primary, update_fields=["ended_on", "end_reason"])
    # Someone already on the team in another role takes the primary role as a new membership.
    for member in current:
        if member.user_id == care_manager.pk and not member.is_primary:
            member.ended_on = on
            member.end_reason = "Became primary care manager"
            _save(member, update_fields=["ended_on", "end_reason"])
    new_team_id = team_id if team_id is not None else _team_for(care_manager, enrollment)
    if not TeamMembership.objects.filter(user=care_manager, team_id=new_team_id).exists():
        raise DomainError(f"{care_manager} is not in that team.")
    if enrollment.team_id != new_team_id:
        enrollment.team_id = new_team_id
        _save(enrollment, update_fields=["team", "updated_at"])
    primary = CareTeamMember(
        enrollment=enrollment,
        user=care_manager,
        role=CareTeamRole.CARE_MANAGER,
        is_primary=True,
        started_on=on,
        transfer_note=transfer_note,
        added_by=acting_user,
    )
    _save(primary)
    logger.info("primary_care_manager_assigned enrollment=%s user=%s", enrollment.pk, care_manager.pk)
    return primary


@transaction.atomic
def enrollment_move(
    *,
    enrollment: Enrollment,
    to_status: str,
    acting_user: User,
    on: datetime.date | None = None,
    end_reason: str = "",
    note: str = "",
    reapproach_on: datetime.date | None = None,
    reapproach_preference: str = "",
) -> Enrollment:
    """Move an enrolment along the pipeline. Only the transitions in ALLOWED_TRANSITIONS are allowed."""
    enrollment = enrollment_lock(enrollment)
    on = on or enrollment.program.today()
    if to_status not in S.values:
        raise DomainError(f"“{to_status}” is not an enrolment status.")
    current_label, target_label = S(enrollment.status).label, S(to_status).label
    if to_status not in ALLOWED_TRANSITIONS[enrollment.status]:
        allowed = ", ".join(S(status).label.lower() for status in ALLOWED_TRANSITIONS[enrollment.status])
        raise DomainError(
            f"An enrolment cannot move from {current_label.lower()} to {target_label.lower()}."
            + (f" From {current_label.lower()} it can move to: {allowed}." if allowed else " It has ended.")
        )
    _require_not_before_referral(enrollment, on)
    if to_status in CARE_STATUSES and not _has_current_primary(enrollment):
        raise DomainError(f"Assign a primary care manager before moving to {target_label.lower()}.")
    if to_status == S.ACTIVE and enrollment.enrolled_on is None:
        enrollment.enrolled_on = on
    if to_status in CLOSED_STATUSES:
        implied = _IMPLIED_END_REASON.get(to_status)
        if implied and end_reason and end_reason != implied:
            raise DomainError(
                f"A move to {target_label.lower()} records that as the reason; "
                "to record another reason, disenrol the person instead."
            )
        reason = implied or end_reason
        if not reason:
            raise DomainError("Say why the enrolment is ending.")
        if reason not in EndReason.values:
            raise DomainError(f"“{reason}” is not a reason for ending an enrolment.")
        if enrollment.enrolled_on is not None and on < enrollment.enrolled_on:
            raise DomainError("The end date is before the person was enrolled.")
        enrollment.ended_on = on
        enrollment.end_reason = reason
        enrollment.end_note = note
        enrollment.reapproach_on = reapproach_on
        enrollment.reapproach_preference = reapproach_preference
        _end_care_team(enrollment, on=on)
    elif reapproach_on is not None:
        raise DomainError("A re-approach date belongs to people who declined or could not be reached.")
    enrollment.status = to_status
    enrollment.status_changed_at = timezone.now()
    _save(enrollment)
    logger.info("enrollment_moved enrollment=%s to=%s", enrollment.pk, to_status)
    return enrollment


def _require_not_before_referral(enrollment: Enrollment, on: datetime.date) -> None:
    if on < enrollment.referred_on:
        raise DomainError("The date is before the referral was received.")


def _has_current_primary(enrollment: Enrollment) -> bool:
    return CareTeamMember.objects.filter(
        enrollment=enrollment, is_primary=True, ended_on__isnull=True
    ).exists()


def _end_care_team(enrollment: Enrollment, *, on: datetime.date) -> None:
    members = CareTeamMember.objects.select_for_update().filter(enrollment=enrollment, ended_on__isnull=True)
    for member in members.order_by("pk"):
        member.ended_on = max(on, member.started_on)
        member.end_reason = "Enrolment ended"
        _save(member, update_fields=["ended_on", "end_reason"])


@transaction.atomic
def care_team_member_add(
    *,
    enrollment: Enrollment,
    role: str,
    acting_user: User,
    user: User | None = None,
    name: str = "",
    organization: str = "",
    phone: str = "",
    email: str = "",
    on: datetime.date | None = None,
) -> CareTeamMember:
    """Add a colleague (a Tandem user) or an outside clinician to the care team."""
    enrollment = enrollment_lock(enrollment)
    if enrollment.is_closed:
        raise DomainError("This enrolment has ended; its care team cannot change.")
    on = on or enrollment.program.today()
    _require_not_before_referral(enrollment, on)
    if user is None and not name.strip():
        raise DomainError("Give the name of the care team member.")
    if user is not None:
        if user.program_id != enrollment.program_id:
            raise DomainError(f"{user} works in another program.")
        if CareTeamMember.objects.filter(enrollment=enrollment, user=user, ended_on__isnull=True).exists():
            raise DomainError(f"{user} is already on the care team.")
    member = CareTeamMember(
        enrollment=enrollment,
        user=user,
        name=name.strip(),
        organization=organization,
        phone=phone,
        email=email,
        role=role,
        started_on=on,
        added_by=acting_user,
    )
    _save(member)
    return member


@transaction.atomic
def care_team_member_end(
    *, member: CareTeamMember, acting_user: User, reason: str = "", on: datetime.date | None = None
) -> CareTeamMember:
    """Take someone off the care team. The primary care manager is changed by a transfer instead."""
    enrollment = enrollment_lock(member.enrollment)
    member = CareTeamMember.objects.select_for_update().get(pk=member.pk)
    on = on or enrollment.program.today()
    if member.ended_on is not None:
        raise DomainError(f"{member.display_name} has already left the care team.")
    if member.is_primary:
        raise DomainError(
            "The primary care manager cannot simply be removed. Transfer the role to another care manager."
        )
    if on < member.started_on:
        raise DomainError("The end date is before this person joined the care team.")
    member.ended_on = on
    member.end_reason = reason
    _save(member, update_fields=["ended_on", "end_reason"])
    return member


@transaction.atomic
def enrollment_change_phase(
    *, enrollment: Enrollment, phase: str, evidence: str, acting_user: User, on: datetime.date | None = None
) -> Enrollment:
    """Move between engagement (building trust) and wellness (path to wellness), with the evidence."""
    enrollment = enrollment_lock(enrollment)
    on = on or enrollment.program.today()
    if phase not in Phase.values:
        raise DomainError(f"“{phase}” is not a phase.")
    if enrollment.status not in CARE_STATUSES:
        raise DomainError("The phase can change only while the person is in care.")
    if enrollment.phase == phase:
        raise DomainError(f"The enrolment is already in the {Phase(phase).label.lower()} phase.")
    if not evidence.strip():
        raise DomainError(
            "Say what shows the change of phase (for example, a co-created plan and trust built)."
        )
    _require_not_before_referral(enrollment, on)
    enrollment.phase = phase
    enrollment.phase_changed_on = on
    enrollment.phase_change_evidence = evidence.strip()
    _save(enrollment)
    return enrollment


def access_event_record(
    *,
    user: User,
    patient: Patient,
    route: str,
    action: str = AccessAction.VIEW,
    enrollment: Enrollment | None = None,
    object_type: str = "",
    object_id: int | None = None,
) -> AccessEvent:
    """Record that `user` saw `patient`'s record. Call inside the transaction that builds the page,
    so that the page fails if the record cannot be written."""
    return AccessEvent.objects.create(
        user=user,
        patient=patient,
        enrollment=enrollment,
        action=action,
        route=route[:200],
        object_type=object_type,
        object_id=object_id,
    )


def access_events_record_for_list(
    *, user: User, patients: list[Patient], route: str, action: str = AccessAction.LIST
) -> list[AccessEvent]:
    """Record that `user` saw (or exported) each of `patients` in a list: one row each, one INSERT.
    Call inside the transaction that builds the page or file, like access_event_record."""
    unique = {patient.pk: patient for patient in patients}.values()
    return AccessEvent.objects.bulk_create(
        AccessEvent(user=user, patient=patient, action=action, route=route[:200]) for patient in unique
    )


CARE_PREFERENCE_FIELDS = (
    "preferred_language",
    "needs_interpreter",
    "phone",
    "can_receive_texts",
    "preferred_contact_method",
    "best_times_to_reach",
    "preferred_meeting_places",
    "care_preference_notes",
)


@transaction.atomic
def patient_care_preferences_update(*, patient: Patient, acting_user: User, **preferences: object) -> Patient:
    """Change how and where the person likes to be reached and met. Only these fields can change here."""
    unknown = set(preferences) - set(CARE_PREFERENCE_FIELDS)
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    for name, value in preferences.items():
        setattr(patient, name, value.strip() if isinstance(value, str) else value)
    if not patient.preferred_language:
        raise DomainError("Say which language the person prefers.")
    _save(patient, update_fields=[*preferences, "updated_at"])
    logger.info("care_preferences_updated patient=%s", patient.pk)
    return patient


@transaction.atomic
def community_support_add(
    *,
    patient: Patient,
    acting_user: User,
    kind: str,
    name: str,
    relationship: str = "",
    phone: str = "",
    email: str = "",
    notes: str = "",
    is_trusted_to_involve: bool = False,
    consent_to_contact_on: datetime.date | None = None,
) -> CommunitySupport:
    """Add someone who helps: family, a sponsor, a church group. Involving them needs the person's consent."""
    if not name.strip():
        raise DomainError("Give the name of the person or group.")
    _require_consent_to_involve(
        patient=patient,
        is_trusted_to_involve=is_trusted_to_involve,
        consent_to_contact_on=consent_to_contact_on,
    )
    support = CommunitySupport(
        patient=patient,
        kind=kind,
        name=name.strip(),
        relationship=relationship.strip(),
        phone=phone.strip(),
        email=email.strip(),
        notes=notes.strip(),
        is_trusted_to_involve=is_trusted_to_involve,
        consent_to_contact_on=consent_to_contact_on,
    )
    _save(support)
    logger.info("community_support_added patient=%s support=%s", patient.pk, support.pk)
    return support


COMMUNITY_SUPPORT_FIELDS = (
    "kind",
    "name",
    "relationship",
    "phone",
    "email",
    "notes",
    "is_trusted_to_involve",
    "consent_to_contact_on",
)


def _require_consent_to_involve(
    *, patient: Patient, is_trusted_to_involve: bool, consent_to_contact_on: datetime.date | None
) -> None:
    if is_trusted_to_involve and consent_to_contact_on is None:
        raise DomainError("Record the day the person agreed that we may involve them.")
    if consent_to_contact_on is not None and consent_to_contact_on > patient.program.today():
        raise DomainError("The day of consent is in the future.")


def _lock_support(support: CommunitySupport) -> CommunitySupport:
    # The patient's program comes along for its time zone (the consent day and the end day).
    return (
        CommunitySupport.objects.select_for_update(of=("self",))
        .select_related("patient__program")
        .get(pk=support.pk)
    )


@transaction.atomic
def community_support_update(
    *, support: CommunitySupport, acting_user: User, **fields: object
) -> CommunitySupport:
    """Change a support's details. Only the fields in COMMUNITY_SUPPORT_FIELDS can change here, and
    only while they are involved; marking them trusted to involve needs the day the person agreed."""
    unknown = set(fields) - set(COMMUNITY_SUPPORT_FIELDS)
    if unknown:
        raise DomainError(f"These cannot be changed here: {', '.join(sorted(unknown))}.")
    support = _lock_support(support)
    if not support.is_active:
        raise DomainError(f"{support.name} is no longer involved. Add them again if they are back.")
    for name, value in fields.items():
        setattr(support, name, value.strip() if isinstance(value, str) else value)
    if not support.name:
        raise DomainError("Give the name of the person or group.")
    _require_consent_to_involve(
        patient=support.patient,
        is_trusted_to_involve=support.is_trusted_to_involve,
        consent_to_contact_on=support.consent_to_contact_on,
    )
    _save(support, update_fields=list(fields))
    logger.info("community_support_updated patient=%s support=%s", support.patient_id, support.pk)
    return support


@transaction.atomic
def community_support_end(
    *, support: CommunitySupport, acting_user: User, reason: str = ""
) -> CommunitySupport:
    """They are no longer involved. The row stays, with the day and the reason added to its notes, and
    leaves the record's list. It is no longer trusted to involve; the day consent was given is kept."""
    support = _lock_support(support)
    if not support.is_active:
        raise DomainError(f"{support.name} is already marked as no longer involved.")
    today = support.patient.program.today()
    ending = f"No longer involved from {format_date(today, 'j M Y')}"
    ending += f": {reason.strip()}" if reason.strip() else "."
    support.notes = f"{support.notes}\n{ending}" if support.notes else ending
    support.is_active = False
    support.is_trusted_to_involve = False
    _save(support, update_fields=["is_active", "is_trusted_to_involve", "notes"])
    logger.info("community_support_ended patient=%s support=%s", support.patient_id, support.pk)
    return support


# Services kept in their own modules, imported from here like every other patients service.
from patients.services.consents import consent_record, has_current_consent  # noqa: E402, F401
from patients.services.referrals_out import referral_out_create, referral_out_update  # noqa: E402, F401
from patients.services.resources import community_resource_save  # noqa: E402, F401
from patients.services.screening import referral_screen  # noqa: E402, F401
from patients.services.screening_questions import (  # noqa: E402, F401
    screening_question_add,
    screening_question_move,
    screening_question_update,
)
