"""The patient's own copy of their plan, "My Plan": a printable page and a PDF. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def plan_handout(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


def plan_handout_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


def plan_handout_record(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


def plan_handout_copy(request: HttpRequest, patient_id: int, handout_id: int) -> HttpResponse:
    raise Http404
