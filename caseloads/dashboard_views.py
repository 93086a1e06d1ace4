"""The supervisor's dashboard, caseload review and supervision sessions (placeholder until built)."""

from django.http import HttpRequest, HttpResponse


def dashboard(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def caseload_review(request: HttpRequest, user_id: int) -> HttpResponse:
    raise NotImplementedError


def supervision_session_create(request: HttpRequest, user_id: int) -> HttpResponse:
    raise NotImplementedError


def supervision_session(request: HttpRequest, session_id: int) -> HttpResponse:
    raise NotImplementedError
