"""The outcomes page's filters: a period (a preset or two dates) and a team."""

import datetime
from typing import Any

from django import forms

from caseloads.outcomes import DEFAULT_PERIOD, PERIOD_CHOICES, OutcomeFilters, PeriodChoice, period_for


class OutcomeFilterForm(forms.Form):
    """Filters read from the query string. Invalid input is shown as errors; the figures then show the
    default period for every team, and the page says so."""

    period = forms.ChoiceField(label="Period", required=False, choices=PERIOD_CHOICES)
    starts_on = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    ends_on = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, teams: list[tuple[int, str]], today: datetime.date) -> None:
        super().__init__(data)
        self.today = today
        self.team_names = dict(teams)
        self.fields["team"].choices = [("", "All teams"), *teams]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("period") != PeriodChoice.CUSTOM:
            return cleaned
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on is None and "starts_on" not in self.errors:
            self.add_error("starts_on", "Enter the first day of the period.")
        if ends_on is None and "ends_on" not in self.errors:
            self.add_error("ends_on", "Enter the last day of the period.")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The last day is before the first day.")
        return cleaned

    def filters(self) -> OutcomeFilters:
        if not self.is_valid():
            return OutcomeFilters(period=period_for(DEFAULT_PERIOD, today=self.today))
        data = self.cleaned_data
        period = period_for(
            data["period"] or DEFAULT_PERIOD,
            today=self.today,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
        team_id = data["team"]
        return OutcomeFilters(
            period=period, team_id=team_id, team_name=self.team_names.get(team_id, "") if team_id else ""
        )
