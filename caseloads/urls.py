from django.urls import path

from caseloads import views

app_name = "caseloads"

urlpatterns = [
    path("caseload/", views.my_caseload, name="my-caseload"),
    path("patients/<int:patient_id>/", views.patient_record, name="patient-record"),
    path("patients/<int:patient_id>/timeline/", views.timeline, name="timeline"),
    path(
        "patients/<int:patient_id>/preferences/",
        views.care_preferences_update,
        name="care-preferences-update",
    ),
    path("patients/<int:patient_id>/plan/reviewed/", views.care_plan_reviewed, name="care-plan-reviewed"),
    path("patients/<int:patient_id>/contacts/", views.contact_create, name="contact-create"),
    path("patients/<int:patient_id>/entries/<slug:kind>/", views.entry_create, name="entry-create"),
    path("team/", views.team_overview, name="team-overview"),
    path("program/", views.program_overview, name="program-overview"),
]
