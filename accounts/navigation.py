"""The links each role sees in the top navigation."""

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import Role, User


@dataclass(frozen=True)
class NavigationLink:
    label: str
    url: str


_LINKS_BY_ROLE: dict[str, tuple[tuple[str, str], ...]] = {
    Role.CARE_MANAGER: (
        ("My caseload", "caseloads:my-caseload"),
        ("Peer support", "caseloads:peer-support"),
        ("Resources", "patients:resources"),
    ),
    Role.SUPERVISOR: (
        ("Dashboard", "caseloads:dashboard"),
        ("Peer support", "caseloads:peer-support"),
        ("Resources", "patients:resources"),
    ),
    Role.PROGRAM_ADMIN: (
        ("Referrals", "patients:referral-queue"),
        ("Worklists", "caseloads:intake-worklists"),
        ("Resources", "patients:resources"),
        ("Dashboard", "caseloads:dashboard"),
        ("Outcomes", "caseloads:outcomes"),
        ("Peer support", "caseloads:peer-support"),
        ("Settings", "caseloads:settings"),
    ),
    Role.PROGRAM_LEAD: (
        ("Outcomes", "caseloads:outcomes"),
        ("Dashboard", "caseloads:dashboard"),
        ("Program", "caseloads:program-overview"),
    ),
}


def home_url_name(user: User) -> str:
    """Where a person lands after signing in."""
    return _LINKS_BY_ROLE[user.role][0][1]


def navigation_for(user: User) -> list[NavigationLink]:
    links = [NavigationLink(label, reverse(name)) for label, name in _LINKS_BY_ROLE.get(user.role, ())]
    if user.is_staff:
        links.append(NavigationLink("Admin site", reverse("admin:index")))
    return links
