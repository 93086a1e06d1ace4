"""Referrals out from the record: refer the person to a service, then follow it through."""

from dataclasses import dataclass
from typing import Any

from django import forms

from caseloads.selectors import PatientRecord
from patients.models import (
    CLOSED_REFERRAL_OUT_STATUSES,
    REFERRAL_OUT_TRANSITIONS,
    CommunityResource,
    ReferralOut,
    ReferralOutReason,
    ReferralOutStatus,
    ResourceCategory,
)
from patients.selectors import resources_to_refer_to

FOLLOW_UP_HINT = "Leave it empty to follow up in two weeks."


class ReferralOutForm(forms.Form):
    """Refer to a service in the directory; goes to referral_out_create."""

    resource = forms.TypedChoiceField(label="Service", coerce=int, empty_value=None)
    reason = forms.CharField(
        label="What the person needs from them",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up_on = forms.DateField(
        label="Follow up on",
        required=False,
        help_text=FOLLOW_UP_HINT,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, resources: list[CommunityResource], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "referral-out")
        super().__init__(*args, **kwargs)
        self.resources = {resource.pk: resource for resource in resources}
        # One <optgroup> per kind of service, in the directory's order of kinds.
        groups = [
            (label, [(resource.pk, resource.name) for resource in resources if resource.category == kind])
            for kind, label in ResourceCategory.choices
        ]
        self.fields["resource"].choices = [("", "Choose a service"), *[g for g in groups if g[1]]]

    def service_arguments(self) -> dict[str, Any]:
        arguments = dict(self.cleaned_data)
        arguments["resource"] = self.resources[arguments["resource"]]
        return arguments


def next_status_choices(referral: ReferralOut) -> list[tuple[str, str]]:
    """Where this referral may go from here; an open one may also stay put (to note progress)."""
    choices = [] if referral.status in CLOSED_REFERRAL_OUT_STATUSES else [(referral.status, "No change")]
    for status in ReferralOutStatus:
        if status in REFERRAL_OUT_TRANSITIONS[referral.status]:
            label = "Sent again" if status == ReferralOutStatus.SENT else status.label
            choices.append((status.value, label))
    return choices


class ReferralOutUpdateForm(forms.Form):
    """Where the referral stands now; goes to referral_out_update."""

    # The list offers only the allowed next statuses; the service refuses any other, with its reason.
    status = forms.CharField(label="Where it stands now", max_length=20, widget=forms.Select)
    reason_code = forms.ChoiceField(
        label="Reason",
        required=False,
        choices=ReferralOutReason.choices,
        help_text="Needed when it was declined or they couldn't be contacted.",
    )
    outcome_note = forms.CharField(
        label="Note",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up_on = forms.DateField(
        label="Next follow-up",
        required=False,
        help_text=FOLLOW_UP_HINT + " Not needed once it is closed.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, referral: ReferralOut, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"referral-out-{referral.pk}")
        kwargs.setdefault("initial", {"reason_code": referral.reason_code})
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.choices = next_status_choices(referral)

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


@dataclass(frozen=True)
class ReferralOutRow:
    referral: ReferralOut
    # None when the viewer may only read.
    update_form: ReferralOutUpdateForm | None = None
    # False once it is closed for good: then a form only carries a refusal to show.
    can_move_on: bool = False


@dataclass(frozen=True)
class ReferralsOutPanel:
    """The record's referrals-out panel: each referral with the form that moves it on."""

    rows: list[ReferralOutRow]
    create_form: ReferralOutForm | None = None
    saved_message: str = ""


def referrals_out_panel(
    record: PatientRecord, *, posted: forms.Form | None = None, saved_message: str = ""
) -> ReferralsOutPanel:
    """The panel's rows; `posted` (a refused form) takes the place of the blank form with its prefix."""
    if not record.can_change:
        return ReferralsOutPanel(rows=[ReferralOutRow(referral) for referral in record.referrals_out])

    def pick(blank: forms.Form) -> Any:
        return posted if posted is not None and posted.prefix == blank.prefix else blank

    rows = [
        ReferralOutRow(
            referral,
            pick(ReferralOutUpdateForm(referral=referral)),
            can_move_on=bool(next_status_choices(referral)),
        )
        for referral in record.referrals_out
    ]
    create_form = posted if isinstance(posted, ReferralOutForm) else None
    if create_form is None and record.enrollment is not None:
        resources = resources_to_refer_to(program_id=record.enrollment.program_id)
        create_form = ReferralOutForm(resources=resources)
    return ReferralsOutPanel(rows=rows, create_form=create_form, saved_message=saved_message)
