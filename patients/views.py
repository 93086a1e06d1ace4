"""Intake pages for program admins."""

from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET

from patients.selectors import referral_queue_for


@require_GET
def referral_queue(request: HttpRequest) -> TemplateResponse:
    queue = referral_queue_for(user=request.user)
    return TemplateResponse(request, "patients/referral_queue.html", {"queue": queue})
