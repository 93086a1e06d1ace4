"""The project's URLs plus one bare view, the framework floor bench/dashboard.py compares pages with.

`/bench-floor/` goes through the same server and middleware as every page (a signed-in session is
read and saved, the user loaded) and returns "ok" without touching anything else.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench-floor/", floor, name="bench-floor"), *project_urlpatterns]
