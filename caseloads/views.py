"""The care manager's caseload and patient record, the supervisor's and program lead's overviews."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError
from caseloads.forms import CaseloadFilterForm
from caseloads.selectors import (
    PatientRecord,
    my_caseload_rows,
    patient_record_for,
    program_overview_for,
    team_caseloads_for,
)
from caseloads.services import caseload_contact_log
from engagement.forms import ContactForm
from patients.services import access_event_record

RECORD_TEMPLATE = "caseloads/patient_record.html"


@require_GET
def my_caseload(request: HttpRequest) -> TemplateResponse:
    """The care manager's worklist. htmx filter changes get only the results."""
    filter_form = CaseloadFilterForm(request.GET)
    rows = my_caseload_rows(user=request.user, filters=filter_form.filters())
    template = "caseloads/my_caseload.html#results" if request.htmx else "caseloads/my_caseload.html"
    return TemplateResponse(
        request, template, {"rows": rows, "filter_form": filter_form, "today": timezone.localdate()}
    )


def _render_record(
    request: HttpRequest,
    record: PatientRecord,
    *,
    template: str = RECORD_TEMPLATE,
    status: int = 200,
    **extra: Any,
) -> TemplateResponse:
    """Render (part of) a patient record. The access event and the page are one unit: if the event
    cannot be written, nothing is shown."""
    with transaction.atomic():
        access_event_record(
            user=request.user,
            patient=record.patient,
            enrollment=record.enrollment,
            route=request.path,
            object_type="patient",
            object_id=record.patient.pk,
        )
        context = {"record": record, **extra}
        if record.can_log_contact and "contact_form" not in context:
            context["contact_form"] = ContactForm(goals=record.goals)
        response = TemplateResponse(request, template, context, status=status)
        response.render()
    return response


@require_GET
def patient_record(request: HttpRequest, patient_id: int) -> TemplateResponse:
    return _render_record(request, patient_record_for(user=request.user, patient_id=patient_id))


@require_POST
def contact_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Log a contact from the record. htmx gets the refreshed timeline; a plain post is redirected."""
    record = patient_record_for(user=request.user, patient_id=patient_id)
    if not record.can_log_contact:
        raise PermissionDenied
    form = ContactForm(request.POST, goals=record.goals)
    if form.is_valid():
        try:
            caseload_contact_log(
                enrollment=record.enrollment, acting_user=request.user, **form.service_arguments()
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
    if not form.is_valid():
        template = f"{RECORD_TEMPLATE}#contact-form" if request.htmx else RECORD_TEMPLATE
        return _render_record(request, record, template=template, status=422, contact_form=form)
    if not request.htmx:
        messages.success(request, "Contact saved.")
        return redirect("caseloads:patient-record", patient_id=patient_id)
    refreshed = patient_record_for(user=request.user, patient_id=patient_id)
    return _render_record(request, refreshed, template=f"{RECORD_TEMPLATE}#contact-saved", saved=True)


@require_GET
def team_overview(request: HttpRequest) -> TemplateResponse:
    rows = team_caseloads_for(user=request.user)
    return TemplateResponse(request, "caseloads/team_overview.html", {"rows": rows})


@require_GET
def program_overview(request: HttpRequest) -> TemplateResponse:
    overview = program_overview_for(user=request.user)
    return TemplateResponse(request, "caseloads/program_overview.html", {"overview": overview})
