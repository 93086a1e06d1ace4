"""Forms for patient details."""

from typing import Any, cast

from django import forms

from accounts.models import Role, User
from patients.models import CareTeamRole, CommunitySupport, Patient


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
    """Validation and widgets only: the change goes through community_support_add or _update."""

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


class CommunitySupportEndForm(forms.Form):
    """Why a support is no longer involved; goes to community_support_end."""

    reason = forms.CharField(
        label="What changed",
        required=False,
        max_length=300,
        help_text="For example: moved away, or the person asked us not to involve them.",
    )

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class CareTeamMemberEndForm(forms.Form):
    """Why someone leaves the care team; goes to care_team_member_end."""

    reason = forms.CharField(label="Why", required=False, max_length=300)

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


# Colleagues who can join a care team: the people who work with patients.
CARE_TEAM_ROLES = (Role.CARE_MANAGER, Role.SUPERVISOR)


class ColleagueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:  # type: ignore[override]
        discipline = obj.get_discipline_display()
        return f"{obj}, {discipline.lower()}" if discipline else str(obj)


class CareTeamMemberForm(forms.Form):
    """A Tandem colleague from the same program, or someone outside Tandem by name.

    The colleague list leaves out the people already on the care team; it is read once, when the
    form is shown or checked. The change goes through care_team_member_add.
    """

    colleague = ColleagueChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="A Tandem colleague",
        empty_label="Choose a colleague",
        error_messages={
            "invalid_choice": "Choose a colleague from the list. People on the care team are not in it."
        },
    )
    name = forms.CharField(label="Their name", required=False, max_length=200)
    organization = forms.CharField(label="Organisation", required=False, max_length=200)
    phone = forms.CharField(label="Phone", required=False, max_length=40)
    email = forms.EmailField(label="Email", required=False)
    role = forms.ChoiceField(
        label="Role on the care team", choices=[("", "Choose a role"), *CareTeamRole.choices]
    )

    OUTSIDE_FIELDS = ("name", "organization", "phone", "email")

    def __init__(
        self, data: Any = None, *, program_id: int, current_user_ids: list[int], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        colleague = cast(ColleagueChoiceField, self.fields["colleague"])
        colleague.queryset = (
            User.objects.filter(program_id=program_id, is_active=True, role__in=CARE_TEAM_ROLES)
            .exclude(pk__in=current_user_ids)
            .order_by("first_name", "last_name", "pk")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_outside_details = any(cleaned.get(name) for name in self.OUTSIDE_FIELDS)
        if cleaned.get("colleague") and has_outside_details:
            raise forms.ValidationError(
                "Choose a Tandem colleague, or give the details of someone outside Tandem, not both."
            )
        if (
            not cleaned.get("colleague")
            and not cleaned.get("name", "").strip()
            and not self.has_error("colleague")
        ):
            raise forms.ValidationError(
                "Choose a Tandem colleague, or give the name of someone outside Tandem."
            )
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        arguments = {name: self.cleaned_data[name] for name in self.OUTSIDE_FIELDS}
        return {"user": self.cleaned_data["colleague"], "role": self.cleaned_data["role"], **arguments}
