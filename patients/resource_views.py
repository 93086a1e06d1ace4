"""The community resource directory. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def resource_directory(request: HttpRequest) -> HttpResponse:
    raise Http404


def resource_create(request: HttpRequest) -> HttpResponse:
    raise Http404


def resource_update(request: HttpRequest, resource_id: int) -> HttpResponse:
    raise Http404
