"""Forms of the care plan (who took part, goals in the person's words, steps) and of the stepwise
assessment (one domain at a time, and a need turned into a goal or a step).

Each form takes the domain it belongs to, so that fourteen of them can share a page with unique ids.
"""

import datetime
from typing import Any

from django import forms

from careplans.models import Goal, GoalStatus, LifeDomain, NeedLevel, StepOwner
from careplans.services import LIFE_DOMAIN_OF_ASSESSMENT
from patients.models import CareTeamMember, CommunitySupport

MEMBER, SUPPORT = "member", "support"


def _date_input(**attrs: str) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


class AssessmentDomainForm(forms.Form):
    """What the person said about one domain, how much need there is, and the day it was talked about."""

    summary = forms.CharField(
        label="What they told you, in a few words",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write what the person told you, in a few words."},
    )
    need_level = forms.ChoiceField(
        label="How much need is there?",
        choices=[("", "Not sure yet"), *NeedLevel.choices],
        required=False,
        widget=forms.RadioSelect,
    )
    assessed_on = forms.DateField(
        label="Day you talked about it",
        error_messages={"required": "Enter the day you talked about it."},
    )

    def __init__(self, *args: Any, domain: str, today: datetime.date, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{domain}_%s")
        kwargs.setdefault("initial", {}).setdefault("assessed_on", today)
        super().__init__(*args, **kwargs)
        self.fields["assessed_on"].widget = _date_input(max=today.isoformat())

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"summary": data["summary"], "need_level": data["need_level"], "on": data["assessed_on"]}


class NeedToGoalForm(forms.Form):
    """A need from the assessment becomes a goal, written in the person's own words."""

    patient_words = forms.CharField(
        label="The goal, in their own words",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write the goal in the person's own words."},
    )
    life_domain = forms.ChoiceField(label="Part of life", choices=LifeDomain.choices)
    why_it_matters = forms.CharField(
        label="Why it matters to them",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, domain: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{domain}_goal_%s")
        kwargs.setdefault("initial", {}).setdefault(
            "life_domain", LIFE_DOMAIN_OF_ASSESSMENT.get(domain, LifeDomain.OTHER)
        )
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


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
    target_on = forms.DateField(label="Target date", required=False, widget=_date_input())
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


class StepForm(forms.Form):
    """A next step: what, who does it (the person, the care manager, a named team member or support),
    by when. Who does it is one choice, so a phone shows one list."""

    description = forms.CharField(
        label="What needs doing", max_length=500, error_messages={"required": "Say what the step is."}
    )
    who = forms.ChoiceField(label="Who does it")
    due_on = forms.DateField(label="By when", required=False, widget=_date_input())

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
            (StepOwner.PATIENT.value, first_name),
            (StepOwner.CARE_MANAGER.value, "Care manager"),
            *[
                (f"{MEMBER}:{member.pk}", f"{member.display_name} ({member.get_role_display()})")
                for member in members
                if not member.is_primary
            ],
            *[
                (f"{SUPPORT}:{support.pk}", f"{support.name} ({support.get_kind_display()})")
                for support in supports
            ],
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind, _, pk = data["who"].partition(":")
        owner = {MEMBER: StepOwner.TEAM_MEMBER, SUPPORT: StepOwner.COMMUNITY_SUPPORT}.get(kind, kind)
        return {
            "description": data["description"],
            "owner": owner,
            "owner_team_member_id": int(pk) if kind == MEMBER else None,
            "owner_support_id": int(pk) if kind == SUPPORT else None,
            "due_on": data["due_on"],
        }


class NeedToStepForm(StepForm):
    """A need from the assessment becomes a step toward one of the person's open goals."""

    goal = forms.TypedChoiceField(
        label="Toward which goal",
        coerce=int,
        error_messages={"required": "Choose the goal this step is toward."},
    )
    field_order = ["goal", "description", "who", "due_on"]

    def __init__(self, *args: Any, domain: str, goals: list[Goal], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{domain}_step_%s")
        super().__init__(*args, **kwargs)
        self.goals = {goal.pk: goal for goal in goals}
        self.fields["goal"].choices = [
            ("", "Choose a goal"),
            *[(goal.pk, goal.patient_words[:120]) for goal in goals],
        ]
        self.fields["description"].label = "The step"
        self.fields["who"].error_messages["required"] = "Say who will do this step."

    def clean_goal(self) -> Goal:
        goal = self.goals.get(self.cleaned_data["goal"])
        if goal is None:
            raise forms.ValidationError("Choose one of the person's open goals.")
        return goal

    def service_arguments(self) -> dict[str, Any]:
        return {"goal": self.cleaned_data["goal"], **super().service_arguments()}
