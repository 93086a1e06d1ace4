"""Bulk import of referrals from a CSV file or a FHIR R4 Bundle. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def referral_import(request: HttpRequest) -> HttpResponse:
    raise Http404


def referral_import_template(request: HttpRequest) -> HttpResponse:
    raise Http404


def referral_import_preview(request: HttpRequest, import_id: int) -> HttpResponse:
    raise Http404
