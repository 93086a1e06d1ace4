"""FHIR R4 at /fhir/R4/: read, search, Patient/<id>/$everything and the public metadata.

DRF views, so token or session authentication and the throttles work as on the API, rendering plain
FHIR JSON (application/fhir+json); errors are OperationOutcomes. Every read, search and $everything
records an export access event in the same transaction, one INSERT per request. Not in the OpenAPI
schema: FHIR clients read the CapabilityStatement instead.
"""

import logging
from typing import Any

from django.db import transaction
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from caseloads.fhir import (
    RESOURCE_TYPES,
    SearchError,
    bundle,
    disclosure_for,
    everything_of,
    operation_outcome,
    page_links,
    read_one,
    search,
    search_parameters_of,
    whole_number,
)
from patients.access import patient_for_user
from patients.fhir import patient_resource
from patients.models import AccessAction
from patients.services import access_event_record, access_events_record_for_list

logger = logging.getLogger(__name__)

FHIR_VERSION = "4.0.1"
CAPABILITY_DATE = "2026-11-23"
ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    429: "throttled",
}


class FhirJsonRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"


class FhirNegotiation(BaseContentNegotiation):
    """FHIR JSON whatever the Accept header says: there is no other representation."""

    def select_parser(self, request: Request, parsers: list[Any]) -> None:
        return None

    def select_renderer(
        self, request: Request, renderers: list[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class FhirView(APIView):
    renderer_classes = [FhirJsonRenderer]
    content_negotiation_class = FhirNegotiation

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, SearchError):
            return Response(
                operation_outcome("error", "invalid", str(exc)), status=status.HTTP_400_BAD_REQUEST
            )
        response = super().handle_exception(exc)
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = operation_outcome(
            "error", ISSUE_CODE.get(response.status_code, "exception"), str(detail) or "The request failed."
        )
        return response

    def base_url(self) -> str:
        return self.request.build_absolute_uri(reverse("fhir:metadata")).removesuffix("metadata")

    def not_found(self, resource_type: str, resource_id: str) -> exceptions.NotFound:
        return exceptions.NotFound(f"There is no {resource_type}/{resource_id} that you can see.")

    def unknown_type(self, resource_type: str) -> None:
        if resource_type not in RESOURCE_TYPES:
            raise exceptions.NotFound(
                f"Tandem does not serve {resource_type}. See metadata for the resource types it serves."
            )


class MetadataView(FhirView):
    """The CapabilityStatement: public, as FHIR clients read it before they sign in."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(capability_statement(self.base_url()))


def capability_statement(base_url: str) -> dict[str, Any]:
    resources = []
    for resource_type in RESOURCE_TYPES:
        entry: dict[str, Any] = {
            "type": resource_type,
            "interaction": [{"code": "read"}, {"code": "search-type"}],
            "searchParam": [
                {"name": name, "type": kind, "documentation": text}
                for name, kind, text in search_parameters_of(resource_type)
            ],
        }
        if resource_type == "Patient":
            entry["operation"] = [
                {
                    "name": "everything",
                    "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                }
            ]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": CAPABILITY_DATE,
        "publisher": "Tandem",
        "kind": "instance",
        "software": {"name": "Tandem"},
        "implementation": {"description": "Tandem care management, FHIR R4 read and search", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Searches page with _count (default 50, at most 200) and _offset; follow the Bundle's "
                    "next link. 42 CFR Part 2 records leave only with the person's current consent to "
                    "disclose them, to their care team, labelled 42CFRPart2 with the 42 CFR 2.32 notice."
                ),
                "security": {
                    "description": "An API token (Authorization: Bearer <key>) or a signed-in session. "
                    "Records outside your teams answer 404."
                },
                "resource": resources,
            }
        ],
    }


class SearchView(FhirView):
    @extend_schema(exclude=True)
    def get(self, request: Request, resource_type: str) -> Response:
        self.unknown_type(resource_type)
        params = {name: request.query_params.getlist(name) for name in request.query_params}
        disclosure = disclosure_for(request.user)
        base = self.base_url()
        with transaction.atomic():
            page = search(resource_type, params, disclosure)
            access_events_record_for_list(
                user=request.user,
                patients=[source.patient_of(row) for source, row in page.rows],
                route=request.get_full_path(),
                action=AccessAction.EXPORT,
            )
        entries = [(source.resource(row), "", "match") for source, row in page.rows]
        result = bundle(
            [
                (resource, f"{base}{resource['resourceType']}/{resource['id']}", mode)
                for resource, _, mode in entries
            ],
            total=page.total,
            links=page_links(f"{base}{resource_type}", params, page),
        )
        logger.info("fhir_search type=%s user=%s results=%s", resource_type, request.user.pk, len(page.rows))
        return Response(result)


class ReadView(FhirView):
    @extend_schema(exclude=True)
    def get(self, request: Request, resource_type: str, resource_id: str) -> Response:
        self.unknown_type(resource_type)
        with transaction.atomic():
            found = read_one(resource_type, resource_id, disclosure_for(request.user))
            if found is None:
                raise self.not_found(resource_type, resource_id)
            source, row = found
            access_event_record(
                user=request.user,
                patient=source.patient_of(row),
                enrollment=source.enrollment_of(row),
                route=request.get_full_path(),
                action=AccessAction.EXPORT,
                object_type=source.model.__name__,
                object_id=row.pk,
            )
        return Response(source.resource(row))


class EverythingView(FhirView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "export"

    @extend_schema(exclude=True)
    def get(self, request: Request, resource_id: str) -> Response:
        if set(request.query_params) - {"_format"}:
            raise SearchError("$everything takes no parameters here: it returns the whole record.")
        patient_id = whole_number(resource_id)
        if patient_id is None:
            raise self.not_found("Patient", resource_id)
        base = self.base_url()
        with transaction.atomic():
            patient = patient_for_user(request.user, patient_id)
            everything = everything_of(patient, disclosure_for(request.user))
            access_event_record(
                user=request.user,
                patient=patient,
                route=request.get_full_path(),
                action=AccessAction.EXPORT,
                object_type="Patient/$everything",
                object_id=patient.pk,
            )
        entries = [(patient_resource(patient), f"{base}Patient/{patient.pk}", "match")]
        for resource_type, source, row in everything.rows:
            resource = source.resource(row)
            entries.append((resource, f"{base}{resource_type}/{resource['id']}", "include"))
        result = bundle(
            entries,
            total=1,
            links=[("self", request.build_absolute_uri())],
            withheld=everything.withheld,
        )
        logger.info(
            "fhir_everything patient=%s user=%s entries=%s withheld=%s",
            patient.pk,
            request.user.pk,
            len(entries),
            everything.withheld,
        )
        return Response(result)
