"""Bulk import of referrals from a CSV file or a FHIR R4 Bundle: upload, preview, import. Admins only.

The steps every import page takes (the upload, the chosen import, the result of an imported file, the
preview and its problems download) are helpers here, used by caseloads' utilisation import too.
"""

import functools
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import program_admin_required
from accounts.errors import DomainError
from patients.import_forms import (
    ImportRunForm,
    ImportUploadForm,
    ReferralImportRunForm,
    ReferralImportUploadForm,
)
from patients.import_parsing import (
    DATE_FORMATS_HELP,
    DATE_ORDER_HELP,
    REQUIRED_COLUMNS,
    SOURCES_HELP,
    ParsedRow,
)
from patients.imports import (
    CheckedFile,
    import_preview_of,
    problems_csv,
    referral_import_for_user,
    referral_import_run,
    referral_import_upload,
    referral_imports_recent,
    template_csv,
)
from patients.models import ImportFormat, ReferralSource, UploadedFile, Urgency

# A long file's preview shows this many problems and ready rows; the download has every problem.
PROBLEMS_SHOWN = 200
READY_ROWS_SHOWN = 50
PREVIEW_TEMPLATE = "patients/referral_import_preview.html"
PREVIEW_URL = "patients:referral-import-preview"


def upload_received(
    request: HttpRequest,
    form_class: type[ImportUploadForm],
    upload: Callable[..., UploadedFile],
    preview_url: str,
) -> tuple[ImportUploadForm, HttpResponse | None]:
    """The upload form; after a POST whose file `upload(file_name=, raw=)` kept, also the redirect to its
    preview. A file that cannot be read at all is refused on the form with one message."""
    if request.method != "POST":
        return form_class(), None
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            kept = upload(file_name=file.name or "", raw=file.read())
        except DomainError as refusal:
            form.add_error("file", refusal.message)
        else:
            return form, redirect(preview_url, import_id=kept.pk)
    return form, None


def import_chosen(
    request: HttpRequest, form: ImportRunForm, run: Callable[[], str], preview_url: str, import_id: int
) -> HttpResponse | None:
    """After a valid POST, run the import: its message (what `run` returns) and a redirect to the page, or
    None with the refusal on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        message = run()
    except DomainError as refusal:
        form.add_error(None, refusal.message)
        return None
    messages.success(request, message)
    return redirect(preview_url, import_id=import_id)


def csv_download(text: str, file_name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response


def imported_page(
    request: HttpRequest,
    upload: UploadedFile,
    *,
    template: str,
    context_name: str,
    preview_url: str,
    to_add_more: str,
) -> HttpResponse | None:
    """For an upload already imported: its result page, or after a POST the refusal to import it again
    and a redirect to that page. None while it is not imported."""
    if upload.imported_at is None:
        return None
    if request.method == "POST":
        messages.error(
            request, f"This file was already imported. Upload a new file to add more {to_add_more}."
        )
        return redirect(preview_url, import_id=upload.pk)
    return TemplateResponse(request, template, {context_name: upload})


def preview_page[Row](
    request: HttpRequest,
    *,
    template: str,
    context: dict[str, object],
    form: ImportRunForm,
    preview: CheckedFile,
    ready: list[Row],
    ready_row: Callable[[Row], dict[str, object]],
    problems_file_name: str,
) -> HttpResponse:
    """The preview of a checked file: the first problems and ready rows (422 when `form` was refused), or
    with ?download=problems every problem as CSV."""
    if request.GET.get("download") == "problems":
        return csv_download(problems_csv(preview), problems_file_name)
    problems = preview.problems
    context = context | {
        "preview": preview,
        "form": form,
        "problems": problems[:PROBLEMS_SHOWN],
        "problem_count": len(problems),
        "ready_rows": [ready_row(row) for row in ready[:READY_ROWS_SHOWN]],
        "ready_count": len(ready),
    }
    return TemplateResponse(request, template, context, status=422 if form.errors else 200)


@program_admin_required
@require_http_methods(["GET", "POST"])
def referral_import(request: HttpRequest) -> HttpResponse:
    """Upload a file. A file that cannot be read at all is refused here with one message."""
    upload = functools.partial(referral_import_upload, program=request.user.program, acting_user=request.user)
    form, uploaded = upload_received(request, ReferralImportUploadForm, upload, PREVIEW_URL)
    if uploaded is not None:
        return uploaded
    context = {
        "form": form,
        "recent": referral_imports_recent(user=request.user),
        "required_columns": REQUIRED_COLUMNS,
        "date_formats": DATE_FORMATS_HELP,
        "date_order": DATE_ORDER_HELP,
        "sources": SOURCES_HELP,
    }
    return TemplateResponse(
        request, "patients/referral_import.html", context, status=422 if form.errors else 200
    )


@program_admin_required
@require_GET
def referral_import_template(request: HttpRequest) -> HttpResponse:
    return csv_download(template_csv(), "tandem-referrals-template.csv")


@program_admin_required
@require_http_methods(["GET", "POST"])
def referral_import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    """Every problem in the file; then import all (when there are none) or, by choice, the valid rows."""
    referral_import = referral_import_for_user(user=request.user, import_id=import_id)
    imported = imported_page(
        request,
        referral_import,
        template=PREVIEW_TEMPLATE,
        context_name="referral_import",
        preview_url=PREVIEW_URL,
        to_add_more="people",
    )
    if imported is not None:
        return imported
    needs_details = referral_import.format == ImportFormat.FHIR_BUNDLE
    form = ReferralImportRunForm(
        request.POST if request.method == "POST" else None, needs_referral_details=needs_details
    )

    def run() -> str:
        count = referral_import_run(
            referral_import=referral_import, acting_user=request.user, **form.service_arguments()
        )
        return f"Imported {count} referral{'s' if count != 1 else ''}."

    done = import_chosen(request, form, run, PREVIEW_URL, referral_import.pk)
    if done is not None:
        return done
    preview = import_preview_of(referral_import=referral_import)
    return preview_page(
        request,
        template=PREVIEW_TEMPLATE,
        context={
            "referral_import": referral_import,
            "needs_details": needs_details,
            "row_word": preview.row_label.lower(),
            "row_words": preview.rows_word,
        },
        form=form,
        preview=preview,
        ready=preview.valid_rows,
        ready_row=_ready_row,
        problems_file_name=f"referral-import-{referral_import.pk}-problems.csv",
    )


def _ready_row(row: ParsedRow) -> dict[str, object]:
    """What the preview shows of a row that is ready: who, and (for CSV files) the referral's labels."""
    person, referral = row.person, row.referral
    return {
        "number": row.number,
        "name": f"{person.legal_first_name} {person.legal_last_name}" if person else "",
        "date_of_birth": person.date_of_birth if person else None,
        "mrn": person.mrn if person else "",
        "source": ReferralSource(referral.source).label if referral else "",
        "urgency": Urgency(referral.urgency).label if referral else "",
    }
