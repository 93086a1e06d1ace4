from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.admin_base import ReadOnlyAdmin
from accounts.models import Program, Role
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
    """A program admin adds, reorders (position) and deactivates their own program's screening questions.
    Questions are never deleted: answers point at them, so an old one is made inactive instead."""

    list_display = ["text", "program", "position", "is_active"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active"]
    ordering = ["program", "position", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ScreeningQuestion]:
        questions = super().get_queryset(request)
        if request.user.program_id is not None:
            return questions.filter(program_id=request.user.program_id)
        return questions

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "program" and request.user.program_id is not None:
            kwargs["queryset"] = Program.objects.filter(pk=request.user.program_id)
            kwargs["initial"] = request.user.program_id
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _is_program_admin(self, request: HttpRequest) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.role == Role.PROGRAM_ADMIN

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_program_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_program_admin(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._is_program_admin(request) or super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_program_admin(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CommunityResource)
class CommunityResourceAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "program", "is_active"]
    list_filter = ["category", "program", "is_active"]
    search_fields = ["name"]


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    """The access log can be read, never changed."""

    list_display = ["occurred_at", "user", "patient", "action", "route"]
    list_filter = ["action"]


for model in (CommunitySupport, Consent, ReferralOut, ScreeningAnswer, CareTeamMember):
    admin.site.register(model, raw_id_fields=[f.name for f in model._meta.fields if f.many_to_one])
