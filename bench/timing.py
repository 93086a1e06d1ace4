"""Timing middleware for the benchmark server (bench/settings.py only, never the app's settings).

Each response carries `Server-Timing: app;dur=…, view;dur=…, db;dur=…` in milliseconds and
`X-Bench-Queries: N`:

- app: from the outermost middleware in and back out: everything Django does for the request
  (session load and save, authentication, every middleware, the view, rendering the template);
- view: the innermost middleware: the view and its template alone;
- db: time spent executing SQL during the request, and N the statements executed.

The time gunicorn spends reading the request and writing the response is not in `app`; the client's
latency, which bench/dashboard.py measures too, includes it.
"""

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

Handler = Callable[[HttpRequest], HttpResponse]


class ServerTimingMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        database = _DatabaseTime()
        started = time.perf_counter()
        with connection.execute_wrapper(database):
            response = self.get_response(request)
        app_ms = (time.perf_counter() - started) * 1000
        view_ms = getattr(request, "bench_view_ms", 0.0)
        response["Server-Timing"] = (
            f"app;dur={app_ms:.2f}, view;dur={view_ms:.2f}, db;dur={database.seconds * 1000:.2f}"
        )
        response["X-Bench-Queries"] = str(database.count)
        return response


class ViewTimingMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        # A TemplateResponse is rendered before it comes back through the middleware.
        response = self.get_response(request)
        request.bench_view_ms = (time.perf_counter() - started) * 1000  # type: ignore[attr-defined]
        return response


class _DatabaseTime:
    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
