"""Forms of the program settings page. They check types and ranges; the rules between values (targets
going down from high to low, no one demoting themselves) are the services' to enforce.

Many rows share the page (one form per person, per team, per question): each row's form takes the
row's id, so field ids stay unique while field names stay plain.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms

from accounts.models import Discipline, Role, User
from accounts.services import CAPACITY_BOUNDS, PROGRAM_SETTING_BOUNDS
from caseloads.settings_services import GRADUATION_BOUNDS, INTENSITY_BOUNDS


def _number(label: str, low: int, high: int, *, help_text: str = "") -> forms.IntegerField:
    in_range = f"Enter a number from {low} to {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": in_range,
            "invalid": f"Enter a whole number from {low} to {high}.",
            "min_value": in_range,
            "max_value": in_range,
        },
    )


def _bounded(bounds: dict[str, tuple[str, int, int]], name: str, label: str) -> forms.IntegerField:
    _, low, high = bounds[name]
    return _number(label, low, high)


class SettingsForm(forms.Form):
    """A settings form: its cleaned data are the service's keyword arguments unless it says otherwise.
    A form shown once on the page takes its field ids from AUTO_ID; a row's form passes its own."""

    AUTO_ID = "id_%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", self.AUTO_ID)
        super().__init__(*args, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


@dataclass(frozen=True)
class FieldGroup:
    """Numbers that belong together, shown side by side under one heading."""

    legend: str
    hint: str
    fields: list[forms.BoundField]


class _GroupedForm(SettingsForm):
    # (legend, hint, field names): how the form is laid out on the page.
    GROUPS: Sequence[tuple[str, str, Sequence[str]]] = ()

    def groups(self) -> list[FieldGroup]:
        return [
            FieldGroup(legend, hint, [self[name] for name in names]) for legend, hint, names in self.GROUPS
        ]


def _program_field(name: str, label: str) -> forms.IntegerField:
    return _bounded(PROGRAM_SETTING_BOUNDS, name, label)


class ProgramSettingsForm(_GroupedForm):
    outreach_attempt_limit = _program_field("outreach_attempt_limit", "Attempts")
    outreach_period_days = _program_field("outreach_period_days", "Within days")
    assessment_window_days = _program_field("assessment_window_days", "Days to complete it")
    candidate_admissions = _program_field("candidate_admissions", "Hospital admissions")
    candidate_window_days = _program_field("candidate_window_days", "Within days")

    GROUPS = (
        (
            "Outreach",
            "After this many attempts without reaching the person, within this many days, outreach "
            "closes as unable to reach.",
            ("outreach_attempt_limit", "outreach_period_days"),
        ),
        (
            "Assessment",
            "The stepwise assessment should be complete within this many days of enrolment.",
            ("assessment_window_days",),
        ),
        (
            "Finding candidates",
            "People not enrolled who had this many hospital admissions within this many days show on "
            "the candidates worklist.",
            ("candidate_admissions", "candidate_window_days"),
        ),
    )


def _intensity_field(name: str, label: str) -> forms.IntegerField:
    return _bounded(INTENSITY_BOUNDS, name, label)


class IntensityPolicyForm(_GroupedForm):
    high_contacts_per_30_days = _intensity_field("high_contacts_per_30_days", "High")
    medium_contacts_per_30_days = _intensity_field("medium_contacts_per_30_days", "Medium")
    low_contacts_per_30_days = _intensity_field("low_contacts_per_30_days", "Low")
    high_weight = _intensity_field("high_weight", "High")
    medium_weight = _intensity_field("medium_weight", "Medium")
    low_weight = _intensity_field("low_weight", "Low")
    crisis_lookback_days = _intensity_field("crisis_lookback_days", "Days since a crisis")
    no_contact_days = _intensity_field("no_contact_days", "Days without contact")
    confidence_drop = _intensity_field("confidence_drop", "Confidence drop")
    step_down_crisis_free_days = _intensity_field("step_down_crisis_free_days", "Crisis-free days")
    step_down_confidence = _intensity_field("step_down_confidence", "Confidence at least")
    engagement_phase_days = _intensity_field("engagement_phase_days", "Days building trust")

    GROUPS = (
        (
            "Contacts per 30 days",
            "How often someone at each level is reached. High must be more than medium, and medium "
            "more than low.",
            ("high_contacts_per_30_days", "medium_contacts_per_30_days", "low_contacts_per_30_days"),
        ),
        (
            "Caseload points",
            "How much one person at each level counts against a care manager's capacity. High at least "
            "medium, and medium at least low.",
            ("high_weight", "medium_weight", "low_weight"),
        ),
        (
            "When to suggest more contact",
            "A crisis within this many days, this many days without contact, or a drop in confidence "
            "of this many points (out of 10).",
            ("crisis_lookback_days", "no_contact_days", "confidence_drop"),
        ),
        (
            "When to suggest less contact",
            "This many days without a crisis, and confidence at least this high (0 to 10).",
            ("step_down_crisis_free_days", "step_down_confidence"),
        ),
        (
            "Building trust",
            "How many days of building trust before the team reviews the phase.",
            ("engagement_phase_days",),
        ),
    )


def _graduation_field(name: str, label: str) -> forms.IntegerField:
    return _bounded(GRADUATION_BOUNDS, name, label)


class GraduationCriteriaForm(_GroupedForm):
    min_months_enrolled = _graduation_field("min_months_enrolled", "Months in the program")
    crisis_free_days = _graduation_field("crisis_free_days", "Days without a crisis")
    min_goals_achieved = _graduation_field("min_goals_achieved", "Goals achieved")
    min_confidence = _graduation_field("min_confidence", "Confidence (0 to 10)")
    requires_primary_care_connection = forms.BooleanField(
        label="Connected to a primary care provider", required=False
    )
    requires_patient_readiness = forms.BooleanField(label="The person says they feel ready", required=False)

    GROUPS = (
        (
            "At least",
            "Graduation is suggested only when all of these are met.",
            ("min_months_enrolled", "crisis_free_days", "min_goals_achieved", "min_confidence"),
        ),
    )


class TeamForm(SettingsForm):
    AUTO_ID = "id_new_team_%s"

    name = forms.CharField(
        label="New team's name",
        max_length=200,
        error_messages={"required": "Give the team a name."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class TeamMemberAddForm(SettingsForm):
    """Add one of the program's active care managers or supervisors to a team."""

    user = forms.ChoiceField(label="Add someone", error_messages={"required": "Choose who to add."})

    def __init__(self, *args: Any, team_id: int, candidates: Sequence[User], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_team_{team_id}_%s")
        super().__init__(*args, **kwargs)
        self._candidates = {str(person.pk): person for person in candidates}
        self.fields["user"].choices = [("", "Choose someone"), *self._choices(candidates)]
        self.fields["user"].error_messages["invalid_choice"] = "Choose someone from the list."

    @staticmethod
    def _choices(candidates: Sequence[User]) -> list[tuple[str, str]]:
        return [(str(person.pk), f"{person} · {person.get_role_display()}") for person in candidates]

    def service_arguments(self) -> dict[str, Any]:
        return {"user": self._candidates[self.cleaned_data["user"]]}


class PersonSettingsForm(SettingsForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    discipline = forms.ChoiceField(
        label="Discipline", choices=[("", "Not set"), *Discipline.choices], required=False
    )
    caseload_capacity = _number(
        "Caseload capacity",
        *CAPACITY_BOUNDS,
        help_text="Caseload points this person can carry (see Levels of care).",
    )
    is_active = forms.BooleanField(label="Can sign in", required=False)

    def __init__(self, *args: Any, person_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_person_{person_id}_%s")
        super().__init__(*args, **kwargs)


class QuestionAddForm(SettingsForm):
    AUTO_ID = "id_new_question_%s"

    text = forms.CharField(
        label="New question",
        max_length=300,
        error_messages={"required": "Write the question."},
        help_text="Asked of every new referral, answered yes, no or not known.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class QuestionEditForm(SettingsForm):
    text = forms.CharField(
        label="Question", max_length=300, error_messages={"required": "Write the question."}
    )

    def __init__(self, *args: Any, question_id: int, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_question_{question_id}_%s")
        super().__init__(*args, **kwargs)


class QuestionActiveForm(SettingsForm):
    """A one-click switch: ask the question at screening, or stop asking it."""

    is_active = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda value: value == "1")


class QuestionMoveForm(SettingsForm):
    move = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])

    def service_arguments(self) -> dict[str, Any]:
        return {"direction": self.cleaned_data["move"]}


class ConfirmForm(SettingsForm):
    """A one-click action with nothing to fill in."""

    def service_arguments(self) -> dict[str, Any]:
        return {}


class ApiTokenCreateForm(SettingsForm):
    """A new token for another system; the service checks the name is given and not taken."""

    AUTO_ID = "id_new_api_token_%s"

    name = forms.CharField(
        label="Which system uses it",
        max_length=200,
        required=False,
        help_text="For example “County EHR” or “Data warehouse”. Shown in the list and in the history.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
