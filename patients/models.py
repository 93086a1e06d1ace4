"""Patients, their enrolment episodes, referrals in and out, care teams, supports and consent."""

import datetime

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Program, Team
from accounts.persistence import updated_at_moves

EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)


class PreferredContactMethod(models.TextChoices):
    PHONE_CALL = "phone", "Phone call"
    TEXT_MESSAGE = "text", "Text message"
    IN_PERSON = "in_person", "In person"
    EMAIL = "email", "Email"
    THROUGH_TRUSTED_PERSON = "trusted_person", "Through a trusted person"


@pghistory.track()
class Patient(models.Model):
    """A person the program serves. Identity and care preferences; episodes live on Enrollment."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="patients")
    mrn = models.CharField("MRN", max_length=64, blank=True)
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    pronouns = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=60, blank=True)
    preferred_language = models.CharField(max_length=60, default="English")
    needs_interpreter = models.BooleanField(default=False)
    phone = models.CharField(max_length=40, blank=True)
    can_receive_texts = models.BooleanField(default=False)
    email = models.EmailField(blank=True)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    # Care preferences: where and how the person likes to meet and be reached.
    preferred_contact_method = models.CharField(
        max_length=20, choices=PreferredContactMethod.choices, blank=True
    )
    best_times_to_reach = models.CharField(max_length=200, blank=True)
    preferred_meeting_places = models.CharField(max_length=300, blank=True)
    care_preference_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "mrn"], condition=~Q(mrn=""), name="patient_unique_mrn_per_program"
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=EARLIEST_BIRTH_DATE), name="patient_birth_date_plausible"
            ),
            models.CheckConstraint(
                condition=Q(preferred_contact_method__in=[*PreferredContactMethod.values, ""]),
                name="patient_contact_method_valid",
            ),
            models.CheckConstraint(
                condition=~Q(legal_first_name="") & ~Q(legal_last_name=""), name="patient_name_required"
            ),
        ]
        indexes = [models.Index(fields=["program", "legal_last_name", "legal_first_name"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name the person uses, with their legal surname."""
        return f"{self.preferred_name or self.legal_first_name} {self.legal_last_name}"

    @property
    def legal_name(self) -> str:
        return f"{self.legal_first_name} {self.legal_last_name}"

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())

    def age_on(self, day: datetime.date) -> int:
        birthday_passed = (day.month, day.day) >= (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - (0 if birthday_passed else 1)


class EnrollmentStatus(models.TextChoices):
    REFERRED = "referred", "Referred"
    SCREENING = "screening", "Screening"
    OUTREACH = "outreach", "Outreach"
    ACTIVE = "active", "Active"
    MAINTENANCE = "maintenance", "Maintenance"
    GRADUATED = "graduated", "Graduated"
    DECLINED = "declined", "Declined"
    NOT_A_FIT = "not_a_fit", "Not a fit"
    DISENROLLED = "disenrolled", "Disenrolled"


# Statuses in which a care manager is working with the person.
CARE_STATUSES = (EnrollmentStatus.OUTREACH, EnrollmentStatus.ACTIVE, EnrollmentStatus.MAINTENANCE)
# Statuses that end an episode; coming back opens a new one.
CLOSED_STATUSES = (
    EnrollmentStatus.GRADUATED,
    EnrollmentStatus.DECLINED,
    EnrollmentStatus.NOT_A_FIT,
    EnrollmentStatus.DISENROLLED,
)


class Phase(models.TextChoices):
    ENGAGEMENT = "engagement", "Engagement (building trust)"
    WELLNESS = "wellness", "Wellness (path to wellness)"


class EndReason(models.TextChoices):
    GRADUATED = "graduated", "Graduated to usual primary care"
    DECLINED = "declined", "Declined the program"
    NOT_A_FIT = "not_a_fit", "Not a fit for the program"
    UNABLE_TO_REACH = "unable_to_reach", "Unable to reach"
    MOVED_AWAY = "moved_away", "Moved out of the area"
    STOPPED_PARTICIPATING = "stopped_participating", "Chose to stop"
    TRANSFERRED = "transferred", "Transferred to another program"
    DIED = "died", "Died"
    OTHER = "other", "Other"


def _sql_list(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{value}'" for value in values)


# The "exactly one" half of the primary-care-manager rule: the partial unique constraint on
# CareTeamMember gives "at most one"; these deferred triggers check "at least one" at commit.
_ENROLLMENT_NEEDS_PRIMARY_SQL = """
    IF EXISTS (
        SELECT 1 FROM patients_enrollment e
        WHERE e.id = {enrollment_id}
          AND e.status IN ({care_statuses})
          AND NOT EXISTS (
              SELECT 1 FROM patients_careteammember m
              WHERE m.enrollment_id = e.id AND m.is_primary AND m.ended_on IS NULL
          )
    ) THEN
        RAISE EXCEPTION 'Enrolment % has no current primary care manager.', {enrollment_id}
            USING ERRCODE = '23514', CONSTRAINT = 'enrollment_has_primary_care_manager';
    END IF;
    RETURN NULL;
"""


@pghistory.track()
class Enrollment(models.Model):
    """One episode of care (FHIR EpisodeOfCare): from referral to graduation or another exit."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="enrollments")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="enrollments")
    team = models.ForeignKey(
        Team, on_delete=models.PROTECT, related_name="enrollments", null=True, blank=True
    )
    status = models.CharField(
        max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.REFERRED
    )
    status_changed_at = models.DateTimeField()
    phase = models.CharField(max_length=20, choices=Phase.choices, default=Phase.ENGAGEMENT)
    phase_changed_on = models.DateField(null=True, blank=True)
    phase_change_evidence = models.TextField(blank=True)
    referred_on = models.DateField()
    enrolled_on = models.DateField(null=True, blank=True)
    first_reached_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, choices=EndReason.choices, blank=True)
    end_note = models.TextField(blank=True)
    # For people who declined or could not be reached: when and how to approach again.
    reapproach_on = models.DateField(null=True, blank=True)
    reapproach_preference = models.TextField(blank=True)
    previous_enrollment = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next_enrollment"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-referred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=EnrollmentStatus.values), name="enrollment_status_valid"
            ),
            models.CheckConstraint(condition=Q(phase__in=Phase.values), name="enrollment_phase_valid"),
            models.CheckConstraint(
                condition=Q(end_reason__in=[*EndReason.values, ""]), name="enrollment_end_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(enrolled_on__isnull=True) | Q(enrolled_on__gte=models.F("referred_on")),
                name="enrollment_enrolled_after_referral",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("referred_on")),
                name="enrollment_ended_after_referral",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(enrolled_on__isnull=True)
                | Q(ended_on__gte=models.F("enrolled_on")),
                name="enrollment_ended_after_enrolled",
            ),
            models.CheckConstraint(
                condition=Q(phase_changed_on__isnull=True) | Q(phase_changed_on__gte=models.F("referred_on")),
                name="enrollment_phase_change_after_referral",
            ),
            # A closed episode has an end date and a reason; an open one has neither.
            models.CheckConstraint(
                condition=(Q(status__in=CLOSED_STATUSES, ended_on__isnull=False) & ~Q(end_reason=""))
                | (~Q(status__in=CLOSED_STATUSES) & Q(ended_on__isnull=True, end_reason="")),
                name="enrollment_closed_has_end",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[*CARE_STATUSES, EnrollmentStatus.GRADUATED]) | Q(team__isnull=False),
                name="enrollment_in_care_has_team",
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[
                        EnrollmentStatus.ACTIVE,
                        EnrollmentStatus.MAINTENANCE,
                        EnrollmentStatus.GRADUATED,
                    ]
                )
                | Q(enrolled_on__isnull=False),
                name="enrollment_active_has_enrolled_on",
            ),
            # One open episode per person at a time.
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(status__in=CLOSED_STATUSES),
                name="enrollment_one_open_per_patient",
            ),
        ]
        indexes = [
            models.Index(fields=["program", "status"]),
            models.Index(fields=["team", "status"]),
            models.Index(
                fields=["reapproach_on"],
                condition=Q(reapproach_on__isnull=False),
                name="enrollment_reapproach_idx",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="enrollment_has_primary_care_manager",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("status"),
                timing=pgtrigger.Deferred,
                func=_ENROLLMENT_NEEDS_PRIMARY_SQL.format(
                    enrollment_id="NEW.id", care_statuses=_sql_list(CARE_STATUSES)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Enrolment {self.pk} ({self.get_status_display()})"

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


class ReferralSource(models.TextChoices):
    PRIMARY_CARE = "primary_care", "Primary care"
    EMERGENCY_DEPARTMENT = "ed", "Emergency department"
    INPATIENT = "inpatient", "Hospital inpatient"
    HEALTH_PLAN = "health_plan", "Health plan list"
    COMMUNITY_ORGANIZATION = "community", "Community organisation"
    SELF = "self", "Self-referral"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    SOON = "soon", "Within a week"
    URGENT = "urgent", "Urgent"


class HandoffSetting(models.TextChoices):
    HOSPITAL_BEDSIDE = "bedside", "Hospital bedside"
    EMERGENCY_DEPARTMENT = "ed", "Emergency department"
    CLINIC = "clinic", "Clinic"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    COMMUNITY = "community", "Community"


@pghistory.track()
class Referral(models.Model):
    """How a person came to the program, and the screening decision on that referral."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="referral")
    source = models.CharField(max_length=20, choices=ReferralSource.choices)
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_organization = models.CharField(max_length=200, blank=True)
    referrer_phone = models.CharField(max_length=40, blank=True)
    reason = models.TextField()
    # Up to three things the person wants to work on, in their words, if the referrer knows.
    patient_priorities = models.TextField(blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    screened_at = models.DateTimeField(null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decision_note = models.TextField(blank=True)
    # The warm handoff: someone the person trusts introduces the care manager.
    handoff_at = models.DateTimeField(null=True, blank=True)
    handoff_by = models.CharField("introduced by", max_length=200, blank=True)
    handoff_setting = models.CharField(max_length=20, choices=HandoffSetting.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ReferralSource.values), name="referral_source_valid"
            ),
            models.CheckConstraint(condition=Q(urgency__in=Urgency.values), name="referral_urgency_valid"),
            models.CheckConstraint(
                condition=Q(handoff_setting__in=[*HandoffSetting.values, ""]),
                name="referral_handoff_setting_valid",
            ),
            models.CheckConstraint(
                condition=Q(screened_at__isnull=True) | Q(screened_at__gte=models.F("received_at")),
                name="referral_screened_after_received",
            ),
            models.CheckConstraint(
                condition=Q(handoff_at__isnull=True) | Q(handoff_at__gte=models.F("received_at")),
                name="referral_handoff_after_received",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="referral_reason_required"),
        ]
        indexes = [models.Index(fields=["received_at"])]
        triggers = [updated_at_moves("referral")]

    def __str__(self) -> str:
        return f"Referral {self.pk} from {self.get_source_display()}"


class ScreeningQuestion(models.Model):
    """A question the program asks to decide whether the program fits the person."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="screening_questions")
    text = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=1)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "text"], name="screening_question_unique_text")
        ]

    def __str__(self) -> str:
        return self.text


class ScreeningResponse(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known"


@pghistory.track()
class ScreeningAnswer(models.Model):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="screening_answers")
    question = models.ForeignKey(ScreeningQuestion, on_delete=models.PROTECT, related_name="answers")
    response = models.CharField(max_length=10, choices=ScreeningResponse.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referral", "question"], name="screening_answer_unique"),
            models.CheckConstraint(
                condition=Q(response__in=ScreeningResponse.values), name="screening_answer_response_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.get_response_display()}"


class CareTeamRole(models.TextChoices):
    CARE_MANAGER = "care_manager", "Care manager"
    NURSE = "nurse", "Nurse"
    SOCIAL_WORKER = "social_worker", "Social worker"
    COMMUNITY_HEALTH_WORKER = "chw", "Community health worker"
    PEER_SPECIALIST = "peer_specialist", "Peer specialist"
    BEHAVIOURAL_HEALTH = "behavioural_health", "Behavioural health clinician"
    PRIMARY_CARE_PROVIDER = "pcp", "Primary care provider"
    PSYCHIATRIST = "psychiatrist", "Psychiatrist"
    SPECIALIST = "specialist", "Specialist"
    PHARMACIST = "pharmacist", "Pharmacist"
    OTHER = "other", "Other"


@pghistory.track()
class CareTeamMember(models.Model):
    """Someone on a person's care team for one episode: a Tandem user or an outside clinician.

    Exactly one current member of an enrolment in care is its primary care manager; a transfer
    ends one membership and starts another, so the history stays.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="care_team_memberships",
        null=True,
        blank=True,
    )
    # For members outside Tandem (a primary care provider, a psychiatrist).
    name = models.CharField(max_length=200, blank=True)
    organization = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    role = models.CharField(max_length=30, choices=CareTeamRole.choices)
    is_primary = models.BooleanField("primary care manager", default=False)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)
    # The warm-transfer note handed to the next primary care manager.
    transfer_note = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_primary", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(is_primary=True, ended_on__isnull=True),
                name="care_team_one_current_primary",
                violation_error_message="This enrolment already has a primary care manager.",
            ),
            models.UniqueConstraint(
                fields=["enrollment", "user"],
                condition=Q(ended_on__isnull=True, user__isnull=False),
                name="care_team_user_once",
                violation_error_message="This person is already on the care team.",
            ),
            models.CheckConstraint(
                condition=Q(is_primary=False) | Q(user__isnull=False),
                name="care_team_primary_is_user",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="care_team_member_named"
            ),
            models.CheckConstraint(condition=Q(role__in=CareTeamRole.values), name="care_team_role_valid"),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="care_team_dates_in_order",
            ),
        ]
        indexes = [
            # "My caseload": the enrolments where this user is the current primary care manager.
            models.Index(
                fields=["user", "enrollment"],
                condition=Q(is_primary=True, ended_on__isnull=True),
                name="care_team_current_primary_idx",
            ),
        ]
        triggers = [
            updated_at_moves("care_team_member"),
            pgtrigger.Trigger(
                name="care_team_keeps_primary",
                when=pgtrigger.After,
                operation=pgtrigger.Update | pgtrigger.Delete,
                timing=pgtrigger.Deferred,
                func=_ENROLLMENT_NEEDS_PRIMARY_SQL.format(
                    enrollment_id="OLD.enrollment_id", care_statuses=_sql_list(CARE_STATUSES)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.user_id is not None:
            return str(self.user)
        return self.name

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class SupportKind(models.TextChoices):
    FAMILY = "family", "Family"
    FRIEND = "friend", "Friend"
    FAITH_COMMUNITY = "faith", "Faith community"
    SPONSOR = "sponsor", "Sponsor"
    COUNSELLOR = "counsellor", "Counsellor"
    SUPPORT_GROUP = "support_group", "Support group"
    NEIGHBOUR = "neighbour", "Neighbour"
    CASE_WORKER = "case_worker", "Case worker at another agency"
    OTHER = "other", "Other"


@pghistory.track()
class CommunitySupport(models.Model):
    """A person or group in the patient's life who helps: family, a church group, a sponsor."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="community_supports")
    kind = models.CharField(max_length=20, choices=SupportKind.choices)
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    notes = models.TextField(blank=True)
    # The patient wants this person involved in their care, and has agreed we may contact them.
    is_trusted_to_involve = models.BooleanField(default=False)
    consent_to_contact_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_trusted_to_involve", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SupportKind.values), name="support_kind_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="support_name_required"),
        ]
        triggers = [updated_at_moves("community_support")]

    def __str__(self) -> str:
        return self.name


class ConsentKind(models.TextChoices):
    PROGRAM_PARTICIPATION = "participation", "Taking part in the program"
    SHARE_WITH_CARE_TEAM = "share_care_team", "Sharing information with the care team"
    CONTACT_SUPPORTS = "contact_supports", "Contacting community supports"
    SUBSTANCE_USE_DISCLOSURE = "part2_disclosure", "Disclosing substance-use records (42 CFR Part 2)"


class ConsentQuerySet(models.QuerySet["Consent"]):
    def current(self, *, kind: str, on: datetime.date) -> "ConsentQuerySet":
        """Consents of `kind` in force on `on`: given by then, not revoked, not expired."""
        return self.filter(kind=kind, given_on__lte=on, revoked_on__isnull=True).exclude(expires_on__lt=on)


@pghistory.track()
class Consent(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    recipient = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    information_scope = models.CharField(max_length=300, blank=True)
    given_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_on"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConsentKind.values), name="consent_kind_valid"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("given_on")),
                name="consent_expires_after_given",
            ),
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("given_on")),
                name="consent_revoked_after_given",
            ),
            # A Part 2 disclosure consent must name who receives what, and for what (42 CFR 2.31).
            models.CheckConstraint(
                condition=~Q(kind="part2_disclosure")
                | (~Q(recipient="") & ~Q(purpose="") & Q(expires_on__isnull=False)),
                name="consent_part2_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class ResourceCategory(models.TextChoices):
    HOUSING = "housing", "Housing"
    FOOD = "food", "Food"
    BEHAVIOURAL_HEALTH = "behavioural_health", "Behavioural health"
    SUBSTANCE_USE = "substance_use", "Substance use treatment"
    PRIMARY_CARE = "primary_care", "Primary care"
    LEGAL = "legal", "Legal help"
    BENEFITS = "benefits", "Income and benefits"
    TRANSPORT = "transport", "Transport"
    EMPLOYMENT = "employment", "Work and training"
    PEER_SUPPORT = "peer_support", "Peer support"
    OTHER = "other", "Other"


class CommunityResource(models.Model):
    """A service in the community directory that people can be referred to."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="community_resources")
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=30, choices=ResourceCategory.choices)
    description = models.TextField(blank=True)
    eligibility_notes = models.TextField("who it is for", blank=True)
    # The languages the service is offered in, as people write them ("English, Spanish, Haitian Creole").
    languages = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    website = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="community_resource_unique_name"),
            models.CheckConstraint(
                condition=Q(category__in=ResourceCategory.values), name="community_resource_category_valid"
            ),
        ]
        triggers = [updated_at_moves("community_resource")]

    def __str__(self) -> str:
        return self.name


class ReferralOutStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    IN_PROGRESS = "in_progress", "In progress"
    DELIVERED = "delivered", "Service delivered"
    DECLINED = "declined", "Declined"
    COULD_NOT_CONTACT = "could_not_contact", "Couldn't contact"


# Where a referral out may go next. Delivered, declined and couldn't-contact close it.
REFERRAL_OUT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReferralOutStatus.SENT: frozenset(
        {
            ReferralOutStatus.ACCEPTED,
            ReferralOutStatus.IN_PROGRESS,
            ReferralOutStatus.DELIVERED,
            ReferralOutStatus.DECLINED,
            ReferralOutStatus.COULD_NOT_CONTACT,
        }
    ),
    ReferralOutStatus.ACCEPTED: frozenset(
        {ReferralOutStatus.IN_PROGRESS, ReferralOutStatus.DELIVERED, ReferralOutStatus.DECLINED}
    ),
    ReferralOutStatus.IN_PROGRESS: frozenset({ReferralOutStatus.DELIVERED, ReferralOutStatus.DECLINED}),
    ReferralOutStatus.DELIVERED: frozenset(),
    ReferralOutStatus.DECLINED: frozenset(),
    ReferralOutStatus.COULD_NOT_CONTACT: frozenset({ReferralOutStatus.SENT}),
}
CLOSED_REFERRAL_OUT_STATUSES = frozenset(
    {ReferralOutStatus.DELIVERED, ReferralOutStatus.DECLINED, ReferralOutStatus.COULD_NOT_CONTACT}
)


class ReferralOutReason(models.TextChoices):
    """Why a referral out ended without the service, or why it was made, in a few coded words."""

    NONE = "", "No reason recorded"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    WAITLIST = "waitlist", "Waiting list too long"
    PERSON_DECLINED = "person_declined", "The person decided against it"
    NO_TRANSPORT = "no_transport", "No way to get there"
    LANGUAGE = "language", "Language not offered"
    COST = "cost", "Cost"
    NO_RESPONSE = "no_response", "The service did not respond"
    OTHER = "other", "Other"


@pghistory.track()
class ReferralOut(models.Model):
    """A referral from Tandem to another service (a redirect for a poor fit, or part of care)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="referrals_out")
    resource = models.ForeignKey(CommunityResource, on_delete=models.PROTECT, related_name="referrals")
    reason = models.TextField(blank=True)
    referred_on = models.DateField()
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=ReferralOutStatus.choices, default=ReferralOutStatus.SENT
    )
    status_changed_on = models.DateField(null=True, blank=True)
    reason_code = models.CharField(max_length=20, choices=ReferralOutReason.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    # When the care manager checks whether the person got the service; overdue ones show on the caseload.
    follow_up_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-referred_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralOutStatus.values), name="referral_out_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("referred_on")),
                name="referral_out_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(reason_code__in=ReferralOutReason.values), name="referral_out_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["delivered", "declined", "could_not_contact"], closed_on__isnull=False
                )
                | (~Q(status__in=["delivered", "declined", "could_not_contact"]) & Q(closed_on__isnull=True)),
                name="referral_out_closed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "follow_up_on"])]
        triggers = [updated_at_moves("referral_out")]

    def __str__(self) -> str:
        return f"Referral to {self.resource}"


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV file"
    FHIR_BUNDLE = "fhir_bundle", "FHIR R4 Bundle (JSON)"


class UploadedFile(models.Model):
    """A file an admin uploaded to import, kept between its preview and the import they choose.

    Each import names its own program link and what its counts mean (caseloads.UtilisationImport too).
    """

    file_name = models.CharField(max_length=255)
    content = models.TextField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # The rows in the file and those with a problem, as last checked.
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["-uploaded_at"]


@pghistory.track()
class ReferralImport(UploadedFile):
    """An uploaded file of referrals, kept between its preview and the import the admin chooses."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="referral_imports")
    format = models.CharField(max_length=20, choices=ImportFormat.choices)

    class Meta(UploadedFile.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(format__in=ImportFormat.values), name="referral_import_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} ({self.get_format_display()})"


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    LIST = "list", "Listed"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    DISCLOSURE = "disclosure", "Disclosed"


class AccessEvent(models.Model):
    """Who looked at whose record, when and through which route. Rows are never changed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+", null=True)
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    route = models.CharField(max_length=200)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.BigIntegerField(null=True)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AccessAction.values), name="access_event_action_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "occurred_at"]),
            models.Index(fields=["user", "occurred_at"]),
        ]
        triggers = [
            pgtrigger.Protect(name="access_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by user {self.user_id}"
