"""Balancing a team's caseloads (placeholder until built)."""

from django.http import HttpRequest, HttpResponse


def balancing(request: HttpRequest, team_id: int) -> HttpResponse:
    raise NotImplementedError
