"""The OpenAPI schema's shared parts: the token security scheme, and the errors every operation can
answer, declared once here in the shapes accounts/api/errors.py gives them (so a new endpoint cannot
forget one)."""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from accounts.api.errors import ErrorSerializer
from accounts.api.etag import ETagMixin

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# What each error answer means; an operation may say more for one code through extend_schema.
BAD_REQUEST = OpenApiResponse(
    response={
        "type": "object",
        # "detail" for a refused rule; otherwise each field with its messages, per item or per key
        # for nested input.
        "additionalProperties": {"oneOf": [{"type": "string"}, {"type": "array"}, {"type": "object"}]},
    },
    description='A rule said no: {"detail": "<the sentence the page shows>"}. Bad input: '
    '{"<field>": ["<message>"]}.',
)
NOT_SIGNED_IN = OpenApiResponse(ErrorSerializer, description="No session or token, or a revoked token.")
NOT_ALLOWED = OpenApiResponse(
    ErrorSerializer, description="Your role may not do this, or may read this record but not change it."
)
NOT_FOUND = OpenApiResponse(
    ErrorSerializer, description="No such record, or it belongs to a team or program you do not work with."
)
STALE = OpenApiResponse(
    ErrorSerializer, description="The record changed since the ETag sent in If-Match: read it again."
)
THROTTLED = OpenApiResponse(
    ErrorSerializer, description="Too many requests; the answer says when to try again."
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag you read; if the record changed since, nothing changes and the answer is 412.",
)


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

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if self._checks_if_match():
            parameters.append(IF_MATCH)
        return parameters

    def _checks_if_match(self) -> bool:
        return self.method in WRITE_METHODS and "{" in self.path and isinstance(self.view, ETagMixin)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        errors = {"400": BAD_REQUEST, "401": NOT_SIGNED_IN, "403": NOT_ALLOWED, "429": THROTTLED}
        if "{" in self.path or self.method in WRITE_METHODS:  # a write names the records it touches
            errors["404"] = NOT_FOUND
        if self._checks_if_match():
            errors["412"] = STALE
        for code, answer in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(answer, code, direction=direction)
        return responses
