"""Forms for the caseload pages."""

from django import forms

from caseloads.models import IntensityLevel
from caseloads.selectors import CASELOAD_FLAGS, CaseloadFilters
from patients.models import CARE_STATUSES, Phase


def _with_all(label: str, choices: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", label), *choices]


class CaseloadFilterForm(forms.Form):
    """Narrow "My caseload". Unknown values are ignored rather than shown as errors: it is a filter."""

    search = forms.CharField(
        label="Search by name or MRN",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    status = forms.ChoiceField(
        label="Stage",
        required=False,
        choices=_with_all("All stages", [(s.value, s.label) for s in CARE_STATUSES]),
    )
    phase = forms.ChoiceField(label="Phase", required=False, choices=_with_all("Both phases", Phase.choices))
    level = forms.ChoiceField(
        label="Intensity", required=False, choices=_with_all("All levels", IntensityLevel.choices)
    )
    flag = forms.ChoiceField(label="Flag", required=False, choices=_with_all("Anyone", list(CASELOAD_FLAGS)))

    def filters(self) -> CaseloadFilters:
        if not self.is_valid():
            return CaseloadFilters(search=self.data.get("search", "")[:100])
        return CaseloadFilters(**self.cleaned_data)

    @property
    def is_narrowed(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.values())
