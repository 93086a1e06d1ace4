"""How every URL is protected. tests/test_routes.py fails when a route is missing from here.

- public: anyone, signed in or not.
- authenticated: any signed-in person; shows no patient data, or only lists already scoped by selectors.
- patient_scoped: shows one patient's record; answers 404 to anyone outside the patient's teams.
- api: the REST API and FHIR; a session or a token; 401 or 403 without one; every record is read
  through the same scoped selectors as the pages (tests/api/test_scoping.py sweeps them).
"""

from enum import StrEnum


class RouteAccess(StrEnum):
    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    PATIENT_SCOPED = "patient_scoped"
    API = "api"


ROUTES: dict[str, RouteAccess] = {
    "login": RouteAccess.PUBLIC,
    "healthz": RouteAccess.PUBLIC,
    "api:docs": RouteAccess.AUTHENTICATED,
    "admin:login": RouteAccess.PUBLIC,
    "logout": RouteAccess.AUTHENTICATED,
    "home": RouteAccess.AUTHENTICATED,
    "password_change": RouteAccess.AUTHENTICATED,
    "password_change_done": RouteAccess.AUTHENTICATED,
    "caseloads:my-caseload": RouteAccess.AUTHENTICATED,
    "caseloads:dashboard": RouteAccess.AUTHENTICATED,
    "caseloads:caseload-review": RouteAccess.AUTHENTICATED,
    "caseloads:supervision-decision-fields": RouteAccess.AUTHENTICATED,
    "caseloads:supervision-session-create": RouteAccess.AUTHENTICATED,
    "caseloads:supervision-session": RouteAccess.AUTHENTICATED,
    "caseloads:balancing": RouteAccess.AUTHENTICATED,
    "caseloads:peer-support": RouteAccess.AUTHENTICATED,
    "caseloads:peer-group-update": RouteAccess.AUTHENTICATED,
    "caseloads:peer-mentor-update": RouteAccess.AUTHENTICATED,
    "caseloads:outcomes": RouteAccess.AUTHENTICATED,
    "caseloads:outcomes-export": RouteAccess.AUTHENTICATED,
    "caseloads:program-overview": RouteAccess.AUTHENTICATED,
    "patients:referral-queue": RouteAccess.AUTHENTICATED,
    "patients:referral-create": RouteAccess.AUTHENTICATED,
    "patients:referral-export": RouteAccess.AUTHENTICATED,
    "patients:referral-import": RouteAccess.AUTHENTICATED,
    "patients:referral-import-template": RouteAccess.AUTHENTICATED,
    "patients:referral-import-preview": RouteAccess.AUTHENTICATED,
    "patients:resources": RouteAccess.AUTHENTICATED,
    "patients:resource-create": RouteAccess.AUTHENTICATED,
    "patients:resource-update": RouteAccess.AUTHENTICATED,
    "caseloads:intake-worklists": RouteAccess.AUTHENTICATED,
    "caseloads:utilisation-import": RouteAccess.AUTHENTICATED,
    "caseloads:utilisation-import-template": RouteAccess.AUTHENTICATED,
    "caseloads:utilisation-import-preview": RouteAccess.AUTHENTICATED,
    "caseloads:settings": RouteAccess.AUTHENTICATED,
    "caseloads:settings-program": RouteAccess.AUTHENTICATED,
    "caseloads:settings-intensity": RouteAccess.AUTHENTICATED,
    "caseloads:settings-graduation": RouteAccess.AUTHENTICATED,
    "caseloads:settings-team-create": RouteAccess.AUTHENTICATED,
    "caseloads:settings-team-member-add": RouteAccess.AUTHENTICATED,
    "caseloads:settings-team-member-remove": RouteAccess.AUTHENTICATED,
    "caseloads:settings-person-update": RouteAccess.AUTHENTICATED,
    "caseloads:settings-question-create": RouteAccess.AUTHENTICATED,
    "caseloads:settings-question-update": RouteAccess.AUTHENTICATED,
    "caseloads:settings-api-token-create": RouteAccess.AUTHENTICATED,
    "caseloads:settings-api-token-revoke": RouteAccess.AUTHENTICATED,
    "caseloads:screening": RouteAccess.PATIENT_SCOPED,
    "caseloads:referral-out-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:referral-out-update": RouteAccess.PATIENT_SCOPED,
    "caseloads:patient-record": RouteAccess.PATIENT_SCOPED,
    "caseloads:contact-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:timeline": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-preferences-update": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-plan-reviewed": RouteAccess.PATIENT_SCOPED,
    "caseloads:entry-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:support-update": RouteAccess.PATIENT_SCOPED,
    "caseloads:support-end": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-team-member-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-team-member-end": RouteAccess.PATIENT_SCOPED,
    "caseloads:level-of-care": RouteAccess.PATIENT_SCOPED,
    "caseloads:level-of-care-accept": RouteAccess.PATIENT_SCOPED,
    "caseloads:level-of-care-override": RouteAccess.PATIENT_SCOPED,
    "caseloads:level-of-care-phase": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-plan": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-plan-start": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-plan-details": RouteAccess.PATIENT_SCOPED,
    "caseloads:goal-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:goal-update": RouteAccess.PATIENT_SCOPED,
    "caseloads:goal-move": RouteAccess.PATIENT_SCOPED,
    "caseloads:step-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:step-mark": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-plan-versions": RouteAccess.PATIENT_SCOPED,
    "caseloads:care-plan-version": RouteAccess.PATIENT_SCOPED,
    "caseloads:plan-handout": RouteAccess.PATIENT_SCOPED,
    "caseloads:plan-handout-pdf": RouteAccess.PATIENT_SCOPED,
    "caseloads:plan-handout-record": RouteAccess.PATIENT_SCOPED,
    "caseloads:plan-handout-copy": RouteAccess.PATIENT_SCOPED,
    "caseloads:assessment": RouteAccess.PATIENT_SCOPED,
    "caseloads:assessment-domain": RouteAccess.PATIENT_SCOPED,
    "caseloads:assessment-goal": RouteAccess.PATIENT_SCOPED,
    "caseloads:assessment-step": RouteAccess.PATIENT_SCOPED,
    "caseloads:graduation": RouteAccess.PATIENT_SCOPED,
    "caseloads:graduation-handoff": RouteAccess.PATIENT_SCOPED,
    "caseloads:graduation-handoff-pdf": RouteAccess.PATIENT_SCOPED,
    "caseloads:graduation-certificate": RouteAccess.PATIENT_SCOPED,
    "caseloads:graduation-certificate-pdf": RouteAccess.PATIENT_SCOPED,
    "caseloads:graduation-follow-up": RouteAccess.PATIENT_SCOPED,
    "caseloads:re-enrol": RouteAccess.PATIENT_SCOPED,
    "caseloads:peer-connection-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:peer-contact-create": RouteAccess.PATIENT_SCOPED,
    "caseloads:peer-connection-end": RouteAccess.PATIENT_SCOPED,
}

# Django admin checks staff status itself; every admin page other than its login needs a sign-in.
NAMESPACES: dict[str, RouteAccess] = {
    "admin": RouteAccess.AUTHENTICATED,
    "api": RouteAccess.API,
    "fhir": RouteAccess.API,
}


def access_of(route_name: str) -> RouteAccess | None:
    if route_name in ROUTES:
        return ROUTES[route_name]
    namespace = route_name.split(":", 1)[0] if ":" in route_name else ""
    return NAMESPACES.get(namespace)
