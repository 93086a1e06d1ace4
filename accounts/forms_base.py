"""Form pieces shared across apps."""

from typing import Any

from django import forms
from django.db import models


class RetirableForm(forms.Form):
    """Add or edit something people choose from (a service, a peer group, a mentor). Once it exists, the
    edit form offers to retire it (`is_active` off) rather than delete it: what was chosen before keeps it.

    Subclasses name the box and say what retiring means; `service_arguments` gives `is_active`.
    """

    retire_field: str
    retire_label: str
    retire_help: str

    def __init__(self, *args: Any, instance: models.Model | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(instance, name) for name in self.base_fields}
                | {self.retire_field: not instance.is_active},
            )
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields[self.retire_field] = forms.BooleanField(
                label=self.retire_label, required=False, help_text=self.retire_help
            )

    def service_arguments(self) -> dict[str, Any]:
        arguments = dict(self.cleaned_data)
        arguments["is_active"] = not arguments.pop(self.retire_field, False)
        return arguments
