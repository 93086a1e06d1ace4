"""The shapes of patients, referrals and the community resource directory in the API.

Shape only: what comes in is parsed here and handed to a service by the viewset; the rules and the
words of a refusal are the services'.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Role, User
from patients.models import (
    CommunityResource,
    HandoffSetting,
    Patient,
    Referral,
    ReferralSource,
    ScreeningQuestion,
    ScreeningResponse,
    Urgency,
)
from patients.services import CARE_PREFERENCE_FIELDS
from patients.services.screening import ScreeningOutcome


class PatientSerializer(serializers.ModelSerializer[Patient]):
    """Who the person is and how they like to be reached. Nothing clinical, so no Part 2 content."""

    display_name = serializers.CharField(read_only=True, help_text="The name they use, with their surname.")

    class Meta:
        model = Patient
        fields = [
            "id",
            "mrn",
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "display_name",
            "pronouns",
            "date_of_birth",
            "gender",
            "preferred_language",
            "needs_interpreter",
            "phone",
            "can_receive_texts",
            "email",
            "address_line",
            "city",
            "postal_code",
            "preferred_contact_method",
            "best_times_to_reach",
            "preferred_meeting_places",
            "care_preference_notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CarePreferencesSerializer(serializers.ModelSerializer[Patient]):
    """How and where the person likes to be reached and met: the fields the record's form changes."""

    class Meta:
        model = Patient
        fields = list(CARE_PREFERENCE_FIELDS)


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    """A referral in: who referred the person, why, how soon, and the screening decision once made.
    The enrolment's stage is on the enrolment (`/enrollments/{enrollment}/`)."""

    patient = serializers.IntegerField(source="enrollment.patient_id", read_only=True)
    patient_priorities = serializers.SerializerMethodField(
        help_text="Up to three things the person wants to work on, in their words."
    )

    class Meta:
        model = Referral
        fields = [
            "id",
            "enrollment",
            "patient",
            "source",
            "referrer_name",
            "referrer_organization",
            "referrer_phone",
            "reason",
            "patient_priorities",
            "urgency",
            "received_at",
            "received_by",
            "screened_at",
            "screened_by",
            "decision_note",
            "handoff_at",
            "handoff_by",
            "handoff_setting",
            "updated_at",
        ]
        read_only_fields = fields

    def get_patient_priorities(self, referral: Referral) -> list[str]:
        return [line for line in referral.patient_priorities.splitlines() if line.strip()]


class ReferralCreateSerializer(serializers.Serializer[Any]):
    """A new referral: the person, who referred them and why. When people in the program may be the
    same person, say which one (`existing_patient`) or that it is someone new (`confirmed_new`)."""

    legal_first_name = serializers.CharField(max_length=100)
    legal_last_name = serializers.CharField(max_length=100)
    preferred_name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    date_of_birth = serializers.DateField()
    mrn = serializers.CharField(max_length=64, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    preferred_language = serializers.CharField(max_length=60, default="English")
    source = serializers.ChoiceField(choices=ReferralSource.choices)
    referrer_name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    referrer_organization = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    referrer_phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    reason = serializers.CharField()
    patient_priorities = serializers.ListField(
        child=serializers.CharField(max_length=200), max_length=3, required=False, default=list
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    existing_patient = serializers.IntegerField(required=False, allow_null=True, default=None)
    confirmed_new = serializers.BooleanField(required=False, default=False)


class PossibleDuplicateSerializer(serializers.Serializer[Any]):
    patient = serializers.IntegerField(source="patient.pk")
    legal_name = serializers.CharField(source="patient.legal_name")
    date_of_birth = serializers.DateField(source="patient.date_of_birth")
    mrn = serializers.CharField(source="patient.mrn")
    is_same_mrn = serializers.BooleanField()
    has_open_enrollment = serializers.BooleanField()


class PossibleDuplicatesSerializer(serializers.Serializer[Any]):
    """409: people in the program who may be the person referred. Send the referral again with
    `existing_patient` (one of them) or `confirmed_new: true`."""

    detail = serializers.CharField()
    possible_duplicates = PossibleDuplicateSerializer(many=True)


@extend_schema_field(OpenApiTypes.INT)
class ProgramScopedField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A choice among the signed-in user's program's rows; another program's id is "does not exist"."""

    def __init__(self, *, model: type, only: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.model, self.only = model, only or {}
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        user = self.context["request"].user
        return self.model.objects.filter(program_id=user.program_id, **self.only)


class ScreeningAnswerSerializer(serializers.Serializer[Any]):
    question = ProgramScopedField(model=ScreeningQuestion, only={"is_active": True})
    response = serializers.ChoiceField(choices=ScreeningResponse.choices)
    note = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class WarmHandoffSerializer(serializers.Serializer[Any]):
    introduced_by = serializers.CharField(max_length=200)
    setting = serializers.ChoiceField(choices=HandoffSetting.choices)
    at = serializers.DateTimeField()


class ScreeningSerializer(serializers.Serializer[Any]):
    """The screening answers and the decision, as on the screening page:

    - `fit`: `care_manager` and the warm `handoff` (who, where, when); `decision_note` optional.
    - `not_a_fit`: `decision_note` (why) and `resource`, the service to redirect the person to.
    - `declined`: `decision_note` (their reason, in their words) and `reapproach_on`.
    """

    outcome = serializers.ChoiceField(choices=ScreeningOutcome.choices)
    answers = ScreeningAnswerSerializer(many=True)
    decision_note = serializers.CharField(required=False, default="", allow_blank=True)
    care_manager = ProgramScopedField(
        model=User, only={"role": Role.CARE_MANAGER, "is_active": True}, required=False, default=None
    )
    handoff = WarmHandoffSerializer(required=False, default=None)
    resource = ProgramScopedField(
        model=CommunityResource, only={"is_active": True}, required=False, default=None
    )
    reapproach_on = serializers.DateField(required=False, default=None)
    reapproach_preference = serializers.CharField(required=False, default="", allow_blank=True)


class CommunityResourceSerializer(serializers.ModelSerializer[CommunityResource]):
    """A service in the program's directory. `is_active: false` retires it: it leaves the directory and
    the "Refer to a service" list; referrals already made keep it."""

    class Meta:
        model = CommunityResource
        fields = [
            "id",
            "name",
            "category",
            "description",
            "eligibility_notes",
            "languages",
            "phone",
            "email",
            "address",
            "website",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        # The directory's own rule (unique names whatever their case) answers instead.
        validators: list[Any] = []


class DirectoryQuerySerializer(serializers.Serializer[Any]):
    """The directory's search, as on its page."""

    search = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)
