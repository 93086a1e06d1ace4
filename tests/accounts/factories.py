"""Factories for organisations, programs, teams and the people who sign in."""

import factory
from factory.django import DjangoModelFactory, Password

from accounts.models import Discipline, Organization, Program, Role, Team, TeamMembership, User

TEST_PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Test Health Network {n}")


class ProgramFactory(DjangoModelFactory[Program]):
    class Meta:
        model = Program

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Test Complex Care Program {n}")


class TeamFactory(DjangoModelFactory[Team]):
    class Meta:
        model = Team

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Test Team {n}")


class UserFactory(DjangoModelFactory[User]):
    """A care manager by default. Pass `role`, `discipline` and `program` to make anyone else."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"test-user-{n}")
    first_name = factory.Sequence(lambda n: f"Tester{n}")
    last_name = "Example"
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.test")
    password = Password(TEST_PASSWORD)
    program = factory.SubFactory(ProgramFactory)
    role = Role.CARE_MANAGER
    discipline = Discipline.SOCIAL_WORKER


class TeamMembershipFactory(DjangoModelFactory[TeamMembership]):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory, program=factory.SelfAttribute("..team.program"))
