"""The "My Plan" handout: what it says, in which language, and how it is rendered and shown.

One template (careplans/handout_content.html) makes the handout for the screen, the PDF and the copy that
is kept when it is handed over, so all three say the same. The handout carries its own `<style>`, so a
kept copy looks as it did on the day; pages that show it allow exactly that style by its hash.
"""

import base64
import datetime
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.csp import CSP, build_policy
from django.utils.safestring import SafeString, mark_safe

from careplans.models import OPEN_GOAL_STATUSES, GoalStatus, HandoutLanguage
from careplans.selectors import goals_with_steps_of
from careplans.services import step_owner_label
from caseloads.pages import PatientInCare
from engagement.selectors import next_contact_planned_on
from patients.models import Enrollment
from patients.selectors import care_team_of

CONTENT_TEMPLATE = "careplans/handout_content.html"
DOCUMENT_TEMPLATE = "careplans/handout_document.html"
# How the patient's preferred language (free text) starts when it is Spanish, accents removed.
SPANISH_NAMES = frozenset({"spanish", "espanol", "castellano", "es"})
STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


class HandedOverForm(forms.Form):
    """The handout the care manager has in front of them: the plan version and the language."""

    revision = forms.IntegerField(min_value=1)
    language = forms.ChoiceField(choices=HandoutLanguage.choices)


@dataclass(frozen=True)
class HandoutStep:
    description: str
    # "patient" and "care_manager" are worded by the template in the handout's language.
    owner: str
    owner_label: str
    due_on: datetime.date | None


@dataclass(frozen=True)
class HandoutGoal:
    patient_words: str
    why_it_matters: str
    status: str
    target_on: datetime.date | None
    steps: list[HandoutStep]


@dataclass(frozen=True)
class Handout:
    """Everything the handout shows, as plain values."""

    language: str
    first_name: str
    revision: int
    made_on: datetime.date
    # Open goals (proposed, active, paused) in the patient's priority order, with the steps not yet done.
    # What success looks like stays on the plan page: with it, three goals no longer fit on one page.
    goals: list[HandoutGoal]
    # The patient's words of the goals they have reached.
    achieved: list[str]
    care_manager_name: str
    care_manager_phone: str
    next_meeting_on: datetime.date | None


def handout_language_for(preferred_language: str) -> str:
    """Spanish when the patient's preferred language names Spanish first ("Spanish", "Español",
    "spanish (Mexico)", "es-MX"), otherwise English."""
    plain = unicodedata.normalize("NFKD", preferred_language).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z]+", plain)
    if words and words[0] in SPANISH_NAMES:
        return HandoutLanguage.SPANISH
    return HandoutLanguage.ENGLISH


def handout_language_of(request: HttpRequest, patient: PatientInCare) -> str:
    """The language asked for with `?lang=`, else the patient's preferred one."""
    requested = request.GET.get("lang", "")
    if requested in HandoutLanguage.values:
        return requested
    return handout_language_for(patient.patient.preferred_language)


def _next_meeting_on(enrollment: Enrollment, today: datetime.date) -> datetime.date | None:
    """The next contact planned at the latest contact that planned one, if it is still ahead.

    Not the caseload's computed "next due" date: the handout promises only a day agreed with the person.
    """
    planned = next_contact_planned_on(enrollment=enrollment)
    return planned if planned is not None and planned >= today else None


def _care_manager(enrollment: Enrollment) -> tuple[str, str]:
    """The name and phone number of the patient's primary care manager ("", "" when there is none).

    The care manager's own number; else a number kept on their care-team membership.
    """
    primary = next((member for member in care_team_of(enrollment=enrollment) if member.is_primary), None)
    if primary is None:
        return "", ""
    phone = primary.user.phone if primary.user is not None else ""
    return primary.display_name, phone or primary.phone


def handout_for(*, patient: PatientInCare, language: str) -> Handout:
    """The handout of the patient's active plan as it stands now."""
    plan, enrollment = patient.care_plan, patient.enrollment
    if plan is None or enrollment is None:
        raise ValueError("Only a patient with an active plan has a handout.")
    goals = goals_with_steps_of(care_plan=plan)
    today = enrollment.program.today()
    care_manager_name, care_manager_phone = _care_manager(enrollment)
    return Handout(
        language=language,
        first_name=patient.first_name,
        revision=plan.revision,
        made_on=today,
        goals=[
            HandoutGoal(
                patient_words=goal.patient_words,
                why_it_matters=goal.why_it_matters,
                status=goal.status,
                target_on=goal.target_on,
                steps=[
                    HandoutStep(
                        description=step.description,
                        owner=step.owner,
                        owner_label=step_owner_label(step),
                        due_on=step.due_on,
                    )
                    for step in goal.steps.all()
                    if not step.is_done
                ],
            )
            for goal in goals
            if goal.status in OPEN_GOAL_STATUSES
        ],
        achieved=[goal.patient_words for goal in goals if goal.status == GoalStatus.ACHIEVED],
        care_manager_name=care_manager_name,
        care_manager_phone=care_manager_phone,
        next_meeting_on=_next_meeting_on(enrollment, today),
    )


def handout_html(handout: Handout) -> SafeString:
    """The handout as HTML, in its own language whatever the staff page's language is."""
    with translation.override(handout.language):
        return mark_safe(render_to_string(CONTENT_TEMPLATE, {"handout": handout}))  # noqa: S308 - rendered


def handout_document(content_html: str, *, language: str, title: str = "") -> str:
    """The handout as a page of its own, as the PDF is made from it. `title` names the document
    (the graduation papers reuse this); "My Plan" by default."""
    with translation.override(language):
        return render_to_string(
            DOCUMENT_TEMPLATE,
            {"handout_html": mark_safe(content_html), "language": language, "title": title},  # noqa: S308
        )


class PdfUnavailable(Exception):
    """This server cannot make PDFs: WeasyPrint could not load Pango."""


def handout_pdf(content_html: str, *, language: str, title: str = "") -> bytes:
    """The handout as a PDF. It loads nothing from outside: the handout carries its own style."""
    # Imported here so Tandem still starts on a machine without Pango; only the PDF needs it.
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as missing:
        raise PdfUnavailable from missing

    document = handout_document(content_html, language=language, title=title)
    return HTML(string=document, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()


def allow_handout_styles(request: HttpRequest, response: HttpResponse, content_html: str) -> HttpResponse:
    """Let the browser apply the handout's own `<style>`, and no other inline style.

    Tandem's policy allows only stylesheets from its own origin. A kept copy must look as it did when it
    was given, with the style it had then, so the page names that style by its hash.
    """
    hashes = [
        f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"
        for css in STYLE_ELEMENT.findall(content_html)
    ]
    config: dict[str, Any] = {**settings.SECURE_CSP}
    config["style-src"] = [*config.get("style-src", [CSP.SELF]), *hashes]
    # The CSP middleware leaves a header the view has set.
    response.headers[str(CSP.HEADER_ENFORCE)] = build_policy(config, get_nonce(request))
    return response
