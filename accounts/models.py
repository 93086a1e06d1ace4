"""Who works in Tandem and where: organisations, programs, teams, users and their roles."""

import datetime
import zoneinfo

import pghistory
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Organization(models.Model):
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Program(models.Model):
    """A care-management program: the unit that owns patients, settings and admins."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="programs")
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, default="America/New_York", choices=_time_zone_choices)
    # Outreach: after this many failed attempts within this many days, close as unable to reach.
    outreach_attempt_limit = models.PositiveSmallIntegerField(default=6)
    outreach_period_days = models.PositiveSmallIntegerField(default=60)
    # The window in which the stepwise assessment should be complete.
    assessment_window_days = models.PositiveSmallIntegerField(default=30)
    # Candidates: people not enrolled with this many inpatient admissions within this many days.
    candidate_admissions = models.PositiveSmallIntegerField(default=2)
    candidate_window_days = models.PositiveSmallIntegerField(default=180)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="program_unique_name"),
            models.CheckConstraint(
                condition=models.Q(outreach_attempt_limit__gte=1, outreach_period_days__gte=1),
                name="program_outreach_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        """The calendar day `moment` falls on where the program works."""
        return moment.astimezone(zoneinfo.ZoneInfo(self.time_zone)).date()

    def today(self) -> datetime.date:
        """Today where the program works, whatever time zone the server or task runs in."""
        return self.local_date(timezone.now())


class Team(models.Model):
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CARE_MANAGER = "care_manager", "Care manager"
    SUPERVISOR = "supervisor", "Supervisor"
    PROGRAM_ADMIN = "program_admin", "Program admin"
    PROGRAM_LEAD = "program_lead", "Program lead"


class Discipline(models.TextChoices):
    REGISTERED_NURSE = "rn", "Registered nurse"
    SOCIAL_WORKER = "social_worker", "Social worker"
    COMMUNITY_HEALTH_WORKER = "chw", "Community health worker"
    PEER_SPECIALIST = "peer_specialist", "Peer specialist"
    MEDICAL_ASSISTANT = "medical_assistant", "Medical assistant"
    BEHAVIOURAL_HEALTH = "behavioural_health", "Behavioural health clinician"
    OTHER = "other", "Other"


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in. Role and program decide what they see (patients.access)."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CARE_MANAGER)
    discipline = models.CharField(max_length=30, choices=Discipline.choices, blank=True)
    # Intensity-weighted caseload points this person can carry (high 3, medium 2, low 1 by default).
    caseload_capacity = models.PositiveSmallIntegerField(default=60)
    phone = models.CharField(max_length=40, blank=True)

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
            models.CheckConstraint(
                condition=models.Q(discipline__in=[*Discipline.values, ""]),
                name="user_discipline_valid",
            ),
            # Only the platform superuser may exist outside a program.
            models.CheckConstraint(
                condition=models.Q(program__isnull=False) | models.Q(is_superuser=True),
                name="user_program_required",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="user_unique_email_ci",
            ),
            models.UniqueConstraint(Lower("username"), name="user_unique_username_ci"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_care_manager(self) -> bool:
        return self.role == Role.CARE_MANAGER

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_program_admin(self) -> bool:
        return self.role == Role.PROGRAM_ADMIN

    @property
    def is_program_lead(self) -> bool:
        return self.role == Role.PROGRAM_LEAD


@pghistory.track()
class TeamMembership(models.Model):
    """A care manager works in a team; a supervisor supervises it."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="team_memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class ApiToken(models.Model):
    """A named token for another system, scoped to one program. Only a hash of the key is kept."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=200)
    # The service user the token acts as (accounts.api_tokens): a program admin without a password.
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_token")
    key_hash = models.CharField(max_length=128, unique=True)
    key_prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "name"], name="api_token_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
