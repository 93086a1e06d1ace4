"""Referrals out: connecting a person to another service, and following up until they got it (or not)."""

import datetime

from django.db import transaction

from accounts.errors import DomainError
from accounts.models import User
from accounts.persistence import save_valid as _save
from patients.models import (
    CLOSED_REFERRAL_OUT_STATUSES,
    REFERRAL_OUT_TRANSITIONS,
    CommunityResource,
    Enrollment,
    ReferralOut,
    ReferralOutReason,
    ReferralOutStatus,
)
from patients.services import enrollment_lock

# Without a date given, the care manager checks in on a referral out two weeks after making it.
DEFAULT_FOLLOW_UP_DAYS = 14


@transaction.atomic
def referral_out_create(
    *,
    enrollment: Enrollment,
    resource: CommunityResource,
    acting_user: User,
    reason: str = "",
    follow_up_on: datetime.date | None = None,
    on: datetime.date | None = None,
) -> ReferralOut:
    """Refer the person to a service in the directory (part of care, or a redirect for a poor fit)."""
    enrollment = enrollment_lock(enrollment)
    if resource.program_id != enrollment.program_id or not resource.is_active:
        raise DomainError("Choose a service from this program's directory.")
    today = enrollment.program.today()
    on = on or today
    if on > today:
        raise DomainError("The referral cannot be made in the future.")
    if on < enrollment.referred_on:
        raise DomainError("The referral out is before the person was referred to us.")
    follow_up_on = follow_up_on or on + datetime.timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
    if follow_up_on < on:
        raise DomainError("The follow-up date is before the referral was made.")
    referral = ReferralOut(
        enrollment=enrollment,
        resource=resource,
        reason=reason.strip(),
        referred_on=on,
        referred_by=acting_user,
        status=ReferralOutStatus.SENT,
        status_changed_on=on,
        follow_up_on=follow_up_on,
    )
    _save(referral)
    return referral


@transaction.atomic
def referral_out_update(
    *,
    referral: ReferralOut,
    acting_user: User,
    status: str,
    reason_code: str = "",
    outcome_note: str = "",
    follow_up_on: datetime.date | None = None,
    on: datetime.date | None = None,
) -> ReferralOut:
    """Move a referral out along sent -> accepted -> in progress -> delivered (or declined, couldn't
    contact). A closed one has its closing day and no follow-up; an open one needs a follow-up date."""
    referral = (
        ReferralOut.objects.select_for_update(of=("self",))
        .select_related("enrollment__program", "resource")
        .get(pk=referral.pk)
    )
    if status not in ReferralOutStatus.values:
        raise DomainError("Choose where the referral stands.")
    if reason_code not in ReferralOutReason.values:
        raise DomainError("Choose a reason from the list.")
    if status == referral.status and status in CLOSED_REFERRAL_OUT_STATUSES:
        # Re-saving a closed referral would move its closing day; only a real transition may reopen it.
        again = " To try again, mark it as sent." if REFERRAL_OUT_TRANSITIONS[status] else ""
        raise DomainError(
            f"This referral is already closed as “{referral.get_status_display().lower()}”.{again}"
        )
    if status != referral.status and status not in REFERRAL_OUT_TRANSITIONS[referral.status]:
        raise DomainError(
            f"A referral that is “{referral.get_status_display().lower()}” cannot become "
            f"“{ReferralOutStatus(status).label.lower()}”."
        )
    today = referral.enrollment.program.today()
    on = on or today
    if on > today:
        raise DomainError("The date is in the future.")
    if on < referral.referred_on:
        raise DomainError("The date is before the referral was made.")
    if referral.status_changed_on is not None and on < referral.status_changed_on:
        raise DomainError("The date is before the referral's last update.")
    closing = status in CLOSED_REFERRAL_OUT_STATUSES
    if status in (ReferralOutStatus.DECLINED, ReferralOutStatus.COULD_NOT_CONTACT) and not reason_code:
        raise DomainError("Say why, with one of the reasons.")
    if not closing and follow_up_on is None:
        # An update is itself the follow-up: a date already due moves on, or the referral stays overdue.
        still_ahead = referral.follow_up_on is not None and referral.follow_up_on > on
        follow_up_on = (
            referral.follow_up_on if still_ahead else on + datetime.timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
        )
    if follow_up_on is not None and follow_up_on < on and not closing:
        raise DomainError("The next follow-up is before today's update.")
    if status != referral.status:
        referral.status = status
        referral.status_changed_on = on
    referral.reason_code = reason_code
    if outcome_note.strip():
        referral.outcome_note = outcome_note.strip()
    referral.closed_on = on if closing else None
    referral.follow_up_on = None if closing else follow_up_on
    _save(referral)  # who changed it, and when, is in the audit trail (pghistory)
    return referral
