"""The care manager's caseload and patient record, the supervisor's and program lead's overviews."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError
from careplans.services import care_plan_review_record
from caseloads.forms import CaseloadFilterForm
from caseloads.pages import render_patient_page
from caseloads.selectors import (
    PatientRecord,
    my_caseload_rows,
    patient_record_for,
    program_overview_for,
    team_caseloads_for,
)
from caseloads.services import caseload_contact_log
from engagement.forms import CheckInForm, ContactForm, LifeEventForm, SuccessMomentForm
from engagement.services import check_in_record, life_event_record, success_moment_record
from patients.forms import CarePreferencesForm, CommunitySupportForm
from patients.services import community_support_add, patient_care_preferences_update

RECORD_TEMPLATE = "caseloads/patient_record.html"


@require_GET
def my_caseload(request: HttpRequest) -> TemplateResponse:
    """The care manager's worklist. htmx filter changes get only the results."""
    filter_form = CaseloadFilterForm(request.GET)
    rows = my_caseload_rows(user=request.user, filters=filter_form.filters())
    template = "caseloads/my_caseload.html#results" if request.htmx else "caseloads/my_caseload.html"
    return TemplateResponse(request, template, {"rows": rows, "filter_form": filter_form})


def _render_record(
    request: HttpRequest,
    record: PatientRecord,
    *,
    template: str = RECORD_TEMPLATE,
    status: int = 200,
    **extra: Any,
) -> TemplateResponse:
    """Render (part of) a patient record, with its access event."""
    context = {"record": record, **extra}
    if record.can_change:
        context.setdefault("contact_form", ContactForm(goals=record.goals))
        context.setdefault("entries", [_entry(kind, record) for kind in RECORD_ENTRIES])
        context.setdefault("preferences_form", _care_preferences_form(record))
    return render_patient_page(
        request,
        template,
        context,
        patient=record.patient,
        enrollment=record.enrollment,
        object_type="patient",
        object_id=record.patient.pk,
        status=status,
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@require_GET
def patient_record(request: HttpRequest, patient_id: int) -> TemplateResponse:
    record = patient_record_for(user=request.user, patient_id=patient_id, timeline_page=_page_number(request))
    return _render_record(request, record)


@require_GET
def timeline(request: HttpRequest, patient_id: int) -> TemplateResponse:
    """An older page of the timeline, appended in place by htmx."""
    record = patient_record_for(user=request.user, patient_id=patient_id, timeline_page=_page_number(request))
    template = f"{RECORD_TEMPLATE}#timeline-items" if request.htmx else RECORD_TEMPLATE
    return _render_record(request, record, template=template)


def _record_to_change(request: HttpRequest, patient_id: int) -> PatientRecord:
    """The record, if `request.user` may change it: 404 outside their scope, 403 if they may only read."""
    record = patient_record_for(user=request.user, patient_id=patient_id)
    if not record.can_change:
        raise PermissionDenied
    return record


def _change_from_record(
    request: HttpRequest,
    record: PatientRecord,
    *,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    refused: tuple[str, dict[str, Any]],
    saved: Callable[[PatientRecord], tuple[str, dict[str, Any]]],
    saved_message: str,
) -> HttpResponse:
    """What every form posted from the record does.

    Valid input goes to the service; a refusal becomes a form error. Errors answer 422 with the form
    (the `refused` partial and context for htmx, the whole record otherwise). After a save, htmx gets the
    `saved` partial of the refreshed record; a plain post is redirected to the record with a message.
    """
    if form.is_valid():
        try:
            save(form.service_arguments())
        except DomainError as refusal:
            form.add_error(None, refusal.message)
    if not form.is_valid():
        partial, context = refused
        template = f"{RECORD_TEMPLATE}#{partial}" if request.htmx else RECORD_TEMPLATE
        return _render_record(request, record, template=template, status=422, **context)
    if not request.htmx:
        messages.success(request, saved_message)
        return redirect("caseloads:patient-record", patient_id=record.patient.pk)
    refreshed = patient_record_for(user=request.user, patient_id=record.patient.pk)
    partial, context = saved(refreshed)
    return _render_record(request, refreshed, template=f"{RECORD_TEMPLATE}#{partial}", **context)


@require_POST
def contact_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Log a contact from the record. htmx gets the refreshed timeline and next-due facts."""
    record = _record_to_change(request, patient_id)
    form = ContactForm(request.POST, goals=record.goals)
    return _change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: caseload_contact_log(
            enrollment=record.enrollment, acting_user=request.user, **arguments
        ),
        refused=("contact-form", {"contact_form": form}),
        saved=lambda refreshed: ("contact-saved", {"saved": True}),
        saved_message="Contact saved.",
    )


def _care_preferences_form(record: PatientRecord, data: Any = None) -> CarePreferencesForm:
    initial = model_to_dict(record.patient, fields=CarePreferencesForm.Meta.fields)
    return CarePreferencesForm(data, initial=initial)


@require_POST
def care_preferences_update(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Edit how and where the person likes to be reached, in place on the record."""
    record = _record_to_change(request, patient_id)
    form = _care_preferences_form(record, request.POST)
    return _change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: patient_care_preferences_update(
            patient=record.patient, acting_user=request.user, **arguments
        ),
        refused=("summary", {"preferences_form": form}),
        saved=lambda refreshed: ("summary", {"preferences_saved": True}),
        saved_message="Care preferences saved.",
    )


@require_POST
def care_plan_reviewed(request: HttpRequest, patient_id: int) -> HttpResponse:
    """One click: the plan was gone through with the patient today."""
    record = _record_to_change(request, patient_id)
    try:
        care_plan_review_record(enrollment=record.enrollment, acting_user=request.user)
    except DomainError as refusal:
        if request.htmx:
            return _render_record(
                request,
                record,
                template=f"{RECORD_TEMPLATE}#goals",
                status=422,
                review_refusal=refusal.message,
            )
        messages.error(request, refusal.message)
        return redirect("caseloads:patient-record", patient_id=patient_id)
    if not request.htmx:
        messages.success(request, "Plan reviewed with the patient today.")
        return redirect("caseloads:patient-record", patient_id=patient_id)
    refreshed = patient_record_for(user=request.user, patient_id=patient_id)
    return _render_record(request, refreshed, template=f"{RECORD_TEMPLATE}#goals", reviewed=True)


@dataclass(frozen=True)
class RecordEntry:
    """A small form posted from the record: a check-in, a success, a life event."""

    title: str
    form_class: type[Form]
    save: Callable[..., object]
    submit: str
    saved_message: str
    # Saved against the patient rather than the enrolment (supports outlive an episode).
    for_patient: bool = False
    # The record section that changes when this is saved.
    refreshes: str = "wellbeing"


RECORD_ENTRIES: dict[str, RecordEntry] = {
    "check-in": RecordEntry(
        "Record a check-in", CheckInForm, check_in_record, "Save check-in", "Check-in saved."
    ),
    "success": RecordEntry(
        "Note a success",
        SuccessMomentForm,
        success_moment_record,
        "Save success",
        "Success noted. Well done.",
    ),
    "life-event": RecordEntry(
        "Log a life event", LifeEventForm, life_event_record, "Save life event", "Life event saved."
    ),
    "support": RecordEntry(
        "Add a community support",
        CommunitySupportForm,
        community_support_add,
        "Save support",
        "Community support added.",
        for_patient=True,
        refreshes="care-team",
    ),
}


def _entry(
    kind: str, record: PatientRecord, form: Form | None = None, *, saved: bool = False
) -> dict[str, Any]:
    entry = RECORD_ENTRIES[kind]
    return {
        "kind": kind,
        "title": entry.title,
        "form": form or entry.form_class(),
        "url": reverse("caseloads:entry-create", kwargs={"patient_id": record.patient.pk, "kind": kind}),
        "submit": entry.submit,
        "saved_message": entry.saved_message if saved else "",
        "refreshes": entry.refreshes,
    }


@require_POST
def entry_create(request: HttpRequest, patient_id: int, kind: str) -> HttpResponse:
    """Save a check-in, success, life event or support from the record; htmx gets the refreshed section."""
    if kind not in RECORD_ENTRIES:
        raise Http404
    record = _record_to_change(request, patient_id)
    entry = RECORD_ENTRIES[kind]
    form = entry.form_class(request.POST)
    target = {"patient": record.patient} if entry.for_patient else {"enrollment": record.enrollment}
    return _change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: entry.save(acting_user=request.user, **target, **arguments),
        # The htmx partial takes `entry`; the whole page lists every panel, this one with the bound form.
        refused=(
            "entry-form",
            {
                "entry": _entry(kind, record, form),
                "entries": [
                    _entry(other, record, form if other == kind else None) for other in RECORD_ENTRIES
                ],
            },
        ),
        saved=lambda refreshed: ("entry-saved", {"entry": _entry(kind, refreshed, saved=True)}),
        saved_message=entry.saved_message,
    )


@require_GET
def team_overview(request: HttpRequest) -> TemplateResponse:
    rows = team_caseloads_for(user=request.user)
    return TemplateResponse(request, "caseloads/team_overview.html", {"rows": rows})


@require_GET
def program_overview(request: HttpRequest) -> TemplateResponse:
    overview = program_overview_for(user=request.user)
    return TemplateResponse(request, "caseloads/program_overview.html", {"overview": overview})


def support_update(request: HttpRequest, patient_id: int, support_id: int) -> HttpResponse:
    raise Http404


def support_end(request: HttpRequest, patient_id: int, support_id: int) -> HttpResponse:
    raise Http404


def care_team_member_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


def care_team_member_end(request: HttpRequest, patient_id: int, member_id: int) -> HttpResponse:
    raise Http404
