"""The contact form: built for a phone, one screen, the common answers first."""

from typing import Any

from django import forms
from django.utils import timezone

from careplans.models import Goal
from engagement.models import (
    MAX_CONTACT_MINUTES,
    ContactMode,
    EngagementMethod,
    LifeEventKind,
    ReadinessView,
    SuccessKind,
)
from engagement.services import GoalReview

REACHED, ATTEMPT = "reached", "attempt"


class ContactForm(forms.Form):
    mode = forms.ChoiceField(label="How", choices=ContactMode.choices, widget=forms.RadioSelect)
    outcome = forms.ChoiceField(
        label="Did you reach them?",
        choices=[(REACHED, "Reached"), (ATTEMPT, "Attempt only")],
        initial=REACHED,
        widget=forms.RadioSelect,
    )
    occurred_at = forms.DateTimeField(
        label="When",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label="Minutes",
        required=False,
        min_value=1,
        max_value=MAX_CONTACT_MINUTES,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    engagement_methods = forms.MultipleChoiceField(
        label="What you used",
        choices=EngagementMethod.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="Short note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    is_part2 = forms.BooleanField(
        label="The note mentions substance-use treatment (shown to the care team only)", required=False
    )
    next_contact_on = forms.DateField(
        label="Next planned contact", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, goals: list[Goal], in_outreach: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        if in_outreach:
            # The first reached contact with consent starts active care.
            self.fields["consent_given"] = forms.BooleanField(
                label="They agreed to take part in the program (recorded as their consent)", required=False
            )
        self.goals = goals
        for goal in goals:
            self.fields[f"goal_{goal.pk}"] = forms.BooleanField(label=goal.patient_words, required=False)
            self.fields[f"goal_{goal.pk}_note"] = forms.CharField(
                label="How it is going (optional)", required=False, max_length=300
            )

    def goal_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"goal_{goal.pk}"], self[f"goal_{goal.pk}_note"]) for goal in self.goals]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["is_reached"] = data.get("outcome") == REACHED
        data["goal_reviews"] = [
            GoalReview(goal_id=goal.pk, note=data.get(f"goal_{goal.pk}_note", ""))
            for goal in self.goals
            if data.get(f"goal_{goal.pk}")
        ]
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "occurred_at": data["occurred_at"],
            "mode": data["mode"],
            "is_reached": data["is_reached"],
            "duration_minutes": data["duration_minutes"],
            "engagement_methods": data["engagement_methods"],
            "note": data["note"],
            "is_part2": data["is_part2"],
            "next_contact_on": data["next_contact_on"],
            "goal_reviews": data["goal_reviews"],
        } | ({"consent_given": data["consent_given"]} if "consent_given" in data else {})


def _today() -> Any:
    return timezone.localdate()


class CheckInForm(forms.Form):
    occurred_on = forms.DateField(label="Day", initial=_today, widget=forms.DateInput(attrs={"type": "date"}))
    confidence = forms.IntegerField(
        label="How sure do they feel they can manage their health and life? (0 not at all, 10 completely)",
        min_value=0,
        max_value=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 10}),
        error_messages={
            "min_value": "Enter a number from 0 to 10.",
            "max_value": "Enter a number from 0 to 10.",
            "invalid": "Enter a number from 0 to 10.",
        },
    )
    readiness_to_graduate = forms.ChoiceField(
        label="Do they feel ready to manage without the program?",
        choices=[("", "Not asked"), *ReadinessView.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SuccessMomentForm(forms.Form):
    occurred_on = forms.DateField(label="Day", initial=_today, widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="Kind of success", choices=SuccessKind.choices, widget=forms.RadioSelect)
    description = forms.CharField(
        label="What happened", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class LifeEventForm(forms.Form):
    kind = forms.ChoiceField(label="What happened", choices=LifeEventKind.choices)
    occurred_on = forms.DateField(label="Day", initial=_today, widget=forms.DateInput(attrs={"type": "date"}))
    ended_on = forms.DateField(
        label="Ended (discharge, release)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    facility = forms.CharField(label="Where (hospital, shelter)", required=False, max_length=200)
    note = forms.CharField(
        label="Note", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)
