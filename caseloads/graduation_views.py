"""Graduation pages (placeholder until built)."""

from django.http import HttpRequest, HttpResponse


def graduation(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise NotImplementedError


def handoff_summary(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise NotImplementedError


def handoff_summary_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise NotImplementedError


def certificate(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise NotImplementedError


def certificate_pdf(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise NotImplementedError


def follow_up_record(request: HttpRequest, patient_id: int, follow_up_id: int) -> HttpResponse:
    raise NotImplementedError


def re_enrol(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise NotImplementedError
