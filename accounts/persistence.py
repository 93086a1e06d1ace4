"""The one way services store a model instance: validate it (fields, model rules, constraints), then save."""

from typing import Any

import pgtrigger
from django.db.models import Model


def save_valid(instance: Model, **save_options: Any) -> None:
    """full_clean() then save(): a rule the database would refuse becomes a ValidationError with a message
    instead of an IntegrityError. `save_options` go to save() (update_fields, ...)."""
    instance.full_clean()
    instance.save(**save_options)


# Services save some rows with `update_fields` (or bulk_update) that leave `updated_at` out; the API's
# sync (`?updated_since=`) and ETags rely on it moving with every change, so the database moves it.
_UPDATED_AT_MOVES_SQL = """
    IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := clock_timestamp();
    END IF;
    RETURN NEW;
"""


def updated_at_moves(name: str) -> pgtrigger.Trigger:
    """A trigger for Meta.triggers of a model with `updated_at`: every update moves it."""
    return pgtrigger.Trigger(
        name=f"{name}_updated_at_moves",
        when=pgtrigger.Before,
        operation=pgtrigger.Update,
        func=_UPDATED_AT_MOVES_SQL,
    )
