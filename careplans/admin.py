"""Care plans are shown here, never changed: every change goes through careplans.services, which keeps
a version of the plan and refuses edits made from a stale copy."""

from django.contrib import admin

from accounts.admin_base import ReadOnly, ReadOnlyAdmin
from careplans.models import AssessmentDomain, CarePlan, CarePlanReview, CarePlanVersion, Goal, Step


class GoalInline(ReadOnly, admin.StackedInline):
    model = Goal
    extra = 0
    fields = ["priority", "patient_words", "life_domain", "status", "target_on"]
    show_change_link = True


@admin.register(CarePlan)
class CarePlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "enrollment", "status", "started_on", "last_reviewed_on"]
    list_filter = ["status"]
    inlines = [GoalInline]


@admin.register(Goal)
class GoalAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "life_domain", "status", "priority"]
    list_filter = ["life_domain", "status"]


for model in (AssessmentDomain, CarePlanReview, CarePlanVersion, Step):
    admin.site.register(model, ReadOnlyAdmin)
