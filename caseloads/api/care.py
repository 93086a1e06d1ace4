"""The care record through the API: care plans, goals, steps, goal progress, the assessment, contacts,
life events, check-ins and successes.

Each endpoint does what a page does, through the same code: reads start from
patients.access.enrollments_visible_to (another team's record is 404) and write an access event as the
pages do; writes check what the page checks (patients.access.enrollment_for_user(for_write=True) is 403
for someone who may only read, and the record changes only while the person is in outreach or in care)
and then call the service the page calls, so a refusal is 400 with the page's sentence.
Nested records name their enrolment in a field and a filter (`?enrollment=<id>`), not in the URL.
"""

from operator import attrgetter
from typing import Any, ClassVar

from django.db.models import Model as DjangoModel
from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.etag import ETagMixin
from accounts.api.registry import ApiRoute
from careplans import services as plans
from careplans.models import AssessmentDomain, CarePlan, Goal, Step
from careplans.selectors import goals_with_steps_of, steps_with_owners
from careplans.services import assessment_domain_record, care_plan_review_record
from caseloads import services as caseload_services
from caseloads.api.care_serializers import (
    AssessmentDomainRecordSerializer,
    AssessmentDomainSerializer,
    CarePlanDetailSerializer,
    CarePlanDetailsSerializer,
    CarePlanReviewSerializer,
    CarePlanSerializer,
    CarePlanStartSerializer,
    CheckInRecordSerializer,
    CheckInSerializer,
    ContactLoggedSerializer,
    ContactLogSerializer,
    ContactSerializer,
    GoalAddSerializer,
    GoalChangeSerializer,
    GoalMoveSerializer,
    GoalProgressSerializer,
    GoalSerializer,
    LifeEventRecordSerializer,
    LifeEventSerializer,
    StepAddSerializer,
    StepMarkSerializer,
    StepSerializer,
    SuccessMomentRecordSerializer,
    SuccessMomentSerializer,
)
from engagement.models import CheckIn, Contact, GoalProgress, LifeEvent, SuccessMoment
from engagement.services import GoalReview
from patients.access import (
    enrollment_to_change,
    enrollments_visible_to,
    part2_withheld,
    patients_visible_to,
)
from patients.services import access_event_record, access_events_record_for_list


def _list(serializer: type[serializers.Serializer[Any]], description: str) -> Any:
    return extend_schema(description=description, responses={200: serializer})


def _detail(serializer: type[serializers.Serializer[Any]]) -> Any:
    return extend_schema(responses={200: serializer})


def _create(request: type[serializers.Serializer[Any]], response: type[serializers.Serializer[Any]]) -> Any:
    return extend_schema(request=request, responses={201: response})


def _change(request: type[serializers.Serializer[Any]], response: type[serializers.Serializer[Any]]) -> Any:
    return extend_schema(
        request=request,
        responses={200: response},
    )


# --- scope, access events and the write check, shared by every endpoint here ----------------------


class _CareRecordViewSet(ETagMixin, viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Reads with the pages' access events: one row per patient for a list, one for a record."""

    # Recorded as the access event's object type.
    object_type: ClassVar[str]
    # From a row to its patient and its enrolment (attribute paths).
    patient_path: ClassVar[str] = "enrollment.patient"
    enrollment_path: ClassVar[str] = "enrollment"

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        patient_of = attrgetter(self.patient_path)
        access_events_record_for_list(
            user=request.user, patients=[patient_of(row) for row in page], route=request.path
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        record = self.get_object()
        self._record_view(request, record)
        return Response(self.get_serializer(record).data)

    def _record_view(self, request: Request, record: DjangoModel) -> None:
        access_event_record(
            user=request.user,
            patient=attrgetter(self.patient_path)(record),
            enrollment=attrgetter(self.enrollment_path)(record),
            route=request.path,
            object_type=self.object_type,
            object_id=record.pk,
        )

    def _input(self, serializer_class: type[serializers.Serializer[Any]], **options: Any) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, **options)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _answer(self, record: DjangoModel, code: int = status.HTTP_200_OK, **extra: Any) -> Response:
        """The record as a read shows it (scoped, with its joins and Part 2 marks), plus `extra`. The
        write may have taken the record out of the user's sight (a failed last attempt ends outreach and
        the care team of a colleague from another team): it is saved, and the answer says so."""
        shown = self.get_queryset().filter(pk=record.pk).first()
        if shown is None:
            saved = {"id": record.pk, "detail": "Saved. You are no longer on this person's care team."}
            return Response(saved, status=code)
        for name, value in extra.items():
            setattr(shown, name, value)
        return Response(self.get_serializer(shown).data, status=code)

    def _to_change(self, record: DjangoModel) -> DjangoModel:
        enrollment_to_change(self.request.user, attrgetter(f"{self.enrollment_path}_id")(record))
        return record


# --- care plans ----------------------------------------------------------------------------------


class CarePlanFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(help_text="Only this enrolment's plans.")

    class Meta:
        model = CarePlan
        fields = ["enrollment", "status"]


@extend_schema_view(
    list=_list(CarePlanSerializer, "The care plans of the enrolments you may see, without their goals."),
    retrieve=_detail(CarePlanDetailSerializer),
    create=_create(CarePlanStartSerializer, CarePlanSerializer),
    update=_change(CarePlanDetailsSerializer, CarePlanSerializer),
    partial_update=_change(CarePlanDetailsSerializer, CarePlanSerializer),
)
class CarePlanViewSet(_CareRecordViewSet):
    """The person's care plan, made with them: who took part and where, and (on one plan) every goal
    in their own words and order with its steps. Starting a plan, changing who took part, and
    recording that the plan was gone through with the person work as on the plan page."""

    object_type = "care_plan"
    serializer_class = CarePlanSerializer
    filterset_class = CarePlanFilter
    ordering_fields = ["updated_at", "started_on", "created_at"]

    def get_queryset(self) -> QuerySet[CarePlan]:
        return CarePlan.objects.filter(
            enrollment__in=enrollments_visible_to(self.request.user)
        ).select_related("enrollment__patient")

    def get_serializer_class(self) -> type[serializers.Serializer[Any]]:
        return CarePlanDetailSerializer if self.action == "retrieve" else CarePlanSerializer

    def retrieve(self, request: Request, pk: str) -> Response:
        plan = self.get_object()
        plan.goals_in_order = goals_with_steps_of(care_plan=plan)
        self._record_view(request, plan)
        return Response(self.get_serializer(plan).data)

    def create(self, request: Request) -> Response:
        arguments = self._input(CarePlanStartSerializer)
        enrollment = enrollment_to_change(request.user, arguments.pop("enrollment"))
        plan = caseload_services.care_plan_start(
            enrollment=enrollment,
            acting_user=request.user,
            co_created_with=arguments["co_created_with"],
            co_created_where=arguments["co_created_where"],
            on=arguments.get("started_on"),
        )
        return self._answer(plan, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        plan = self._to_change(self.get_object())
        arguments = self._input(CarePlanDetailsSerializer, partial=partial)
        caseload_services.care_plan_details_update(
            care_plan=plan,
            acting_user=request.user,
            expected_revision=arguments["expected_revision"],
            co_created_with=arguments.get("co_created_with", plan.co_created_with),
            co_created_where=arguments.get("co_created_where", plan.co_created_where),
        )
        return self._answer(plan)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(
        request=None,
        responses={200: CarePlanReviewSerializer},
        description="The plan was gone through with the person today (recorded once a day).",
    )
    @action(detail=True, methods=["post"])
    def reviewed(self, request: Request, pk: str) -> Response:
        plan = self._to_change(self.get_object())
        review = care_plan_review_record(enrollment=plan.enrollment, acting_user=request.user)
        return Response(CarePlanReviewSerializer(review).data)


# --- goals and steps -----------------------------------------------------------------------------


class GoalFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(
        field_name="care_plan__enrollment", help_text="Only this enrolment's goals."
    )
    care_plan = filters.NumberFilter(help_text="Only this plan's goals.")

    class Meta:
        model = Goal
        fields = ["enrollment", "care_plan", "status", "life_domain"]


@extend_schema_view(
    list=_list(GoalSerializer, "Goals of the plans you may see, each with its steps."),
    retrieve=_detail(GoalSerializer),
    create=_create(GoalAddSerializer, GoalSerializer),
    update=_change(GoalChangeSerializer, GoalSerializer),
    partial_update=_change(GoalChangeSerializer, GoalSerializer),
)
class GoalViewSet(_CareRecordViewSet):
    """The person's goals, in their own words (`patient_words`) and their own order (`priority`, 1
    first). A change names the goal `version` it started from: if someone saved the goal since, it is
    refused with who changed it and when, and nothing changes. Achieving a goal puts it on the
    timeline as a success, as on the plan page."""

    object_type = "goal"
    enrollment_path = "care_plan.enrollment"
    patient_path = "care_plan.enrollment.patient"
    serializer_class = GoalSerializer
    filterset_class = GoalFilter
    ordering_fields = ["updated_at", "priority", "target_on", "created_at"]

    def get_queryset(self) -> QuerySet[Goal]:
        return (
            Goal.objects.filter(care_plan__enrollment__in=enrollments_visible_to(self.request.user))
            .select_related("care_plan__enrollment__patient")
            .prefetch_related(steps_with_owners())
        )

    def create(self, request: Request) -> Response:
        arguments = self._input(GoalAddSerializer)
        plan = get_object_or_404(
            CarePlan.objects.filter(enrollment__in=enrollments_visible_to(request.user)),
            pk=arguments.pop("care_plan"),
        )
        enrollment_to_change(request.user, plan.enrollment_id)
        goal = plans.goal_add(care_plan=plan, acting_user=request.user, **arguments)
        return self._answer(goal, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        goal = self._to_change(self.get_object())
        changes = self._input(GoalChangeSerializer, partial=partial)
        caseload_services.care_plan_goal_update(
            goal=goal, acting_user=request.user, expected_version=changes.pop("expected_version"), **changes
        )
        return self._answer(goal)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(
        request=GoalMoveSerializer,
        responses={200: GoalSerializer},
        description="Move an open goal one place up or down the person's order, past the next open goal.",
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        goal = self._to_change(self.get_object())
        plans.goal_move(goal=goal, acting_user=request.user, **self._input(GoalMoveSerializer))
        return self._answer(goal)


class StepFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(
        field_name="goal__care_plan__enrollment", help_text="Only this enrolment's steps."
    )
    goal = filters.NumberFilter(help_text="Only this goal's steps.")
    done = filters.BooleanFilter(
        field_name="completed_on",
        lookup_expr="isnull",
        exclude=True,
        help_text="Only done (or not done) steps.",
    )

    class Meta:
        model = Step
        fields = ["enrollment", "goal", "owner", "done"]


@extend_schema_view(
    list=_list(StepSerializer, "Steps toward the goals you may see."),
    retrieve=_detail(StepSerializer),
    create=_create(StepAddSerializer, StepSerializer),
)
class StepViewSet(_CareRecordViewSet):
    """Next steps toward a goal: what, who does it (the person, the care manager, a named care team
    member or community support), by when; marked done or reopened."""

    object_type = "step"
    enrollment_path = "goal.care_plan.enrollment"
    patient_path = "goal.care_plan.enrollment.patient"
    serializer_class = StepSerializer
    filterset_class = StepFilter
    ordering_fields = ["updated_at", "due_on", "position", "created_at"]

    def get_queryset(self) -> QuerySet[Step]:
        return Step.objects.filter(
            goal__care_plan__enrollment__in=enrollments_visible_to(self.request.user)
        ).select_related("goal__care_plan__enrollment__patient", "owner_team_member__user", "owner_support")

    def create(self, request: Request) -> Response:
        arguments = self._input(StepAddSerializer)
        goal = get_object_or_404(
            Goal.objects.filter(
                care_plan__enrollment__in=enrollments_visible_to(request.user)
            ).select_related("care_plan"),
            pk=arguments.pop("goal"),
        )
        enrollment_to_change(request.user, goal.care_plan.enrollment_id)
        step = plans.step_add(
            goal=goal,
            acting_user=request.user,
            description=arguments["description"],
            owner=arguments["owner"],
            owner_team_member_id=arguments["owner_team_member"],
            owner_support_id=arguments["owner_support"],
            due_on=arguments["due_on"],
        )
        return self._answer(step, status.HTTP_201_CREATED)

    @extend_schema(
        request=StepMarkSerializer,
        responses={200: StepSerializer},
        description="Mark the step done today, or not done. Marking it twice changes nothing.",
    )
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str) -> Response:
        step = self._to_change(self.get_object())
        plans.step_mark(step=step, acting_user=request.user, **self._input(StepMarkSerializer))
        return self._answer(step)


class GoalProgressFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(
        field_name="goal__care_plan__enrollment", help_text="Only this enrolment's progress notes."
    )
    goal = filters.NumberFilter(help_text="Only this goal's progress notes.")
    contact = filters.NumberFilter(help_text="Only the notes written with this contact.")

    class Meta:
        model = GoalProgress
        fields = ["enrollment", "goal", "contact"]


@extend_schema_view(
    list=_list(GoalProgressSerializer, "How the goals you may see are going, newest changes last."),
    retrieve=_detail(GoalProgressSerializer),
)
class GoalProgressViewSet(_CareRecordViewSet):
    """Short notes on how a goal is going. They are written with a contact (`goal_reviews` when
    logging one), so here they are read only."""

    object_type = "goal_progress"
    enrollment_path = "goal.care_plan.enrollment"
    patient_path = "goal.care_plan.enrollment.patient"
    serializer_class = GoalProgressSerializer
    filterset_class = GoalProgressFilter
    ordering_fields = ["updated_at", "recorded_at"]

    def get_queryset(self) -> QuerySet[GoalProgress]:
        return GoalProgress.objects.filter(
            goal__care_plan__enrollment__in=enrollments_visible_to(self.request.user)
        ).select_related("goal__care_plan__enrollment__patient")


# --- the assessment ------------------------------------------------------------------------------


class AssessmentDomainFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(help_text="Only this enrolment's assessment.")

    class Meta:
        model = AssessmentDomain
        fields = ["enrollment", "domain", "need_level"]


@extend_schema_view(
    list=_list(AssessmentDomainSerializer, "The recorded domains of the assessments you may see."),
    retrieve=_detail(AssessmentDomainSerializer),
    create=_create(AssessmentDomainRecordSerializer, AssessmentDomainSerializer),
)
class AssessmentDomainViewSet(_CareRecordViewSet):
    """The stepwise assessment, one domain at a time, whenever the person is ready to talk about it.
    Recording a domain again replaces what was said. Substance use (42 CFR Part 2) is for the
    person's current care team only: others see that it was recorded, not what, and may not record it."""

    object_type = "assessment"
    serializer_class = AssessmentDomainSerializer
    filterset_class = AssessmentDomainFilter
    ordering_fields = ["updated_at", "domain", "assessed_on"]

    def get_queryset(self) -> QuerySet[AssessmentDomain]:
        user = self.request.user
        return (
            AssessmentDomain.objects.filter(enrollment__in=enrollments_visible_to(user))
            .select_related("enrollment__patient")
            .annotate(is_withheld=part2_withheld(user))
        )

    def create(self, request: Request) -> Response:
        arguments = self._input(AssessmentDomainRecordSerializer)
        enrollment = enrollment_to_change(request.user, arguments.pop("enrollment"))
        entry = assessment_domain_record(
            enrollment=enrollment,
            acting_user=request.user,
            domain=arguments["domain"],
            summary=arguments["summary"],
            need_level=arguments["need_level"],
            on=arguments["assessed_on"],
        )
        return self._answer(entry, status.HTTP_201_CREATED)


# --- contacts and the record's entries -----------------------------------------------------------


class ContactFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(help_text="Only this enrolment's contacts.")

    class Meta:
        model = Contact
        fields = ["enrollment", "is_reached", "mode"]


@extend_schema_view(
    list=_list(ContactSerializer, "Contacts and attempts with the people you may see."),
    retrieve=_detail(ContactSerializer),
    create=_create(ContactLogSerializer, ContactLoggedSerializer),
)
class ContactViewSet(_CareRecordViewSet):
    """Contacts with the person, and attempts that did not reach them, with the goals talked about.
    Logging one applies the outreach rules as the record page does (a reached contact with consent
    starts active care; too many attempts close outreach) and answers with what changed, in words.
    A note marked as substance-use treatment (42 CFR Part 2) is shown to the care team only.
    Contacts never change once logged."""

    object_type = "contact"
    sync_field = "created_at"
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["created_at", "occurred_at"]

    def get_queryset(self) -> QuerySet[Contact]:
        user = self.request.user
        return (
            Contact.objects.filter(enrollment__in=enrollments_visible_to(user))
            .select_related("enrollment__patient")
            .prefetch_related(Prefetch("goal_progress", queryset=GoalProgress.objects.order_by("pk")))
            .annotate(is_withheld=part2_withheld(user))
        )

    def get_serializer_class(self) -> type[serializers.Serializer[Any]]:
        return ContactLoggedSerializer if self.action == "create" else ContactSerializer

    def create(self, request: Request) -> Response:
        arguments = self._input(ContactLogSerializer)
        enrollment = enrollment_to_change(request.user, arguments.pop("enrollment"))
        reviews = [
            GoalReview(goal_id=review["goal"], note=review["note"])
            for review in arguments.pop("goal_reviews")
        ]
        logged = caseload_services.caseload_contact_log(
            enrollment=enrollment, acting_user=request.user, goal_reviews=reviews, **arguments
        )
        return self._answer(logged.contact, status.HTTP_201_CREATED, outreach_outcome=logged.outreach_outcome)


class LifeEventFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(help_text="Only the events recorded with this enrolment.")
    patient = filters.NumberFilter(help_text="Only this person's events, in any episode.")

    class Meta:
        model = LifeEvent
        fields = ["enrollment", "patient", "kind", "source"]


class _EntryViewSet(_CareRecordViewSet):
    """A small entry saved from the record, as the record page's entry forms: `record_input` is parsed
    and given, with the enrolment, to `record` (a caseloads.services wrapper that also updates the
    caseload row)."""

    sync_field = "created_at"
    record_input: ClassVar[type[serializers.Serializer[Any]]]

    @staticmethod
    def record(**arguments: Any) -> DjangoModel:
        raise NotImplementedError

    def create(self, request: Request) -> Response:
        arguments = self._input(self.record_input)
        enrollment = enrollment_to_change(request.user, arguments.pop("enrollment"))
        made = self.record(enrollment=enrollment, acting_user=request.user, **arguments)
        return self._answer(made, status.HTTP_201_CREATED)


@extend_schema_view(
    list=_list(LifeEventSerializer, "Life events of the people you may see, from any of their episodes."),
    retrieve=_detail(LifeEventSerializer),
    create=_create(LifeEventRecordSerializer, LifeEventSerializer),
)
class LifeEventViewSet(_EntryViewSet):
    """Things that happened in the person's life: emergency visits, admissions, crises, housing, jail,
    relapse. They belong to the person, so events from earlier episodes count too. Never changed once
    recorded."""

    object_type = "life_event"
    patient_path = "patient"
    serializer_class = LifeEventSerializer
    filterset_class = LifeEventFilter
    ordering_fields = ["created_at", "occurred_on"]
    record_input = LifeEventRecordSerializer
    record = staticmethod(caseload_services.life_event_record)

    def get_queryset(self) -> QuerySet[LifeEvent]:
        return LifeEvent.objects.filter(patient__in=patients_visible_to(self.request.user)).select_related(
            "patient", "enrollment"
        )


class CheckInFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(help_text="Only this enrolment's check-ins.")

    class Meta:
        model = CheckIn
        fields = ["enrollment", "kind"]


@extend_schema_view(
    list=_list(CheckInSerializer, "Check-ins of the people you may see."),
    retrieve=_detail(CheckInSerializer),
    create=_create(CheckInRecordSerializer, CheckInSerializer),
)
class CheckInViewSet(_EntryViewSet):
    """How sure the person feels they can manage their health and life (0 to 10), and whether they
    feel ready to manage without the program. Never changed once recorded."""

    object_type = "check_in"
    serializer_class = CheckInSerializer
    filterset_class = CheckInFilter
    ordering_fields = ["created_at", "occurred_on"]
    record_input = CheckInRecordSerializer
    record = staticmethod(caseload_services.check_in_record)

    def get_queryset(self) -> QuerySet[CheckIn]:
        return CheckIn.objects.filter(
            enrollment__in=enrollments_visible_to(self.request.user)
        ).select_related("enrollment__patient")


class SuccessMomentFilter(filters.FilterSet):
    enrollment = filters.NumberFilter(help_text="Only this enrolment's successes.")
    goal = filters.NumberFilter(help_text="Only the successes that came of this goal.")

    class Meta:
        model = SuccessMoment
        fields = ["enrollment", "kind", "goal"]


@extend_schema_view(
    list=_list(SuccessMomentSerializer, "Successes of the people you may see."),
    retrieve=_detail(SuccessMomentSerializer),
    create=_create(SuccessMomentRecordSerializer, SuccessMomentSerializer),
)
class SuccessMomentViewSet(_EntryViewSet):
    """Successes as the person and the care manager see them, however small: trust, a change of
    mindset, more stability. Never changed once recorded."""

    object_type = "success_moment"
    serializer_class = SuccessMomentSerializer
    filterset_class = SuccessMomentFilter
    ordering_fields = ["created_at", "occurred_on"]
    record_input = SuccessMomentRecordSerializer

    @staticmethod
    def record(**arguments: Any) -> DjangoModel:
        arguments["goal_id"] = arguments.pop("goal")
        return caseload_services.success_moment_record(**arguments)

    def get_queryset(self) -> QuerySet[SuccessMoment]:
        return SuccessMoment.objects.filter(
            enrollment__in=enrollments_visible_to(self.request.user)
        ).select_related("enrollment__patient")


ROUTES: list[ApiRoute] = [
    ApiRoute("care-plans", CarePlanViewSet, "care-plan"),
    ApiRoute("goals", GoalViewSet, "goal"),
    ApiRoute("steps", StepViewSet, "step"),
    ApiRoute("goal-progress", GoalProgressViewSet, "goal-progress"),
    ApiRoute("assessment-domains", AssessmentDomainViewSet, "assessment-domain"),
    ApiRoute("contacts", ContactViewSet, "contact"),
    ApiRoute("life-events", LifeEventViewSet, "life-event"),
    ApiRoute("check-ins", CheckInViewSet, "check-in"),
    ApiRoute("success-moments", SuccessMomentViewSet, "success-moment"),
]
