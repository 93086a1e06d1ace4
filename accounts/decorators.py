"""Page guards by role. Patient scoping is patients.access; this is only "may this role open the page"."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import Role


def roles_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """The view answers 403 to anyone signed in whose role is not one of `roles`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if getattr(request.user, "role", None) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return guarded

    return decorator


# The front door (referrals, imports, screening, program settings) belongs to program admins.
program_admin_required = roles_required(Role.PROGRAM_ADMIN)
