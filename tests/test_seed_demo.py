"""`manage.py seed_demo`: coverage of statuses, the care-team rules, determinism and --if-empty."""

import datetime
import io

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from caseloads import demo_data
from caseloads.models import Candidate, CaseloadStatus
from engagement.models import Contact
from patients.models import (
    CARE_STATUSES,
    CLOSED_STATUSES,
    CareTeamMember,
    Enrollment,
    EnrollmentStatus,
    Patient,
    PatientEvent,
    Phase,
)

pytestmark = pytest.mark.django_db

TODAY = "2025-06-15"


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", f"--today={TODAY}", *args, stdout=out)
    return out.getvalue()


def check_deferred_constraints() -> None:
    """Run now the checks PostgreSQL would run at commit (the test transaction never commits):
    deferred foreign keys, the goal priority uniqueness and the primary-care-manager triggers."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def table_counts() -> dict[str, int]:
    return {model._meta.db_table: model.objects.count() for model in demo_data.GENERATED_MODELS}


def test_default_run_has_every_status_and_both_phases() -> None:
    seed()

    check_deferred_constraints()
    assert Patient.objects.filter(enrollments__isnull=False).distinct().count() == 400
    # And one in 40 known only from the health plan's admissions: not enrolled, possibly candidates.
    assert Patient.objects.filter(enrollments__isnull=True).count() == 10
    assert Candidate.objects.exists()
    assert set(Enrollment.objects.values_list("status", flat=True)) == set(EnrollmentStatus.values)
    assert set(Enrollment.objects.values_list("phase", flat=True)) == set(Phase.values)
    most_common = Enrollment.objects.values("status").annotate(n=Count("id")).order_by("-n").first()
    assert most_common["status"] == EnrollmentStatus.ACTIVE
    assert Enrollment.objects.filter(previous_enrollment__isnull=False).exists()
    assert not Patient.objects.exclude(mrn__startswith="DEMO-").exists()


def test_every_enrollment_in_care_has_exactly_one_current_primary() -> None:
    seed("--patients=200")

    check_deferred_constraints()
    in_care = Enrollment.objects.filter(status__in=CARE_STATUSES).annotate(
        primaries=Count("care_team", filter=Q(care_team__is_primary=True, care_team__ended_on__isnull=True))
    )
    assert in_care.exists()
    assert set(in_care.values_list("primaries", flat=True)) == {1}
    # The primary is a care manager of the enrolment's team, and the caseload row names them.
    for enrollment in in_care.select_related("caseload_status"):
        primary = enrollment.care_team.get(is_primary=True, ended_on__isnull=True)
        assert primary.user.role == Role.CARE_MANAGER
        assert primary.user.team_memberships.filter(team_id=enrollment.team_id).exists()
        assert enrollment.caseload_status.care_manager_id == primary.user_id
    closed_members = CareTeamMember.objects.filter(enrollment__status__in=CLOSED_STATUSES)
    assert not closed_members.filter(ended_on__isnull=True).exists()


def test_caseload_status_matches_the_contacts() -> None:
    seed("--patients=150")

    today = datetime.date.fromisoformat(TODAY)
    for status in CaseloadStatus.objects.all():
        reached = Contact.objects.filter(enrollment_id=status.enrollment_id, is_reached=True)
        assert status.last_reached_contact_at == reached.aggregate(last=Max("occurred_at"))["last"]
        recent = [
            contact
            for contact in reached
            if (today - contact.occurred_at.astimezone(demo_data.PROGRAM_TIME_ZONE).date()).days < 30
        ]
        assert status.reached_contacts_last_30_days == len(recent)
        assert status.is_overdue == (status.next_contact_due_on < today)


def test_same_seed_gives_the_same_patients_and_statuses() -> None:
    def seeded(seed_value: int) -> list[tuple[str, str, str]]:
        with transaction.atomic():
            seed("--patients=80", f"--seed={seed_value}")
            rows = list(
                Enrollment.objects.order_by("patient__mrn", "referred_on").values_list(
                    "patient__mrn", "status", "phase", "referred_on"
                )
            )
            transaction.set_rollback(True)
        return rows

    first = seeded(7)
    assert seeded(7) == first
    assert seeded(8) != first


def test_generator_is_deterministic_without_a_database() -> None:
    world = demo_data.DemoWorld(
        program_id=1,
        today=datetime.date(2025, 6, 15),
        now=datetime.datetime(2025, 6, 15, 12, tzinfo=datetime.UTC),
        lead_id=2,
        care_managers=(
            demo_data.CareManagerRef(
                id=3, username="a", team_id=1, discipline="rn", supervisor_id=9, weight=1
            ),
            demo_data.CareManagerRef(
                id=4, username="b", team_id=1, discipline="chw", supervisor_id=9, weight=2
            ),
        ),
        screening_question_ids=(1, 2, 3),
        resources=((1, "housing"), (2, "food")),
        peer_group_ids=(1,),
    )

    def rows() -> dict[str, list[tuple[object, ...]]]:
        generator = demo_data.DemoGenerator(world, seed=3, next_id=demo_data.counting_ids())
        chunk = generator.chunk(number=0, first_index=1, count=50)
        return {model.__name__: table for model, table in chunk.tables.items()}

    assert rows() == rows()


def test_if_empty_leaves_an_existing_demo_alone() -> None:
    seed("--patients=60")
    before = table_counts()

    output = seed("--patients=60", "--if-empty")

    assert "already exists" in output
    assert "maria.rn" in output
    assert table_counts() == before


def test_second_run_without_if_empty_refuses() -> None:
    seed("--patients=60")

    with pytest.raises(CommandError, match="fresh database"):
        seed("--patients=60")


def test_patients_are_inserted_in_bulk_not_row_by_row() -> None:
    with CaptureQueriesContext(connection) as small:
        seed("--patients=60")
    statements = len(small.captured_queries)

    # About 1,700 rows for 60 patients: a save() per row would need thousands of statements.
    assert Patient.objects.filter(enrollments__isnull=False).distinct().count() == 60
    assert statements < 200, statements


def test_no_patients_still_sets_up_the_program() -> None:
    seed("--patients=0")

    assert not Patient.objects.exists()
    assert User.objects.filter(role=Role.CARE_MANAGER).count() == 12


def test_staff_logins() -> None:
    output = seed("--patients=60")

    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.role == Role.PROGRAM_ADMIN
    assert admin.check_password(settings.DEMO_PASSWORD)
    assert User.objects.get(username="lead").role == Role.PROGRAM_LEAD
    sam = User.objects.get(username="sam.supervisor")
    assert sorted(sam.team_memberships.values_list("team__name", flat=True)) == ["Northside", "Riverside"]
    care_managers = User.objects.filter(role=Role.CARE_MANAGER)
    assert care_managers.count() == 12
    assert set(care_managers.values_list("caseload_capacity", flat=True)) == {60}
    assert not care_managers.filter(discipline="").exists()
    for username in ("maria.rn", "dev.sw", "ana.chw", "joe.peer", "lena.rn", "ali.peer"):
        assert username in output
    assert "Password: the value of DEMO_PASSWORD (default tandem-demo)" in output


def test_output_names_no_patient() -> None:
    output = seed("--patients=60")

    for first, last in Patient.objects.values_list("legal_first_name", "legal_last_name"):
        assert f"{first} {last}" not in output
        assert last not in output


def test_audit_events_are_written_with_a_seed_context() -> None:
    seed("--patients=60")

    events = PatientEvent.objects.filter(pgh_label="insert")
    assert events.count() == 60 + 1  # and one person known only from admissions data
    assert {event.pgh_context.metadata["source"] for event in events.select_related("pgh_context")} == {
        "seed_demo"
    }
