"""Forms for patient details."""

from typing import Any

from django import forms

from patients.models import Patient


class CarePreferencesForm(forms.ModelForm):
    """Validation and widgets only: the change itself goes through patient_care_preferences_update."""

    class Meta:
        model = Patient
        fields = [
            "preferred_contact_method",
            "best_times_to_reach",
            "preferred_meeting_places",
            "phone",
            "can_receive_texts",
            "preferred_language",
            "needs_interpreter",
            "care_preference_notes",
        ]
        labels = {
            "preferred_contact_method": "Best way to reach them",
            "best_times_to_reach": "Best times",
            "preferred_meeting_places": "Where they like to meet",
            "can_receive_texts": "Texts are OK",
            "care_preference_notes": "Other preferences (for example, who to include)",
        }
        widgets = {"care_preference_notes": forms.Textarea(attrs={"rows": 2})}

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
