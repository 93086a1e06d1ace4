"""What every page about one patient shares: who may see or change it, and the access event.

Views of the plan, the handout and the assessment start from `patient_in_care_for` (404 outside the
user's scope) or `patient_to_change` (403 for someone who may only read), and render through
`render_patient_page`, which writes the access event in the same transaction as the page.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.models import User
from careplans.models import CarePlan
from careplans.selectors import active_care_plan_of
from patients.access import can_change_record, can_see_part2, patient_for_user
from patients.models import Enrollment, Patient
from patients.selectors import current_enrollment_of
from patients.services import access_event_record


@dataclass(frozen=True)
class PatientInCare:
    """A patient the user may see, their current episode and its active plan."""

    patient: Patient
    enrollment: Enrollment | None
    care_plan: CarePlan | None
    # The person is in outreach or care and the user may change their record.
    can_change: bool
    # The user is on the care team, so 42 CFR Part 2 (substance use) content is shown.
    shows_part2: bool

    @property
    def first_name(self) -> str:
        return self.patient.preferred_name or self.patient.legal_first_name


def patient_in_care_for(*, user: User, patient_id: int) -> PatientInCare:
    """Http404 when `user` may not see the patient."""
    patient = patient_for_user(user, patient_id)
    enrollment = current_enrollment_of(user=user, patient=patient)
    if enrollment is None:
        return PatientInCare(patient, None, None, can_change=False, shows_part2=False)
    return PatientInCare(
        patient,
        enrollment,
        active_care_plan_of(enrollment=enrollment),
        can_change=can_change_record(user, enrollment),
        shows_part2=can_see_part2(user, enrollment),
    )


def patient_to_change(*, user: User, patient_id: int) -> PatientInCare:
    """As patient_in_care_for, and PermissionDenied (403) if `user` may only read the record."""
    patient = patient_in_care_for(user=user, patient_id=patient_id)
    if not patient.can_change:
        raise PermissionDenied
    return patient


def render_patient_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    patient: Patient,
    enrollment: Enrollment | None,
    object_type: str,
    object_id: int | None,
    status: int = 200,
) -> TemplateResponse:
    """Render a page (or part of one) about a patient. The access event and the page are one unit:
    if the event cannot be written, nothing is shown."""
    with transaction.atomic():
        access_event_record(
            user=request.user,
            patient=patient,
            enrollment=enrollment,
            route=request.path,
            object_type=object_type,
            object_id=object_id,
        )
        response = TemplateResponse(request, template, context, status=status)
        response.render()
    return response
