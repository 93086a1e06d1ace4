"""Every API list answers a full page in the same number of SQL statements whether the program has 10
people or 500: a seeded demo program of each size, every registered list endpoint, 200 records a page.

The counts are pinned in QUERIES; a new endpoint gets its line here (the failure shows the figures).
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Role, User
from config.api import API_ROUTES

pytestmark = pytest.mark.django_db

# The outcome figures are one summary, not a list of records (their counts: tests/api/test_outcomes_api.py).
LISTS = sorted(
    route.basename for route in API_ROUTES if hasattr(route.viewset, "list") and route.basename != "outcome"
)
# Per list: statements for one page, signed in as the program's admin. Six are the request's own: the
# session and user, the page's rows, the session save with its savepoint; lists that record an access
# event per person or read related rows add theirs.
QUERIES: dict[str, int] = {
    "assessment-domain": 7,
    "care-plan": 7,
    "care-team-member": 6,
    "caseload-status": 6,
    "check-in": 7,
    "community-resource": 6,
    "community-support": 6,
    "contact": 8,
    "enrollment": 6,
    "goal": 8,
    "goal-progress": 7,
    "life-event": 7,
    "patient": 9,
    "referral": 6,
    "referral-out": 6,
    "step": 7,
    "success-moment": 7,
    "supervision-session": 8,
}
# Lists whose size does not grow with the number of people (their counts: the endpoint's own tests).
FIXED_SIZE = {
    "community-resource": "the demo's resource directory",
    "supervision-session": "per care manager",
}


def queries_per_list(patients: int) -> dict[str, tuple[int, int]]:
    """Per list endpoint: (statements, records on the page) for the admin of a demo program of `patients`."""
    call_command(
        "seed_demo", f"--patients={patients}", "--today=2026-06-15", "--workers=0", stdout=io.StringIO()
    )
    admin = User.objects.filter(role=Role.PROGRAM_ADMIN).order_by("pk").first()
    client = APIClient()
    client.force_login(admin)
    figures = {}
    for basename in LISTS:
        url = reverse(f"api:{basename}-list")
        client.get(url, {"page_size": 200})  # warm: the session and anything cached per process
        with CaptureQueriesContext(connection) as statements:
            response = client.get(url, {"page_size": 200})
        assert response.status_code == 200, f"{basename}: {response.status_code} {response.content[:300]!r}"
        figures[basename] = (len(statements), len(response.json()["results"]))
    return figures


@pytest.mark.parametrize("patients", [10, 500])
def test_every_list_costs_the_same_statements_for_10_and_500_people(patients: int) -> None:
    figures = queries_per_list(patients)

    assert {name: statements for name, (statements, _) in figures.items()} == QUERIES, repr(figures)
    if patients == 500:
        # The larger program must really fill the pages, or the equal counts prove nothing.
        thin = sorted(
            name for name, (_, records) in figures.items() if records < 40 and name not in FIXED_SIZE
        )
        assert thin == [], f"Lists with under 20 records at 500 people: {thin} ({figures})"
