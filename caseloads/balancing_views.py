"""Balancing a team's caseloads: each care manager's load against capacity, the proposed moves, and the
moves the supervisor ticks, applied together or not at all.

Supervisors of the team and program admins apply moves; program leads see the page without the form
(reassigning people is a supervision decision). Care managers get 403; another program's team, or a
team the supervisor does not supervise, 404.
"""

import dataclasses
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from accounts.errors import DomainError
from accounts.models import User
from caseloads.balancing import (
    TeamBalance,
    can_apply_moves,
    caseload_moves_apply,
    team_balance_for,
    team_to_balance_for,
)
from caseloads.forms_balancing import BaseMoveFormSet, MoveForm, MoveFormSet
from patients.models import Enrollment

TEMPLATE = "caseloads/balancing.html"


@dataclasses.dataclass(frozen=True)
class MoveFormRow:
    """One row of the form with the people it is about (None when a posted row's person has left the
    team's care since)."""

    form: MoveForm
    enrollment: Enrollment | None
    from_user: User | None
    to_user: User | None
    reason: str


def _choices(balance: TeamBalance) -> list[tuple[int, str]]:
    return [
        (
            row.care_manager.pk,
            f"{row.care_manager} · {row.discipline_label} · {row.points} of {row.capacity} points",
        )
        for row in balance.rows
    ]


def _blank_formset(balance: TeamBalance) -> BaseMoveFormSet:
    initial = [
        {
            "enrollment": row.move.enrollment_id,
            "from_member": row.move.primary_member_id,
            "to_care_manager": row.move.to_user_id,
            "reason": row.move.reason,
        }
        for row in balance.moves
    ]
    return MoveFormSet(
        initial=initial, prefix="move", form_kwargs={"care_manager_choices": _choices(balance)}
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _rows(balance: TeamBalance, formset: BaseMoveFormSet) -> list[MoveFormRow]:
    rows = []
    for form in formset.forms:
        enrollment_id = _int_or_none(form["enrollment"].value())
        to_id = _int_or_none(form["to_care_manager"].value())
        rows.append(
            MoveFormRow(
                form=form,
                enrollment=balance.enrollments.get(enrollment_id) if enrollment_id is not None else None,
                from_user=balance.primaries.get(enrollment_id) if enrollment_id is not None else None,
                to_user=balance.care_manager(to_id) if to_id is not None else None,
                reason=str(form["reason"].value() or ""),
            )
        )
    return rows


def _render(
    request: HttpRequest,
    balance: TeamBalance,
    formset: BaseMoveFormSet | None,
    *,
    refusal: list[str] | None = None,
    status: int = 200,
) -> TemplateResponse:
    context = {
        "balance": balance,
        "refusal": refusal or [],
        "team": balance.team,
        "formset": formset,
        "move_rows": _rows(balance, formset) if formset is not None else [],
    }
    return TemplateResponse(request, TEMPLATE, context, status=status)


@require_http_methods(["GET", "POST"])
def balancing(request: HttpRequest, team_id: int) -> HttpResponse:
    """GET: loads and proposals. POST: apply the ticked moves; a refusal answers 422 as filled in."""
    team = team_to_balance_for(request.user, team_id)
    may_apply = can_apply_moves(request.user, team)
    if request.method == "POST" and not may_apply:
        raise PermissionDenied
    balance = team_balance_for(user=request.user, team=team)
    if request.method == "GET":
        return _render(request, balance, _blank_formset(balance) if may_apply else None)
    formset = MoveFormSet(
        request.POST, prefix="move", form_kwargs={"care_manager_choices": _choices(balance)}
    )
    refusal: list[str] = []
    if formset.is_valid():
        try:
            made = caseload_moves_apply(team=team, moves=formset.chosen_moves(), acting_user=request.user)
        except DomainError as error:
            refusal = error.messages
        else:
            count = len(made)
            messages.success(
                request,
                f"Moved {count} {'person' if count == 1 else 'people'}. "
                "Each record shows the transfer and the note for the new care manager.",
            )
            return redirect("caseloads:balancing", team_id=team.pk)
    return _render(request, balance, formset, refusal=refusal, status=422)
