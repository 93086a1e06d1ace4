"""Peer support pages (placeholder until built)."""

from django.http import HttpRequest, HttpResponse


def peer_support(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def peer_group_update(request: HttpRequest, group_id: int) -> HttpResponse:
    raise NotImplementedError


def peer_mentor_update(request: HttpRequest, mentor_id: int) -> HttpResponse:
    raise NotImplementedError


def peer_connection_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise NotImplementedError


def peer_contact_create(request: HttpRequest, patient_id: int, connection_id: int) -> HttpResponse:
    raise NotImplementedError


def peer_connection_end(request: HttpRequest, patient_id: int, connection_id: int) -> HttpResponse:
    raise NotImplementedError
