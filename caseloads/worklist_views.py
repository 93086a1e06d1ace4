"""The program admin's intake worklists."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from accounts.decorators import program_admin_required
from caseloads.services import candidates_recompute_soon
from caseloads.worklists import intake_worklists_for


@require_http_methods(["GET", "POST"])
@program_admin_required
def intake_worklists(request: HttpRequest) -> HttpResponse:
    """GET: the worklists. POST: recompute the candidates now (in the background when a worker runs)."""
    if request.method == "POST":
        candidates_recompute_soon(program_id=request.user.program_id)
        messages.success(request, "Finding candidates again. The list shows when it was last worked out.")
        return redirect("caseloads:intake-worklists")
    worklists = intake_worklists_for(user=request.user)
    return TemplateResponse(request, "caseloads/intake_worklists.html", {"worklists": worklists})
