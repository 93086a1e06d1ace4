"""The screening form: the program's questions, then one of three outcomes with its own fields."""

import datetime
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import Discipline
from caseloads.assignment import CareManagerSuggestions
from patients.models import CommunityResource, HandoffSetting, ScreeningQuestion, ScreeningResponse
from patients.services.screening import ScreeningAnswerDetails, ScreeningOutcome, WarmHandoff

Outcome = ScreeningOutcome

# The fields each outcome uses. Those of the outcomes not chosen are ignored, errors included, so a
# field required here is required only when its outcome is chosen.
OUTCOME_FIELDS: dict[str, tuple[str, ...]] = {
    Outcome.FIT: ("discipline", "care_manager", "handoff_by", "handoff_setting", "handoff_at", "fit_note"),
    Outcome.NOT_A_FIT: ("not_a_fit_reason", "resource"),
    Outcome.DECLINED: ("declined_reason", "reapproach_preference", "reapproach_on"),
}


def answer_field_name(question: ScreeningQuestion) -> str:
    return f"answer_{question.pk}"


def note_field_name(question: ScreeningQuestion) -> str:
    return f"note_{question.pk}"


def _needed(message: str) -> dict[str, str]:
    return {"required": message}


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _resource_choices(resources: Sequence[CommunityResource]) -> list[tuple[str, Any]]:
    """The directory grouped by category, so the select reads "Housing: …", "Food: …"."""
    ordered = sorted(resources, key=lambda resource: (resource.get_category_display(), resource.name))
    groups = [
        (category, [(str(resource.pk), resource.name) for resource in members])
        for category, members in groupby(ordered, key=lambda resource: resource.get_category_display())
    ]
    return [("", "Choose a service"), *groups]


class ScreeningForm(forms.Form):
    outcome = forms.ChoiceField(
        label="The decision",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome: a fit, not a fit, or declined."},
    )
    # A fit: the primary care manager and the warm handoff.
    discipline = forms.ChoiceField(
        label="Discipline that would suit them best",
        required=False,
        choices=[("", "Any discipline"), *Discipline.choices],
    )
    care_manager = forms.TypedChoiceField(
        label="Primary care manager", coerce=int, error_messages=_needed("Choose the primary care manager.")
    )
    handoff_by = forms.CharField(
        label="Who introduced the care manager",
        max_length=200,
        help_text="For example: the ED nurse, or the person's doctor at the clinic.",
        error_messages=_needed("Say who introduced the care manager to the person."),
    )
    handoff_setting = forms.ChoiceField(
        label="Where",
        choices=HandoffSetting.choices,
        widget=forms.RadioSelect,
        error_messages=_needed("Say where the introduction happened."),
    )
    handoff_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages=_needed("Say when the introduction happened."),
    )
    fit_note = forms.CharField(label="Note on the decision", required=False, widget=_textarea())
    # Not a fit: why, and where to instead.
    not_a_fit_reason = forms.CharField(
        label="Why the program is not a fit",
        widget=_textarea(),
        error_messages=_needed("Say why the program is not a fit."),
    )
    resource = forms.TypedChoiceField(
        label="Redirect to",
        coerce=int,
        error_messages=_needed("Choose a service from the directory to redirect the person to."),
    )
    # Declined: their words, and when and how to try again.
    declined_reason = forms.CharField(
        label="The reason they gave, in their words",
        widget=_textarea(),
        error_messages=_needed("Write the reason the person gave, in their words."),
    )
    reapproach_preference = forms.CharField(
        label="How they would like to be approached next time", required=False, widget=_textarea()
    )
    reapproach_on = forms.DateField(
        label="Re-approach date",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=_needed("Choose a date to approach the person again."),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        questions: Sequence[ScreeningQuestion],
        suggestions: CareManagerSuggestions,
        resources: Sequence[CommunityResource],
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.now = timezone.localtime().replace(second=0, microsecond=0)
        self.today = self.now.date()
        initial = {"handoff_at": self.now, **(initial or {})}
        super().__init__(data, initial=initial)
        self.questions = list(questions)
        self.care_managers = suggestions.by_id()
        self.resources = {resource.pk: resource for resource in resources}
        for question in self.questions:
            self.fields[answer_field_name(question)] = forms.ChoiceField(
                label=question.text,
                choices=ScreeningResponse.choices,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose yes, no or not known."},
            )
            self.fields[note_field_name(question)] = forms.CharField(
                label="Note", max_length=300, required=False
            )
        self.fields["care_manager"].choices = [(pk, str(user)) for pk, user in self.care_managers.items()]
        self.fields["care_manager"].error_messages["invalid_choice"] = "Choose a care manager from the list."
        self.fields["resource"].choices = _resource_choices(resources)
        self.fields["resource"].error_messages["invalid_choice"] = "Choose a service from the directory."
        self.fields["handoff_at"].widget.attrs["max"] = self.now.strftime("%Y-%m-%dT%H:%M")
        self.fields["reapproach_on"].widget.attrs["min"] = (
            self.today + datetime.timedelta(days=1)
        ).isoformat()

    @property
    def question_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[answer_field_name(q)], self[note_field_name(q)]) for q in self.questions]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        outcome = cleaned.get("outcome")
        # The sections of the outcomes not chosen are hidden on the page: nothing in them counts.
        for other, names in OUTCOME_FIELDS.items():
            if other != outcome:
                for name in names:
                    self._errors.pop(name, None)
                    cleaned.pop(name, None)
        handoff_at = cleaned.get("handoff_at")
        if handoff_at is not None and handoff_at > timezone.now():
            self.add_error("handoff_at", "The warm handoff cannot be in the future.")
        reapproach_on = cleaned.get("reapproach_on")
        if reapproach_on is not None and reapproach_on <= self.today:
            self.add_error("reapproach_on", "The re-approach date must be after today.")
        return cleaned

    def screening_arguments(self) -> dict[str, Any]:
        """The keyword arguments for `referral_screen`, from a valid form."""
        data = self.cleaned_data
        outcome = data["outcome"]
        arguments: dict[str, Any] = {
            "outcome": outcome,
            "answers": [
                ScreeningAnswerDetails(
                    question=question,
                    response=data[answer_field_name(question)],
                    note=data[note_field_name(question)],
                )
                for question in self.questions
            ],
        }
        if outcome == Outcome.FIT:
            arguments |= {
                "decision_note": data["fit_note"],
                "care_manager": self.care_managers[data["care_manager"]],
                "handoff": WarmHandoff(
                    introduced_by=data["handoff_by"], setting=data["handoff_setting"], at=data["handoff_at"]
                ),
            }
        elif outcome == Outcome.NOT_A_FIT:
            arguments |= {
                "decision_note": data["not_a_fit_reason"],
                "resource": self.resources[data["resource"]],
            }
        else:
            arguments |= {
                "decision_note": data["declined_reason"],
                "reapproach_on": data["reapproach_on"],
                "reapproach_preference": data["reapproach_preference"],
            }
        return arguments
