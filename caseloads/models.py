"""Caseload intelligence: intensity policy, computed caseload status, graduation, supervision."""

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from accounts.models import Program, Team
from accounts.persistence import updated_at_moves
from patients.models import Enrollment, Patient, UploadedFile


class IntensityLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


# From the least support to the most.
LEVEL_ORDER: tuple[IntensityLevel, ...] = (IntensityLevel.LOW, IntensityLevel.MEDIUM, IntensityLevel.HIGH)


def step_between(current: str, recommended: str) -> str:
    """ "step up", "step down" or "" going from the level the team works at to the recommended one."""
    change = LEVEL_ORDER.index(IntensityLevel(recommended)) - LEVEL_ORDER.index(IntensityLevel(current))
    return "step up" if change > 0 else "step down" if change < 0 else ""


@pghistory.track()
class IntensityPolicy(models.Model):
    """A program's levels of care: contact targets, caseload weights and the rules' thresholds."""

    program = models.OneToOneField(Program, on_delete=models.PROTECT, related_name="intensity_policy")
    # Reached contacts per 30 days that each level aims for.
    high_contacts_per_30_days = models.PositiveSmallIntegerField(default=8)
    medium_contacts_per_30_days = models.PositiveSmallIntegerField(default=4)
    low_contacts_per_30_days = models.PositiveSmallIntegerField(default=2)
    # Caseload points per person at each level, for weighted load against capacity.
    high_weight = models.PositiveSmallIntegerField(default=3)
    medium_weight = models.PositiveSmallIntegerField(default=2)
    low_weight = models.PositiveSmallIntegerField(default=1)
    # Rule thresholds.
    crisis_lookback_days = models.PositiveSmallIntegerField(default=30)
    engagement_phase_days = models.PositiveSmallIntegerField(default=60)
    no_contact_days = models.PositiveSmallIntegerField(default=21)
    confidence_drop = models.PositiveSmallIntegerField(default=3)
    step_down_crisis_free_days = models.PositiveSmallIntegerField(default=90)
    step_down_confidence = models.PositiveSmallIntegerField(default=7)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "intensity policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    high_contacts_per_30_days__gte=models.F("medium_contacts_per_30_days"),
                    medium_contacts_per_30_days__gte=models.F("low_contacts_per_30_days"),
                    low_contacts_per_30_days__gte=1,
                ),
                name="intensity_policy_targets_ordered",
            ),
            models.CheckConstraint(
                condition=Q(confidence_drop__lte=10, step_down_confidence__lte=10),
                name="intensity_policy_confidence_0_10",
            ),
        ]

    def __str__(self) -> str:
        return f"Intensity policy for {self.program}"


@pghistory.track()
class GraduationCriteria(models.Model):
    """What a program asks before it suggests graduating someone back to usual primary care."""

    program = models.OneToOneField(Program, on_delete=models.PROTECT, related_name="graduation_criteria")
    min_months_enrolled = models.PositiveSmallIntegerField(default=6)
    crisis_free_days = models.PositiveSmallIntegerField(default=90)
    min_goals_achieved = models.PositiveSmallIntegerField(default=1)
    min_confidence = models.PositiveSmallIntegerField(default=7)
    requires_primary_care_connection = models.BooleanField(default=True)
    requires_patient_readiness = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "graduation criteria"
        constraints = [
            models.CheckConstraint(condition=Q(min_confidence__lte=10), name="graduation_confidence_0_10"),
        ]

    def __str__(self) -> str:
        return f"Graduation criteria for {self.program}"


@pghistory.track()
class CaseloadStatus(models.Model):
    """The computed picture of one active enrolment, rewritten by the recompute job.

    The team's decision (`current_level`) and any override are kept across recomputes.
    """

    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="caseload_status")
    # The primary care manager when computed: lets dashboards aggregate without a join.
    care_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recommended_level = models.CharField(max_length=10, choices=IntensityLevel.choices)
    recommendation_reasons = models.JSONField(default=list, blank=True)
    current_level = models.CharField(max_length=10, choices=IntensityLevel.choices)
    # A level chosen against the recommendation carries who, why and until when.
    override_reason = models.CharField(max_length=300, blank=True)
    override_until = models.DateField(null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    last_reached_contact_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    reached_contacts_last_30_days = models.PositiveSmallIntegerField(default=0)
    next_contact_due_on = models.DateField(null=True, blank=True)
    is_overdue = models.BooleanField(default=False)
    is_graduation_candidate = models.BooleanField(default=False)
    graduation_criteria = models.JSONField(default=list, blank=True)
    suggested_phase = models.CharField(max_length=20, blank=True)
    computed_at = models.DateTimeField()
    # A digest of the facts (and rules) the row was computed from, and the first day a rule could turn
    # on those same facts: the full run skips rows whose facts are unchanged before that day.
    inputs_fingerprint = models.CharField(max_length=32, blank=True, editable=False)
    stable_until = models.DateField(null=True, blank=True, editable=False)
    # When the row last changed, for API sync and ETags. The recompute writes rows in raw SQL and the level
    # decisions save only their own fields, so the database sets it: a default on insert, a trigger on
    # every update.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        verbose_name_plural = "caseload statuses"
        triggers = [updated_at_moves("caseload_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    recommended_level__in=IntensityLevel.values, current_level__in=IntensityLevel.values
                ),
                name="caseload_status_levels_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(override_reason="") & Q(override_until__isnull=True) & Q(override_by__isnull=True)
                )
                | (~Q(override_reason="") & Q(override_until__isnull=False) & Q(override_by__isnull=False)),
                name="caseload_status_override_has_reason_and_end",
            ),
        ]
        indexes = [
            models.Index(
                fields=["care_manager"],
                include=["current_level", "is_overdue", "is_graduation_candidate", "last_reached_contact_at"],
                name="caseload_status_by_cm_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Caseload status of enrolment {self.enrollment_id}"

    @property
    def is_override(self) -> bool:
        return bool(self.override_reason)

    @property
    def step_suggestion(self) -> str:
        """ "step up" or "step down" when the recommendation differs from the team's level, else ""."""
        return step_between(self.current_level, self.recommended_level)


class CaseloadSnapshot(models.Model):
    """One care manager's caseload on one day, for trend charts."""

    care_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    taken_on = models.DateField()
    outreach_count = models.PositiveIntegerField(default=0)
    active_count = models.PositiveIntegerField(default=0)
    maintenance_count = models.PositiveIntegerField(default=0)
    high_count = models.PositiveIntegerField(default=0)
    medium_count = models.PositiveIntegerField(default=0)
    low_count = models.PositiveIntegerField(default=0)
    overdue_count = models.PositiveIntegerField(default=0)
    graduation_candidate_count = models.PositiveIntegerField(default=0)
    weighted_load = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["care_manager", "taken_on"], name="caseload_snapshot_once_a_day")
        ]

    def __str__(self) -> str:
        return f"Caseload of user {self.care_manager_id} on {self.taken_on}"


@pghistory.track()
class SupervisionSession(models.Model):
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    care_manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    notes = models.TextField(blank=True)
    enrollments_discussed = models.ManyToManyField(
        Enrollment, related_name="supervision_sessions", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("care_manager")), name="supervision_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"Supervision on {self.held_on}"


class DecisionKind(models.TextChoices):
    CHANGE_LEVEL = "change_level", "Change level of care"
    PREPARE_GRADUATION = "prepare_graduation", "Prepare graduation"
    REASSIGN = "reassign", "Reassign primary care manager"
    INCREASE_SUPPORT = "increase_support", "Increase support"
    OTHER = "other", "Other"


@pghistory.track()
class SupervisionDecision(models.Model):
    session = models.ForeignKey(SupervisionSession, on_delete=models.PROTECT, related_name="decisions")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="supervision_decisions")
    kind = models.CharField(max_length=30, choices=DecisionKind.choices)
    # The reason or what was agreed; for a reassignment, the warm-transfer note for the new care manager.
    detail = models.TextField(blank=True)
    # Change level of care: the level chosen and, when it differs from the recommendation, until when.
    level = models.CharField(max_length=10, choices=IntensityLevel.choices, blank=True)
    level_until = models.DateField(null=True, blank=True)
    # Reassign: the new primary care manager.
    reassign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DecisionKind.values), name="supervision_decision_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


@pghistory.track()
class Graduation(models.Model):
    """The record of a graduation: the person's agreement and the handoff to primary care."""

    enrollment = models.OneToOneField(Enrollment, on_delete=models.PROTECT, related_name="graduation")
    graduated_on = models.DateField()
    patient_agreed_on = models.DateField()
    criteria_reviewed = models.JSONField(default=list, blank=True)
    handoff_summary = models.TextField(blank=True)
    # Who to call at primary care, for the handoff summary and the certificate.
    primary_care_contact = models.CharField(max_length=300, blank=True)
    next_primary_care_visit_on = models.DateField(null=True, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(graduated_on__gte=models.F("patient_agreed_on")),
                name="graduation_after_agreement",
            ),
        ]

    def __str__(self) -> str:
        return f"Graduated on {self.graduated_on}"


class FollowUpOutcome(models.TextChoices):
    DOING_WELL = "doing_well", "Doing well"
    NEEDS_SUPPORT = "needs_support", "Needs some support"
    NOT_REACHED = "not_reached", "Could not reach them"


@pghistory.track()
class FollowUpCheckIn(models.Model):
    """A check-in scheduled after graduation (30, 60 and 90 days by default)."""

    graduation = models.ForeignKey(Graduation, on_delete=models.PROTECT, related_name="follow_ups")
    days_after = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=FollowUpOutcome.choices, blank=True)
    note = models.TextField(blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        ordering = ["due_on"]
        constraints = [
            models.UniqueConstraint(fields=["graduation", "days_after"], name="follow_up_once"),
            models.CheckConstraint(condition=Q(days_after__gte=1), name="follow_up_after_graduation"),
        ]

    def __str__(self) -> str:
        return f"Follow-up due {self.due_on}"


@pghistory.track()
class Candidate(models.Model):
    """Someone not enrolled who meets the program's candidate rule (by default two or more inpatient
    admissions within six months). Recomputed by caseloads.tasks; an admin decides whether to reach out."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="candidates")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    admissions = models.PositiveSmallIntegerField()
    first_admission_on = models.DateField()
    last_admission_on = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-admissions", "-last_admission_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["program", "patient"], name="candidate_once_per_program"),
            models.CheckConstraint(
                condition=Q(last_admission_on__gte=models.F("first_admission_on")),
                name="candidate_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Candidate: patient {self.patient_id}"


@pghistory.track()
class UtilisationImport(UploadedFile):
    """An uploaded utilisation file (ED visits and admissions, such as a health plan's claims extract), kept
    between its preview and the import the admin chooses. `imported_count` counts the visits recorded."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="utilisation_imports")
    # People new to Tandem, and rows already recorded and so skipped.
    patients_created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta(UploadedFile.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(imported_at__isnull=False)
                | Q(imported_count=0, patients_created_count=0, skipped_count=0),
                name="utilisation_import_counts_after_import",
            ),
        ]

    def __str__(self) -> str:
        return f"Utilisation import {self.pk}"


class CaseloadRecomputeRequest(models.Model):
    """An enrolment whose caseload row must be recomputed: written in the same transaction as the change.

    The task sent on commit recomputes it and deletes the request; when the broker is down the request
    waits here, and the catch-up job (every few minutes) or the nightly run picks it up. Nothing is lost.
    """

    enrollment = models.OneToOneField(Enrollment, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Recompute enrolment {self.enrollment_id}"


# Program outcomes (caseloads.outcomes): what the program spends, and the figures worked out from the records
# by caseloads.outcomes_refresh so that the outcomes page reads a few narrow tables instead of every contact.


@pghistory.track()
class ProgramCost(models.Model):
    """What the program spent on care management over a period, for cost per case. A cost without a team is
    the whole program's (shown when no team is chosen)."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="costs")
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Leave empty for a cost of the whole program.",
    )
    starts_on = models.DateField("period starts on")
    ends_on = models.DateField("period ends on")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    description = models.CharField(max_length=300, help_text="What the amount covers, e.g. staff and travel.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="program_cost_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="program_cost_not_negative"),
        ]
        indexes = [models.Index(fields=["program", "starts_on"], name="program_cost_period_idx")]

    def __str__(self) -> str:
        return f"{self.description} ({self.starts_on} to {self.ends_on})"

    def clean(self) -> None:
        if (
            self.team_id is not None
            and self.program_id is not None
            and self.team.program_id != self.program_id
        ):
            raise ValidationError({"team": "Choose a team of the same program."})


class OutcomeRefresh(models.Model):
    """When a program's outcome figures were last worked out, and on which day's data."""

    program = models.OneToOneField(Program, on_delete=models.CASCADE, primary_key=True, related_name="+")
    computed_at = models.DateTimeField()
    # The program's "today" of that run: time in program and exposure since enrolment run to this day.
    computed_on = models.DateField()
    episode_count = models.PositiveIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Outcomes of program {self.program_id} computed {self.computed_at:%Y-%m-%d %H:%M}"


class OutcomeEpisode(models.Model):
    """One enrolment's figures for the outcomes page, derived from its records (never edited)."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    status = models.CharField(max_length=20)
    referred_on = models.DateField()
    screened_on = models.DateField(null=True, blank=True)
    enrolled_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    # Days of one record each (ED visits; admissions and readmissions) in the 365 days before enrolled_on, and
    # from enrolled_on to ended_on or the day of the refresh (`days_since` days, both ends counted).
    ed_visits_before = models.PositiveIntegerField(default=0)
    admissions_before = models.PositiveIntegerField(default=0)
    ed_visits_since = models.PositiveIntegerField(default=0)
    admissions_since = models.PositiveIntegerField(default=0)
    days_since = models.PositiveIntegerField(null=True, blank=True)
    # The first and last confidence (0-10) since enrolment, when there are at least two check-ins with one.
    first_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    last_confidence = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["program", "team"], name="outcome_episode_program_idx")]

    def __str__(self) -> str:
        return f"Outcome figures of enrolment {self.enrollment_id}"


class OutcomeEventKind(models.TextChoices):
    DISCHARGE = "discharge", "Hospital discharge"
    SATISFACTION = "satisfaction", "Satisfaction survey"
    SUCCESS = "success", "Success moment"


class OutcomeEvent(models.Model):
    """A dated event the outcomes page counts within a period: a discharge (value 1 when readmitted within
    30 days, 0 when not, empty while the 30 days run), a satisfaction answer (1-5) or a success moment."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", null=True, blank=True)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=OutcomeEventKind.choices)
    # The row it comes from: a life event, a check-in or a success moment, by kind.
    source_id = models.BigIntegerField()
    occurred_on = models.DateField()
    value = models.SmallIntegerField(null=True, blank=True)
    success_kind = models.CharField(max_length=30, blank=True)
    # The enrolment's event before this one of the same kind (and success kind), and of the same kind: an
    # event whose previous one is before a period is the enrolment's first in it, so counting those counts
    # people without a DISTINCT.
    previous_on = models.DateField(null=True, blank=True)
    previous_of_kind_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_id"], name="outcome_event_once_per_source"),
        ]
        indexes = [
            models.Index(fields=["program", "kind", "occurred_on"], name="outcome_event_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"
