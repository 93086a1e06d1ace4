"""Forms for patient details."""

import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone

from accounts.models import Role, User
from patients.matching import PersonToMatch
from patients.models import (
    EARLIEST_BIRTH_DATE,
    CareTeamRole,
    CommunitySupport,
    Patient,
    ReferralSource,
    Urgency,
)
from patients.selectors import PossibleDuplicate
from patients.services import PersonDetails, ReferralDetails


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
    email = forms.EmailField(label="Email", required=False, max_length=254)
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


class ReferralForm(forms.Form):
    """A new referral taken by staff: who the person is, who referred them, why, and how soon.

    Validation only: the view runs the duplicate check and saves through referral_receive.
    """

    legal_first_name = forms.CharField(
        label="Legal first name",
        max_length=100,
        error_messages={"required": "Give the person's legal first name."},
    )
    legal_last_name = forms.CharField(
        label="Legal last name",
        max_length=100,
        error_messages={"required": "Give the person's legal last name."},
    )
    preferred_name = forms.CharField(label="Name they like to be called", required=False, max_length=100)
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Give the person's date of birth.",
            "invalid": "Enter the date of birth as a real date, for example 1968-04-21.",
        },
    )
    mrn = forms.CharField(label="MRN (medical record number)", required=False, max_length=64)
    phone = forms.CharField(label="Phone", required=False, max_length=40)
    preferred_language = forms.CharField(
        label="Preferred language",
        max_length=60,
        initial="English",
        error_messages={"required": "Say which language the person prefers."},
    )
    source = forms.ChoiceField(
        label="Where the referral came from",
        choices=[("", "Choose a source"), *ReferralSource.choices],
        error_messages={
            "required": "Say where the referral came from.",
            "invalid_choice": "Choose where the referral came from from the list.",
        },
    )
    referrer_name = forms.CharField(label="Referrer's name", required=False, max_length=200)
    referrer_organization = forms.CharField(label="Referrer's organisation", required=False, max_length=200)
    referrer_phone = forms.CharField(label="Referrer's phone", required=False, max_length=40)
    reason = forms.CharField(
        label="Reason for the referral",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for the referral."},
    )
    priority_1 = forms.CharField(label="First thing", required=False, max_length=200)
    priority_2 = forms.CharField(label="Second thing", required=False, max_length=200)
    priority_3 = forms.CharField(label="Third thing", required=False, max_length=200)
    urgency = forms.ChoiceField(
        label="How soon should we reach them",
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Say how soon we should reach them.",
            "invalid_choice": "Choose how soon we should reach them from the list.",
        },
    )

    PERSON_FIELDS = (
        "legal_first_name",
        "legal_last_name",
        "preferred_name",
        "date_of_birth",
        "mrn",
        "phone",
        "preferred_language",
    )
    REFERRER_FIELDS = ("source", "referrer_name", "referrer_organization", "referrer_phone", "reason")
    PRIORITY_FIELDS = ("priority_1", "priority_2", "priority_3")

    def clean_date_of_birth(self) -> datetime.date:
        born_on: datetime.date = self.cleaned_data["date_of_birth"]
        if born_on < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError("Check the date of birth: it is before 1900.")
        if born_on > timezone.localdate():
            raise forms.ValidationError("Check the date of birth: it is in the future.")
        return born_on

    def person_to_match(self) -> PersonToMatch:
        data = self.cleaned_data
        return PersonToMatch(
            legal_first_name=data["legal_first_name"],
            legal_last_name=data["legal_last_name"],
            date_of_birth=data["date_of_birth"],
            mrn=data["mrn"],
        )

    def person_details(self) -> PersonDetails:
        return PersonDetails(**{name: self.cleaned_data[name] for name in self.PERSON_FIELDS})

    def referral_details(self) -> ReferralDetails:
        # One line each, in the person's words; stored one per line.
        priorities = [" ".join(self.cleaned_data[name].split()) for name in self.PRIORITY_FIELDS]
        return ReferralDetails(
            **{name: self.cleaned_data[name] for name in self.REFERRER_FIELDS},
            patient_priorities="\n".join(priority for priority in priorities if priority),
            urgency=self.cleaned_data["urgency"],
        )


class DuplicateChoiceForm(forms.Form):
    """After the duplicate check: attach the referral to one of the people found, or say it is someone else.

    `matches` are the people found for the details as posted now; `shown` carries the ids that were on
    the page, so a match that appeared since is shown before anything is saved.
    """

    existing_patient = forms.TypedChoiceField(
        label="Is it one of these people?",
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose one of the people listed."},
    )
    confirmed_new = forms.BooleanField(required=False)
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any = None, *, matches: list[PossibleDuplicate], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.matches = matches
        self.fields["shown"].initial = ",".join(str(match.patient.pk) for match in matches)
        existing = cast(forms.TypedChoiceField, self.fields["existing_patient"])
        existing.choices = [(match.patient.pk, match.patient.legal_name) for match in matches]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        shown = {part for part in cleaned.get("shown", "").split(",") if part}
        if any(str(match.patient.pk) not in shown for match in self.matches):
            raise forms.ValidationError(
                "Another person who may be the same was found since you looked. Check the list again."
            )
        if cleaned.get("confirmed_new"):
            cleaned["existing_patient"] = None
            if any(match.is_same_mrn for match in self.matches):
                raise forms.ValidationError(
                    "Someone in the program already has this MRN, so this cannot be a new person. "
                    "Attach the referral to them, or go back and correct the MRN."
                )
        elif cleaned.get("existing_patient") is None and not self.has_error("existing_patient"):
            raise forms.ValidationError(
                "Choose the person to attach the referral to, or say it is someone else."
            )
        return cleaned

    def chosen_patient(self) -> Patient | None:
        chosen = self.cleaned_data.get("existing_patient")
        return next((match.patient for match in self.matches if match.patient.pk == chosen), None)
