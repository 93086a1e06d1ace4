"""The community resource directory: everyone in the program reads it; program admins keep it."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import program_admin_required
from accounts.errors import DomainError
from patients.forms_resources import CommunityResourceForm, ResourceSearchForm
from patients.models import CommunityResource
from patients.selectors import community_resource_for_user, community_resources_for
from patients.services import community_resource_save

FORM_TEMPLATE = "patients/resource_form.html"


@require_GET
def resource_directory(request: HttpRequest) -> TemplateResponse:
    """Search the directory. htmx searches get only the results."""
    search_form = ResourceSearchForm(request.GET)
    search, category = search_form.search()
    can_edit = request.user.is_program_admin
    context = {
        "search_form": search_form,
        "resources": list(community_resources_for(user=request.user, search=search, category=category)),
        "can_edit": can_edit,
    }
    if request.htmx:
        return TemplateResponse(request, "patients/resources.html#results", context)
    # Admins can find the services no longer offered, to bring one back.
    context["retired"] = list(community_resources_for(user=request.user, is_active=False)) if can_edit else []
    return TemplateResponse(request, "patients/resources.html", context)


def _save_resource(
    request: HttpRequest, form: CommunityResourceForm, resource: CommunityResource | None
) -> HttpResponse:
    """Valid input goes to the service; a refusal is shown on the form (422) and nothing is stored."""
    if form.is_valid():
        try:
            saved = community_resource_save(
                program=request.user.program,
                acting_user=request.user,
                resource=resource,
                **form.service_arguments(),
            )
        except DomainError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("patients:resources")
    return TemplateResponse(request, FORM_TEMPLATE, {"form": form, "resource": resource}, status=422)


@program_admin_required
@require_http_methods(["GET", "POST"])
def resource_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save_resource(request, CommunityResourceForm(request.POST), None)
    return TemplateResponse(request, FORM_TEMPLATE, {"form": CommunityResourceForm(), "resource": None})


@program_admin_required
@require_http_methods(["GET", "POST"])
def resource_update(request: HttpRequest, resource_id: int) -> HttpResponse:
    resource = community_resource_for_user(request.user, resource_id)
    if request.method == "POST":
        return _save_resource(request, CommunityResourceForm(request.POST, resource=resource), resource)
    form = CommunityResourceForm(resource=resource)
    return TemplateResponse(request, FORM_TEMPLATE, {"form": form, "resource": resource})
