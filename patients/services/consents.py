"""Consents the person gives: to take part, to share, to contact their supports, Part 2 disclosures."""

import datetime

from django.db import transaction

from accounts.errors import DomainError
from accounts.models import User
from accounts.persistence import save_valid
from patients.models import Consent, ConsentKind, Patient


@transaction.atomic
def consent_record(
    *,
    patient: Patient,
    kind: str,
    acting_user: User,
    given_on: datetime.date | None = None,
    recipient: str = "",
    purpose: str = "",
    information_scope: str = "",
    expires_on: datetime.date | None = None,
) -> Consent:
    """Record a consent the person gave. Taking part needs no more than the day it was given."""
    if kind not in ConsentKind.values:
        raise DomainError("Choose what the person agreed to.")
    today = patient.program.today()
    given_on = given_on or today
    if given_on > today:
        raise DomainError("The consent cannot be given in the future.")
    consent = Consent(
        patient=patient,
        kind=kind,
        recipient=recipient.strip(),
        purpose=purpose.strip(),
        information_scope=information_scope.strip(),
        given_on=given_on,
        expires_on=expires_on,
        recorded_by=acting_user,
    )
    save_valid(consent)
    return consent


def has_current_consent(*, patient: Patient, kind: str, on: datetime.date) -> bool:
    return Consent.objects.current(kind=kind, on=on).filter(patient=patient).exists()
