"""The balancing page's form: one row per proposed move, each with a tick box, who takes the person on, a
reason and a warm-transfer note. Only ticked rows are read; caseloads.balancing checks the rules."""

from collections.abc import Sequence
from typing import Any

from django import forms

from caseloads.balancing import REASON_MAX_LENGTH, TRANSFER_NOTE_MAX_LENGTH, ChosenMove

NOTE_HINT = "What the new care manager needs to know: what matters to them, how best to reach them."
# What a ticked move must have, and what to say when it is missing.
MISSING = {
    "to_care_manager": "Choose who takes this person on.",
    "reason": "Give a reason for this move.",
    "transfer_note": "Write a warm-transfer note for the new care manager.",
}


class MoveForm(forms.Form):
    """One proposed move. Who, the reason and the note are needed only when the move is ticked."""

    selected = forms.BooleanField(label="Move", required=False)
    enrollment = forms.IntegerField(widget=forms.HiddenInput)
    from_member = forms.IntegerField(widget=forms.HiddenInput)
    # Needed when the row is ticked (see clean); the template marks them as needed for a move.
    to_care_manager = forms.TypedChoiceField(
        label="To",
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a care manager in this team."},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=REASON_MAX_LENGTH,
        strip=True,
        error_messages={"max_length": f"Keep the reason to {REASON_MAX_LENGTH} characters or fewer."},
    )
    transfer_note = forms.CharField(
        label="Warm-transfer note",
        help_text=NOTE_HINT,
        required=False,
        max_length=TRANSFER_NOTE_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": f"Keep the note to {TRANSFER_NOTE_MAX_LENGTH} characters or fewer."},
    )

    def __init__(
        self, *args: Any, care_manager_choices: Sequence[tuple[int, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_care_manager"].choices = list(care_manager_choices)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("selected"):
            for name, message in MISSING.items():
                if name not in self.errors and not cleaned.get(name):
                    self.add_error(name, message)
        return cleaned

    @property
    def is_selected(self) -> bool:
        """Whether the row is ticked, readable before validation (to show the row open)."""
        if not self.is_bound:
            return False
        widget = self.fields["selected"].widget
        return bool(widget.value_from_datadict(self.data, self.files, self.add_prefix("selected")))

    def chosen_move(self) -> ChosenMove:
        return ChosenMove(
            enrollment_id=self.cleaned_data["enrollment"],
            from_member_id=self.cleaned_data["from_member"],
            to_user_id=self.cleaned_data["to_care_manager"],
            reason=self.cleaned_data["reason"],
            transfer_note=self.cleaned_data["transfer_note"],
        )


class BaseMoveFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        super().clean()
        if not any(self.errors) and not self.chosen_moves():
            raise forms.ValidationError("Tick at least one move to apply.")

    def chosen_moves(self) -> list[ChosenMove]:
        return [form.chosen_move() for form in self.forms if form.cleaned_data.get("selected")]


MoveFormSet = forms.formset_factory(
    MoveForm, formset=BaseMoveFormSet, extra=0, max_num=500, validate_max=True
)
