"""The OpenAPI schema's shared parts: the token security scheme, and the errors every operation can
answer, declared once here in the shapes accounts/api/errors.py gives them (so a new endpoint cannot
forget one)."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from accounts.api.errors import ErrorSerializer

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A key an admin created on the settings page: `Authorization: Bearer <key>`.",
        }


def _allows_blank(field: serializers.Field) -> bool:
    """A read-only field whose model field may be blank (DRF drops allow_blank from read-only fields)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return bool(model._meta.get_field(field.source).blank)
    except FieldDoesNotExist:
        return False


class TandemAutoSchema(AutoSchema):
    def _map_serializer_field(
        self, field: serializers.Field, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if not (field.read_only and isinstance(field, serializers.CharField | serializers.ChoiceField)):
            return schema
        if not _allows_blank(field):
            return schema
        # An optional choice reads as "" when nobody chose one.
        if "$ref" in schema or "enum" in schema:
            return {"oneOf": [schema, {"type": "string", "enum": [""]}], "readOnly": True}
        return schema

    def _insert_field_validators(self, field: serializers.Field, schema: dict[str, Any]) -> None:
        super()._insert_field_validators(field, schema)
        # An optional email (or other formatted text) reads as "" when nobody gave one.
        if field.read_only and "format" in schema and _allows_blank(field):
            del schema["format"]

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        field_errors = build_basic_type(OpenApiTypes.OBJECT)
        field_errors["description"] = (
            'Field errors as {"field": ["message"]}, or {"detail": "message"} when a rule refused the change.'
        )
        errors: dict[str, Any] = {
            "400": field_errors,
            "401": ErrorSerializer,
            "403": ErrorSerializer,
            "429": ErrorSerializer,
        }
        if "{" in self.path:
            errors["404"] = ErrorSerializer
            if self.method in WRITE_METHODS:
                errors["412"] = ErrorSerializer
        for code, body in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(body, code, direction=direction)
        return responses
