from django.contrib import admin

from careplans.models import AssessmentDomain, CarePlan, CarePlanReview, Goal, Step


class GoalInline(admin.StackedInline):
    model = Goal
    extra = 0
    fields = ["priority", "patient_words", "life_domain", "status", "target_on"]
    show_change_link = True


@admin.register(CarePlan)
class CarePlanAdmin(admin.ModelAdmin):
    list_display = ["__str__", "enrollment", "status", "started_on", "last_reviewed_on"]
    list_filter = ["status"]
    raw_id_fields = ["enrollment", "created_by"]
    inlines = [GoalInline]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["__str__", "life_domain", "status", "priority"]
    list_filter = ["life_domain", "status"]
    raw_id_fields = ["care_plan", "created_by"]


for model in (AssessmentDomain, CarePlanReview, Step):
    admin.site.register(model, raw_id_fields=[f.name for f in model._meta.fields if f.many_to_one])
