"""Graduation back to usual primary care (placeholder until built)."""

from dataclasses import dataclass

from accounts.models import User
from patients.models import Enrollment


@dataclass(frozen=True)
class GraduationCard:
    """What the record's graduation card shows."""


def graduation_card_of(*, user: User, enrollment: Enrollment) -> GraduationCard | None:
    return None
