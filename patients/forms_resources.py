"""Forms for the community resource directory: searching it, and adding or editing a service."""

from typing import Any

from django import forms

from accounts.forms_base import RetirableForm
from patients.models import CommunityResource, ResourceCategory


class ResourceSearchForm(forms.Form):
    """Narrow the directory. Unknown values are ignored rather than shown as errors: it is a search."""

    q = forms.CharField(
        label="Search by name, need, who it is for or language",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    category = forms.ChoiceField(
        label="Kind of service",
        required=False,
        choices=[("", "All kinds"), *ResourceCategory.choices],
    )

    def search(self) -> tuple[str, str]:
        """(words, category) to look for; a bad category is dropped, the words are kept."""
        if self.is_valid():
            return self.cleaned_data["q"], self.cleaned_data["category"]
        return str(self.data.get("q", ""))[:100], ""

    @property
    def is_narrowed(self) -> bool:
        return any(self.search())


class CommunityResourceForm(RetirableForm):
    """Validation and widgets only: the change goes through community_resource_save."""

    name = forms.CharField(label="Name of the service", max_length=200)
    category = forms.ChoiceField(label="Kind of service", choices=ResourceCategory.choices)
    description = forms.CharField(
        label="What they offer",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    eligibility_notes = forms.CharField(
        label="Who it is for",
        required=False,
        help_text="For example: adults in the county, no insurance needed, bring ID.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    languages = forms.CharField(
        label="Languages offered",
        required=False,
        max_length=300,
        help_text="Separate them with commas, for example: English, Spanish, Haitian Creole.",
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    # The model's limits: longer input would pass these fields' own checks and fail only on save.
    email = forms.EmailField(label="Email", required=False, max_length=254)
    address = forms.CharField(label="Address", required=False, max_length=300)
    website = forms.URLField(label="Website", required=False, max_length=200, assume_scheme="https")

    retire_field = "no_longer_offered"
    retire_label = "No longer offered"
    retire_help = (
        "It leaves the directory and the list people are referred from. Referrals already made keep it."
    )

    def __init__(self, *args: Any, resource: CommunityResource | None = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=resource, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        arguments = super().service_arguments()
        return arguments
