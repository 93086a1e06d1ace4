"""Forms for peer support: the program's groups and mentors, and connecting a person to them."""

from typing import Any

from django import forms
from django.utils import timezone

from accounts.forms_base import RetirableForm
from engagement.models import PeerGroup, PeerGroupFormat, PeerMentor
from engagement.peer import PeerDirectory

GROUP, MENTOR = "group", "mentor"


def _today() -> Any:
    # The program's today: ProgramTimeZoneMiddleware activates the program's time zone.
    return timezone.localdate()


def _date_field(label: str, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        initial=_today,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "Enter the day.", "invalid": "Enter a day, like 2025-03-14."},
        **kwargs,
    )


class PeerGroupForm(RetirableForm):
    """Validation and widgets only: the change goes through peer_group_save."""

    name = forms.CharField(label="Name of the group", max_length=200)
    format = forms.ChoiceField(
        label="How it meets", choices=PeerGroupFormat.choices, widget=forms.RadioSelect
    )
    meets = forms.CharField(
        label="When and where it meets",
        required=False,
        max_length=300,
        help_text="In plain words, for example: Tuesdays 6pm at the library, or Thursdays 7pm on Zoom.",
    )
    leader_name = forms.CharField(label="Who leads it", required=False, max_length=200)
    leader_phone = forms.CharField(
        label="Leader's phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    retire_field = "no_longer_meeting"
    retire_label = "No longer meeting"
    retire_help = (
        "It can no longer be chosen. People connected to it stay connected until "
        "someone ends their connection."
    )

    def __init__(self, *args: Any, group: PeerGroup | None = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=group, **kwargs)

    def service_arguments(self) -> dict[str, Any]:
        arguments = super().service_arguments()
        arguments["group_format"] = arguments.pop("format")
        return arguments


class PeerMentorForm(RetirableForm):
    """Validation and widgets only: the change goes through peer_mentor_save."""

    name = forms.CharField(
        label="Name they volunteer under",
        max_length=200,
        help_text="A graduate chooses how they are listed, for example a first name and an initial.",
    )
    is_graduate = forms.BooleanField(label="A graduate of the program", required=False)
    languages = forms.CharField(
        label="Languages they speak",
        required=False,
        max_length=300,
        help_text="Separate them with commas, for example: English, Spanish.",
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    email = forms.EmailField(label="Email", required=False, max_length=254)
    notes = forms.CharField(
        label="Notes for the team",
        required=False,
        max_length=1000,
        help_text="For example: good with people newly housed; free weekday evenings.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    retire_field = "no_longer_volunteering"
    retire_label = "No longer volunteering"
    retire_help = (
        "They can no longer be chosen. People they see stay connected until someone ends the connection."
    )

    def __init__(self, *args: Any, mentor: PeerMentor | None = None, **kwargs: Any) -> None:
        super().__init__(*args, instance=mentor, **kwargs)


def group_label(group: PeerGroup) -> str:
    parts = [group.name, group.get_format_display()]
    if group.meets:
        parts.append(group.meets)
    return " · ".join(parts)


def mentor_label(mentor: PeerMentor) -> str:
    parts = [mentor.name, "peer mentor, program graduate" if mentor.is_graduate else "peer mentor"]
    if mentor.languages:
        parts.append(f"speaks {mentor.languages}")
    return " · ".join(parts)


class PeerConnectionForm(forms.Form):
    """Connect the person to a group or a mentor; goes to peer_connection_start."""

    connect_to = forms.ChoiceField(label="Group or mentor")
    started_on = _date_field("Connected on")
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=1000,
        help_text="For example: what they hope to get from it, or who introduced them.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, options: PeerDirectory, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._groups = {f"{GROUP}-{group.pk}": group for group in options.groups}
        self._mentors = {f"{MENTOR}-{mentor.pk}": mentor for mentor in options.mentors}
        choices: list[Any] = [("", "Choose a group or a mentor")]
        if self._groups:
            choices.append(("Groups", [(key, group_label(group)) for key, group in self._groups.items()]))
        if self._mentors:
            choices.append(
                ("Mentors", [(key, mentor_label(mentor)) for key, mentor in self._mentors.items()])
            )
        self.fields["connect_to"].choices = choices
        self.fields["connect_to"].error_messages["required"] = "Choose a group or a mentor."
        self.fields["connect_to"].error_messages["invalid_choice"] = (
            "Choose a group that still meets or a mentor who still volunteers."
        )

    @property
    def has_options(self) -> bool:
        return bool(self._groups or self._mentors)

    def service_arguments(self) -> dict[str, Any]:
        arguments = dict(self.cleaned_data)
        key = arguments.pop("connect_to")
        arguments["group"] = self._groups.get(key)
        arguments["mentor"] = self._mentors.get(key)
        return arguments


class PeerContactForm(forms.Form):
    """A meeting or call with the group or mentor; goes to peer_contact_log."""

    occurred_on = _date_field("Day")
    note = forms.CharField(
        label="What happened",
        required=False,
        max_length=1000,
        help_text="For example: went to the meeting and spoke for the first time.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class PeerConnectionEndForm(forms.Form):
    """The day the connection ended; goes to peer_connection_end."""

    ended_on = _date_field("Ended on")

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


def contact_prefix(connection_id: int) -> str:
    return f"peer-{connection_id}-contact"


def end_prefix(connection_id: int) -> str:
    return f"peer-{connection_id}-end"
