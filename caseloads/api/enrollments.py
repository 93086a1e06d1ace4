"""The API for enrolments and what hangs off them: the pipeline, the primary care manager, the phase,
the care team, community supports and referrals out.

They live in caseloads because their writes go through caseloads.services where the pages' do (those
also ask for the caseload row to be recomputed). Reads start from patients.access, as the pages' do.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.etag import ETagMixin
from accounts.api.registry import ApiRoute
from accounts.errors import DomainError
from caseloads.api.enrollment_serializers import (
    CareTeamMemberCreateSerializer,
    CareTeamMemberSerializer,
    CommunitySupportCreateSerializer,
    CommunitySupportSerializer,
    EndReasonSerializer,
    EnrollmentMoveSerializer,
    EnrollmentSerializer,
    PhaseChangeSerializer,
    PrimaryCareManagerSerializer,
    ReferralOutCreateSerializer,
    ReferralOutSerializer,
    ReferralOutUpdateSerializer,
)
from caseloads.balancing import can_assign_primary
from caseloads.pages import patient_to_change
from caseloads.services import (
    care_team_member_add,
    care_team_member_end,
    enrollment_change_phase,
    enrollment_move,
    primary_care_manager_assign,
)
from patients.access import (
    enrollment_for_user,
    enrollment_to_change,
    enrollments_visible_to,
    patients_visible_to,
)
from patients.models import (
    CareTeamMember,
    CommunitySupport,
    Enrollment,
    EnrollmentStatus,
    ReferralOut,
)
from patients.services import (
    access_event_record,
    community_support_add,
    community_support_end,
    community_support_update,
    referral_out_create,
    referral_out_update,
)
from patients.services.screening import SCREENABLE_STATUSES

S = EnrollmentStatus

# The moves the pages make only through a flow that records more than the status: the move endpoint
# refuses them and names the flow, so nothing skips the screening, the consent or the graduation.
SCREEN_INSTEAD = "Screen the referral to decide this: POST /api/v1/referrals/{id}/screen/."
CONSENT_INSTEAD = "Someone in outreach becomes active when a contact records that they agreed to take part."
GRADUATE_INSTEAD = (
    "Record the graduation instead: it keeps the criteria gone through with the person and the check-ins "
    "after it."
)


def _own_flow_of(from_status: str, to_status: str) -> str | None:
    if from_status in SCREENABLE_STATUSES and to_status in (S.OUTREACH, S.NOT_A_FIT, S.DECLINED):
        return SCREEN_INSTEAD
    if (from_status, to_status) == (S.OUTREACH, S.ACTIVE):
        return CONSENT_INSTEAD
    if to_status == S.GRADUATED:
        return GRADUATE_INSTEAD
    return None


class EnrollmentFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=EnrollmentStatus.choices)

    class Meta:
        model = Enrollment
        fields = {"phase": ["exact"], "team": ["exact", "isnull"], "patient": ["exact"]}


@extend_schema_view(
    list=extend_schema(
        summary="Enrolments you may see",
        description="The episodes of care of your teams (the whole program for admins and leads), and "
        "of any care team you are on. Filter by status (repeat it for several), phase, team or patient.",
        responses={200: EnrollmentSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One enrolment",
        description="Recorded in the access log, as opening the record is.",
        responses={200: EnrollmentSerializer},
    ),
)
class EnrollmentViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Episodes of care: the pipeline from referral through screening, outreach and active care to
    graduation or another exit, with the phase and the team. Moves, the primary care manager and the
    phase change through the actions, under the same rules as the pages."""

    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    ordering_fields = ["referred_on", "status_changed_at", "created_at", "updated_at"]

    def get_queryset(self) -> QuerySet[Enrollment]:
        return enrollments_visible_to(self.request.user)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            enrollment = self.get_object()
            access_event_record(
                user=request.user,
                patient=enrollment.patient,
                enrollment=enrollment,
                route=request.path,
                object_type="enrollment",
                object_id=enrollment.pk,
            )
            return Response(self.get_serializer(enrollment).data)

    def _to_write(self) -> Enrollment:
        """The enrolment, after If-Match; 403 if the user may only read it."""
        enrollment: Enrollment = self.get_object()
        return enrollment_for_user(self.request.user, enrollment.pk, for_write=True)

    @extend_schema(
        summary="Move along the pipeline",
        description="Only the moves the pipeline allows, refused with the reason otherwise. Starting "
        "outreach, not a fit and declined at intake go through screening; outreach to active through "
        "a contact with consent; graduation through the graduation record.",
        request=EnrollmentMoveSerializer,
        responses={200: EnrollmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        enrollment = self._to_write()
        incoming = EnrollmentMoveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        arguments = incoming.validated_data
        own_flow = _own_flow_of(enrollment.status, arguments["to_status"])
        if own_flow is not None:
            raise DomainError(own_flow)
        moved = enrollment_move(enrollment=enrollment, acting_user=request.user, **arguments)
        return Response(EnrollmentSerializer(moved).data)

    @extend_schema(
        summary="Assign the primary care manager",
        description="A current one is ended, with the warm-transfer note kept for the new one; the "
        "enrolment's team follows the care manager's. Program admins and the team's supervisors.",
        request=PrimaryCareManagerSerializer,
        responses={200: CareTeamMemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        enrollment = self._to_write()
        if not can_assign_primary(request.user, enrollment):
            raise PermissionDenied
        incoming = PrimaryCareManagerSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        primary = primary_care_manager_assign(
            enrollment=enrollment, acting_user=request.user, **incoming.validated_data
        )
        return Response(CareTeamMemberSerializer(primary).data)

    @extend_schema(
        summary="Change the phase",
        description="From building trust (engagement) to the path to wellness, or back, with what shows "
        "it; only while the person is in care.",
        request=PhaseChangeSerializer,
        responses={200: EnrollmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def phase(self, request: Request, pk: str) -> Response:
        enrollment = self._to_write()
        incoming = PhaseChangeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        changed = enrollment_change_phase(
            enrollment=enrollment, acting_user=request.user, **incoming.validated_data
        )
        return Response(EnrollmentSerializer(changed).data)


class CareTeamMemberFilter(filters.FilterSet):
    is_current = filters.BooleanFilter(
        field_name="ended_on", lookup_expr="isnull", help_text="Still on the team."
    )

    class Meta:
        model = CareTeamMember
        fields = ["enrollment", "user", "role", "is_primary", "is_current"]


@extend_schema_view(
    list=extend_schema(
        summary="Care team members",
        description="Members, current and past, of the care teams of the enrolments you may see. "
        "`?enrollment=<id>&is_current=true` is one care team today.",
        responses={200: CareTeamMemberSerializer(many=True)},
    ),
    retrieve=extend_schema(summary="One care team member", responses={200: CareTeamMemberSerializer}),
    create=extend_schema(
        summary="Add to a care team",
        description="A Tandem colleague from the program, or someone outside Tandem. The primary care "
        "manager is given by `POST /enrollments/{id}/assign/`.",
        request=CareTeamMemberCreateSerializer,
        responses={201: CareTeamMemberSerializer},
    ),
)
class CareTeamMemberViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The people on each person's care team: colleagues in Tandem and clinicians outside it, each
    with their role and the days they joined and left."""

    serializer_class = CareTeamMemberSerializer
    filterset_class = CareTeamMemberFilter
    ordering_fields = ["started_on", "updated_at"]

    def get_queryset(self) -> QuerySet[CareTeamMember]:
        visible = enrollments_visible_to(self.request.user)
        return CareTeamMember.objects.filter(enrollment__in=visible).select_related("user")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = CareTeamMemberCreateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        arguments = dict(incoming.validated_data)
        enrollment = enrollment_to_change(request.user, arguments.pop("enrollment"))
        member = care_team_member_add(enrollment=enrollment, acting_user=request.user, **arguments)
        return Response(CareTeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take someone off the care team",
        description="The primary care manager is changed by a transfer instead.",
        request=EndReasonSerializer,
        responses={200: CareTeamMemberSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        member = self.get_object()
        enrollment_to_change(request.user, member.enrollment_id)
        incoming = EndReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        ended = care_team_member_end(member=member, acting_user=request.user, **incoming.validated_data)
        ended.refresh_from_db()
        return Response(CareTeamMemberSerializer(ended).data)


@extend_schema_view(
    list=extend_schema(
        summary="Community supports",
        description="The people and groups who help the patients you may see. `is_active=false` gives "
        "those no longer involved.",
        responses={200: CommunitySupportSerializer(many=True)},
    ),
    retrieve=extend_schema(summary="One community support", responses={200: CommunitySupportSerializer}),
    create=extend_schema(
        summary="Add a community support",
        request=CommunitySupportCreateSerializer,
        responses={201: CommunitySupportSerializer},
    ),
    update=extend_schema(summary="Change a support", responses={200: CommunitySupportSerializer}),
    partial_update=extend_schema(
        summary="Change some of a support's details",
        responses={200: CommunitySupportSerializer},
    ),
)
class CommunitySupportViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Family, friends, sponsors, faith and support groups in each person's life, and whether the
    person wants them involved in their care. Changed by those who may change the record."""

    serializer_class = CommunitySupportSerializer
    filterset_fields = ["patient", "kind", "is_active", "is_trusted_to_involve"]
    ordering_fields = ["name", "created_at", "updated_at"]

    def get_queryset(self) -> QuerySet[CommunitySupport]:
        return CommunitySupport.objects.filter(patient__in=patients_visible_to(self.request.user))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = CommunitySupportCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        arguments = dict(incoming.validated_data)
        care = patient_to_change(user=request.user, patient_id=arguments.pop("patient"))
        support = community_support_add(patient=care.patient, acting_user=request.user, **arguments)
        return Response(CommunitySupportSerializer(support).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: CommunitySupportSerializer) -> None:  # type: ignore[override]
        support = serializer.instance
        patient_to_change(user=self.request.user, patient_id=support.patient_id)
        updated = community_support_update(
            support=support, acting_user=self.request.user, **serializer.validated_data
        )
        updated.refresh_from_db()  # the database moved updated_at
        serializer.instance = updated

    @extend_schema(
        summary="No longer involved",
        description="The support leaves the record's list; the row stays, with the day and the reason "
        "added to its notes.",
        request=EndReasonSerializer,
        responses={200: CommunitySupportSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        support = self.get_object()
        patient_to_change(user=request.user, patient_id=support.patient_id)
        incoming = EndReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        ended = community_support_end(support=support, acting_user=request.user, **incoming.validated_data)
        ended.refresh_from_db()
        return Response(CommunitySupportSerializer(ended).data)


@extend_schema_view(
    list=extend_schema(
        summary="Referrals out",
        description="The referrals to other services of the enrolments you may see.",
        responses={200: ReferralOutSerializer(many=True)},
    ),
    retrieve=extend_schema(summary="One referral out", responses={200: ReferralOutSerializer}),
    create=extend_schema(
        summary="Refer to a service",
        request=ReferralOutCreateSerializer,
        responses={201: ReferralOutSerializer},
    ),
    partial_update=extend_schema(
        summary="Move a referral out on",
        description="Sent, accepted, in progress, then delivered, declined or couldn't contact; only the "
        "moves the page offers, refused with the reason otherwise.",
        request=ReferralOutUpdateSerializer,
        responses={200: ReferralOutSerializer},
    ),
)
class ReferralOutViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals from Tandem to services in the directory, and how each one went: whether the person
    got the service, with the next follow-up while it is open."""

    serializer_class = ReferralOutSerializer
    filterset_fields = ["enrollment", "resource", "status"]
    ordering_fields = ["referred_on", "follow_up_on", "updated_at"]

    def get_queryset(self) -> QuerySet[ReferralOut]:
        visible = enrollments_visible_to(self.request.user)
        return ReferralOut.objects.filter(enrollment__in=visible).select_related("resource")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ReferralOutCreateSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        arguments = dict(incoming.validated_data)
        enrollment = enrollment_to_change(request.user, arguments.pop("enrollment"))
        made = referral_out_create(enrollment=enrollment, acting_user=request.user, **arguments)
        return Response(ReferralOutSerializer(made).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        referral = self.get_object()
        enrollment_to_change(request.user, referral.enrollment_id)
        incoming = ReferralOutUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        updated = referral_out_update(referral=referral, acting_user=request.user, **incoming.validated_data)
        updated.refresh_from_db()
        return Response(ReferralOutSerializer(updated).data)


ROUTES: list[ApiRoute] = [
    ApiRoute("enrollments", EnrollmentViewSet, "enrollment"),
    ApiRoute("care-team-members", CareTeamMemberViewSet, "care-team-member"),
    ApiRoute("community-supports", CommunitySupportViewSet, "community-support"),
    ApiRoute("referrals-out", ReferralOutViewSet, "referral-out"),
]
