"""Optimistic locking: a record read through the API carries an ETag; a write that sends `If-Match`
with an older ETag answers 412 and changes nothing. A write without `If-Match` is allowed (the
services' own stale-edit checks still apply)."""

import hashlib
from typing import Any

from django.db.models import Model
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.errors import PreconditionFailed
from accounts.api.sync import sync_field_of

UNSAFE_METHODS = ("PUT", "PATCH", "DELETE", "POST")


def etag_of(record: Model, field: str) -> str:
    stamp = getattr(record, field, None)
    digest = hashlib.sha256(f"{record.pk}:{stamp.isoformat() if stamp else ''}".encode()).hexdigest()
    return f'"{digest[:32]}"'


class ETagMixin:
    """For viewsets: checks `If-Match` before a write to one record and sends `ETag` with one record."""

    def get_object(self) -> Any:
        record = super().get_object()  # type: ignore[misc]
        request: Request = self.request  # type: ignore[attr-defined]
        expected = request.headers.get("If-Match")
        current = etag_of(record, sync_field_of(self))
        if (
            request.method in UNSAFE_METHODS
            and expected
            and expected != "*"
            and current not in [tag.strip() for tag in expected.split(",")]
        ):
            raise PreconditionFailed()
        self._etag_record = record
        return record

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        record = getattr(self, "_etag_record", None)
        if record is not None and response.status_code < 300 and request.method != "DELETE":
            if request.method != "GET":
                record.refresh_from_db()
            response["ETag"] = etag_of(record, sync_field_of(self))
        return response
