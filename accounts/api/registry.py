"""One registered API endpoint: its URL prefix under /api/v1/, its viewset and its route name base."""

from typing import NamedTuple

from rest_framework.viewsets import ViewSetMixin


class ApiRoute(NamedTuple):
    prefix: str
    viewset: type[ViewSetMixin]
    basename: str
