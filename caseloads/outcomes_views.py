"""Program outcomes (placeholder until built)."""

from django.http import HttpRequest, HttpResponse


def outcomes(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def outcomes_export(request: HttpRequest, table: str) -> HttpResponse:
    raise NotImplementedError
