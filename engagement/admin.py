from django.contrib import admin

from engagement.models import (
    CheckIn,
    Contact,
    GoalProgress,
    LifeEvent,
    PeerConnection,
    PeerContact,
    PeerGroup,
    PeerMentor,
    SuccessMoment,
)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "mode", "is_reached", "made_by", "enrollment"]
    list_filter = ["mode", "is_reached"]
    raw_id_fields = ["enrollment", "made_by"]


@admin.register(PeerGroup)
class PeerGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "format", "program", "is_active"]


@admin.register(PeerMentor)
class PeerMentorAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "is_graduate", "is_active"]
    list_filter = ["is_graduate", "is_active"]


for model in (CheckIn, GoalProgress, LifeEvent, PeerConnection, PeerContact, SuccessMoment):
    admin.site.register(model, raw_id_fields=[f.name for f in model._meta.fields if f.many_to_one])
