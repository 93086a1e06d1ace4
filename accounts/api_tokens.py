"""Tokens that let another system (an EHR, a data warehouse, a referral partner) use the API.

Each token acts as its own service user: a program admin with no password, named after the token, so
every selector, service and access event works unchanged and records which system did what. Only a
SHA-256 of the key is stored; the key is shown once, when the token is created.
"""

import datetime
import hashlib
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import ApiToken, Program, Role, User
from accounts.services import require_admin_of

logger = logging.getLogger(__name__)

KEY_PREFIX = "tdm_"
# last_used_at is written at most this often, so a busy integration does not write on every request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, program: Program, name: str, acting_user: User) -> tuple[ApiToken, str]:
    """A new token for `program` and its key (shown once). Only the program's admins create tokens."""
    require_admin_of(acting_user, program.pk, what="API tokens")
    name = name.strip()
    if not name:
        raise DomainError("Give the token a name that says which system uses it.")
    if ApiToken.objects.filter(program=program, name__iexact=name).exists():
        raise DomainError(f"This program already has a token named “{name}”. Choose another name.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    service_user = User(
        program=program,
        role=Role.PROGRAM_ADMIN,
        username=f"api-{secrets.token_hex(6)}",
        first_name=name[:150],
        last_name="(API token)",
    )
    service_user.set_unusable_password()
    service_user.save()
    token = ApiToken.objects.create(
        program=program,
        name=name,
        user=service_user,
        key_hash=_hash(key),
        key_prefix=key[: len(KEY_PREFIX) + 4],
        created_by=acting_user,
    )
    logger.info("api_token_created token=%s program=%s by=%s", token.pk, program.pk, acting_user.pk)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: User) -> ApiToken:
    """Revoke `token`: its next request answers 401. Its service user stays, switched off, for the history."""
    require_admin_of(acting_user, token.program_id, what="API tokens")
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        raise DomainError("This token is already revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])
    logger.info("api_token_revoked token=%s by=%s", token.pk, acting_user.pk)
    return token


def api_token_for_key(key: str) -> ApiToken | None:
    """The live token whose key is `key`, with its service user; None when unknown or revoked."""
    return (
        ApiToken.objects.select_related("user", "user__program")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def api_token_mark_used(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_tokens_of(program: Program) -> list[ApiToken]:
    return list(ApiToken.objects.filter(program=program).select_related("created_by").order_by("-created_at"))
