"""Shapes of the caseload status, supervision session and outcome figure endpoints.

They only parse and render: the level rules live in caseloads.levels, the supervision rules in
caseloads.supervision, the figures in caseloads.outcomes.
"""

from collections.abc import Sequence
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from accounts.api.errors import ErrorSerializer
from accounts.models import User
from caseloads.models import (
    CaseloadStatus,
    DecisionKind,
    IntensityLevel,
    SupervisionDecision,
    SupervisionSession,
)
from caseloads.outcomes import PERIOD_CHOICES, OutcomeRow, OutcomesPage, OutcomeTable
from caseloads.supervision import Decision
from patients.models import Enrollment

# The outcome figures' 403 says more than the shared one (accounts/api/schema.py).
NOT_FOR_ROLE = OpenApiResponse(ErrorSerializer, description="The user's role does not open these figures.")


# --- Caseload status ----------------------------------------------------------------------------------


class CaseloadStatusSerializer(serializers.ModelSerializer):
    """One person's computed caseload row: the recommended level and why, the team's level, contact dates
    and flags."""

    patient = serializers.IntegerField(source="enrollment.patient_id", read_only=True)
    enrollment_status = serializers.CharField(source="enrollment.status", read_only=True)
    is_override = serializers.BooleanField(read_only=True)
    step_suggestion = serializers.CharField(
        read_only=True, help_text='"step up" or "step down" when the recommendation differs, else "".'
    )
    recompute_pending = serializers.BooleanField(
        read_only=True, help_text="A recompute of this row is waiting (after a change to the record)."
    )
    recommendation_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    graduation_criteria = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = CaseloadStatus
        fields = [
            "id",
            "enrollment",
            "patient",
            "enrollment_status",
            "care_manager",
            "recommended_level",
            "recommendation_reasons",
            "current_level",
            "is_override",
            "override_reason",
            "override_until",
            "override_by",
            "step_suggestion",
            "last_reached_contact_at",
            "last_attempt_at",
            "reached_contacts_last_30_days",
            "next_contact_due_on",
            "is_overdue",
            "is_graduation_candidate",
            "graduation_criteria",
            "suggested_phase",
            "recompute_pending",
            "computed_at",
            "updated_at",
        ]
        read_only_fields = fields


class LevelAcceptSerializer(serializers.Serializer):
    """Accept the recommendation; `recommended_level` is the one the person saw (optional)."""

    recommended_level = serializers.ChoiceField(
        choices=IntensityLevel.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="When given and the recommendation has changed since, nothing is stored (400).",
    )

    def service_arguments(self) -> dict[str, Any]:
        return {"expected_recommendation": self.validated_data["recommended_level"]}


class LevelOverrideSerializer(serializers.Serializer):
    """Work at another level than the recommended one, for a reason, until a date."""

    level = serializers.ChoiceField(
        choices=IntensityLevel.choices,
        error_messages={"invalid_choice": "Choose the level of care: high, medium or low."},
    )
    # Required and at most 300 characters for an override: the service words those refusals.
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    until = serializers.DateField(required=False, allow_null=True, default=None)

    def service_arguments(self) -> dict[str, Any]:
        return dict(self.validated_data)


# --- Supervision sessions -------------------------------------------------------------------------------


class SupervisionDecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = SupervisionDecision
        fields = ["id", "enrollment", "kind", "detail", "level", "level_until", "reassign_to", "applied_at"]
        read_only_fields = fields


class SupervisionSessionSerializer(serializers.ModelSerializer):
    """A saved session; the people discussed and the decisions are those the reader may see."""

    enrollments_discussed = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    decisions = SupervisionDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = SupervisionSession
        fields = [
            "id",
            "supervisor",
            "care_manager",
            "held_on",
            "notes",
            "enrollments_discussed",
            "decisions",
            "created_at",
        ]
        read_only_fields = fields


class CareManagerChoiceSerializer(serializers.Serializer):
    """The care manager a new session is about, read first: it decides whose caseload the people are from."""

    care_manager = serializers.IntegerField(min_value=1)


@extend_schema_field(OpenApiTypes.INT)
class ChosenFrom(serializers.Field):
    """An id chosen from a list the view gives in the context (as a form's ModelChoiceField)."""

    def __init__(self, *, choices_key: str, message: str, **kwargs: Any) -> None:
        self.choices_key = choices_key
        self.message = message
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> object:
        choices: dict[int, object] = self.context[self.choices_key]
        try:
            return choices[int(data)]
        except (TypeError, ValueError, KeyError):
            raise serializers.ValidationError(self.message) from None

    def to_representation(self, value: Any) -> int:
        return int(value.pk)


class DecisionWriteSerializer(serializers.Serializer):
    enrollment = ChosenFrom(
        choices_key="caseload", message="Choose people from this care manager's caseload."
    )
    kind = serializers.ChoiceField(
        choices=DecisionKind.choices, error_messages={"invalid_choice": "Choose a decision from the list."}
    )
    detail = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The reason or what was agreed; for a reassignment, the warm-transfer note.",
    )
    level = serializers.ChoiceField(
        choices=IntensityLevel.choices,
        required=False,
        allow_blank=True,
        default="",
        error_messages={"invalid_choice": "Choose the level of care: high, medium or low."},
    )
    level_until = serializers.DateField(required=False, allow_null=True, default=None)
    reassign_to = ChosenFrom(
        choices_key="colleagues",
        message="Choose a care manager from the team.",
        required=False,
        allow_null=True,
        default=None,
    )


class SupervisionSessionWriteSerializer(serializers.Serializer):
    """A session with the care manager: who was discussed and what was decided about whom."""

    care_manager = serializers.IntegerField(min_value=1)
    held_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    discussed = serializers.ListField(
        child=ChosenFrom(choices_key="caseload", message="Choose people from this care manager's caseload."),
        required=False,
        default=list,
        help_text="Enrolments talked about without a decision (a decision counts as discussed).",
    )
    decisions = DecisionWriteSerializer(many=True, required=False, default=list)

    def service_arguments(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "held_on": data["held_on"],
            "notes": data["notes"],
            "discussed": data["discussed"],
            "decisions": [Decision(**decision) for decision in data["decisions"]],
        }


def choices_by_id(records: Sequence[Enrollment] | Sequence[User]) -> dict[int, object]:
    return {record.pk: record for record in records}


# --- Outcome figures ----------------------------------------------------------------------------------

# Every table but this one keeps each row's numerator, denominator and share in its first three
# figures (after the label), as the page lays them out; time in program shows counts and medians.
WITHOUT_SHARES = "time-in-program"


class OutcomeCellSerializer(serializers.Serializer):
    heading = serializers.CharField()
    text = serializers.CharField(help_text="As the page shows it.")
    value = serializers.CharField(allow_null=True, help_text="Plain, as in the CSV; null when missing.")


class OutcomeRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    numerator = serializers.CharField(allow_null=True)
    denominator = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True, help_text="The share, rate or per-case figure.")
    cells = OutcomeCellSerializer(many=True)


class OutcomeTableSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    caption = serializers.CharField()
    rows = OutcomeRowSerializer(many=True)
    statements = serializers.ListField(child=serializers.CharField())
    how_computed = serializers.ListField(child=serializers.CharField())
    meets_target = serializers.BooleanField(allow_null=True)
    empty_message = serializers.CharField(allow_blank=True)
    is_live = serializers.BooleanField(help_text="Read as recorded now, not from the hourly computation.")


class OutcomePeriodSerializer(serializers.Serializer):
    name = serializers.CharField()
    starts_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField()
    label = serializers.CharField()


@extend_schema_serializer(many=False)
class OutcomeFiguresSerializer(serializers.Serializer):
    """The figures of the outcomes page for a period and team."""

    period = OutcomePeriodSerializer()
    team = serializers.IntegerField(allow_null=True)
    team_name = serializers.CharField(allow_blank=True)
    computed_at = serializers.DateTimeField(allow_null=True, help_text="Null until first worked out.")
    tables = OutcomeTableSerializer(many=True)


def _plain(raw: str) -> str | None:
    return raw or None


def outcome_row_data(table: OutcomeTable, row: OutcomeRow) -> dict[str, Any]:
    figures = row.figures

    def column(index: int) -> str | None:
        return _plain(figures[index].raw) if table.slug != WITHOUT_SHARES and index < len(figures) else None

    return {
        "label": row.label,
        "numerator": column(0),
        "denominator": column(1),
        "value": column(2),
        "cells": [
            {"heading": heading, "text": figure.text, "value": _plain(figure.raw)}
            for heading, figure in zip(table.headings[1:], figures, strict=False)
        ],
    }


def outcome_figures_data(page: OutcomesPage) -> dict[str, Any]:
    """The page as plain data for OutcomeFiguresSerializer."""
    period = page.filters.period
    return {
        "period": {
            "name": period.name,
            "starts_on": period.starts_on,
            "ends_on": period.ends_on,
            "label": period.label,
        },
        "team": page.filters.team_id,
        "team_name": page.filters.team_name,
        "computed_at": page.refresh.computed_at if page.refresh else None,
        "tables": [
            {
                "slug": table.slug,
                "title": table.title,
                "caption": table.caption,
                "rows": [outcome_row_data(table, row) for row in table.rows],
                "statements": list(table.statements),
                "how_computed": list(table.how_computed),
                "meets_target": table.meets_target,
                "empty_message": table.empty_message,
                "is_live": table.is_live,
            }
            for table in page.tables
        ],
    }


PERIOD_VALUES = [value for value, _ in PERIOD_CHOICES]
