"""What the screening page reads and how it is drawn. The view is `caseloads.intake_views.screening`."""

import dataclasses
from typing import Any

from django.http import HttpRequest
from django.template.response import TemplateResponse

from accounts.dates import day_text
from accounts.models import Discipline
from caseloads.assignment import CareManagerSuggestions, care_manager_suggestions
from caseloads.forms_screening import ScreeningForm
from caseloads.pages import PatientInCare, render_patient_page
from patients.models import (
    CommunityResource,
    Enrollment,
    EnrollmentStatus,
    Referral,
    ScreeningQuestion,
)
from patients.services.screening import SCREENABLE_STATUSES

TEMPLATE = "caseloads/screening.html"


@dataclasses.dataclass(frozen=True, kw_only=True)
class ScreeningPage:
    enrollment: Enrollment
    referral: Referral
    questions: list[ScreeningQuestion]
    resources: list[CommunityResource]
    suggestions: CareManagerSuggestions

    @property
    def is_screenable(self) -> bool:
        return self.enrollment.status in SCREENABLE_STATUSES


def screening_page_of(*, enrollment: Enrollment, discipline_hint: str = "") -> ScreeningPage:
    """The referral, the program's active questions and directory, and the care manager suggestions.
    A fixed number of queries whatever the number of care managers, questions or services."""
    referral = Referral.objects.select_related("received_by", "screened_by").get(enrollment=enrollment)
    program = enrollment.program
    return ScreeningPage(
        enrollment=enrollment,
        referral=referral,
        questions=list(ScreeningQuestion.objects.filter(program=program, is_active=True)),
        resources=list(CommunityResource.objects.filter(program=program, is_active=True)),
        suggestions=care_manager_suggestions(
            program=program, discipline_hint=discipline_hint if discipline_hint in Discipline.values else ""
        ),
    )


def screening_form_for(
    page: ScreeningPage, data: Any = None, initial: dict[str, Any] | None = None
) -> ScreeningForm:
    return ScreeningForm(
        data,
        questions=page.questions,
        suggestions=page.suggestions,
        resources=page.resources,
        initial=initial,
    )


def render_screening(
    request: HttpRequest,
    care: PatientInCare,
    page: ScreeningPage,
    form: ScreeningForm | None,
    *,
    error: str = "",
    status: int = 200,
) -> TemplateResponse:
    """The page, with its access event. `form` is None once the referral has been screened."""
    selected = form["care_manager"].value() if form is not None else None
    return render_patient_page(
        request,
        TEMPLATE,
        {
            "care": care,
            "page": page,
            "form": form,
            "error": error,
            "selected_care_manager": str(selected or ""),
            "is_resorted": "suggest" in request.POST,
        },
        patient=care.patient,
        enrollment=page.enrollment,
        object_type="referral",
        object_id=page.referral.pk,
        status=status,
    )


def screened_message(enrollment: Enrollment) -> str:
    """What the referral queue says after a screening. No names: the queue may be seen over a shoulder."""
    if enrollment.status == EnrollmentStatus.OUTREACH:
        return "Screening saved: a fit. Outreach starts with the care manager you chose."
    if enrollment.status == EnrollmentStatus.NOT_A_FIT:
        return (
            "Screening saved: not a fit. The person was referred to the service you chose, "
            "and the referral is closed."
        )
    day = day_text(enrollment.reapproach_on) if enrollment.reapproach_on else "the date you chose"
    return f"Screening saved: declined for now. They will be on the re-approach worklist from {day}."
