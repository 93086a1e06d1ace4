"""The shapes of the care record in the API: the plan, its goals and steps, the assessment, contacts,
life events, check-ins and successes.

Output serializers describe what is stored; input serializers parse what a write sends before it goes
to the same service the page calls. No rule lives here: a refusal comes from the service (400 with
the page's sentence), and field limits are the pages' form limits.
"""

from typing import Any

from rest_framework import serializers

from careplans.models import (
    AssessmentDomain,
    AssessmentDomainKind,
    CarePlan,
    CarePlanReview,
    Goal,
    GoalStatus,
    LifeDomain,
    NeedLevel,
    Step,
    StepOwner,
)
from careplans.services import step_owner_label
from engagement.models import (
    MAX_CONTACT_MINUTES,
    CheckIn,
    Contact,
    ContactMode,
    EngagementMethod,
    GoalProgress,
    LifeEvent,
    LifeEventKind,
    LifeEventSource,
    ReadinessView,
    SuccessKind,
    SuccessMoment,
)

PATIENT_WORDS_HELP = (
    "The goal as the patient said it, in their own words (not the team's framing). This is the goal's "
    "text wherever it is shown to the patient."
)
PRIORITY_HELP = (
    "The patient's own ranking of their goals: 1 is what matters most to them. Changed only by moving "
    "the goal up or down (POST .../move/)."
)
WITHHELD_HELP = (
    "True when this is substance-use content (42 CFR Part 2) and you are not on the person's current "
    "care team: its content is left out, as on the pages."
)
ENROLLMENT_HELP = "The enrolment (episode of care) this belongs to."


# --- reading -------------------------------------------------------------------------------------


class StepSerializer(serializers.ModelSerializer[Step]):
    owner_label = serializers.SerializerMethodField(
        help_text="Who does the step, as the patient would say it."
    )
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = Step
        fields = [
            "id",
            "goal",
            "description",
            "owner",
            "owner_label",
            "owner_team_member",
            "owner_support",
            "due_on",
            "completed_on",
            "is_done",
            "position",
            "from_assessment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_owner_label(self, step: Step) -> str:
        return step_owner_label(step)


class GoalSerializer(serializers.ModelSerializer[Goal]):
    enrollment = serializers.IntegerField(
        source="care_plan.enrollment_id", read_only=True, help_text=ENROLLMENT_HELP
    )
    patient_words = serializers.CharField(read_only=True, help_text=PATIENT_WORDS_HELP)
    priority = serializers.IntegerField(read_only=True, help_text=PRIORITY_HELP)
    version = serializers.IntegerField(
        read_only=True, help_text="Send it back as `expected_version` when changing the goal."
    )
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = [
            "id",
            "care_plan",
            "enrollment",
            "patient_words",
            "team_framing",
            "life_domain",
            "priority",
            "why_it_matters",
            "success_looks_like",
            "target_on",
            "status",
            "status_changed_on",
            "achieved_on",
            "from_assessment",
            "version",
            "created_at",
            "updated_at",
            "steps",
        ]
        read_only_fields = fields


class CarePlanSerializer(serializers.ModelSerializer[CarePlan]):
    revision = serializers.IntegerField(
        read_only=True, help_text="Send it back as `expected_revision` when changing who took part and where."
    )

    class Meta:
        model = CarePlan
        fields = [
            "id",
            "enrollment",
            "status",
            "co_created_with",
            "co_created_where",
            "started_on",
            "last_reviewed_on",
            "revision",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CarePlanDetailSerializer(CarePlanSerializer):
    """The plan with every goal, in the patient's priority order, and each goal's steps."""

    goals = GoalSerializer(many=True, read_only=True, source="goals_in_order")

    class Meta(CarePlanSerializer.Meta):
        fields = [*CarePlanSerializer.Meta.fields, "goals"]
        read_only_fields = fields


class CarePlanReviewSerializer(serializers.ModelSerializer[CarePlanReview]):
    class Meta:
        model = CarePlanReview
        fields = ["id", "care_plan", "reviewed_on", "reviewed_by", "note", "created_at"]
        read_only_fields = fields


class GoalProgressSerializer(serializers.ModelSerializer[GoalProgress]):
    enrollment = serializers.IntegerField(
        source="goal.care_plan.enrollment_id", read_only=True, help_text=ENROLLMENT_HELP
    )

    class Meta:
        model = GoalProgress
        fields = ["id", "goal", "enrollment", "contact", "note", "recorded_at", "recorded_by", "updated_at"]
        read_only_fields = fields


class _LeavesOutWithheld(serializers.ModelSerializer[Any]):
    """Shows `withheld` (field: blank value) instead of the content of a row the queryset marked
    `is_withheld` (42 CFR Part 2; see patients.access.part2_withheld)."""

    is_withheld = serializers.BooleanField(read_only=True, help_text=WITHHELD_HELP)
    withheld: dict[str, Any] = {}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.is_withheld:
            data.update(self.withheld)
        return data


class AssessmentDomainSerializer(_LeavesOutWithheld):
    # As the assessment page: only the fact that the domain was recorded, never what was said.
    withheld = {"summary": "", "need_level": "", "assessed_on": None, "assessed_by": None}

    class Meta:
        model = AssessmentDomain
        fields = [
            "id",
            "enrollment",
            "domain",
            "summary",
            "need_level",
            "assessed_on",
            "assessed_by",
            "is_part2",
            "is_withheld",
            "updated_at",
        ]
        read_only_fields = fields


class GoalReviewedSerializer(serializers.ModelSerializer[GoalProgress]):
    class Meta:
        model = GoalProgress
        fields = ["goal", "note"]
        read_only_fields = fields


class ContactSerializer(_LeavesOutWithheld):
    # As the record's timeline: the contact shows, its note does not.
    withheld = {"note": ""}
    goal_reviews = GoalReviewedSerializer(
        many=True, read_only=True, source="goal_progress", help_text="Goals talked about during the contact."
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "enrollment",
            "occurred_at",
            "made_by",
            "mode",
            "is_reached",
            "duration_minutes",
            "engagement_methods",
            "note",
            "is_part2",
            "is_withheld",
            "next_contact_on",
            "goal_reviews",
            "created_at",
        ]
        read_only_fields = fields


class ContactLoggedSerializer(ContactSerializer):
    outreach_outcome = serializers.CharField(
        read_only=True,
        help_text=(
            "What the contact changed about the enrolment, as the page says it (for example that outreach "
            "closed as unable to reach); empty when nothing changed."
        ),
    )

    class Meta(ContactSerializer.Meta):
        fields = [*ContactSerializer.Meta.fields, "outreach_outcome"]
        read_only_fields = fields


class LifeEventSerializer(serializers.ModelSerializer[LifeEvent]):
    class Meta:
        model = LifeEvent
        fields = [
            "id",
            "patient",
            "enrollment",
            "kind",
            "occurred_on",
            "ended_on",
            "facility",
            "note",
            "source",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class CheckInSerializer(serializers.ModelSerializer[CheckIn]):
    class Meta:
        model = CheckIn
        fields = [
            "id",
            "enrollment",
            "occurred_on",
            "kind",
            "confidence",
            "activation_score",
            "readiness_to_graduate",
            "satisfaction",
            "note",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


class SuccessMomentSerializer(serializers.ModelSerializer[SuccessMoment]):
    class Meta:
        model = SuccessMoment
        fields = [
            "id",
            "enrollment",
            "occurred_on",
            "kind",
            "description",
            "goal",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields


# --- writing -------------------------------------------------------------------------------------


def _enrollment_field() -> serializers.IntegerField:
    return serializers.IntegerField(help_text=ENROLLMENT_HELP)


class CarePlanStartSerializer(serializers.Serializer[Any]):
    enrollment = _enrollment_field()
    co_created_with = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="Who made the plan together."
    )
    co_created_where = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    started_on = serializers.DateField(
        required=False, help_text="The day the plan started; today if left out."
    )


def _require(attrs: dict[str, Any], name: str) -> dict[str, Any]:
    # A partial update makes every field optional; the version an edit started from never is.
    if name not in attrs:
        raise serializers.ValidationError({name: ["This field is required."]})
    return attrs


class CarePlanDetailsSerializer(serializers.Serializer[Any]):
    """Who took part in making the plan, and where; with PATCH only the fields sent change."""

    expected_revision = serializers.IntegerField(
        help_text="The plan's `revision` your change started from; a newer one refuses the change."
    )
    co_created_with = serializers.CharField(max_length=300, allow_blank=True)
    co_created_where = serializers.CharField(max_length=200, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _require(attrs, "expected_revision")


def _patient_words_field() -> serializers.CharField:
    missing = "Write the goal in the person's own words."
    return serializers.CharField(
        max_length=1000, help_text=PATIENT_WORDS_HELP, error_messages={"required": missing, "blank": missing}
    )


class GoalAddSerializer(serializers.Serializer[Any]):
    care_plan = serializers.IntegerField(
        help_text="The plan the goal is added to; it goes last in the order."
    )
    patient_words = _patient_words_field()
    life_domain = serializers.ChoiceField(choices=LifeDomain.choices)
    why_it_matters = serializers.CharField(required=False, allow_blank=True, default="")
    success_looks_like = serializers.CharField(required=False, allow_blank=True, default="")
    target_on = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(
        choices=[(GoalStatus.ACTIVE.value, GoalStatus.ACTIVE.label), (GoalStatus.PROPOSED.value, "Proposed")],
        default=GoalStatus.ACTIVE,
    )


class GoalChangeSerializer(serializers.Serializer[Any]):
    """A goal's new values; with PATCH only the fields sent change."""

    expected_version = serializers.IntegerField(
        help_text="The goal's `version` your change started from; if someone saved it since, nothing changes."
    )
    patient_words = _patient_words_field()
    why_it_matters = serializers.CharField(required=False, allow_blank=True)
    success_looks_like = serializers.CharField(required=False, allow_blank=True)
    life_domain = serializers.ChoiceField(choices=LifeDomain.choices)
    target_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=GoalStatus.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return _require(attrs, "expected_version")


class GoalMoveSerializer(serializers.Serializer[Any]):
    direction = serializers.ChoiceField(
        choices=[("up", "up"), ("down", "down")], help_text="One place up or down the patient's order."
    )


class StepAddSerializer(serializers.Serializer[Any]):
    goal = serializers.IntegerField()
    description = serializers.CharField(
        max_length=500, error_messages={"required": "Say what the step is.", "blank": "Say what the step is."}
    )
    owner = serializers.ChoiceField(choices=StepOwner.choices, help_text="Who does it.")
    owner_team_member = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The care team member, when `owner` is team_member.",
    )
    owner_support = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The community support, when `owner` is community_support.",
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class StepMarkSerializer(serializers.Serializer[Any]):
    done = serializers.BooleanField(help_text="True: done today; false: not done yet.")


class AssessmentDomainRecordSerializer(serializers.Serializer[Any]):
    enrollment = _enrollment_field()
    domain = serializers.ChoiceField(choices=AssessmentDomainKind.choices)
    summary = serializers.CharField(
        max_length=4000,
        help_text="What the person said, in a few words.",
        error_messages={
            "required": "Write what the person told you, in a few words.",
            "blank": "Write what the person told you, in a few words.",
        },
    )
    need_level = serializers.ChoiceField(
        choices=[("", "Not sure yet"), *NeedLevel.choices], required=False, allow_blank=True, default=""
    )
    assessed_on = serializers.DateField(
        help_text="The day you talked about it.",
        error_messages={"required": "Enter the day you talked about it."},
    )


class GoalReviewSerializer(serializers.Serializer[Any]):
    goal = serializers.IntegerField(help_text="A goal of the person's plan talked about during the contact.")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ContactLogSerializer(serializers.Serializer[Any]):
    enrollment = _enrollment_field()
    occurred_at = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=ContactMode.choices)
    is_reached = serializers.BooleanField(help_text="False for an attempt that did not reach the person.")
    duration_minutes = serializers.IntegerField(
        min_value=1, max_value=MAX_CONTACT_MINUTES, required=False, allow_null=True, default=None
    )
    engagement_methods = serializers.ListField(
        child=serializers.ChoiceField(choices=EngagementMethod.choices), required=False, default=list
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    is_part2 = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The note mentions substance-use treatment (42 CFR Part 2): shown to the care team only.",
    )
    next_contact_on = serializers.DateField(required=False, allow_null=True, default=None)
    goal_reviews = GoalReviewSerializer(many=True, required=False, default=list)
    consent_given = serializers.BooleanField(
        required=False,
        default=False,
        help_text="In outreach only: the person agreed, at this contact, to take part (recorded as consent).",
    )


class LifeEventRecordSerializer(serializers.Serializer[Any]):
    enrollment = _enrollment_field()
    kind = serializers.ChoiceField(choices=LifeEventKind.choices)
    occurred_on = serializers.DateField()
    ended_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="When it ended (discharge, release)."
    )
    facility = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(
        choices=LifeEventSource.choices, required=False, default=LifeEventSource.CARE_TEAM
    )


class CheckInRecordSerializer(serializers.Serializer[Any]):
    enrollment = _enrollment_field()
    occurred_on = serializers.DateField()
    confidence = serializers.IntegerField(
        min_value=0,
        max_value=10,
        help_text="How sure they feel they can manage their health and life: 0 not at all, 10 completely.",
        error_messages={
            "min_value": "Enter a number from 0 to 10.",
            "max_value": "Enter a number from 0 to 10.",
            "invalid": "Enter a number from 0 to 10.",
        },
    )
    readiness_to_graduate = serializers.ChoiceField(
        choices=[("", "Not asked"), *ReadinessView.choices], required=False, allow_blank=True, default=""
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class SuccessMomentRecordSerializer(serializers.Serializer[Any]):
    enrollment = _enrollment_field()
    occurred_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=SuccessKind.choices)
    description = serializers.CharField(max_length=1000, help_text="What happened, in a few words.")
    goal = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A goal of the person's plan it came from."
    )
