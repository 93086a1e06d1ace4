"""The level-of-care card on the patient record: the team accepts the recommendation or chooses another
level for a while. The rules live in caseloads.levels; these views parse, call it and render the card."""

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


@require_POST
def level_of_care_accept(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Work at the recommended level; any override ends."""
    record = record_to_change(request, patient_id)
    form = LevelAcceptForm(request.POST)
    return change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: caseload_level_accept(
            status=_status_of(record), acting_user=request.user, **arguments
        ),
        refused=(CARD_PARTIAL, {"level_accept_form": form}),
        saved=lambda refreshed: (CARD_PARTIAL, {"level_message": "Recommendation accepted."}),
        saved_message="Recommendation accepted.",
    )


@require_POST
def level_of_care_override(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Choose a level other than the recommended one, with a reason and an end date."""
    record = record_to_change(request, patient_id)
    form = LevelOverrideForm(request.POST)
    return change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: caseload_level_override(
            status=_status_of(record), acting_user=request.user, **arguments
        ),
        refused=(CARD_PARTIAL, {"level_form": form}),
        saved=lambda refreshed: (CARD_PARTIAL, {"level_message": "Level of care saved."}),
        saved_message="Level of care saved.",
    )


@require_POST
def level_of_care_phase(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Confirm the suggested move from building trust to the wellness phase."""
    record = record_to_change(request, patient_id)
    form = PhaseChangeForm(request.POST)
    message = "Moved to the wellness phase."
    return change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: enrollment_change_phase(
            enrollment=record.enrollment, phase=Phase.WELLNESS, acting_user=request.user, **arguments
        ),
        refused=(CARD_PARTIAL, {"phase_form": form}),
        saved=lambda refreshed: (CARD_PARTIAL, {"level_message": message}),
        saved_message=message,
    )
