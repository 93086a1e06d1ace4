"""The stepwise assessment: fourteen domains talked about one at a time, in any order, over the first
30 days; a need found in one becomes a goal or a step in one action.

Each domain is a panel of the page; htmx posts swap that panel (and the progress line) in place.
Substance-use content (42 CFR Part 2) reaches only the care team: others see that it was recorded,
and may not change it or turn it into a goal or step.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError
from careplans.forms import AssessmentDomainForm, NeedToGoalForm, NeedToStepForm
from careplans.models import AssessmentDomain, AssessmentDomainKind, NeedLevel
from careplans.selectors import Assessment, AssessmentPart, assessment_entry_of, assessment_of
from careplans.services import assessment_domain_record, assessment_need_to_goal, assessment_need_to_step
from caseloads.pages import PatientInCare, patient_in_care_for, patient_to_change, render_patient_page

TEMPLATE = "caseloads/assessment.html"
FORM, GOAL_FORM, STEP_FORM = "form", "goal_form", "step_form"


def _kind(domain: str) -> AssessmentDomainKind:
    if domain not in AssessmentDomainKind.values:
        raise Http404
    return AssessmentDomainKind(domain)


def _assessment(care: PatientInCare) -> Assessment:
    if care.enrollment is None:
        raise Http404
    return assessment_of(enrollment=care.enrollment, shows_part2=care.shows_part2)


def _forms(care: PatientInCare, assessment: Assessment, part: AssessmentPart) -> dict[str, Form | None]:
    """The unbound forms a panel offers: none to someone who may only read, or for withheld content."""
    if not care.can_change or part.is_withheld:
        return {FORM: None, GOAL_FORM: None, STEP_FORM: None}
    initial = {"summary": part.summary, "need_level": part.need_level}
    if part.assessed_on is not None:
        initial["assessed_on"] = part.assessed_on
    # A need can become a goal or a step once talked about, unless there turned out to be none.
    has_need = part.is_recorded and part.need_level != NeedLevel.NONE
    return {
        FORM: AssessmentDomainForm(domain=part.kind, today=assessment.today, initial=initial),
        GOAL_FORM: NeedToGoalForm(domain=part.kind) if has_need else None,
        STEP_FORM: _step_form(care, assessment, part.kind) if has_need and assessment.open_goals else None,
    }


def _step_form(care: PatientInCare, assessment: Assessment, domain: str, data: Any = None) -> NeedToStepForm:
    return NeedToStepForm(
        data,
        domain=domain,
        first_name=care.first_name,
        goals=assessment.open_goals,
        members=assessment.care_team,
        supports=assessment.community_supports,
    )


def _panel(
    care: PatientInCare,
    assessment: Assessment,
    part: AssessmentPart,
    *,
    bound: dict[str, Form] | None = None,
    saved_message: str = "",
) -> dict[str, Any]:
    """One domain's panel: what was recorded, its forms (`bound` replaces one with the posted form)."""
    forms = _forms(care, assessment, part) | (bound or {})
    kwargs = {"patient_id": care.patient.pk, "domain": part.kind}
    return {
        "part": part,
        **forms,
        "url": reverse("caseloads:assessment-domain", kwargs=kwargs),
        "goal_url": reverse("caseloads:assessment-goal", kwargs=kwargs),
        "step_url": reverse("caseloads:assessment-step", kwargs=kwargs),
        "saved_message": saved_message,
        "is_open": bool(bound or saved_message),
    }


def _render(
    request: HttpRequest,
    care: PatientInCare,
    *,
    partial: str = "",
    domain: str = "",
    bound: dict[str, Form] | None = None,
    saved_message: str = "",
    status: int = 200,
) -> TemplateResponse:
    """The page, or one domain's `partial` for htmx, with its access event."""
    assessment = _assessment(care)
    context: dict[str, Any] = {"care": care, "assessment": assessment}
    if partial:
        context["panel"] = _panel(
            care, assessment, assessment.part(domain), bound=bound, saved_message=saved_message
        )
    else:
        context["panels"] = [
            _panel(care, assessment, part, bound=bound if part.kind == domain else None)
            for part in assessment.parts
        ]
    return render_patient_page(
        request,
        f"{TEMPLATE}#{partial}" if partial else TEMPLATE,
        context,
        patient=care.patient,
        enrollment=care.enrollment,
        object_type="assessment",
        object_id=care.enrollment.pk if care.enrollment else None,
        status=status,
    )


@require_GET
def assessment(request: HttpRequest, patient_id: int) -> TemplateResponse:
    care = patient_in_care_for(user=request.user, patient_id=patient_id)
    return _render(request, care)


def _domain_to_change(request: HttpRequest, patient_id: int, domain: str) -> PatientInCare:
    """404 for an unknown domain or a patient out of scope; 403 for someone who may only read, or for
    Part 2 content from someone off the care team."""
    kind = _kind(domain)
    care = patient_to_change(user=request.user, patient_id=patient_id)
    if care.enrollment is None:
        raise Http404
    if kind == AssessmentDomainKind.SUBSTANCE_USE and not care.shows_part2:
        raise PermissionDenied
    return care


def _change(
    request: HttpRequest,
    care: PatientInCare,
    *,
    domain: str,
    form_name: str,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    saved_message: Callable[[Any], str],
) -> HttpResponse:
    """What every post from a domain panel does.

    Valid input goes to the service; a refusal becomes a form error, answered 422 with the form (the
    panel for htmx, the whole page otherwise) and nothing stored. After a save, htmx gets the refreshed
    panel and progress line; a plain post is redirected to the page with a message.
    """
    saved: object = None
    if form.is_valid():
        try:
            saved = save(form.service_arguments())
        except DomainError as refusal:
            form.add_error(None, refusal.message)
    if not form.is_valid():
        partial = "domain-panel" if request.htmx else ""
        return _render(request, care, partial=partial, domain=domain, bound={form_name: form}, status=422)
    message = saved_message(saved)
    if not request.htmx:
        messages.success(request, message)
        url = reverse("caseloads:assessment", kwargs={"patient_id": care.patient.pk})
        return redirect(f"{url}#domain-{domain}")
    # A new goal may have started the plan: read the patient again.
    refreshed = patient_in_care_for(user=request.user, patient_id=care.patient.pk)
    return _render(request, refreshed, partial="domain-saved", domain=domain, saved_message=message)


@require_POST
def assessment_domain(request: HttpRequest, patient_id: int, domain: str) -> HttpResponse:
    """Record what the person said about one domain, or update it."""
    care = _domain_to_change(request, patient_id, domain)
    form = AssessmentDomainForm(request.POST, domain=domain, today=care.enrollment.program.today())
    return _change(
        request,
        care,
        domain=domain,
        form_name=FORM,
        form=form,
        save=lambda arguments: assessment_domain_record(
            enrollment=care.enrollment, acting_user=request.user, domain=domain, **arguments
        ),
        saved_message=lambda entry: f"{entry.get_domain_display()}: saved.",
    )


def _recorded_entry(care: PatientInCare, domain: str) -> AssessmentDomain:
    entry = assessment_entry_of(enrollment=care.enrollment, domain=domain) if care.enrollment else None
    if entry is None:
        label = AssessmentDomainKind(domain).label.lower()
        raise DomainError(
            f"Write down what {care.first_name} said about {label} first, then turn the need into a goal "
            "or a step."
        )
    return entry


def _save_need(
    request: HttpRequest, care: PatientInCare, domain: str, service: Callable[..., Any]
) -> Callable[[dict[str, Any]], object]:
    """The `save` of a post turning the domain's recorded need into a goal or a step with `service`."""
    return lambda arguments: service(
        entry=_recorded_entry(care, domain), acting_user=request.user, **arguments
    )


@require_POST
def assessment_goal(request: HttpRequest, patient_id: int, domain: str) -> HttpResponse:
    """Turn this domain's need into a goal in the person's words; the plan starts if there is none."""
    care = _domain_to_change(request, patient_id, domain)
    return _change(
        request,
        care,
        domain=domain,
        form_name=GOAL_FORM,
        form=NeedToGoalForm(request.POST, domain=domain),
        save=_save_need(request, care, domain, assessment_need_to_goal),
        saved_message=lambda goal: f"Added to {care.first_name}'s plan as a goal: “{goal.patient_words}”.",
    )


@require_POST
def assessment_step(request: HttpRequest, patient_id: int, domain: str) -> HttpResponse:
    """Turn this domain's need into a step toward one of the open goals of the active plan."""
    care = _domain_to_change(request, patient_id, domain)
    return _change(
        request,
        care,
        domain=domain,
        form_name=STEP_FORM,
        form=_step_form(care, _assessment(care), domain, request.POST),
        save=_save_need(request, care, domain, assessment_need_to_step),
        saved_message=lambda step: f"Added as a step toward “{step.goal.patient_words}”: {step.description}.",
    )
