from django.urls import path

from patients import import_views, resource_views, views

app_name = "patients"

urlpatterns = [
    path("referrals/", views.referral_queue, name="referral-queue"),
    path("referrals/new/", views.referral_create, name="referral-create"),
    path("referrals/export.csv", views.referral_export, name="referral-export"),
    # Bulk import: upload, preview with every problem, then import all or the valid rows.
    path("referrals/import/", import_views.referral_import, name="referral-import"),
    path(
        "referrals/import/template.csv",
        import_views.referral_import_template,
        name="referral-import-template",
    ),
    path(
        "referrals/import/<int:import_id>/",
        import_views.referral_import_preview,
        name="referral-import-preview",
    ),
    # The community resource directory.
    path("resources/", resource_views.resource_directory, name="resources"),
    path("resources/new/", resource_views.resource_create, name="resource-create"),
    path("resources/<int:resource_id>/", resource_views.resource_update, name="resource-update"),
]
