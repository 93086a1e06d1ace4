"""The API for patients, referrals in (intake and screening) and the community resource directory.

Each endpoint reads through the same scoped selectors as the pages and writes through the same
services, so a record outside the user's teams answers 404 and a rule's refusal answers 400 with the
page's sentence.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.errors import form_errors
from accounts.api.etag import ETagMixin
from accounts.api.registry import ApiRoute
from accounts.errors import DomainError
from accounts.models import Role, User
from accounts.parsing import whole_number
from patients.access import can_change_record, enrollments_visible_to, patients_visible_to
from patients.api.filters import PatientFilter, ReferralFilter
from patients.api.serializers import (
    CarePreferencesSerializer,
    CommunityResourceSerializer,
    DirectoryQuerySerializer,
    PatientSerializer,
    PossibleDuplicatesSerializer,
    ReferralCreateSerializer,
    ReferralSerializer,
    ScreeningSerializer,
)
from patients.forms import DuplicateChoiceForm, ReferralForm
from patients.models import AccessAction, CommunityResource, Patient, Referral
from patients.selectors import (
    community_resource_for_user,
    community_resources_for,
    current_enrollment_of,
    possible_duplicates_for,
)
from patients.services import (
    access_event_record,
    access_events_record_for_list,
    community_resource_save,
    patient_care_preferences_update,
    referral_receive,
)
from patients.services.screening import ScreeningAnswerDetails, WarmHandoff, referral_screen

DUPLICATES_FOUND = (
    "People in the program may be the person referred. Send the referral again with `existing_patient` "
    "set to one of them, or `confirmed_new: true` if it is someone else."
)


class ProgramAdminWrites(BasePermission):
    """Anyone signed in reads; only the program's admins write, as on the intake and directory pages."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or getattr(request.user, "role", None) == Role.PROGRAM_ADMIN


def _record_viewed(request: Request, patient: Patient, *, object_type: str, object_id: int) -> None:
    """One access event for a record read, as the page writes when it shows the record."""
    access_event_record(
        user=request.user,
        patient=patient,
        route=request.path,
        object_type=object_type,
        object_id=object_id,
    )


@extend_schema_view(
    list=extend_schema(
        summary="Patients you may see",
        description="The people with at least one enrolment in your teams (the whole program for admins "
        "and leads). Each person listed is recorded in the access log.",
        responses={200: PatientSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One patient",
        description="Recorded in the access log, as opening the record is.",
        responses={200: PatientSerializer},
    ),
)
class PatientViewSet(ETagMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Who each person is and how they like to be reached: names, date of birth, language, contact
    details and care preferences. Nothing clinical; enrolments, plans and contacts have their own
    endpoints."""

    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    ordering_fields = ["legal_last_name", "date_of_birth", "created_at", "updated_at"]

    def get_queryset(self) -> QuerySet[Patient]:
        return patients_visible_to(self.request.user)

    def paginate_queryset(self, queryset: Any) -> list[Patient] | None:
        page = super().paginate_queryset(queryset)
        self.listed = page or []
        return page

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The list and its access events are one unit, like the pages': no events, no list.
        with transaction.atomic():
            response = super().list(request, *args, **kwargs)
            access_events_record_for_list(
                user=request.user, patients=self.listed, route=request.path, action=AccessAction.LIST
            )
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            patient = self.get_object()
            _record_viewed(request, patient, object_type="patient", object_id=patient.pk)
            return Response(self.get_serializer(patient).data)

    @extend_schema(
        summary="Change care preferences",
        description="How and where the person likes to be reached and met, as the record's form changes "
        "them. Only the people who may change the record (its care team, supervisors, admins) may, "
        "while the person is in outreach or care.",
        request=CarePreferencesSerializer,
        responses={200: PatientSerializer},
    )
    @action(detail=True, methods=["patch"], url_path="care-preferences")
    def care_preferences(self, request: Request, pk: str) -> Response:
        patient = self.get_object()
        _require_record_change(request.user, patient)
        incoming = CarePreferencesSerializer(patient, data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        updated = patient_care_preferences_update(
            patient=patient, acting_user=request.user, **incoming.validated_data
        )
        return Response(PatientSerializer(updated).data)


def _require_record_change(user: User, patient: Patient) -> None:
    """403 unless `user` may change the record, as on the pages (patients.access.can_change_record)."""
    if not can_change_record(user, current_enrollment_of(user=user, patient=patient)):
        raise PermissionDenied


@extend_schema_view(
    list=extend_schema(
        summary="Referrals in",
        description="The referrals of the enrolments you may see, each with its screening decision once "
        "made. `?enrollment_status=referred&enrollment_status=screening` gives the referral queue.",
        responses={200: ReferralSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One referral",
        description="Recorded in the access log, as opening the screening page is.",
        responses={200: ReferralSerializer},
    ),
    create=extend_schema(
        summary="Take in a referral",
        description="A new person, or a returning one, and a new enrolment waiting for screening. People "
        "in the program with the same MRN, or the same name and date of birth, answer 409 until you say "
        "which one it is (`existing_patient`) or that it is someone new (`confirmed_new`). Program "
        "admins only.",
        request=ReferralCreateSerializer,
        responses={
            201: ReferralSerializer,
            409: OpenApiResponse(PossibleDuplicatesSerializer, description="Say who the person is first."),
        },
    ),
)
class ReferralViewSet(
    ETagMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals into the program: who referred the person, why and how soon, and the screening
    decision. Program admins take referrals in and screen them, as on the intake pages."""

    serializer_class = ReferralSerializer
    permission_classes = [IsAuthenticated, ProgramAdminWrites]
    filterset_class = ReferralFilter
    ordering_fields = ["received_at", "updated_at"]

    def get_queryset(self) -> QuerySet[Referral]:
        return Referral.objects.filter(
            enrollment__in=enrollments_visible_to(self.request.user)
        ).select_related("enrollment__patient")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            referral = self.get_object()
            access_event_record(
                user=request.user,
                patient=referral.enrollment.patient,
                enrollment=referral.enrollment,
                route=request.path,
                object_type="referral",
                object_id=referral.pk,
            )
            return Response(self.get_serializer(referral).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = ReferralCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        # The page's form checks the details with the page's words (a birth date in the future ...).
        form = ReferralForm(_referral_form_data(data))
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form, renamed=_PRIORITY_FIELDS))
        with transaction.atomic():
            matches = possible_duplicates_for(user=request.user, person=form.person_to_match())
            existing_patient = None
            if data["existing_patient"] is not None and not matches:
                raise DomainError(
                    "The person you chose no longer matches these details. Check them and save again."
                )
            if matches and data["existing_patient"] is None and not data["confirmed_new"]:
                # Showing the people found is recorded, as the page's duplicate check does.
                access_events_record_for_list(
                    user=request.user,
                    patients=[match.patient for match in matches],
                    route=request.path,
                    action=AccessAction.LIST,
                )
                answer = {"detail": DUPLICATES_FOUND, "possible_duplicates": matches}
                return Response(PossibleDuplicatesSerializer(answer).data, status=status.HTTP_409_CONFLICT)
            if matches:
                choice = DuplicateChoiceForm(_choice_form_data(data, matches), matches=matches)
                if not choice.is_valid():
                    raise serializers.ValidationError(form_errors(choice))
                existing_patient = choice.chosen_patient()
            enrollment = referral_receive(
                program=request.user.program,
                person=form.person_details(),
                referral=form.referral_details(),
                acting_user=request.user,
                existing_patient=existing_patient,
            )
        referral = Referral.objects.select_related("enrollment").get(enrollment=enrollment)
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Screen a referral",
        description="The answers to the program's screening questions and the decision, saved together "
        "or not at all, as on the screening page: a fit starts outreach with the care manager chosen, "
        "not a fit refers the person to another service, declined keeps when to approach them again. "
        "Program admins only.",
        request=ScreeningSerializer,
        responses={200: ReferralSerializer},
    )
    @action(detail=True, methods=["post"])
    def screen(self, request: Request, pk: str) -> Response:
        referral = self.get_object()
        incoming = ScreeningSerializer(data=request.data, context=self.get_serializer_context())
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        handoff = data["handoff"]
        referral_screen(
            enrollment=referral.enrollment,
            acting_user=request.user,
            outcome=data["outcome"],
            answers=[ScreeningAnswerDetails(**answer) for answer in data["answers"]],
            decision_note=data["decision_note"],
            care_manager=data["care_manager"],
            handoff=WarmHandoff(**handoff) if handoff else None,
            resource=data["resource"],
            reapproach_on=data["reapproach_on"],
            reapproach_preference=data["reapproach_preference"],
        )
        referral.refresh_from_db()
        return Response(ReferralSerializer(referral).data)


# The form's three lines for the person's priorities are one list in the API.
_PRIORITY_FIELDS = {
    "priority_1": "patient_priorities",
    "priority_2": "patient_priorities",
    "priority_3": "patient_priorities",
}


def _referral_form_data(data: dict[str, Any]) -> dict[str, Any]:
    form_data = {name: data[name] for name in ReferralForm.PERSON_FIELDS + ReferralForm.REFERRER_FIELDS}
    priorities = [*data["patient_priorities"], "", "", ""][:3]
    form_data |= dict(zip(ReferralForm.PRIORITY_FIELDS, priorities, strict=True))
    return form_data | {"urgency": data["urgency"]}


def _choice_form_data(data: dict[str, Any], matches: list[Any]) -> dict[str, str]:
    return {
        "existing_patient": "" if data["existing_patient"] is None else str(data["existing_patient"]),
        "confirmed_new": "on" if data["confirmed_new"] else "",
        # The API answers 409 with everyone found, so everyone found now has been shown.
        "shown": ",".join(str(match.patient.pk) for match in matches),
    }


class _DirectoryLookup:
    """One service of the user's program's directory, offered or not (another program's: 404)."""

    def get_object(self) -> CommunityResource:
        view: Any = self
        resource_id = whole_number(view.kwargs["pk"])
        if resource_id is None:
            raise Http404
        resource = community_resource_for_user(view.request.user, resource_id)
        view.check_object_permissions(view.request, resource)
        return resource


@extend_schema_view(
    list=extend_schema(
        summary="The community resource directory",
        description="The services of your program's directory. `search` matches each word against the "
        "name, the kind of service, the description, who it is for and the languages; `is_active=false` "
        "lists the services no longer offered.",
        parameters=[DirectoryQuerySerializer],
        responses={200: CommunityResourceSerializer(many=True)},
    ),
    retrieve=extend_schema(summary="One service", responses={200: CommunityResourceSerializer}),
    create=extend_schema(
        summary="Add a service",
        description="Program admins only. Names are unique in a program, whatever their case.",
        responses={201: CommunityResourceSerializer},
    ),
    update=extend_schema(
        summary="Change a service",
        description="Program admins only.",
        responses={200: CommunityResourceSerializer},
    ),
    partial_update=extend_schema(
        summary="Change some of a service's details",
        description="Program admins only. Fields left out keep their values.",
        responses={200: CommunityResourceSerializer},
    ),
)
class CommunityResourceViewSet(
    ETagMixin,
    _DirectoryLookup,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The program's directory of services people can be referred to (housing, food, behavioural
    health ...). Everyone in the program reads it; program admins keep it."""

    serializer_class = CommunityResourceSerializer
    permission_classes = [IsAuthenticated, ProgramAdminWrites]
    filterset_fields = ["category"]
    ordering_fields = ["name", "updated_at"]

    def get_queryset(self) -> QuerySet[CommunityResource]:
        query = DirectoryQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return community_resources_for(
            user=self.request.user,
            search=query.validated_data["search"],
            is_active=query.validated_data["is_active"],
        )

    def perform_create(self, serializer: CommunityResourceSerializer) -> None:  # type: ignore[override]
        serializer.instance = community_resource_save(
            program=self.request.user.program, acting_user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: CommunityResourceSerializer) -> None:  # type: ignore[override]
        resource = serializer.instance
        # The service takes every detail: those a PATCH leaves out keep their stored values.
        details = {name: getattr(resource, name) for name in _RESOURCE_DETAILS} | serializer.validated_data
        serializer.instance = community_resource_save(
            program=self.request.user.program, acting_user=self.request.user, resource=resource, **details
        )


_RESOURCE_DETAILS = [
    name
    for name in CommunityResourceSerializer.Meta.fields
    if name not in CommunityResourceSerializer.Meta.read_only_fields
]

ROUTES: list[ApiRoute] = [
    ApiRoute("patients", PatientViewSet, "patient"),
    ApiRoute("referrals", ReferralViewSet, "referral"),
    ApiRoute("community-resources", CommunityResourceViewSet, "community-resource"),
]
