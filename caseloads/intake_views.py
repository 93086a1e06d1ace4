"""Screening a referral for fit, and referrals out from the record."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods, require_POST

from accounts.errors import DomainError
from caseloads.forms_referrals_out import ReferralOutForm, ReferralOutUpdateForm, referrals_out_panel
from caseloads.pages import patient_in_care_for
from caseloads.screening_page import (
    render_screening,
    screened_message,
    screening_form_for,
    screening_page_of,
)
from caseloads.selectors import PatientRecord
from caseloads.views import change_from_record, record_to_change
from patients.selectors import resources_to_refer_to
from patients.services import referral_out_create as referral_out_create_service
from patients.services import referral_out_update as referral_out_update_service
from patients.services import referral_screen


@require_http_methods(["GET", "POST"])
def screening(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Screen a referral for fit: the answers and the outcome are saved together, or, when something is
    missing, nothing is saved and the page says what (422). Outside the user's scope it is 404 like any
    record; inside it, only a program admin may screen (403 for everyone else)."""
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    if not request.user.is_program_admin:
        raise PermissionDenied
    enrollment = care.enrollment
    if enrollment is None:
        raise Http404
    page = screening_page_of(enrollment=enrollment, discipline_hint=request.POST.get("discipline", ""))
    if not page.is_screenable:
        return render_screening(request, care, page, None, status=409 if request.method == "POST" else 200)
    if request.method == "GET":
        return render_screening(request, care, page, screening_form_for(page))
    if "suggest" in request.POST:
        # Re-sort the suggestions for the discipline chosen, keeping what was filled in; nothing is saved.
        initial = {name: value for name, value in request.POST.items() if name != "csrfmiddlewaretoken"}
        return render_screening(request, care, page, screening_form_for(page, initial=initial))
    form = screening_form_for(page, request.POST)
    if form.is_valid():
        try:
            screened = referral_screen(
                enrollment=page.enrollment, acting_user=request.user, **form.screening_arguments()
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, screened_message(screened))
            return redirect("patients:referral-queue")
    return render_screening(request, care, page, form, status=422)


def _change_referrals_out(
    request: HttpRequest, record: PatientRecord, *, form: Form, save: Callable[[dict[str, Any]], object]
) -> HttpResponse:
    """A change posted from the referrals-out panel: htmx gets the refreshed panel, or the panel with
    the refused form and its message (422); nothing is stored on a refusal."""
    saved_message = "Referral saved."
    return change_from_record(
        request,
        record,
        form=form,
        save=save,
        refused=("referrals-out", {"referrals_out_panel": referrals_out_panel(record, posted=form)}),
        saved=lambda refreshed: (
            "referrals-out",
            {"referrals_out_panel": referrals_out_panel(refreshed, saved_message=saved_message)},
        ),
        saved_message=saved_message,
    )


@require_POST
def referral_out_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Refer the person to a service in the program's directory, from their record."""
    record = record_to_change(request, patient_id)
    resources = resources_to_refer_to(program_id=record.enrollment.program_id)
    return _change_referrals_out(
        request,
        record,
        form=ReferralOutForm(request.POST, resources=resources),
        save=lambda arguments: referral_out_create_service(
            enrollment=record.enrollment, acting_user=request.user, **arguments
        ),
    )


@require_POST
def referral_out_update(request: HttpRequest, patient_id: int, referral_out_id: int) -> HttpResponse:
    """Move a referral out on (accepted, in progress, delivered ...). Another patient's is not found."""
    record = record_to_change(request, patient_id)
    referral = next((each for each in record.referrals_out if each.pk == referral_out_id), None)
    if referral is None:
        raise Http404
    return _change_referrals_out(
        request,
        record,
        form=ReferralOutUpdateForm(request.POST, referral=referral),
        save=lambda arguments: referral_out_update_service(
            referral=referral, acting_user=request.user, **arguments
        ),
    )
