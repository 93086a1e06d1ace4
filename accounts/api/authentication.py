"""Token authentication for other systems: `Authorization: Bearer <key>`.

Failed attempts are counted per client address; past the rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
["api_auth_failure"] the API answers 429 before looking at the key, so keys cannot be guessed at speed.
"""

from django.core.cache import cache
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.api_tokens import api_token_for_key, api_token_mark_used
from accounts.models import ApiToken, User


class AuthFailureThrottle(SimpleRateThrottle):
    """Counts failed token authentications per client address (not every request)."""

    scope = "api_auth_failure"

    def get_cache_key(self, request: Request, view: object) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def blocked_for(self, request: Request) -> float | None:
        """Seconds to wait when the address has failed too often, else None."""
        self.key = self.get_cache_key(request, None)
        self.history = cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return self.wait() if len(self.history) >= self.num_requests else None

    def record_failure(self, request: Request) -> None:
        self.blocked_for(request)
        self.history.insert(0, self.now)
        cache.set(self.key, self.history, self.duration)


class ApiTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        throttle = AuthFailureThrottle()
        if (wait := throttle.blocked_for(request)) is not None:
            raise exceptions.Throttled(wait=wait, detail="Too many failed sign-ins with a token.")
        token = api_token_for_key(parts[1].decode(errors="replace")) if len(parts) == 2 else None
        if token is None:
            throttle.record_failure(request)
            raise exceptions.AuthenticationFailed("The token is not valid or has been revoked.")
        api_token_mark_used(token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
