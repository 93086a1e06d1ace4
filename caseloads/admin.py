from django.contrib import admin

from accounts.admin_base import ReadOnlyAdmin
from caseloads.models import (
    CaseloadSnapshot,
    CaseloadStatus,
    FollowUpCheckIn,
    Graduation,
    GraduationCriteria,
    IntensityPolicy,
    OutcomeEpisode,
    OutcomeEvent,
    OutcomeRefresh,
    ProgramCost,
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


@admin.register(ProgramCost)
class ProgramCostAdmin(admin.ModelAdmin):
    """What the program spent on care management, for cost per case on the outcomes page."""

    list_display = ["description", "program", "team", "starts_on", "ends_on", "amount"]
    list_filter = ["program", "team"]
    date_hierarchy = "starts_on"


# The outcome figures are worked out from the records every hour (caseloads.outcomes_refresh): shown, never
# changed here.
@admin.register(OutcomeRefresh)
class OutcomeRefreshAdmin(ReadOnlyAdmin):
    list_display = ["program", "computed_at", "computed_on", "episode_count", "event_count", "duration_ms"]


@admin.register(OutcomeEpisode)
class OutcomeEpisodeAdmin(ReadOnlyAdmin):
    list_display = ["enrollment", "program", "team", "status", "referred_on", "enrolled_on", "ended_on"]
    list_filter = ["program", "status"]
    raw_id_fields = ["enrollment"]


@admin.register(OutcomeEvent)
class OutcomeEventAdmin(ReadOnlyAdmin):
    list_display = ["kind", "occurred_on", "value", "success_kind", "enrollment", "program", "team"]
    list_filter = ["program", "kind"]
    raw_id_fields = ["enrollment"]
