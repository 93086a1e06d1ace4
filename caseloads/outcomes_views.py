"""Program outcomes (program leads and admins): the page, and each of its tables as CSV."""

from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import roles_required
from accounts.models import Role
from caseloads.forms_outcomes import OutcomeFilterForm
from caseloads.outcomes import TABLE_SLUGS, OutcomesPage, outcome_teams, outcomes_page_for
from patients.import_views import csv_download
from patients.imports import csv_text

outcomes_roles_required = roles_required(Role.PROGRAM_LEAD, Role.PROGRAM_ADMIN)


def _filter_form(request: HttpRequest) -> OutcomeFilterForm:
    return OutcomeFilterForm(
        request.GET, teams=outcome_teams(user=request.user), today=request.user.program.today()
    )


@outcomes_roles_required
@require_GET
def outcomes(request: HttpRequest) -> TemplateResponse:
    """The figures for the chosen period and team; with filters that have a problem, the errors and the
    figures of the default period (the page says which period it shows)."""
    form = _filter_form(request)
    page = outcomes_page_for(user=request.user, filters=form.filters())
    status = 200 if form.is_valid() else 422
    return TemplateResponse(
        request, "caseloads/outcomes.html", {"page": page, "filter_form": form}, status=status
    )


@outcomes_roles_required
@require_GET
def outcomes_export(request: HttpRequest, table: str) -> HttpResponse:
    """One table as CSV, for the same filters as the page. Aggregates only: no person is named."""
    if table not in TABLE_SLUGS:
        raise Http404
    form = _filter_form(request)
    if not form.is_valid():
        return HttpResponse(
            "The filters have a problem; open the outcomes page to correct them.",
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    page = outcomes_page_for(user=request.user, filters=form.filters())
    found = page.table(table)
    if found is None:
        raise Http404("The figures have not been computed yet.")
    return csv_download(csv_text(found.csv_rows(context=_context(page))), _file_name(page, table))


def _context(page: OutcomesPage) -> tuple[str, ...]:
    computed_at = timezone.localtime(page.refresh.computed_at) if page.refresh else None
    return (
        page.filters.period.label,
        page.filters.team_name or "All teams",
        f"{computed_at:%Y-%m-%d %H:%M}" if computed_at else "",
    )


def _file_name(page: OutcomesPage, table: str) -> str:
    period = page.filters.period
    starts = f"{period.starts_on:%Y-%m-%d}" if period.starts_on else "start"
    team = f"-team-{page.filters.team_id}" if page.filters.team_id else ""
    return f"outcomes-{table}-{starts}-to-{period.ends_on:%Y-%m-%d}{team}.csv"
