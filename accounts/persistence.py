"""The one way services store a model instance: validate it (fields, model rules, constraints), then save."""

from typing import Any

from django.db.models import Model


def save_valid(instance: Model, **save_options: Any) -> None:
    """full_clean() then save(): a rule the database would refuse becomes a ValidationError with a message
    instead of an IntegrityError. `save_options` go to save() (update_fields, ...)."""
    instance.full_clean()
    instance.save(**save_options)
