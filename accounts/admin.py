from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accounts.models import ApiToken, Organization, Program, Team, TeamMembership, User


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "time_zone"]
    search_fields = ["name"]


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "program"]
    list_filter = ["program"]
    search_fields = ["name"]
    inlines = [TeamMembershipInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "discipline", "program", "is_active"]
    list_filter = ["role", "discipline", "program", "is_active"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Tandem", {"fields": ("program", "role", "discipline", "caseload_capacity", "phone")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: program admins create and revoke tokens on the settings page (accounts.api_tokens),
    which also makes and switches off each token's service user."""

    list_display = ["name", "program", "key_prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False
