from django.contrib import admin

from patients.models import (
    AccessEvent,
    CareTeamMember,
    CommunityResource,
    CommunitySupport,
    Consent,
    Enrollment,
    Patient,
    Referral,
    ReferralOut,
    ScreeningAnswer,
    ScreeningQuestion,
)


class EnrollmentInline(admin.TabularInline):
    model = Enrollment
    extra = 0
    fields = ["status", "phase", "team", "referred_on", "enrolled_on", "ended_on"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["__str__", "mrn", "program", "date_of_birth"]
    list_filter = ["program"]
    search_fields = ["legal_last_name", "legal_first_name", "preferred_name", "mrn"]
    inlines = [EnrollmentInline]


class CareTeamMemberInline(admin.TabularInline):
    model = CareTeamMember
    fk_name = "enrollment"
    extra = 0
    fields = ["user", "name", "role", "is_primary", "started_on", "ended_on"]
    readonly_fields = fields
    can_delete = False


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Status, team and care team change through services (pages and API), so they are read-only here."""

    list_display = ["__str__", "patient", "status", "phase", "team", "referred_on"]
    list_filter = ["status", "phase", "team"]
    search_fields = ["patient__legal_last_name", "patient__mrn"]
    readonly_fields = ["patient", "program", "team", "status", "status_changed_at", "previous_enrollment"]
    inlines = [CareTeamMemberInline]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["__str__", "source", "urgency", "received_at"]
    list_filter = ["source", "urgency"]
    raw_id_fields = ["enrollment"]


@admin.register(ScreeningQuestion)
class ScreeningQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "program", "position", "is_active"]
    list_filter = ["program", "is_active"]


@admin.register(CommunityResource)
class CommunityResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "program", "is_active"]
    list_filter = ["category", "program", "is_active"]
    search_fields = ["name"]


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    """The access log can be read, never changed."""

    list_display = ["occurred_at", "user", "patient", "action", "route"]
    list_filter = ["action"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


for model in (CommunitySupport, Consent, ReferralOut, ScreeningAnswer, CareTeamMember):
    admin.site.register(model, raw_id_fields=[f.name for f in model._meta.fields if f.many_to_one])
