"""The patient's own copy of their plan, "My Plan": a printable page, a PDF, and the copies handed over.

What the handout says and how it is rendered lives in caseloads/handouts.py; these views check who may
see or change the record, write the access event, and answer.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError
from careplans.models import HandoutLanguage
from careplans.selectors import handouts_of, kept_handout_of
from careplans.services import plan_handout_record as plan_handout_record_service
from caseloads.handouts import (
    HandedOverForm,
    PdfUnavailable,
    allow_handout_styles,
    handout_for,
    handout_html,
    handout_language_of,
    handout_pdf,
)
from caseloads.pages import patient_in_care_for, patient_to_change, render_patient_page
from patients.models import AccessAction
from patients.services import access_event_record

OBJECT_TYPE = "plan_handout"
PDF_NAMES = {HandoutLanguage.ENGLISH: "my-plan.pdf", HandoutLanguage.SPANISH: "mi-plan.pdf"}


def _handout_url(patient_id: int, language: str = "") -> str:
    url = reverse("caseloads:plan-handout", args=[patient_id])
    return f"{url}?lang={language}" if language else url


@require_GET
def plan_handout(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_in_care_for(user=request.user, patient_id=patient_id)
    context = {"patient": patient, "handout_html": ""}
    if patient.care_plan is not None:
        language = handout_language_of(request, patient)
        handout = handout_for(patient=patient, language=language)
        context |= {
            "handout": handout,
            "handout_html": handout_html(handout),
            "languages": HandoutLanguage.choices,
            "handouts": handouts_of(care_plan=patient.care_plan),
        }
    response = render_patient_page(
        request,
        "careplans/plan_handout.html",
        context,
        patient=patient.patient,
        enrollment=patient.enrollment,
        object_type=OBJECT_TYPE,
        object_id=None,
    )
    return allow_handout_styles(request, response, context["handout_html"])


@require_GET
def plan_handout_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_in_care_for(user=request.user, patient_id=patient_id)
    if patient.care_plan is None:
        return redirect(_handout_url(patient_id))
    language = handout_language_of(request, patient)
    try:
        pdf = handout_pdf(handout_html(handout_for(patient=patient, language=language)), language=language)
    except PdfUnavailable:
        messages.error(
            request,
            "This server cannot make PDFs yet (it needs Pango: libpango-1.0-0 and libpangoft2-1.0-0). "
            "Use Print instead.",
        )
        return redirect(_handout_url(patient_id, language))
    access_event_record(
        user=request.user,
        patient=patient.patient,
        enrollment=patient.enrollment,
        route=request.path,
        action=AccessAction.EXPORT,
        object_type=OBJECT_TYPE,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{PDF_NAMES[language]}"'
    return response


@require_POST
def plan_handout_record(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = patient_to_change(user=request.user, patient_id=patient_id)
    form = HandedOverForm(request.POST)
    if patient.care_plan is None or not form.is_valid():
        messages.error(
            request, "Nothing was recorded. Open the handout again, then record the copy you give."
        )
        return redirect(_handout_url(patient_id))
    language = form.cleaned_data["language"]
    # The copy kept is rendered here, from the plan as it is now: the revision check below makes sure it
    # is the version the care manager had in front of them.
    content_html = handout_html(handout_for(patient=patient, language=language))
    try:
        kept = plan_handout_record_service(
            care_plan=patient.care_plan,
            acting_user=request.user,
            revision=form.cleaned_data["revision"],
            language=language,
            content_html=content_html,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_handout_url(patient_id, language))
    messages.success(
        request,
        f"Recorded: the copy handed over today (version {kept.revision}, {kept.get_language_display()}) "
        "is kept as it was given.",
    )
    return redirect(_handout_url(patient_id, language))


@require_GET
def plan_handout_copy(request: HttpRequest, patient_id: int, handout_id: int) -> HttpResponse:
    patient = patient_in_care_for(user=request.user, patient_id=patient_id)
    kept = kept_handout_of(user=request.user, patient=patient.patient, handout_id=handout_id)
    if kept is None:
        raise Http404
    response = render_patient_page(
        request,
        "careplans/plan_handout_copy.html",
        {"patient": patient, "kept": kept},
        patient=patient.patient,
        enrollment=kept.care_plan.enrollment,
        object_type=OBJECT_TYPE,
        object_id=kept.pk,
    )
    return allow_handout_styles(request, response, kept.content_html)
