"""Caseload status (read, accept, override), supervision sessions (read, record) and the outcome figures.

Reads start from the same scoped entry points as the pages (patients.access, caseloads.dashboard,
caseloads.outcomes); writes call the same services as the level-of-care card and the caseload review.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.api.errors import form_errors
from accounts.api.etag import ETagMixin
from accounts.api.registry import ApiRoute
from caseloads.api.supervision_serializers import (
    NOT_FOR_ROLE,
    PERIOD_VALUES,
    CareManagerChoiceSerializer,
    CaseloadStatusSerializer,
    LevelAcceptSerializer,
    LevelOverrideSerializer,
    OutcomeFiguresSerializer,
    SupervisionSessionSerializer,
    SupervisionSessionWriteSerializer,
    choices_by_id,
    outcome_figures_data,
)
from caseloads.dashboard import caseload_review_for, reassignment_choices, supervision_sessions_visible_to
from caseloads.forms_outcomes import OutcomeFilterForm
from caseloads.levels import caseload_level_accept, caseload_level_override
from caseloads.models import (
    CaseloadRecomputeRequest,
    CaseloadStatus,
    SupervisionDecision,
    SupervisionSession,
)
from caseloads.outcomes import outcome_teams, outcomes_page_for
from caseloads.supervision import supervision_session_record
from patients.access import enrollment_for_user, enrollments_visible_to
from patients.models import CARE_STATUSES
from patients.services import access_event_record

# --- Caseload status ----------------------------------------------------------------------------------


class CaseloadStatusFilter(filters.FilterSet):
    care_manager = filters.NumberFilter(field_name="care_manager_id", help_text="The primary care manager.")
    level = filters.ChoiceFilter(
        field_name="current_level",
        choices=CaseloadStatus._meta.get_field("current_level").choices,
        help_text="The level the team works at.",
    )
    recommended_level = filters.ChoiceFilter(choices=CaseloadStatus._meta.get_field("current_level").choices)
    overdue = filters.BooleanFilter(field_name="is_overdue", help_text="The next contact is overdue.")
    graduation_candidate = filters.BooleanFilter(field_name="is_graduation_candidate")
    enrollment = filters.NumberFilter(field_name="enrollment_id")
    in_care = filters.BooleanFilter(
        method="filter_in_care", help_text="The enrolment is in outreach, active or maintenance."
    )

    class Meta:
        model = CaseloadStatus
        fields: list[str] = []

    def filter_in_care(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        in_care = Q(enrollment__status__in=CARE_STATUSES)
        return queryset.filter(in_care if value else ~in_care)


@extend_schema_view(
    list=extend_schema(
        summary="Caseload rows",
        responses={200: CaseloadStatusSerializer},
    ),
    retrieve=extend_schema(summary="One caseload row", responses={200: CaseloadStatusSerializer}),
    accept=extend_schema(
        summary="Accept the recommended level",
        request=LevelAcceptSerializer,
        responses={200: CaseloadStatusSerializer},
    ),
    override=extend_schema(
        summary="Choose another level for a while",
        request=LevelOverrideSerializer,
        responses={200: CaseloadStatusSerializer},
    ),
)
class CaseloadStatusViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet):
    """The computed caseload row of each enrolment the user may see: the recommended level of care and
    why, the level the team works at (and any override), contact dates and the overdue and graduation
    flags. The person's care team, their supervisor and program admins accept the recommendation or
    choose another level for a while, as on the record's level-of-care card."""

    serializer_class = CaseloadStatusSerializer
    filterset_class = CaseloadStatusFilter
    ordering_fields = ["updated_at", "computed_at", "id"]

    def get_queryset(self) -> QuerySet[CaseloadStatus]:
        return (
            CaseloadStatus.objects.filter(enrollment__in=enrollments_visible_to(self.request.user))
            .select_related("enrollment__patient")
            .annotate(
                recompute_pending=Exists(
                    CaseloadRecomputeRequest.objects.filter(enrollment=OuterRef("enrollment_id"))
                )
            )
        )

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # As the level-of-care card: seeing the row is recorded with the answer, or nothing is shown.
        with transaction.atomic():
            caseload_status = self.get_object()
            access_event_record(
                user=request.user,
                patient=caseload_status.enrollment.patient,
                enrollment=caseload_status.enrollment,
                route=request.path,
                object_type="caseload_status",
                object_id=caseload_status.pk,
            )
            return Response(self.get_serializer(caseload_status).data)

    def _decide(
        self,
        request: Request,
        form: type[LevelAcceptSerializer | LevelOverrideSerializer],
        decide: Callable[..., CaseloadStatus],
    ) -> Response:
        caseload_status = self.get_object()
        # Visible but not theirs to change (a colleague outside the care team, a program lead): 403.
        enrollment_for_user(request.user, caseload_status.enrollment_id, for_write=True)
        serializer = form(data=request.data)
        serializer.is_valid(raise_exception=True)
        decide(status=caseload_status, acting_user=request.user, **serializer.service_arguments())
        return Response(self.get_serializer(self.get_queryset().get(pk=caseload_status.pk)).data)

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Work at the recommended level; any override ends now."""
        return self._decide(request, LevelAcceptSerializer, caseload_level_accept)

    @action(detail=True, methods=["post"])
    def override(self, request: Request, pk: str | None = None) -> Response:
        """Work at another level, with a reason and an end date; choosing the recommended level accepts it."""
        return self._decide(request, LevelOverrideSerializer, caseload_level_override)


# --- Supervision sessions -----------------------------------------------------------------------------


class SupervisionSessionFilter(filters.FilterSet):
    held_on = filters.DateFromToRangeFilter(help_text="held_on_after and held_on_before, both included.")

    class Meta:
        model = SupervisionSession
        fields = ["care_manager", "supervisor"]


@extend_schema_view(
    list=extend_schema(
        summary="Supervision sessions",
        responses={200: SupervisionSessionSerializer},
    ),
    retrieve=extend_schema(
        summary="One supervision session",
        responses={200: SupervisionSessionSerializer},
    ),
    create=extend_schema(
        summary="Record a supervision session",
        request=SupervisionSessionWriteSerializer,
        responses={201: SupervisionSessionSerializer},
    ),
)
class SupervisionSessionViewSet(
    ETagMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Weekly supervision: a supervisor and a care manager go through the caseload and decide. Supervisors
    record sessions for the care managers of their teams; each decision is applied (a level of care, a
    reassignment with its warm-transfer note) or, if one is refused, nothing is stored. The care manager
    reads their own sessions; supervisors, program leads and admins those of the teams they oversee."""

    serializer_class = SupervisionSessionSerializer
    filterset_class = SupervisionSessionFilter
    ordering_fields = ["created_at", "held_on", "id"]
    # A session is written once with its decisions and never changes.
    sync_field = "created_at"

    def get_queryset(self) -> QuerySet[SupervisionSession]:
        user = self.request.user
        visible = enrollments_visible_to(user)
        return (
            supervision_sessions_visible_to(user)
            .order_by()
            .prefetch_related(
                Prefetch("enrollments_discussed", queryset=visible.order_by("pk").only("pk")),
                Prefetch(
                    "decisions",
                    queryset=SupervisionDecision.objects.filter(enrollment__in=visible).order_by("pk"),
                ),
            )
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        chosen = CareManagerChoiceSerializer(data=request.data)
        chosen.is_valid(raise_exception=True)
        # As the caseload review: 403 without a dashboard, 404 for a care manager outside the user's teams.
        review = caseload_review_for(user=request.user, care_manager_id=chosen.validated_data["care_manager"])
        if not review.can_supervise:
            raise PermissionDenied
        colleagues = reassignment_choices(user=request.user, care_manager_id=review.care_manager.pk)
        serializer = SupervisionSessionWriteSerializer(
            data=request.data,
            context={"caseload": choices_by_id(review.rows), "colleagues": choices_by_id(colleagues)},
        )
        serializer.is_valid(raise_exception=True)
        session = supervision_session_record(
            supervisor=request.user, care_manager=review.care_manager, **serializer.service_arguments()
        )
        saved = self.get_queryset().get(pk=session.pk)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)


# --- Outcome figures ------------------------------------------------------------------------------------

OUTCOME_PARAMETERS = [
    OpenApiParameter("period", OpenApiTypes.STR, enum=PERIOD_VALUES, description="Default: last-12-months."),
    OpenApiParameter("starts_on", OpenApiTypes.DATE, description="First day, with period=custom."),
    OpenApiParameter("ends_on", OpenApiTypes.DATE, description="Last day, with period=custom."),
    OpenApiParameter("team", OpenApiTypes.INT, description="One team of the program; default all teams."),
]


class OutcomeFiguresViewSet(viewsets.ViewSet):
    """The program's outcome figures as the outcomes page shows them, for a period and a team: the
    enrolment funnel, time in program, ED visits and admissions, readmissions, satisfaction, cost per case,
    success moments and confidence. Each row gives its numerator, denominator and result. Program leads
    and admins only; aggregates, no person is named."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "export"

    @extend_schema(
        summary="Outcome figures",
        parameters=OUTCOME_PARAMETERS,
        responses={
            200: OutcomeFiguresSerializer,
            403: NOT_FOR_ROLE,
        },
    )
    def list(self, request: Request) -> Response:
        user = request.user
        # outcome_teams answers 403 to anyone but program leads and admins, as the page does.
        teams = outcome_teams(user=user)
        form = OutcomeFilterForm(request.query_params, teams=teams, today=user.program.today())
        if not form.is_valid():
            # The page shows the default period with the errors; a system gets the errors alone.
            raise serializers.ValidationError(form_errors(form))
        page = outcomes_page_for(user=user, filters=form.filters())
        return Response(OutcomeFiguresSerializer(outcome_figures_data(page)).data)


ROUTES: list[ApiRoute] = [
    ApiRoute("caseload-statuses", CaseloadStatusViewSet, "caseload-status"),
    ApiRoute("supervision-sessions", SupervisionSessionViewSet, "supervision-session"),
    ApiRoute("outcomes", OutcomeFiguresViewSet, "outcome"),
]
