from django.contrib import admin

from caseloads.models import (
    CaseloadSnapshot,
    CaseloadStatus,
    FollowUpCheckIn,
    Graduation,
    GraduationCriteria,
    IntensityPolicy,
    SupervisionDecision,
    SupervisionSession,
)


@admin.register(IntensityPolicy)
class IntensityPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "program",
        "high_contacts_per_30_days",
        "medium_contacts_per_30_days",
        "low_contacts_per_30_days",
    ]


@admin.register(GraduationCriteria)
class GraduationCriteriaAdmin(admin.ModelAdmin):
    list_display = ["program", "min_months_enrolled", "crisis_free_days", "min_confidence"]


@admin.register(CaseloadStatus)
class CaseloadStatusAdmin(admin.ModelAdmin):
    list_display = [
        "enrollment",
        "care_manager",
        "current_level",
        "recommended_level",
        "is_overdue",
        "computed_at",
    ]
    list_filter = ["current_level", "is_overdue", "is_graduation_candidate"]
    raw_id_fields = ["enrollment", "care_manager", "override_by"]


for model in (CaseloadSnapshot, FollowUpCheckIn, Graduation, SupervisionDecision, SupervisionSession):
    admin.site.register(model, raw_id_fields=[f.name for f in model._meta.fields if f.many_to_one])
