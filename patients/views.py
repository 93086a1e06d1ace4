"""Intake pages for program admins."""

from django.http import Http404, HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from patients.selectors import referral_queue_for


@require_GET
def referral_queue(request: HttpRequest) -> TemplateResponse:
    queue = referral_queue_for(user=request.user)
    return TemplateResponse(request, "patients/referral_queue.html", {"queue": queue})


def referral_create(request: HttpRequest) -> TemplateResponse:
    raise Http404


def referral_export(request: HttpRequest) -> TemplateResponse:
    raise Http404
