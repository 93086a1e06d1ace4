"""The supervision session form: the session itself, and one small decision form per person on the caseload.

The forms only parse; caseloads.supervision checks the rules and words the refusals.
"""

from django import forms

from accounts.models import User
from caseloads.models import DecisionKind, IntensityLevel
from caseloads.supervision import Decision
from patients.models import Enrollment


class SupervisionSessionForm(forms.Form):
    held_on = forms.DateField(
        label="Date of the session",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the date of the session.", "invalid": "Enter a real date."},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you talked about: wins, worries, training needs. The care manager can read these.",
    )


def decision_prefix(enrollment_id: int) -> str:
    """The prefix of one person's decision fields on the caseload review."""
    return f"person-{enrollment_id}"


def reassignment_options(colleagues: list[User]) -> list[tuple[str, str]]:
    """The "new primary care manager" choices: none yet, then each colleague who may take the person."""
    return [("", "Choose a care manager"), *((str(colleague.pk), str(colleague)) for colleague in colleagues)]


class DecisionForm(forms.Form):
    """What was decided about one person, if anything."""

    discussed = forms.BooleanField(label="Discussed", required=False)
    kind = forms.ChoiceField(
        label="Decision",
        required=False,
        choices=[("", "No decision"), *DecisionKind.choices],
        error_messages={"invalid_choice": "Choose a decision from the list."},
    )
    level = forms.ChoiceField(
        label="New level of care",
        required=False,
        choices=[("", "Choose a level"), *IntensityLevel.choices],
        error_messages={"invalid_choice": "Choose the level of care: high, medium or low."},
    )
    level_until = forms.DateField(
        label="Level applies until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Needed when the level differs from the recommendation.",
        error_messages={"invalid": "Enter a real date for the end date."},
    )
    reassign_to = forms.ModelChoiceField(
        label="New primary care manager",
        required=False,
        queryset=User.objects.none(),
        empty_label="Choose a care manager",
        error_messages={"invalid_choice": "Choose a care manager from the team."},
    )
    detail = forms.CharField(
        label="Reason or what was agreed",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "For a reassignment, the warm-transfer note: what matters to the person and how to reach them."
        ),
    )

    def __init__(
        self, *args: object, enrollment: Enrollment, colleagues: list[User], **kwargs: object
    ) -> None:
        super().__init__(*args, prefix=decision_prefix(enrollment.pk), **kwargs)
        self.enrollment = enrollment
        field = self.fields["reassign_to"]
        field.queryset = User.objects.filter(pk__in=[colleague.pk for colleague in colleagues])
        field.choices = reassignment_options(colleagues)

    @property
    def is_discussed(self) -> bool:
        return bool(self.cleaned_data.get("discussed") or self.cleaned_data.get("kind"))

    def decision(self) -> Decision | None:
        kind = self.cleaned_data.get("kind")
        if not kind:
            return None
        return Decision(
            enrollment=self.enrollment,
            kind=kind,
            detail=self.cleaned_data.get("detail") or "",
            level=self.cleaned_data.get("level") or "",
            level_until=self.cleaned_data.get("level_until"),
            reassign_to=self.cleaned_data.get("reassign_to"),
        )
