"""The stepwise assessment, one domain at a time over the first 30 days. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def assessment(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


def assessment_domain(request: HttpRequest, patient_id: int, domain: str) -> HttpResponse:
    raise Http404


def assessment_goal(request: HttpRequest, patient_id: int, domain: str) -> HttpResponse:
    raise Http404


def assessment_step(request: HttpRequest, patient_id: int, domain: str) -> HttpResponse:
    raise Http404
