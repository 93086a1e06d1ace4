"""Intake pages for program admins: the referral queue, a new referral and its duplicate check, export."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import program_admin_required
from patients.forms import DuplicateChoiceForm, ReferralForm
from patients.import_views import csv_download
from patients.imports import csv_text
from patients.models import AccessAction, Patient
from patients.selectors import possible_duplicates_for, referral_queue_for
from patients.services import access_events_record_for_list, referral_receive

FORM_TEMPLATE = "patients/referral_form.html"
# Posted by the duplicate check's buttons and radios: the admin has made a choice.
CHOICE_KEYS = ("existing_patient", "confirmed_new", "attach")
EXPORT_HEADER = (
    "Received",
    "Source",
    "Name",
    "Date of birth",
    "MRN",
    "Urgency",
    "Status",
    "Days waiting",
)


@program_admin_required
@require_GET
def referral_queue(request: HttpRequest) -> TemplateResponse:
    queue = referral_queue_for(user=request.user)
    return TemplateResponse(request, "patients/referral_queue.html", {"queue": queue})


def _form_page(
    request: HttpRequest,
    form: ReferralForm,
    *,
    choice: DuplicateChoiceForm | None = None,
    status: int = 200,
) -> TemplateResponse:
    """The form, or the duplicate check when `choice` is given. Showing the people found is recorded
    (one access event each) in the same transaction as the page."""
    with transaction.atomic():
        if choice is not None:
            access_events_record_for_list(
                user=request.user,
                patients=[match.patient for match in choice.matches],
                route=request.path,
                action=AccessAction.LIST,
            )
        response = TemplateResponse(request, FORM_TEMPLATE, {"form": form, "choice": choice}, status=status)
        response.render()
    return response


@program_admin_required
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponse:
    """A new referral. Before saving, people in the program with the same MRN, or the same name and date of
    birth, are shown: the admin attaches the referral to one of them or says it is someone new."""
    if request.method == "GET":
        return _form_page(request, ReferralForm())
    form = ReferralForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=422)
    if "edit" in request.POST:  # "Change the details" from the duplicate check
        return _form_page(request, form)
    matches = possible_duplicates_for(user=request.user, person=form.person_to_match())
    if not matches and "existing_patient" in request.POST:
        # The person chosen no longer matches these details (their record changed meanwhile).
        form.add_error(
            None, "The person you chose no longer matches these details. Check them and save again."
        )
        return _form_page(request, form, status=422)
    existing_patient: Patient | None = None
    choice = None
    if matches:
        if not any(key in request.POST for key in CHOICE_KEYS):
            return _form_page(request, form, choice=DuplicateChoiceForm(matches=matches))
        choice = DuplicateChoiceForm(request.POST, matches=matches)
        if not choice.is_valid():
            return _form_page(request, form, choice=choice, status=422)
        existing_patient = choice.chosen_patient()
    try:
        referral_receive(
            program=request.user.program,
            person=form.person_details(),
            referral=form.referral_details(),
            acting_user=request.user,
            existing_patient=existing_patient,
        )
    except ValidationError as refusal:  # DomainError, or a rule the model checks
        (choice or form).add_error(None, refusal.messages)
        return _form_page(request, form, choice=choice, status=422)
    if existing_patient is None:
        messages.success(request, "Referral saved. It is waiting for screening.")
    else:
        messages.success(
            request, "Referral saved and added to the existing person's record. It is waiting for screening."
        )
    return redirect("patients:referral-queue")


@program_admin_required
@require_GET
def referral_export(request: HttpRequest) -> HttpResponse:
    """The whole queue as CSV, oldest first. Each person exported gets an access event; every cell is
    made safe to open in a spreadsheet."""
    queue = referral_queue_for(user=request.user, limit=None)
    program = request.user.program
    rows = [
        [
            f"{program.local_date(row.referral.received_at):%Y-%m-%d}",
            row.referral.get_source_display(),
            row.patient.legal_name,
            f"{row.patient.date_of_birth:%Y-%m-%d}",
            row.patient.mrn,
            row.referral.get_urgency_display(),
            row.enrollment.get_status_display(),
            str(row.days_waiting),
        ]
        for row in queue.rows
    ]
    access_events_record_for_list(
        user=request.user,
        patients=[row.patient for row in queue.rows],
        route=request.path,
        action=AccessAction.EXPORT,
    )
    return csv_download(csv_text([list(EXPORT_HEADER), *rows]), f"referrals-{program.today():%Y-%m-%d}.csv")
