"""Forms of the bulk imports: the upload, and the choice to import. Validation only.

The plain forms serve any CSV import (caseloads' utilisation import too); the referral forms add what a
referral file needs.
"""

from typing import Any

from django import forms

from patients.imports import MAX_FILE_BYTES, ReferralDefaults
from patients.models import ReferralSource, Urgency

IMPORT_ALL = "import_all"
IMPORT_VALID = "import_valid"


_FILE_ERRORS = {"required": "Choose a file to upload.", "empty": "This file is empty."}


class ImportUploadForm(forms.Form):
    """One CSV file, up to MAX_FILE_BYTES."""

    file = forms.FileField(
        label="CSV file",
        help_text="A .csv file. Up to 5 MB.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages=_FILE_ERRORS,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"This file is {upload.size / (1024 * 1024):.1f} MB; the limit is "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB. Split it into smaller files and import them one "
                "after another."
            )
        return upload


class ReferralImportUploadForm(ImportUploadForm):
    file = forms.FileField(
        label="CSV file or FHIR Bundle",
        help_text="A .csv file, or a FHIR R4 Bundle of Patient resources in a .json file. Up to 5 MB.",
        widget=forms.FileInput(
            attrs={"accept": ".csv,.json,text/csv,application/json,application/fhir+json"}
        ),
        error_messages=_FILE_ERRORS,
    )


class ImportRunForm(forms.Form):
    """Which rows to import: all of them (refused while any has a problem), or only the valid ones."""

    action = forms.ChoiceField(
        choices=[(IMPORT_ALL, "Import all"), (IMPORT_VALID, "Import only the valid rows")],
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose whether to import all rows or only the valid ones.",
            "invalid_choice": "Choose whether to import all rows or only the valid ones.",
        },
    )
    # The number of valid rows the person saw, so a change since then stops the import.
    expected_count = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def run_arguments(self) -> dict[str, Any]:
        return {
            "only_valid": self.cleaned_data["action"] == IMPORT_VALID,
            "expected_count": self.cleaned_data.get("expected_count"),
        }


class ReferralImportRunForm(ImportRunForm):
    """Which rows to import. A FHIR Bundle also needs the referral every person in it gets."""

    source = forms.ChoiceField(
        label="Referral source for everyone in this file",
        choices=[("", "Choose a source"), *ReferralSource.choices],
        error_messages={"required": "Choose the referral source."},
    )
    reason = forms.CharField(
        label="Reason for referral",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="The same reason is given to every person in the file.",
        error_messages={"required": "Write the reason for referral."},
    )
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, initial=Urgency.ROUTINE)

    def __init__(self, *args: Any, needs_referral_details: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not needs_referral_details:
            for name in ("source", "reason", "urgency"):
                del self.fields[name]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        defaults = None
        if "source" in self.fields:
            defaults = ReferralDefaults(source=data["source"], reason=data["reason"], urgency=data["urgency"])
        return self.run_arguments() | {"referral_defaults": defaults}
