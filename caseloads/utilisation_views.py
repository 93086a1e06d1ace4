"""Utilisation import (ED visits and admissions from a CSV file, such as a claims extract): upload, preview,
import. Program admins only."""

import functools

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import program_admin_required
from caseloads.models import UtilisationImport
from caseloads.utilisation_import import (
    KINDS_HELP,
    UTILISATION_CSV,
    UtilisationRow,
    template_csv,
    utilisation_import_for_user,
    utilisation_import_run,
    utilisation_import_upload,
    utilisation_imports_recent,
    utilisation_preview_of,
)
from engagement.models import LifeEventKind
from patients.import_forms import ImportRunForm, ImportUploadForm
from patients.import_parsing import DATE_FORMATS_HELP, DATE_ORDER_HELP
from patients.import_views import (
    PROBLEMS_SHOWN,
    csv_download,
    import_chosen,
    imported_page,
    preview_page,
    upload_received,
)

PREVIEW_TEMPLATE = "caseloads/utilisation_import_preview.html"
PREVIEW_URL = "caseloads:utilisation-import-preview"


@program_admin_required
@require_http_methods(["GET", "POST"])
def utilisation_import(request: HttpRequest) -> HttpResponse:
    """Upload a file. A file that cannot be read at all is refused here with one message."""
    upload = functools.partial(
        utilisation_import_upload, program=request.user.program, acting_user=request.user
    )
    form, uploaded = upload_received(request, ImportUploadForm, upload, PREVIEW_URL)
    if uploaded is not None:
        return uploaded
    layout = UTILISATION_CSV
    context = {
        "form": form,
        "recent": utilisation_imports_recent(user=request.user),
        "required_columns": layout.required,
        "optional_columns": [name for name in layout.columns if name not in layout.required],
        "kinds": KINDS_HELP,
        "date_formats": DATE_FORMATS_HELP,
        "date_order": DATE_ORDER_HELP,
    }
    return TemplateResponse(
        request, "caseloads/utilisation_import.html", context, status=422 if form.errors else 200
    )


@program_admin_required
@require_GET
def utilisation_import_template(request: HttpRequest) -> HttpResponse:
    return csv_download(template_csv(), "tandem-utilisation-template.csv")


@program_admin_required
@require_http_methods(["GET", "POST"])
def utilisation_import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    """Every problem in the file and whom each visit is about; then import all (when no row has a
    problem) or, by choice, the valid rows."""
    utilisation_import = utilisation_import_for_user(user=request.user, import_id=import_id)
    imported = imported_page(
        request,
        utilisation_import,
        template=PREVIEW_TEMPLATE,
        context_name="utilisation_import",
        preview_url=PREVIEW_URL,
        to_add_more="visits",
    )
    if imported is not None:
        return imported
    form = ImportRunForm(request.POST if request.method == "POST" else None)

    def run() -> str:
        done = utilisation_import_run(
            utilisation_import=utilisation_import, acting_user=request.user, **form.run_arguments()
        )
        return _result(done)

    done = import_chosen(request, form, run, PREVIEW_URL, utilisation_import.pk)
    if done is not None:
        return done
    preview = utilisation_preview_of(utilisation_import=utilisation_import)
    skipped = preview.skipped_rows
    return preview_page(
        request,
        template=PREVIEW_TEMPLATE,
        context={
            "utilisation_import": utilisation_import,
            "skipped": skipped[:PROBLEMS_SHOWN],
            "skipped_count": len(skipped),
        },
        form=form,
        preview=preview,
        ready=preview.ready_rows,
        ready_row=_ready_row,
        problems_file_name=f"utilisation-import-{utilisation_import.pk}-problems.csv",
    )


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _result(done: UtilisationImport) -> str:
    """What the import did, and what happens next, in one message."""
    parts = [
        f"Recorded {_plural(done.imported_count, 'visit or admission', 'visits and admissions')}",
        f"added {_plural(done.patients_created_count, 'person', 'people')} new to Tandem",
        f"skipped {_plural(done.skipped_count, 'row', 'rows')} already recorded",
    ]
    return f"{', '.join(parts)}. The candidate list will update in a moment."


def _ready_row(row: UtilisationRow) -> dict[str, object]:
    """What the preview shows of a row that is ready: who, the visit, and whether Tandem knows them."""
    person, visit = row.person, row.visit
    if row.patient is not None:
        in_tandem = "Already in Tandem"
    elif row.new_person_row == row.number:
        in_tandem = "New: added on import"
    else:
        in_tandem = f"New, as in row {row.new_person_row}"
    return {
        "number": row.number,
        "name": f"{person.legal_first_name} {person.legal_last_name}" if person else "",
        "date_of_birth": person.date_of_birth if person else None,
        "mrn": person.mrn if person else "",
        "kind": LifeEventKind(visit.kind).label if visit else "",
        "occurred_on": visit.occurred_on if visit else None,
        "discharged_on": visit.discharged_on if visit else None,
        "facility": visit.facility if visit else "",
        "in_tandem": in_tandem,
    }
