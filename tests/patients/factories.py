"""Factories for patients and their records. All data is synthetic: invented names, TEST- MRNs,
555-01xx phone numbers and example.test addresses."""

import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from patients.models import (
    CareTeamMember,
    CareTeamRole,
    CommunitySupport,
    Consent,
    ConsentKind,
    Enrollment,
    EnrollmentStatus,
    Patient,
    ReferralSource,
    SupportKind,
)
from patients.services import PersonDetails, ReferralDetails
from tests.accounts.factories import ProgramFactory, UserFactory

INVENTED_FIRST_NAMES = (
    "Quillon",
    "Marnivy",
    "Torvalle",
    "Zephrine",
    "Osbeck",
    "Lunetta",
    "Brackley",
    "Ithriel",
)
INVENTED_LAST_NAMES = ("Testwood", "Fablethorn", "Mockridge", "Samplesby", "Dummerly", "Fauxley")


def _invented_first_name(n: int) -> str:
    return INVENTED_FIRST_NAMES[n % len(INVENTED_FIRST_NAMES)]


def _invented_last_name(n: int) -> str:
    return f"{INVENTED_LAST_NAMES[n % len(INVENTED_LAST_NAMES)]}-{n}"


def _synthetic_birth_date(n: int) -> datetime.date:
    return datetime.date(1950, 1, 1) + datetime.timedelta(days=(n * 397) % 18000)


class PatientFactory(DjangoModelFactory[Patient]):
    """A bare patient with no enrolment. Use the `make_enrollment` fixture for a person in care."""

    class Meta:
        model = Patient

    program = factory.SubFactory(ProgramFactory)
    mrn = factory.Sequence(lambda n: f"TEST-{n:04d}")
    legal_first_name = factory.Sequence(_invented_first_name)
    legal_last_name = factory.Sequence(_invented_last_name)
    date_of_birth = factory.Sequence(_synthetic_birth_date)
    phone = factory.Sequence(lambda n: f"555-01{n % 100:02d}")
    email = factory.Sequence(lambda n: f"patient-{n}@example.test")


class EnrollmentFactory(DjangoModelFactory[Enrollment]):
    """A raw episode in `referred`, written without the services: for constraint tests and as a
    default parent for other factories. Anything further along the pipeline comes from
    `make_enrollment`, which walks the services."""

    class Meta:
        model = Enrollment

    patient = factory.SubFactory(PatientFactory)
    program = factory.SelfAttribute("patient.program")
    status = EnrollmentStatus.REFERRED
    status_changed_at = factory.LazyFunction(timezone.now)
    # Today in the program's calendar, as the services date things (not the test's UTC day).
    referred_on = factory.LazyAttribute(lambda enrollment: enrollment.program.today())


class CareTeamMemberFactory(DjangoModelFactory[CareTeamMember]):
    """A non-primary colleague on the care team. Primaries come from `primary_care_manager_assign`."""

    class Meta:
        model = CareTeamMember

    enrollment = factory.SubFactory(EnrollmentFactory)
    user = factory.SubFactory(UserFactory, program=factory.SelfAttribute("..enrollment.program"))
    role = CareTeamRole.SOCIAL_WORKER
    is_primary = False
    started_on = factory.SelfAttribute("enrollment.referred_on")


class CommunitySupportFactory(DjangoModelFactory[CommunitySupport]):
    class Meta:
        model = CommunitySupport

    patient = factory.SubFactory(PatientFactory)
    kind = SupportKind.FAMILY
    name = factory.Sequence(lambda n: f"Test Sister {n}")
    relationship = "Sister"
    phone = "555-0100"


class ConsentFactory(DjangoModelFactory[Consent]):
    class Meta:
        model = Consent

    patient = factory.SubFactory(PatientFactory)
    kind = ConsentKind.PROGRAM_PARTICIPATION
    given_on = factory.LazyAttribute(lambda consent: consent.patient.program.today())


class PersonDetailsFactory(factory.Factory[PersonDetails]):
    """Builds the `person` argument of `referral_receive`."""

    class Meta:
        model = PersonDetails

    legal_first_name = factory.Sequence(_invented_first_name)
    legal_last_name = factory.Sequence(_invented_last_name)
    date_of_birth = factory.Sequence(_synthetic_birth_date)
    mrn = factory.Sequence(lambda n: f"TEST-R{n:04d}")
    phone = factory.Sequence(lambda n: f"555-01{n % 100:02d}")


class ReferralDetailsFactory(factory.Factory[ReferralDetails]):
    """Builds the `referral` argument of `referral_receive`."""

    class Meta:
        model = ReferralDetails

    source = ReferralSource.PRIMARY_CARE
    reason = "Synthetic test referral: frequent emergency visits and missed appointments."
    referrer_name = "Dr Testwell Placeholder"
    referrer_organization = "Example Test Clinic"


def person_details(**overrides: object) -> PersonDetails:
    return PersonDetailsFactory.build(**overrides)


def referral_details(**overrides: object) -> ReferralDetails:
    return ReferralDetailsFactory.build(**overrides)
