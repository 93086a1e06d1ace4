"""API errors in the shapes the schema declares.

A rule that says no (accounts.errors.DomainError, or a model's own validation) answers 400 with the
sentence the page shows, as `{"detail": "..."}`, or with field errors as `{"field": ["..."]}`; a record
outside the user's teams is 404 as on the pages.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it. Read it again and redo your change."
    default_code = "precondition_failed"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = serializers.ValidationError(exc.message_dict)
        else:
            exc = serializers.ValidationError({"detail": " ".join(exc.messages)})
    return exception_handler(exc, context)


def form_errors(form: Any, *, renamed: dict[str, str] | None = None) -> dict[str, Any]:
    """A page form's errors in DRF's shape, for a ValidationError: `{"field": ["..."]}`, with a field
    `renamed` where the API calls it otherwise; errors about no one field become `detail`."""
    errors: dict[str, list[str]] = {}
    for name, messages in form.errors.items():
        key = "detail" if name == "__all__" else (renamed or {}).get(name, name)
        errors.setdefault(key, []).extend(str(message) for message in messages)
    if list(errors) == ["detail"]:
        return {"detail": " ".join(errors["detail"])}
    return errors


class ErrorSerializer(serializers.Serializer):
    """The body of a 400 that is not about one field, a 403, 404, 409 or 412."""

    detail = serializers.CharField()
