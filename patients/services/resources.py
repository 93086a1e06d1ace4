"""The community resource directory: the services a program refers people to."""

import logging

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction

from accounts.errors import DomainError
from accounts.models import Program, User
from accounts.persistence import save_valid
from accounts.services import require_admin_of
from patients.models import CommunityResource, ResourceCategory

logger = logging.getLogger(__name__)


@transaction.atomic
def community_resource_save(
    *,
    program: Program,
    acting_user: User,
    name: str,
    category: str,
    resource: CommunityResource | None = None,
    description: str = "",
    eligibility_notes: str = "",
    languages: str = "",
    phone: str = "",
    email: str = "",
    address: str = "",
    website: str = "",
    is_active: bool = True,
) -> CommunityResource:
    """Add a service to the program's directory, or change one (`resource`): the program's admins only.
    Names are unique in a program, whatever their case. A service no longer offered (`is_active=False`)
    leaves the directory and the "Refer to a service" list; its past referrals keep it."""
    if acting_user.program_id != program.pk:
        raise DomainError("You can change only your own program's directory.")
    require_admin_of(acting_user, program.pk, what="its directory of services")
    # One change to a program's directory at a time, so two admins cannot add the same name at once.
    Program.objects.select_for_update().get(pk=program.pk)
    if resource is not None:
        resource = CommunityResource.objects.select_for_update().get(pk=resource.pk)
        if resource.program_id != program.pk:
            raise DomainError("This service belongs to another program's directory.")
    name = " ".join(name.split())
    if not name:
        raise DomainError("Give the name of the service.")
    if category not in ResourceCategory.values:
        raise DomainError("Choose what kind of service it is.")
    same_name = CommunityResource.objects.filter(program=program, name__iexact=name)
    if resource is not None:
        same_name = same_name.exclude(pk=resource.pk)
    if same_name.exists():
        raise DomainError(f"The directory already has a service called “{name}”. Edit that one instead.")
    email, website = email.strip(), website.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise DomainError("Give an email address like name@example.org, or leave it empty.") from None
    if website:
        try:
            URLValidator(schemes=["http", "https"])(website)
        except ValidationError:
            raise DomainError(
                "Give the full web address, starting with https://, or leave it empty."
            ) from None
    resource = resource or CommunityResource(program=program)
    resource.name = name
    resource.category = category
    resource.description = description.strip()
    resource.eligibility_notes = eligibility_notes.strip()
    resource.languages = languages.strip()
    resource.phone = phone.strip()
    resource.email = email
    resource.address = address.strip()
    resource.website = website
    resource.is_active = is_active
    save_valid(resource)
    logger.info("community_resource_saved resource=%s program=%s", resource.pk, program.pk)
    return resource
