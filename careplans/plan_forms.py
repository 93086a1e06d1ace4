"""Forms of the care plan page: start the plan, goals in the person's words, steps, who took part."""

from typing import Any

from django import forms

from careplans.models import GoalStatus, LifeDomain, StepOwner
from patients.models import CareTeamMember, CommunitySupport

DATE = forms.DateInput(attrs={"type": "date"})


class CoCreationForm(forms.Form):
    """Who took part in making the plan, and where."""

    co_created_with = forms.CharField(
        label="Who made the plan together",
        max_length=300,
        required=False,
        help_text="For example: Maria, her daughter Ana, and Dev (care manager).",
    )
    co_created_where = forms.CharField(
        label="Where", max_length=200, required=False, help_text="For example: at home, at the clinic."
    )
    # The plan revision the edit started from (not shown when starting a plan).
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"co_created_with": data["co_created_with"], "co_created_where": data["co_created_where"]}


class GoalForm(forms.Form):
    patient_words = forms.CharField(
        label="The goal, in the person's own words",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the goal in the person's own words."},
    )
    why_it_matters = forms.CharField(
        label="Why it matters to them", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    success_looks_like = forms.CharField(
        label="What success looks like to them", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    life_domain = forms.ChoiceField(label="Part of life", choices=LifeDomain.choices)
    target_on = forms.DateField(label="Target date", required=False, widget=DATE)
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices, initial=GoalStatus.ACTIVE)
    # The goal version the edit started from (optimistic locking); absent when adding a goal.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, adding: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if adding:
            self.fields["status"].choices = [
                (GoalStatus.ACTIVE, GoalStatus.ACTIVE.label),
                (GoalStatus.PROPOSED, "Proposed (still thinking about it)"),
            ]

    def service_arguments(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class GoalStatusForm(forms.Form):
    """One click on a goal: mark it achieved (or another status) from the version on the page."""

    status = forms.ChoiceField(choices=GoalStatus.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def service_arguments(self) -> dict[str, Any]:
        return {"status": self.cleaned_data["status"]}


PATIENT, CARE_MANAGER = StepOwner.PATIENT.value, StepOwner.CARE_MANAGER.value


class StepForm(forms.Form):
    """A next step: what, who does it (the person, the care manager, a named team member or support),
    by when. Who does it is one choice, so a phone shows one list."""

    description = forms.CharField(
        label="What needs doing", max_length=500, error_messages={"required": "Say what the step is."}
    )
    who = forms.ChoiceField(label="Who does it")
    due_on = forms.DateField(label="By when", required=False, widget=DATE)

    def __init__(
        self,
        *args: Any,
        first_name: str,
        members: list[CareTeamMember],
        supports: list[CommunitySupport],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [
            (PATIENT, first_name),
            (CARE_MANAGER, "Care manager"),
            *[
                (f"member:{member.pk}", f"{member.display_name} ({member.get_role_display()})")
                for member in members
                if not member.is_primary
            ],
            *[
                (f"support:{support.pk}", f"{support.name} ({support.get_kind_display()})")
                for support in supports
            ],
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind, _, pk = data["who"].partition(":")
        owner = {"member": StepOwner.TEAM_MEMBER, "support": StepOwner.COMMUNITY_SUPPORT}.get(kind, kind)
        return {
            "description": data["description"],
            "owner": owner,
            "owner_team_member_id": int(pk) if kind == "member" else None,
            "owner_support_id": int(pk) if kind == "support" else None,
            "due_on": data["due_on"],
        }
