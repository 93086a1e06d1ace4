"""Care plans co-created with the patient: goals in their own words, steps, and the assessment."""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.persistence import updated_at_moves
from patients.models import CareTeamMember, CommunitySupport, Enrollment


class AssessmentDomainKind(models.TextChoices):
    WHAT_MATTERS_MOST = "what_matters_most", "What matters most"
    STRENGTHS = "strengths", "Strengths"
    LIFE_EXPERIENCES = "life_experiences", "Life experiences"
    HEALTH_CONDITIONS = "health_conditions", "Health conditions"
    MEDICATIONS = "medications", "Medications"
    BEHAVIOURAL_HEALTH = "behavioural_health", "Behavioural health"
    SUBSTANCE_USE = "substance_use", "Substance use"
    HOUSING = "housing", "Housing"
    FOOD = "food", "Food"
    TRANSPORT = "transport", "Transport"
    INCOME_BENEFITS = "income_benefits", "Income and benefits"
    LEGAL = "legal", "Legal"
    SOCIAL_SUPPORT = "social_support", "Social support"
    SAFETY_TRAUMA = "safety_trauma", "Safety"


class NeedLevel(models.TextChoices):
    NONE = "none", "No need right now"
    SOME = "some", "Some need"
    URGENT = "urgent", "Urgent need"


@pghistory.track()
class AssessmentDomain(models.Model):
    """One piece of the stepwise assessment, filled in when the person is ready to talk about it."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="assessment_domains")
    domain = models.CharField(max_length=30, choices=AssessmentDomainKind.choices)
    summary = models.TextField(blank=True)
    need_level = models.CharField(max_length=10, choices=NeedLevel.choices, blank=True)
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Substance-use content is protected by 42 CFR Part 2: shown only to the care team.
    is_part2 = models.BooleanField(default=False)
    # Moves whenever the domain is recorded again: the API's incremental sync follows it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "domain"], name="assessment_domain_once"),
            models.CheckConstraint(
                condition=Q(domain__in=AssessmentDomainKind.values), name="assessment_domain_valid"
            ),
            models.CheckConstraint(
                condition=Q(need_level__in=[*NeedLevel.values, ""]), name="assessment_need_level_valid"
            ),
            models.CheckConstraint(
                condition=~Q(domain="substance_use") | Q(is_part2=True),
                name="assessment_substance_use_is_part2",
            ),
        ]

    def __str__(self) -> str:
        return self.get_domain_display()


class CarePlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Replaced by a newer plan"


@pghistory.track()
class CarePlan(models.Model):
    """The patient's plan (FHIR CarePlan). A new plan supersedes the old one; edits bump `revision`."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="care_plans")
    status = models.CharField(max_length=20, choices=CarePlanStatus.choices, default=CarePlanStatus.DRAFT)
    # Who took part in writing it, and where: the plan is made with the person, not for them.
    co_created_with = models.CharField(max_length=300, blank=True)
    co_created_where = models.CharField(max_length=200, blank=True)
    started_on = models.DateField()
    last_reviewed_on = models.DateField(null=True, blank=True)
    # Optimistic locking: a save must name the revision it was edited from.
    revision = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"], condition=Q(status="active"), name="care_plan_one_active"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CarePlanStatus.values), name="care_plan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__gte=models.F("started_on")),
                name="care_plan_reviewed_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Care plan {self.pk} ({self.get_status_display()})"


@pghistory.track()
class CarePlanReview(models.Model):
    """The plan was gone through with the patient on this day."""

    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"Reviewed on {self.reviewed_on}"


class LifeDomain(models.TextChoices):
    HEALTH = "health", "Health"
    HOUSING = "housing", "Housing"
    FAMILY = "family", "Family"
    WORK = "work", "Work and learning"
    RECOVERY = "recovery", "Recovery"
    MONEY = "money", "Money"
    SOCIAL = "social", "Friends and community"
    LEGAL = "legal", "Legal"
    SAFETY = "safety", "Safety"
    OTHER = "other", "Other"


class GoalStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ACHIEVED = "achieved", "Achieved"
    PAUSED = "paused", "Paused"
    LET_GO = "let_go", "Let go"


# Goals the person has finished with: achieved, or let go. Every other status is open.
CLOSED_GOAL_STATUSES = (GoalStatus.ACHIEVED, GoalStatus.LET_GO)
OPEN_GOAL_STATUSES = tuple(status for status in GoalStatus if status not in CLOSED_GOAL_STATUSES)


@pghistory.track()
class Goal(models.Model):
    """A goal in the patient's own words, ranked by the patient."""

    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="goals")
    patient_words = models.TextField("in the patient's words")
    team_framing = models.TextField(blank=True)
    life_domain = models.CharField(max_length=20, choices=LifeDomain.choices)
    # 1 is what the patient cares about most.
    priority = models.PositiveSmallIntegerField()
    why_it_matters = models.TextField(blank=True)
    success_looks_like = models.TextField(blank=True)
    target_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.PROPOSED)
    status_changed_on = models.DateField()
    achieved_on = models.DateField(null=True, blank=True)
    # The assessment domain where the need behind this goal came up, if it did.
    from_assessment = models.ForeignKey(
        AssessmentDomain, on_delete=models.PROTECT, related_name="goals", null=True, blank=True
    )
    # Optimistic locking: an edit names the version it started from; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            # Deferred so that a reorder can swap priorities inside one transaction.
            models.UniqueConstraint(
                fields=["care_plan", "priority"],
                name="goal_unique_priority",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.CheckConstraint(condition=Q(priority__gte=1), name="goal_priority_positive"),
            models.CheckConstraint(condition=~Q(patient_words=""), name="goal_patient_words_required"),
            models.CheckConstraint(condition=Q(status__in=GoalStatus.values), name="goal_status_valid"),
            models.CheckConstraint(
                condition=Q(life_domain__in=LifeDomain.values), name="goal_life_domain_valid"
            ),
            models.CheckConstraint(
                condition=(Q(status="achieved") & Q(achieved_on__isnull=False))
                | (~Q(status="achieved") & Q(achieved_on__isnull=True)),
                name="goal_achieved_has_date",
            ),
        ]
        # A reorder is a bulk_update of the priorities alone.
        triggers = [updated_at_moves("goal")]

    def __str__(self) -> str:
        return self.patient_words[:80]


class StepOwner(models.TextChoices):
    PATIENT = "patient", "The patient"
    CARE_MANAGER = "care_manager", "Care manager"
    TEAM_MEMBER = "team_member", "Care team member"
    COMMUNITY_SUPPORT = "community_support", "Community support"


@pghistory.track()
class Step(models.Model):
    """The next action toward a goal: what, who does it, by when."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="steps")
    description = models.CharField(max_length=500)
    owner = models.CharField("who does it", max_length=20, choices=StepOwner.choices)
    owner_team_member = models.ForeignKey(
        CareTeamMember, on_delete=models.PROTECT, related_name="steps", null=True, blank=True
    )
    owner_support = models.ForeignKey(
        CommunitySupport, on_delete=models.PROTECT, related_name="steps", null=True, blank=True
    )
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=1)
    from_assessment = models.ForeignKey(
        AssessmentDomain, on_delete=models.PROTECT, related_name="steps", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Moves when the step is marked done or reopened: the API's incremental sync and ETags follow it.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(owner__in=StepOwner.values), name="step_owner_valid"),
            models.CheckConstraint(condition=~Q(description=""), name="step_description_required"),
            models.CheckConstraint(
                condition=~Q(owner="team_member") | Q(owner_team_member__isnull=False),
                name="step_team_member_named",
            ),
            models.CheckConstraint(
                condition=~Q(owner="community_support") | Q(owner_support__isnull=False),
                name="step_support_named",
            ),
        ]
        # Marking a step done saves only its completion day.
        triggers = [updated_at_moves("step")]

    def __str__(self) -> str:
        return self.description

    @property
    def is_done(self) -> bool:
        return self.completed_on is not None


@pghistory.track()
class CarePlanVersion(models.Model):
    """The plan as it stood after one change: kept so that every earlier version stays readable.

    `content` holds the co-creation details and every goal with its steps, as plain values, so a
    version reads the same however the plan changes later.
    """

    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="versions")
    revision = models.PositiveIntegerField()
    content = models.JSONField()
    change_summary = models.CharField(max_length=300)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-revision"]
        constraints = [
            models.UniqueConstraint(fields=["care_plan", "revision"], name="care_plan_version_once"),
        ]

    def __str__(self) -> str:
        return f"Version {self.revision}"


class HandoutLanguage(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


@pghistory.track()
class PlanHandout(models.Model):
    """A printed or PDF copy of "My Plan" handed to the patient, kept exactly as it was given."""

    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="handouts")
    revision = models.PositiveIntegerField()
    language = models.CharField(max_length=5, choices=HandoutLanguage.choices)
    handed_on = models.DateField()
    handed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The handout's whole HTML as given, so it can be shown again word for word.
    content_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-handed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=HandoutLanguage.values), name="plan_handout_language_valid"
            ),
            models.CheckConstraint(condition=~Q(content_html=""), name="plan_handout_has_content"),
        ]

    def __str__(self) -> str:
        return f"My Plan, version {self.revision}, handed over on {self.handed_on}"
