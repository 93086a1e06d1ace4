"""Factories for care plans, goals in the patient's words, and steps."""

import factory
from factory.django import DjangoModelFactory

from careplans.models import CarePlan, CarePlanStatus, Goal, GoalStatus, LifeDomain, Step, StepOwner
from tests.accounts.factories import UserFactory
from tests.patients.factories import EnrollmentFactory


class CarePlanFactory(DjangoModelFactory[CarePlan]):
    class Meta:
        model = CarePlan

    enrollment = factory.SubFactory(EnrollmentFactory)
    status = CarePlanStatus.ACTIVE
    co_created_with = "The patient and their sister"
    co_created_where = "Test community café"
    # Today in the program's calendar, as the services date things (not the test's UTC day).
    started_on = factory.LazyAttribute(lambda plan: plan.enrollment.program.today())
    created_by = factory.SubFactory(UserFactory, program=factory.SelfAttribute("..enrollment.program"))


class GoalFactory(DjangoModelFactory[Goal]):
    """A proposed goal ranked after the plan's existing goals."""

    class Meta:
        model = Goal

    care_plan = factory.SubFactory(CarePlanFactory)
    patient_words = factory.Sequence(lambda n: f"I want to sleep somewhere safe every night ({n})")
    life_domain = LifeDomain.HOUSING
    priority = factory.LazyAttribute(lambda goal: goal.care_plan.goals.count() + 1)
    status = GoalStatus.PROPOSED
    status_changed_on = factory.LazyAttribute(lambda goal: goal.care_plan.enrollment.program.today())
    created_by = factory.SelfAttribute("care_plan.created_by")


class StepFactory(DjangoModelFactory[Step]):
    class Meta:
        model = Step

    goal = factory.SubFactory(GoalFactory)
    description = factory.Sequence(lambda n: f"Call the housing office together (step {n})")
    owner = StepOwner.PATIENT
    position = factory.LazyAttribute(lambda step: step.goal.steps.count() + 1)
