"""The shapes of enrolments, care teams, community supports and referrals out in the API.

Shape only: the viewsets hand what is parsed here to the services, which hold the rules and word the
refusals.
"""

from typing import Any

from rest_framework import serializers

from accounts.models import Role, User
from patients.api.serializers import ProgramScopedField
from patients.forms import CARE_TEAM_ROLES
from patients.models import (
    CareTeamMember,
    CareTeamRole,
    CommunityResource,
    CommunitySupport,
    EndReason,
    Enrollment,
    EnrollmentStatus,
    Phase,
    ReferralOut,
    ReferralOutReason,
    ReferralOutStatus,
)
from patients.services import COMMUNITY_SUPPORT_FIELDS


class EnrollmentSerializer(serializers.ModelSerializer[Enrollment]):
    """One episode of care, from referral to graduation or another exit. The primary care manager is
    the care team member with `is_primary` (`/care-team-members/?enrollment=<id>&is_current=true`)."""

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "patient",
            "team",
            "status",
            "status_changed_at",
            "phase",
            "phase_changed_on",
            "phase_change_evidence",
            "referred_on",
            "enrolled_on",
            "first_reached_at",
            "ended_on",
            "end_reason",
            "end_note",
            "reapproach_on",
            "reapproach_preference",
            "previous_enrollment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EnrollmentMoveSerializer(serializers.Serializer[Any]):
    """A move along the pipeline. An episode that ends needs a reason (`end_reason`) unless the new
    status says it; a re-approach date belongs to people who declined or could not be reached."""

    to_status = serializers.ChoiceField(choices=EnrollmentStatus.choices)
    on = serializers.DateField(required=False, default=None, help_text="The program's today if left out.")
    end_reason = serializers.ChoiceField(
        choices=EndReason.choices, required=False, default="", allow_blank=True
    )
    note = serializers.CharField(required=False, default="", allow_blank=True)
    reapproach_on = serializers.DateField(required=False, default=None)
    reapproach_preference = serializers.CharField(required=False, default="", allow_blank=True)


class PrimaryCareManagerSerializer(serializers.Serializer[Any]):
    """The new primary care manager. A current one is ended, with the warm-transfer note kept."""

    care_manager = ProgramScopedField(model=User, only={"role": Role.CARE_MANAGER, "is_active": True})
    transfer_note = serializers.CharField(required=False, default="", allow_blank=True)
    on = serializers.DateField(required=False, default=None, help_text="The program's today if left out.")


class PhaseChangeSerializer(serializers.Serializer[Any]):
    """A move between building trust (engagement) and the path to wellness, with what shows it."""

    phase = serializers.ChoiceField(choices=Phase.choices, default=Phase.WELLNESS)
    # Required; the service words the refusal, as on the page.
    evidence = serializers.CharField(required=False, default="", allow_blank=True)


class CareTeamMemberSerializer(serializers.ModelSerializer[CareTeamMember]):
    """Someone on the care team of one enrolment: a Tandem colleague (`user`) or someone outside
    Tandem (`name`, `organization` ...). A transfer ends one membership and starts another."""

    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = CareTeamMember
        fields = [
            "id",
            "enrollment",
            "user",
            "display_name",
            "name",
            "organization",
            "phone",
            "email",
            "role",
            "is_primary",
            "started_on",
            "ended_on",
            "end_reason",
            "transfer_note",
            "updated_at",
        ]
        read_only_fields = fields


class CareTeamMemberCreateSerializer(serializers.Serializer[Any]):
    """A Tandem colleague from the program (`user`), or someone outside Tandem by `name`; not both."""

    enrollment = serializers.IntegerField()
    user = ProgramScopedField(
        model=User, only={"is_active": True, "role__in": CARE_TEAM_ROLES}, required=False, default=None
    )
    name = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    organization = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, default="", allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, default="", allow_blank=True)
    role = serializers.ChoiceField(choices=CareTeamRole.choices)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        outside = any(attrs[name] for name in ("name", "organization", "phone", "email"))
        if attrs["user"] is not None and outside:
            raise serializers.ValidationError(
                "Choose a Tandem colleague, or give the details of someone outside Tandem, not both."
            )
        if attrs["user"] is None and not attrs["name"].strip():
            raise serializers.ValidationError(
                "Choose a Tandem colleague, or give the name of someone outside Tandem."
            )
        return attrs


class EndReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, required=False, default="", allow_blank=True)


class CommunitySupportSerializer(serializers.ModelSerializer[CommunitySupport]):
    """Someone in the person's life who helps: family, a sponsor, a church group. Involving them in
    care (`is_trusted_to_involve`) needs the day the person agreed (`consent_to_contact_on`)."""

    class Meta:
        model = CommunitySupport
        fields = [
            "id",
            "patient",
            *COMMUNITY_SUPPORT_FIELDS,
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "patient", "is_active", "created_at", "updated_at"]


class CommunitySupportCreateSerializer(CommunitySupportSerializer):
    patient = serializers.IntegerField()  # type: ignore[assignment]


class ReferralOutSerializer(serializers.ModelSerializer[ReferralOut]):
    """A referral from Tandem to a service in the directory, followed until the person got the service
    (delivered) or did not (declined, couldn't contact)."""

    resource_name = serializers.CharField(source="resource.name", read_only=True)

    class Meta:
        model = ReferralOut
        fields = [
            "id",
            "enrollment",
            "resource",
            "resource_name",
            "reason",
            "referred_on",
            "referred_by",
            "status",
            "status_changed_on",
            "reason_code",
            "outcome_note",
            "follow_up_on",
            "closed_on",
            "updated_at",
        ]
        read_only_fields = fields


class ReferralOutCreateSerializer(serializers.Serializer[Any]):
    """Refer the person to a service in the program's directory. Without `follow_up_on`, the follow-up
    is two weeks after the referral."""

    enrollment = serializers.IntegerField()
    resource = ProgramScopedField(model=CommunityResource, only={"is_active": True})
    reason = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)
    follow_up_on = serializers.DateField(required=False, default=None)


class ReferralOutUpdateSerializer(serializers.Serializer[Any]):
    """Where the referral stands now: sent, accepted, in progress, delivered, declined or couldn't
    contact. Declined and couldn't contact need a `reason_code`."""

    status = serializers.ChoiceField(choices=ReferralOutStatus.choices)
    reason_code = serializers.ChoiceField(
        choices=ReferralOutReason.choices, required=False, default="", allow_blank=True
    )
    outcome_note = serializers.CharField(max_length=1000, required=False, default="", allow_blank=True)
    follow_up_on = serializers.DateField(required=False, default=None)
