"""FHIR R4 read and search at /fhir/R4/ (caseloads/fhir_views.py)."""

from django.urls import path

from caseloads import fhir_views

app_name = "fhir"
urlpatterns = [
    path("metadata", fhir_views.MetadataView.as_view(), name="metadata"),
    path(
        "Patient/<str:resource_id>/$everything",
        fhir_views.EverythingView.as_view(),
        name="patient-everything",
    ),
    path("<str:resource_type>", fhir_views.SearchView.as_view(), name="search"),
    path("<str:resource_type>/<str:resource_id>", fhir_views.ReadView.as_view(), name="read"),
]
