"""The error every service raises when a rule says no. It carries the message a person reads."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule refused the change. `message` is shown as it is on the page and in the API (400)."""
