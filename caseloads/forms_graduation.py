"""Forms of the graduation workflow. The rules are in caseloads.graduation_services; these parse input."""

import datetime
from typing import Any

from django import forms

from caseloads.models import FollowUpOutcome
from patients.models import ReferralSource

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
PART2_HINT = (
    "This goes to the primary care provider. Leave out anything about substance use (42 CFR Part 2) "
    "unless the person has signed a consent to share it."
)


class TickedCriteriaField(forms.MultipleChoiceField):
    """The criteria ticked. Any label is accepted here: the service checks them against the stored ones
    (which a recompute may have changed since the page was drawn) and says which were not gone through."""

    def valid_value(self, value: str) -> bool:
        return True


class GraduationForm(forms.Form):
    """The graduation as agreed with the person; goes to graduation_record."""

    reviewed_criteria = TickedCriteriaField(
        label="Reviewed with the person", required=False, widget=forms.CheckboxSelectMultiple
    )
    unmet_criteria_reason = forms.CharField(
        label="Why graduate now",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when a criterion is not met: the team decides; Tandem only recommends.",
    )
    patient_agreed_on = forms.DateField(label="The person agreed to graduate on", widget=DATE_INPUT)
    graduated_on = forms.DateField(label="Graduation date", widget=DATE_INPUT)
    primary_care_contact = forms.CharField(
        label="Who to call at primary care",
        max_length=300,
        help_text="The provider or nurse, the practice and a phone number.",
    )
    next_primary_care_visit_on = forms.DateField(
        label="Next primary care visit", required=False, widget=DATE_INPUT
    )
    handoff_summary = forms.CharField(
        label="Note for the primary care provider",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=PART2_HINT,
    )

    def __init__(self, *args: Any, criteria: list[dict[str, Any]], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "graduation")
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.fields["reviewed_criteria"].choices = [(item["label"], item["label"]) for item in criteria]
        # A reason is asked for when a criterion is unmet, or readiness is not worked out yet.
        reason = self.fields["unmet_criteria_reason"]
        reason.required = not criteria or any(not item["met"] for item in criteria)
        reason.error_messages["required"] = "Say why the team decides to graduate now."

    def rows(self) -> list[dict[str, Any]]:
        """Each criterion with whether its box is ticked, for the template's own layout."""
        ticked = set(self["reviewed_criteria"].value() or [])
        return [
            {**item, "index": index, "ticked": item["label"] in ticked}
            for index, item in enumerate(self.criteria)
        ]


def graduation_form_initial(*, today: datetime.date, primary_care_contact: str) -> dict[str, Any]:
    return {"graduated_on": today, "patient_agreed_on": today, "primary_care_contact": primary_care_contact}


class FollowUpForm(forms.Form):
    """A check-in after graduation; goes to follow_up_record."""

    completed_on = forms.DateField(label="Day of the check-in", widget=DATE_INPUT)
    outcome = forms.ChoiceField(
        label="How are they doing?", choices=FollowUpOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when they need some support: say what.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "follow-up")
        super().__init__(*args, **kwargs)


class ReEnrolForm(forms.Form):
    """Bring a graduate back into the program; goes to graduate_re_enrol."""

    reason = forms.CharField(
        label="Why they are coming back",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    source = forms.ChoiceField(label="Who asked", choices=ReferralSource.choices, initial=ReferralSource.SELF)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "re-enrol")
        super().__init__(*args, **kwargs)
