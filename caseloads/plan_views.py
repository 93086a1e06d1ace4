"""The care plan page, co-created with the patient: goals in their words, steps, priority order,
versions. Every change goes through careplans.services (or caseloads.services where the timeline is
involved); htmx gets the refreshed plan in place, a plain post is redirected back to the plan."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError
from careplans import services as plans
from careplans.forms import CoCreationForm, GoalForm, GoalStatusForm, StepForm
from careplans.models import OPEN_GOAL_STATUSES, Goal, GoalStatus
from careplans.selectors import (
    goal_of,
    goals_with_steps_of,
    step_of,
    version_of,
    versions_of,
)
from careplans.services import GOAL_FIELDS, GoalEditConflict
from caseloads import services as caseload_services
from caseloads.pages import PatientInCare, patient_in_care_for, patient_to_change, render_patient_page
from caseloads.services import care_plan_goal_update
from patients.selectors import care_team_of, community_supports_of

PLAN_TEMPLATE = "caseloads/care_plan.html"
# Many goal and step forms share the page: each has its own prefix, so field ids stay unique.
NEW_GOAL = "new-goal"


@dataclass(frozen=True)
class ConflictingChange:
    """One field of a goal that someone else changed while this person was editing it."""

    label: str
    saved: str
    yours: str


@dataclass(frozen=True)
class GoalPanel:
    goal: Goal
    edit_form: GoalForm
    step_form: StepForm | None
    is_first: bool
    is_last: bool
    conflict: list[ConflictingChange]


def _goal_initial(goal: Goal) -> dict[str, Any]:
    return {name: getattr(goal, name) for name in GOAL_FIELDS} | {"version": goal.version}


def _render_plan(
    request: HttpRequest,
    person: PatientInCare,
    *,
    status: int = 200,
    bound: dict[str, Form] | None = None,
    conflict: tuple[int, list[ConflictingChange]] | None = None,
    **extra: Any,
) -> TemplateResponse:
    """The plan page, or (for htmx) its `plan` partial. `bound` holds the posted form that failed,
    keyed by where it sits on the page ("add-goal", "goal-<id>", "step-<id>", "details")."""
    bound = bound or {}
    plan = person.care_plan
    goals = goals_with_steps_of(care_plan=plan) if plan else []
    open_goals = [goal for goal in goals if goal.status in OPEN_GOAL_STATUSES]
    step_form_for: Callable[[Goal], StepForm | None] = lambda goal: None  # noqa: E731
    if person.can_change and plan:
        members = list(care_team_of(enrollment=person.enrollment))
        supports = list(community_supports_of(patient=person.patient))

        def step_form_for(goal: Goal) -> StepForm:
            return bound.get(f"step-{goal.pk}") or StepForm(
                first_name=person.first_name, members=members, supports=supports, prefix=f"step-{goal.pk}"
            )

    panels = [
        GoalPanel(
            goal=goal,
            edit_form=bound.get(f"goal-{goal.pk}")
            or GoalForm(initial=_goal_initial(goal), prefix=f"goal-{goal.pk}"),
            step_form=step_form_for(goal),
            is_first=index == 0,
            is_last=index == len(open_goals) - 1,
            conflict=conflict[1] if conflict and conflict[0] == goal.pk else [],
        )
        for index, goal in enumerate(open_goals)
    ]
    shown = {"add-goal", "start", "details"} | {
        f"{kind}-{goal.pk}" for goal in open_goals for kind in ("goal", "step")
    }
    # A refused form with no place on the page (a closed goal's) says why at the top.
    unplaced = [error for key, form in bound.items() if key not in shown for error in _all_errors(form)]
    context = {
        "person": person,
        "plan": plan,
        "panels": panels,
        "closed_goals": [goal for goal in goals if goal.status not in OPEN_GOAL_STATUSES],
        "add_goal_form": bound.get("add-goal") or GoalForm(adding=True, prefix=NEW_GOAL),
        "start_form": bound.get("start") or CoCreationForm(),
        "details_form": bound.get("details")
        or (
            CoCreationForm(
                initial={
                    "co_created_with": plan.co_created_with,
                    "co_created_where": plan.co_created_where,
                    "revision": plan.revision,
                }
            )
            if plan
            else None
        ),
        **extra,
    }
    context["plan_errors"] = [*context.get("plan_errors", []), *unplaced]
    template = f"{PLAN_TEMPLATE}#plan" if request.htmx else PLAN_TEMPLATE
    return render_patient_page(
        request,
        template,
        context,
        patient=person.patient,
        enrollment=person.enrollment,
        object_type="care_plan",
        object_id=plan.pk if plan else None,
        status=status,
    )


@require_GET
def care_plan(request: HttpRequest, patient_id: int) -> TemplateResponse:
    return _render_plan(request, patient_in_care_for(user=request.user, patient_id=patient_id))


def _change_plan(
    request: HttpRequest,
    person: PatientInCare,
    *,
    key: str,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    saved_message: str,
    after_save: Callable[[object], dict[str, Any]] | None = None,
) -> HttpResponse:
    """What every form posted from the plan does: valid input goes to the service, a refusal becomes a
    form error shown in place (422). After a save htmx gets the refreshed plan; a plain post is
    redirected back to the plan with a message."""
    conflict = None
    result: object = None
    if form.is_valid():
        try:
            result = save(form.service_arguments())
        except GoalEditConflict as refusal:
            form = _rebased(form, refusal.goal)
            form.add_error(None, refusal.message)
            conflict = (refusal.goal.pk, _conflicting_changes(form, refusal.goal))
        except DomainError as refusal:
            form.add_error(None, refusal.message)
    if not form.is_valid() or conflict:
        if isinstance(form, (GoalForm, StepForm, CoCreationForm)):
            return _render_plan(request, person, status=422, bound={key: form}, conflict=conflict)
        # A one-click form (achieve, move, done) has no fields to show: its refusal goes at the top.
        return _render_plan(request, person, status=422, plan_errors=_all_errors(form), conflict=conflict)
    if not request.htmx:
        messages.success(request, saved_message)
        return redirect("caseloads:care-plan", patient_id=person.patient.pk)
    refreshed = patient_in_care_for(user=request.user, patient_id=person.patient.pk)
    extra = after_save(result) if after_save else {}
    return _render_plan(request, refreshed, saved_message=saved_message, **extra)


def _all_errors(form: Form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _rebased(form: Form, goal: Goal) -> Form:
    """The same input, now based on the goal's current version: saving again is a deliberate choice."""
    data = form.data.copy()
    data["version"] = str(goal.version)
    rebased = type(form)(data, prefix=form.prefix)
    rebased.is_valid()
    return rebased


def _conflicting_changes(form: Form, goal: Goal) -> list[ConflictingChange]:
    """The fields where the goal as saved by the other person differs from this person's input."""
    changes = []
    for name, field in form.fields.items():
        if name == "version" or isinstance(field.widget, forms.HiddenInput):
            continue
        saved = getattr(goal, name)
        yours = form.cleaned_data.get(name) if hasattr(form, "cleaned_data") else None
        if (saved or "") != (yours or ""):
            display = getattr(goal, f"get_{name}_display", None)
            choices = dict(getattr(field, "choices", []))
            changes.append(
                ConflictingChange(
                    label=str(field.label),
                    saved=str(display() if display else saved or "(empty)"),
                    yours=str(choices.get(yours, yours) or "(empty)"),
                )
            )
    return changes


def _plan_to_change(request: HttpRequest, patient_id: int) -> PatientInCare:
    person = patient_to_change(user=request.user, patient_id=patient_id)
    if person.care_plan is None:
        raise Http404("This person has no plan yet.")
    return person


def _goal_of(person: PatientInCare, goal_id: int) -> Goal:
    goal = goal_of(care_plan=person.care_plan, goal_id=goal_id)
    if goal is None:
        raise Http404
    return goal


@require_POST
def care_plan_start(request: HttpRequest, patient_id: int) -> HttpResponse:
    person = patient_to_change(user=request.user, patient_id=patient_id)
    return _change_plan(
        request,
        person,
        key="start",
        form=CoCreationForm(request.POST),
        save=lambda arguments: caseload_services.care_plan_start(
            enrollment=person.enrollment, acting_user=request.user, **arguments
        ),
        saved_message="Plan started. Add the first goal, in their words.",
    )


@require_POST
def care_plan_details(request: HttpRequest, patient_id: int) -> HttpResponse:
    person = _plan_to_change(request, patient_id)
    form = CoCreationForm(request.POST)
    form.fields["revision"].required = True
    return _change_plan(
        request,
        person,
        key="details",
        form=form,
        save=lambda arguments: caseload_services.care_plan_details_update(
            care_plan=person.care_plan,
            acting_user=request.user,
            expected_revision=form.cleaned_data["revision"],
            **arguments,
        ),
        saved_message="Saved who took part and where.",
    )


@require_POST
def goal_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    person = _plan_to_change(request, patient_id)
    return _change_plan(
        request,
        person,
        key="add-goal",
        form=GoalForm(request.POST, adding=True, prefix=NEW_GOAL),
        save=lambda arguments: plans.goal_add(
            care_plan=person.care_plan, acting_user=request.user, **arguments
        ),
        saved_message="Goal added.",
        after_save=lambda goal: {"added_goal": goal},
    )


@require_POST
def goal_update(request: HttpRequest, patient_id: int, goal_id: int) -> HttpResponse:
    """Edit a goal, or (a one-click form with just the status) mark it achieved, paused or let go.
    Achieving it celebrates it on the timeline and asks what's next."""
    person = _plan_to_change(request, patient_id)
    goal = _goal_of(person, goal_id)
    form: Form = (
        GoalStatusForm(request.POST)
        if "quick" in request.POST
        else GoalForm(request.POST, prefix=f"goal-{goal.pk}")
    )
    form.fields["version"].required = True
    return _change_plan(
        request,
        person,
        key=f"goal-{goal.pk}",
        form=form,
        save=lambda arguments: care_plan_goal_update(
            goal=goal, acting_user=request.user, expected_version=form.cleaned_data["version"], **arguments
        ),
        saved_message="Goal saved.",
        after_save=lambda saved: {"achieved_goal": saved} if saved.status == GoalStatus.ACHIEVED else {},
    )


class _MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


@require_POST
def goal_move(request: HttpRequest, patient_id: int, goal_id: int) -> HttpResponse:
    """Move a goal up or down the person's priority order (buttons: keyboard and touch alike)."""
    person = _plan_to_change(request, patient_id)
    goal = _goal_of(person, goal_id)
    return _change_plan(
        request,
        person,
        key=f"goal-{goal.pk}",
        form=_MoveForm(request.POST),
        save=lambda arguments: plans.goal_move(goal=goal, acting_user=request.user, **arguments),
        saved_message="Priority order saved.",
        after_save=lambda moved: {"moved_goal": moved},
    )


@require_POST
def step_create(request: HttpRequest, patient_id: int, goal_id: int) -> HttpResponse:
    person = _plan_to_change(request, patient_id)
    goal = _goal_of(person, goal_id)
    form = StepForm(
        request.POST,
        first_name=person.first_name,
        members=list(care_team_of(enrollment=person.enrollment)),
        supports=list(community_supports_of(patient=person.patient)),
        prefix=f"step-{goal.pk}",
    )
    return _change_plan(
        request,
        person,
        key=f"step-{goal.pk}",
        form=form,
        save=lambda arguments: plans.step_add(goal=goal, acting_user=request.user, **arguments),
        saved_message="Step added.",
    )


class _StepDoneForm(forms.Form):
    done = forms.TypedChoiceField(
        choices=[("1", "done"), ("0", "not done")], coerce=lambda value: value == "1"
    )

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


@require_POST
def step_mark(request: HttpRequest, patient_id: int, step_id: int) -> HttpResponse:
    person = _plan_to_change(request, patient_id)
    step = step_of(care_plan=person.care_plan, step_id=step_id)
    if step is None:
        raise Http404
    return _change_plan(
        request,
        person,
        key=f"step-{step.goal_id}",
        form=_StepDoneForm(request.POST),
        save=lambda arguments: plans.step_mark(step=step, acting_user=request.user, **arguments),
        saved_message="Step updated.",
    )


@require_GET
def care_plan_versions(request: HttpRequest, patient_id: int) -> TemplateResponse:
    """Every kept version of the plan: what changed, who changed it, when."""
    person = patient_in_care_for(user=request.user, patient_id=patient_id)
    if person.care_plan is None:
        raise Http404("This person has no plan yet.")
    return render_patient_page(
        request,
        "caseloads/care_plan_versions.html",
        {"person": person, "plan": person.care_plan, "versions": versions_of(care_plan=person.care_plan)},
        patient=person.patient,
        enrollment=person.enrollment,
        object_type="care_plan",
        object_id=person.care_plan.pk,
    )


@require_GET
def care_plan_version(request: HttpRequest, patient_id: int, revision: int) -> TemplateResponse:
    """One earlier version of the plan, as it stood then."""
    person = patient_in_care_for(user=request.user, patient_id=patient_id)
    version = version_of(care_plan=person.care_plan, revision=revision) if person.care_plan else None
    if version is None:
        raise Http404
    return render_patient_page(
        request,
        "caseloads/care_plan_version.html",
        {"person": person, "plan": person.care_plan, "version": version},
        patient=person.patient,
        enrollment=person.enrollment,
        object_type="care_plan_version",
        object_id=version.pk,
    )
