"""The care manager's caseload and patient record, the supervisor's and program lead's overviews."""

from django.db import transaction
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from caseloads.selectors import my_caseload_rows, patient_record_for, program_overview_for, team_caseloads_for
from patients.services import access_event_record


@require_GET
def my_caseload(request: HttpRequest) -> TemplateResponse:
    rows = my_caseload_rows(user=request.user)
    return TemplateResponse(request, "caseloads/my_caseload.html", {"rows": rows})


@require_GET
def patient_record(request: HttpRequest, patient_id: int) -> TemplateResponse:
    # The access event and the page are one unit: if the event cannot be written, nothing is shown.
    with transaction.atomic():
        record = patient_record_for(user=request.user, patient_id=patient_id)
        access_event_record(
            user=request.user,
            patient=record.patient,
            enrollment=record.enrollment,
            route=request.path,
            object_type="patient",
            object_id=record.patient.pk,
        )
        response = TemplateResponse(request, "caseloads/patient_record.html", {"record": record})
        response.render()
    return response


@require_GET
def team_overview(request: HttpRequest) -> TemplateResponse:
    rows = team_caseloads_for(user=request.user)
    return TemplateResponse(request, "caseloads/team_overview.html", {"rows": rows})


@require_GET
def program_overview(request: HttpRequest) -> TemplateResponse:
    overview = program_overview_for(user=request.user)
    return TemplateResponse(request, "caseloads/program_overview.html", {"overview": overview})
