"""Staying in touch: contacts and attempts, life events, check-ins, success moments, peer support."""

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from accounts.models import Program
from careplans.models import Goal
from patients.models import Enrollment, Patient


class ContactMode(models.TextChoices):
    HOME = "home", "Home visit"
    CLINIC = "clinic", "Clinic"
    EMERGENCY_DEPARTMENT = "ed", "Emergency department"
    HOSPITAL_BEDSIDE = "hospital", "Hospital bedside"
    STREET_SHELTER = "street_shelter", "Street or shelter"
    ACCOMPANIED_APPOINTMENT = "accompanied", "Accompanied appointment"
    COMMUNITY = "community", "Community (café, park, other)"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    TEXT = "text", "Text message"


IN_PERSON_MODES = (
    ContactMode.HOME,
    ContactMode.CLINIC,
    ContactMode.EMERGENCY_DEPARTMENT,
    ContactMode.HOSPITAL_BEDSIDE,
    ContactMode.STREET_SHELTER,
    ContactMode.ACCOMPANIED_APPOINTMENT,
    ContactMode.COMMUNITY,
)


class EngagementMethod(models.TextChoices):
    MOTIVATIONAL_INTERVIEWING = "motivational_interviewing", "Motivational interviewing"
    TRAUMA_INFORMED = "trauma_informed", "Trauma-informed care"
    TEACH_BACK = "teach_back", "Teach-back"
    HARM_REDUCTION = "harm_reduction", "Harm reduction"
    SHARED_DECISION = "shared_decision", "Shared decision-making"
    PRACTICAL_HELP = "practical_help", "Practical help (rides, forms, food)"
    ACCOMPANIMENT = "accompaniment", "Accompanying to an appointment"
    SELF_MANAGEMENT = "self_management", "Self-management coaching"


MAX_CONTACT_MINUTES = 24 * 60


class ContactQuerySet(models.QuerySet["Contact"]):
    def reached(self) -> "ContactQuerySet":
        return self.filter(is_reached=True)

    def attempts(self) -> "ContactQuerySet":
        return self.filter(is_reached=False)


@pghistory.track()
class Contact(models.Model):
    """A contact with the patient, or an attempt that did not reach them."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="contacts")
    occurred_at = models.DateTimeField()
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=20, choices=ContactMode.choices)
    is_reached = models.BooleanField("reached the person")
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    engagement_methods = ArrayField(
        models.CharField(max_length=40, choices=EngagementMethod.choices), default=list, blank=True
    )
    note = models.TextField(blank=True)
    # The note holds substance-use treatment information (42 CFR Part 2): care team only.
    is_part2 = models.BooleanField(default=False)
    next_contact_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(mode__in=ContactMode.values), name="contact_mode_valid"),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=MAX_CONTACT_MINUTES),
                name="contact_duration_within_a_day",
            ),
            models.CheckConstraint(
                condition=Q(engagement_methods__contained_by=EngagementMethod.values),
                name="contact_engagement_methods_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["enrollment", "-occurred_at"], name="contact_enrollment_recent_idx"),
            models.Index(
                fields=["enrollment", "-occurred_at"],
                condition=Q(is_reached=True),
                name="contact_reached_recent_idx",
            ),
        ]

    def __str__(self) -> str:
        outcome = "reached" if self.is_reached else "attempt"
        return f"{self.get_mode_display()} ({outcome})"


@pghistory.track()
class GoalProgress(models.Model):
    """A short note on how a goal is going, often written while logging a contact."""

    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="progress_notes")
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="goal_progress", null=True, blank=True
    )
    note = models.CharField(max_length=300, blank=True)
    # When the contact happened, which may be days before it was logged.
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # When the note was written: the API's incremental sync follows it (`recorded_at` can be in the past).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "contact"],
                condition=Q(contact__isnull=False),
                name="goal_progress_once_per_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.note or "Reviewed"


class LifeEventKind(models.TextChoices):
    ED_VISIT = "ed_visit", "Emergency department visit"
    ADMISSION = "admission", "Hospital admission"
    DISCHARGE = "discharge", "Hospital discharge"
    READMISSION = "readmission", "Readmission within 30 days"
    CRISIS = "crisis", "Crisis"
    HOUSING_LOSS = "housing_loss", "Lost housing"
    HOUSED = "housed", "Found housing"
    INCARCERATION = "incarceration", "Jail or prison"
    RELEASE = "release", "Released from jail or prison"
    RELAPSE = "relapse", "Relapse"
    OTHER = "other", "Other"


# Events that count as a crisis for intensity and graduation rules.
CRISIS_KINDS = (
    LifeEventKind.ED_VISIT,
    LifeEventKind.ADMISSION,
    LifeEventKind.READMISSION,
    LifeEventKind.CRISIS,
)


class LifeEventSource(models.TextChoices):
    PATIENT = "patient", "Told by the patient"
    CARE_TEAM = "care_team", "Care team"
    HOSPITAL_NOTICE = "hospital_notice", "Hospital notice"
    CLAIMS = "claims", "Claims or health plan data"


@pghistory.track()
class LifeEvent(models.Model):
    """Something that happened in the person's life. Kept per patient so events before enrolment count."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="life_events")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="life_events", null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=LifeEventKind.choices)
    occurred_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    facility = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(
        max_length=20, choices=LifeEventSource.choices, default=LifeEventSource.CARE_TEAM
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LifeEventKind.values), name="life_event_kind_valid"),
            models.CheckConstraint(
                condition=Q(source__in=LifeEventSource.values), name="life_event_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("occurred_on")),
                name="life_event_dates_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "-occurred_on"], name="life_event_patient_recent_idx"),
            models.Index(fields=["enrollment", "-occurred_on"], name="life_event_enrol_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class CheckInKind(models.TextChoices):
    ROUTINE = "routine", "Routine check-in"
    SATISFACTION_SURVEY = "satisfaction", "Satisfaction survey"
    GRADUATION_REVIEW = "graduation_review", "Graduation review"
    POST_GRADUATION = "post_graduation", "After graduation"


class ReadinessView(models.TextChoices):
    READY = "ready", "Feels ready to manage without the program"
    NOT_YET = "not_yet", "Not yet"
    UNSURE = "unsure", "Not sure"


@pghistory.track()
class CheckIn(models.Model):
    """How the person rates their own confidence, and how they feel about the program."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="check_ins")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=20, choices=CheckInKind.choices, default=CheckInKind.ROUTINE)
    # "How confident are you that you can manage your health and life?" 0 to 10.
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    # An optional validated activation measure (0 to 100).
    activation_score = models.PositiveSmallIntegerField(null=True, blank=True)
    readiness_to_graduate = models.CharField(max_length=10, choices=ReadinessView.choices, blank=True)
    # Satisfaction survey: 1 (very unhappy) to 5 (very happy).
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=10), name="check_in_confidence_0_10"
            ),
            models.CheckConstraint(
                condition=Q(activation_score__isnull=True) | Q(activation_score__lte=100),
                name="check_in_activation_0_100",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="check_in_satisfaction_1_5",
            ),
            models.CheckConstraint(condition=Q(kind__in=CheckInKind.values), name="check_in_kind_valid"),
            models.CheckConstraint(
                condition=Q(readiness_to_graduate__in=[*ReadinessView.values, ""]),
                name="check_in_readiness_valid",
            ),
        ]
        indexes = [models.Index(fields=["enrollment", "-occurred_on"], name="check_in_recent_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.occurred_on}"


class SuccessKind(models.TextChoices):
    TRUST = "trust", "Trust"
    MINDSET_INITIATIVE = "mindset_initiative", "Mindset or initiative"
    STABILITY_INDEPENDENCE = "stability_independence", "Stability and independence"


@pghistory.track()
class SuccessMoment(models.Model):
    """A success as the patient and care manager see it, however small."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="success_moments")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=30, choices=SuccessKind.choices)
    description = models.TextField()
    goal = models.ForeignKey(
        Goal, on_delete=models.PROTECT, related_name="success_moments", null=True, blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SuccessKind.values), name="success_moment_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(description=""), name="success_moment_described"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class PeerGroupFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"


class PeerGroup(models.Model):
    """A peer support group the program connects people to: in person or online, led by a peer."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="peer_groups")
    name = models.CharField(max_length=200)
    format = models.CharField(max_length=20, choices=PeerGroupFormat.choices)
    meets = models.CharField("when and where it meets", max_length=300, blank=True)
    leader_name = models.CharField(max_length=200, blank=True)
    leader_phone = models.CharField(max_length=40, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="peer_group_unique_name"),
            models.CheckConstraint(
                condition=Q(format__in=PeerGroupFormat.values), name="peer_group_format_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class PeerMentor(models.Model):
    """A peer who volunteers to walk beside someone, often a graduate of the program. A graduate is
    listed by the name they volunteer under, never linked to their own record."""

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="peer_mentors")
    name = models.CharField("name they volunteer under", max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    is_graduate = models.BooleanField("a graduate of the program", default=False)
    languages = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="peer_mentor_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="peer_mentor_named"),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track()
class PeerConnection(models.Model):
    """The patient joined a peer group, or was matched with a peer mentor (often a graduate).

    `mentor_name` is a mentor named without an entry in the program's list (connections recorded before
    the list existed, and generated demo data); new connections name a group or a listed mentor.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="peer_connections")
    group = models.ForeignKey(
        PeerGroup, on_delete=models.PROTECT, related_name="connections", null=True, blank=True
    )
    mentor = models.ForeignKey(
        PeerMentor, on_delete=models.PROTECT, related_name="connections", null=True, blank=True
    )
    mentor_name = models.CharField(max_length=200, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            # Exactly one of: a group, a listed mentor, a mentor named only.
            models.CheckConstraint(
                condition=Q(group__isnull=False, mentor__isnull=True, mentor_name="")
                | Q(group__isnull=True, mentor__isnull=False, mentor_name="")
                | (Q(group__isnull=True, mentor__isnull=True) & ~Q(mentor_name="")),
                name="peer_connection_has_group_or_mentor",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="peer_connection_dates_in_order",
            ),
            models.UniqueConstraint(
                fields=["enrollment", "group"],
                condition=Q(ended_on__isnull=True, group__isnull=False),
                name="peer_connection_one_open_per_group",
            ),
            models.UniqueConstraint(
                fields=["enrollment", "mentor"],
                condition=Q(ended_on__isnull=True, mentor__isnull=False),
                name="peer_connection_one_open_per_mentor",
            ),
        ]

    def __str__(self) -> str:
        return str(self.group or self.mentor or self.mentor_name)

    @property
    def mentor_display_name(self) -> str:
        """The mentor's name, listed or named only; empty for a group."""
        return self.mentor.name if self.mentor is not None else self.mentor_name

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


@pghistory.track()
class PeerContact(models.Model):
    """The person met their mentor or went to their group, as the care team heard it."""

    connection = models.ForeignKey(PeerConnection, on_delete=models.PROTECT, related_name="contacts")
    occurred_on = models.DateField()
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["connection", "-occurred_on"], name="peer_contact_recent_idx")]

    def __str__(self) -> str:
        return f"Peer contact on {self.occurred_on}"
