"""Forms for patient details."""

from typing import Any

from django import forms

from patients.models import CommunitySupport, Patient


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


class CommunitySupportForm(forms.ModelForm):
    """Validation and widgets only: the change goes through community_support_add."""

    class Meta:
        model = CommunitySupport
        fields = [
            "kind",
            "name",
            "relationship",
            "phone",
            "email",
            "is_trusted_to_involve",
            "consent_to_contact_on",
            "notes",
        ]
        labels = {
            "kind": "Who they are",
            "name": "Name of the person or group",
            "is_trusted_to_involve": "The person wants them involved in their care",
            "consent_to_contact_on": "Day the person agreed we may contact them",
        }
        widgets = {
            "consent_to_contact_on": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
