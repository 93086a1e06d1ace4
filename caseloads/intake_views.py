"""Screening a referral for fit, and referrals out from the record. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def screening(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


def referral_out_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


def referral_out_update(request: HttpRequest, patient_id: int, referral_out_id: int) -> HttpResponse:
    raise Http404
