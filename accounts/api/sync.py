"""Lists another system can keep in step with: cursor pages in the order records last changed, and
`?updated_since=<ISO time>` for only what changed since the last sync.

A viewset names the field that moves when a record changes in `sync_field` ("updated_at" by default;
"created_at" for records that never change once written).
"""

from typing import Any

from django.db.models import QuerySet
from rest_framework import exceptions
from rest_framework.filters import BaseFilterBackend, OrderingFilter
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from accounts.parsing import aware_instant

DEFAULT_SYNC_FIELD = "updated_at"


def sync_field_of(view: Any) -> str:
    return getattr(view, "sync_field", DEFAULT_SYNC_FIELD)


class SyncCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request: Request) -> Any:
        # DRF answers a cursor it cannot read with 404; it is bad input, so 400 with the parameter named.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: ["This is not a cursor from a page of this list."]}
            ) from None


class SyncOrderingFilter(OrderingFilter):
    """`?ordering=` among the view's `ordering_fields`; without it, the order records last changed (the
    cursor paginator takes its order from here, so every list pages in the sync order by default)."""

    def get_default_ordering(self, view: Any) -> tuple[str, ...]:
        return getattr(view, "ordering", None) or (sync_field_of(view), "pk")


class UpdatedSinceFilter(BaseFilterBackend):
    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        raw = request.query_params.get("updated_since")
        if not raw:
            return queryset
        since = aware_instant(raw)
        if since is None:
            raise exceptions.ValidationError(
                {"updated_since": ["Give a date and time with its offset, like 2026-06-01T09:00:00Z."]}
            )
        return queryset.filter(**{f"{sync_field_of(view)}__gt": since})

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": "updated_since",
                "required": False,
                "in": "query",
                "description": "Only records changed after this time (ISO 8601 with offset).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
