"""Graduation pages: the workflow, the handoff summary and the certificate (printable and PDF), the check-ins
after graduation, and re-enrolling a graduate. What they read is in caseloads/graduation.py, the rules in
caseloads/graduation_services.py; these views check who may see or change the record, and answer."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from accounts.errors import DomainError
from caseloads.forms_graduation import FollowUpForm, GraduationForm, ReEnrolForm, graduation_form_initial
from caseloads.graduation import (
    GraduationDocument,
    GraduationPage,
    can_follow_up_graduate,
    follow_up_of,
    graduation_document_of,
    graduation_page_of,
    last_primary_care_manager_of,
)
from caseloads.graduation_services import follow_up_record as follow_up_record_service
from caseloads.graduation_services import graduate_re_enrol, graduation_record
from caseloads.handouts import PdfUnavailable, allow_handout_styles, handout_pdf
from caseloads.models import FollowUpOutcome
from caseloads.pages import PatientInCare, patient_in_care_for, render_patient_page
from patients.models import AccessAction, Enrollment, EnrollmentStatus
from patients.services import access_event_record

PDF_UNAVAILABLE = (
    "This server cannot make PDFs yet (it needs Pango: libpango-1.0-0 and libpangoft2-1.0-0). "
    "Use Print instead."
)


def _episode(care: PatientInCare) -> Enrollment:
    if care.enrollment is None:
        raise Http404
    return care.enrollment


def _record_url(patient_id: int) -> str:
    return reverse("caseloads:patient-record", args=[patient_id]) + "#graduation"


@require_http_methods(["GET", "POST"])
def graduation(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The workflow: the criteria gone through with the person, their agreement, the date and the handoff.
    Once graduated, the same page sums it up. Posting needs the right to change the record (403)."""
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    enrollment = _episode(care)
    page = graduation_page_of(user=request.user, enrollment=enrollment)
    if request.method == "GET":
        form = None
        if care.can_change and page.graduation is None and page.may_graduate_from_status:
            initial = graduation_form_initial(
                today=page.today, primary_care_contact=page.suggested_primary_care_contact
            )
            form = GraduationForm(criteria=page.criteria, initial=initial)
        return _render_graduation(request, care, page, form)
    if not care.can_change:
        raise PermissionDenied
    form = GraduationForm(request.POST, criteria=page.criteria)
    if _submit(form, partial(graduation_record, enrollment=enrollment, acting_user=request.user)):
        messages.success(
            request,
            f"{care.first_name} graduated. Print the handoff summary for primary care and the "
            "certificate; the check-ins at 30, 60 and 90 days will show on My caseload.",
        )
        return redirect("caseloads:graduation", patient_id=patient_id)
    return _render_graduation(request, care, page, form, status=422)


def _render_graduation(
    request: HttpRequest,
    care: PatientInCare,
    page: GraduationPage,
    form: GraduationForm | None,
    *,
    status: int = 200,
) -> HttpResponse:
    return render_patient_page(
        request,
        "caseloads/graduation.html",
        {"care": care, "page": page, "form": form},
        patient=care.patient,
        enrollment=page.enrollment,
        object_type="graduation",
        object_id=page.graduation.pk if page.graduation else None,
        status=status,
    )


@dataclass(frozen=True)
class DocumentKind:
    title: str
    content_template: str
    page_route: str
    pdf_route: str
    pdf_name: str
    object_type: str
    for_primary_care: bool


HANDOFF = DocumentKind(
    title="Handoff summary",
    content_template="caseloads/graduation_handoff_content.html",
    page_route="caseloads:graduation-handoff",
    pdf_route="caseloads:graduation-handoff-pdf",
    pdf_name="handoff-summary.pdf",
    object_type="graduation_handoff",
    for_primary_care=True,
)
CERTIFICATE = DocumentKind(
    title="Graduation certificate",
    content_template="caseloads/graduation_certificate_content.html",
    page_route="caseloads:graduation-certificate",
    pdf_route="caseloads:graduation-certificate-pdf",
    pdf_name="graduation-certificate.pdf",
    object_type="graduation_certificate",
    for_primary_care=False,
)


def _content_html(kind: DocumentKind, document: GraduationDocument) -> SafeString:
    html = render_to_string(kind.content_template, {"document": document})
    return mark_safe(html)  # noqa: S308 - our own template, autoescaped


def _document_page(request: HttpRequest, patient_id: int, kind: DocumentKind) -> HttpResponse:
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    enrollment = _episode(care)
    document = graduation_document_of(care=care, for_primary_care=kind.for_primary_care)
    content_html = _content_html(kind, document)
    response = render_patient_page(
        request,
        "caseloads/graduation_document.html",
        {"care": care, "kind": kind, "document": document, "content_html": content_html},
        patient=care.patient,
        enrollment=enrollment,
        object_type=kind.object_type,
        object_id=None,
    )
    return allow_handout_styles(request, response, content_html)


def _document_pdf(request: HttpRequest, patient_id: int, kind: DocumentKind) -> HttpResponse:
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    enrollment = _episode(care)
    document = graduation_document_of(care=care, for_primary_care=kind.for_primary_care)
    try:
        pdf = handout_pdf(_content_html(kind, document), language="en", title=kind.title)
    except PdfUnavailable:
        messages.error(request, PDF_UNAVAILABLE)
        return redirect(kind.page_route, patient_id=patient_id)
    access_event_record(
        user=request.user,
        patient=care.patient,
        enrollment=enrollment,
        route=request.path,
        action=AccessAction.EXPORT,
        object_type=kind.object_type,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{kind.pdf_name}"'
    return response


@require_GET
def handoff_summary(request: HttpRequest, patient_id: int) -> HttpResponse:
    """For the primary care provider: goals achieved, the current plan, who to call. A draft before."""
    return _document_page(request, patient_id, HANDOFF)


@require_GET
def handoff_summary_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _document_pdf(request, patient_id, HANDOFF)


@require_GET
def certificate(request: HttpRequest, patient_id: int) -> HttpResponse:
    """For the person: their goals reached, in their words, and who to call if things get hard."""
    return _document_page(request, patient_id, CERTIFICATE)


@require_GET
def certificate_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _document_pdf(request, patient_id, CERTIFICATE)


@require_http_methods(["GET", "POST"])
def follow_up_record(request: HttpRequest, patient_id: int, follow_up_id: int) -> HttpResponse:
    """A check-in after graduation: the form, or what was recorded. Recording it is for the episode's team
    (can_follow_up_graduate); anyone else who may see the record reads it (and gets 403 on a post)."""
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    follow_up = follow_up_of(user=request.user, patient=care.patient, follow_up_id=follow_up_id)
    if follow_up is None:
        raise Http404
    enrollment = follow_up.graduation.enrollment
    may_record = can_follow_up_graduate(request.user, enrollment)
    form: FollowUpForm | None = None
    status = 200
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        form = FollowUpForm(request.POST)
        if _submit(form, partial(follow_up_record_service, follow_up=follow_up, acting_user=request.user)):
            messages.success(request, _follow_up_message(care, form.cleaned_data["outcome"]))
            return redirect(_record_url(patient_id))
        status = 422
    elif may_record and follow_up.completed_on is None:
        form = FollowUpForm(initial={"completed_on": enrollment.program.today()})
    return render_patient_page(
        request,
        "caseloads/graduation_follow_up.html",
        {"care": care, "follow_up": follow_up, "form": form},
        patient=care.patient,
        enrollment=enrollment,
        object_type="follow_up_check_in",
        object_id=follow_up.pk,
        status=status,
    )


def _submit[Saved](form: Form, save: Callable[..., Saved]) -> Saved | None:
    """Valid input goes to the service; a refusal becomes the form's error. What was saved, else None."""
    if not form.is_valid():
        return None
    try:
        return save(**form.cleaned_data)
    except DomainError as refusal:
        form.add_error(None, refusal.message)
        return None


def _follow_up_message(care: PatientInCare, outcome: str) -> str:
    if outcome == FollowUpOutcome.NEEDS_SUPPORT:
        return (
            f"Check-in recorded: {care.first_name} needs some support. "
            "Re-enrol them from the graduation card if they want to come back."
        )
    return "Check-in recorded."


@require_http_methods(["GET", "POST"])
def re_enrol(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Bring a graduate back: one post opens a new episode linked to the graduated one."""
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    enrollment = _episode(care)
    may_re_enrol = can_follow_up_graduate(request.user, enrollment)
    graduated_on = enrollment.ended_on if enrollment.status == EnrollmentStatus.GRADUATED else None
    status = 200
    if request.method == "POST":
        if not may_re_enrol:
            raise PermissionDenied
        form = ReEnrolForm(request.POST)
        returning = _submit(form, partial(graduate_re_enrol, enrollment=enrollment, acting_user=request.user))
        if returning is not None:
            messages.success(request, _re_enrolled_message(care, returning))
            return redirect("caseloads:patient-record", patient_id=patient_id)
        status = 422
    else:
        form = ReEnrolForm()
    return render_patient_page(
        request,
        "caseloads/graduation_re_enrol.html",
        {
            "care": care,
            "form": form if (may_re_enrol and graduated_on is not None) or status == 422 else None,
            "graduated_on": graduated_on,
        },
        patient=care.patient,
        enrollment=enrollment,
        object_type="re_enrolment",
        object_id=None,
        status=status,
    )


def _re_enrolled_message(care: PatientInCare, returning: Enrollment) -> str:
    if returning.status == EnrollmentStatus.OUTREACH:
        primary = last_primary_care_manager_of(enrollment=returning)
        name = primary.display_name if primary is not None else "their care manager"
        return f"{care.first_name} is back in the program: a new episode in outreach with {name}."
    return (
        f"{care.first_name} is back in the program: the new referral waits in the referral queue "
        f"(received {format_date(returning.referred_on, 'j M Y')}) for a care manager."
    )
