"""The level-of-care card on the patient record: the team accepts the recommendation or chooses another
level for a while. The rules live in caseloads.levels; these views parse, call it and render the card."""

from collections.abc import Callable
from typing import Any

from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError
from caseloads.forms_levels import LevelAcceptForm, LevelOverrideForm, PhaseChangeForm
from caseloads.levels import NOT_WORKED_OUT_YET, caseload_level_accept, caseload_level_override
from caseloads.models import CaseloadStatus
from caseloads.pages import patient_in_care_for, render_patient_page
from caseloads.selectors import PatientRecord, level_of_care_of
from caseloads.services import enrollment_change_phase
from caseloads.views import change_from_record, record_to_change
from patients.models import Phase

CARD_TEMPLATE = "components/_caseload_status.html"
# The record template's partial holding the card (it includes CARD_TEMPLATE).
CARD_PARTIAL = "level-of-care"


@require_GET
def level_of_care(request: HttpRequest, patient_id: int) -> TemplateResponse:
    """The card alone. It fetches itself here every two seconds while a recompute is waiting; an
    override being typed meanwhile is kept (the answer marks the form hx-preserve)."""
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    if care.enrollment is None:
        raise Http404
    level = level_of_care_of(enrollment=care.enrollment)
    context = {
        "patient_id": care.patient.pk,
        "status": level.status,
        "recompute_pending": level.recompute_pending,
        "can_decide": care.can_change,
        "enrollment_phase": care.enrollment.phase,
        "polled": True,
    }
    return render_patient_page(
        request,
        CARD_TEMPLATE,
        context,
        patient=care.patient,
        enrollment=care.enrollment,
        object_type="caseload_status",
        object_id=level.status.pk if level.status else None,
    )


def _status_of(record: PatientRecord) -> CaseloadStatus:
    if record.caseload_status is None:
        raise DomainError(NOT_WORKED_OUT_YET)
    return record.caseload_status


def _change_on_card(
    request: HttpRequest,
    record: PatientRecord,
    *,
    form: Form,
    form_name: str,
    save: Callable[[dict[str, Any]], object],
    message: str,
) -> HttpResponse:
    """A decision posted from the card: htmx gets the card again, with the message or the refused form."""
    return change_from_record(
        request,
        record,
        form=form,
        save=save,
        refused=(CARD_PARTIAL, {form_name: form}),
        saved=lambda refreshed: (CARD_PARTIAL, {"level_message": message}),
        saved_message=message,
    )


@require_POST
def level_of_care_accept(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Work at the recommended level; any override ends."""
    record = record_to_change(request, patient_id)
    return _change_on_card(
        request,
        record,
        form=LevelAcceptForm(request.POST),
        form_name="level_accept_form",
        save=lambda arguments: caseload_level_accept(
            status=_status_of(record), acting_user=request.user, **arguments
        ),
        message="Recommendation accepted.",
    )


@require_POST
def level_of_care_override(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Choose a level other than the recommended one, with a reason and an end date."""
    record = record_to_change(request, patient_id)
    return _change_on_card(
        request,
        record,
        form=LevelOverrideForm(request.POST),
        form_name="level_form",
        save=lambda arguments: caseload_level_override(
            status=_status_of(record), acting_user=request.user, **arguments
        ),
        message="Level of care saved.",
    )


@require_POST
def level_of_care_phase(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Confirm the suggested move from building trust to the wellness phase."""
    record = record_to_change(request, patient_id)
    return _change_on_card(
        request,
        record,
        form=PhaseChangeForm(request.POST),
        form_name="phase_form",
        save=lambda arguments: enrollment_change_phase(
            enrollment=record.enrollment, phase=Phase.WELLNESS, acting_user=request.user, **arguments
        ),
        message="Moved to the wellness phase.",
    )
