"""Session limits, no caching of signed-in pages, and showing times in the program's time zone."""

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import patch_cache_control

from accounts.models import Program

SIGNED_IN_AT = "tandem_signed_in_at"
TIME_ZONE = "tandem_time_zone"

Handler = Callable[[HttpRequest], HttpResponse]


class AbsoluteSessionLimitMiddleware:
    """Sign a person out 12 hours after they signed in, however active they were.

    The 30-minute idle limit is the session cookie age, renewed on every request.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT, now)
            if now - signed_in_at > settings.SESSION_ABSOLUTE_LIMIT.total_seconds():
                logout(request)
                messages.info(request, "For safety you are signed out after 12 hours. Please sign in again.")
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages shown to a signed-in person hold health information: browsers must not keep them."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


class ProgramTimeZoneMiddleware:
    """Show times in the time zone of the person's program (stored in UTC)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.program_id is not None:
            zone_name = request.session.get(TIME_ZONE)
            if zone_name is None:
                zone_name = Program.objects.values_list("time_zone", flat=True).get(pk=user.program_id)
                request.session[TIME_ZONE] = zone_name
            timezone.activate(zoneinfo.ZoneInfo(zone_name))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            # The zone belongs to this request only, not to whatever runs next on the thread.
            timezone.deactivate()
