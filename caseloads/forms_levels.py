"""The level-of-care card's forms: accept the recommendation, or choose another level for a while.

They only parse; caseloads.levels checks the rules and words the refusals. The card renders its own
markup (templates/components/_caseload_status.html) with these names, since the record page shows it
before anything is posted.
"""

from typing import Any

from django import forms

from caseloads.models import IntensityLevel


class LevelAcceptForm(forms.Form):
    """Accept the recommendation the person saw (goes to caseload_level_accept)."""

    prefix = "level-accept"

    recommended_level = forms.ChoiceField(
        choices=IntensityLevel.choices, required=False, widget=forms.HiddenInput
    )

    def service_arguments(self) -> dict[str, Any]:
        return {"expected_recommendation": self.cleaned_data["recommended_level"]}


class LevelOverrideForm(forms.Form):
    """Choose a level, why and until when (goes to caseload_level_override)."""

    prefix = "level-of-care"

    level = forms.ChoiceField(
        label="Level of care",
        choices=IntensityLevel.choices,
        error_messages={
            "required": "Choose the level of care: high, medium or low.",
            "invalid_choice": "Choose the level of care: high, medium or low.",
        },
    )
    # Required and at most 300 characters, checked by the service with its own words.
    reason = forms.CharField(label="Why this level", required=False, strip=True)
    until = forms.DateField(
        label="Until",
        required=False,
        error_messages={"invalid": "Enter a real date for the end date."},
    )

    def service_arguments(self) -> dict[str, Any]:
        return {
            "level": self.cleaned_data["level"],
            "reason": self.cleaned_data["reason"],
            "until": self.cleaned_data["until"],
        }


class PhaseChangeForm(forms.Form):
    """Confirm the move to the wellness phase, with what shows it (goes to enrollment_change_phase)."""

    prefix = "phase"

    # Required; the service words the refusal.
    evidence = forms.CharField(label="What shows it", required=False, strip=True)

    def service_arguments(self) -> dict[str, Any]:
        return {"evidence": self.cleaned_data["evidence"]}
