"""Background jobs of caseloads. Thin: each finds its programs and calls a service."""

from celery import shared_task

from accounts.models import Program
from caseloads.outcomes_refresh import outcomes_refresh
from caseloads.recompute import caseload_snapshots_take, recompute_caseloads, recompute_requested


@shared_task(name="caseloads.candidates_recompute")
def candidates_recompute_task(program_id: int | None = None) -> int:
    """Recompute the candidate list of one program, or of every program (the nightly run)."""
    # Imported here: caseloads.services sends the recompute tasks below.
    from caseloads.services import candidates_recompute

    programs = Program.objects.filter(pk=program_id) if program_id else Program.objects.all()
    return sum(candidates_recompute(program=program) for program in programs.order_by("pk"))


@shared_task(name="caseloads.recompute_caseloads")
def recompute_caseloads_task(program_id: int | None = None) -> int:
    """The nightly run, per program: every enrolment in care, then each care manager's daily snapshot.

    Returns the rows written. A program whose full run is already going elsewhere is left to that run.
    """
    programs = Program.objects.filter(pk=program_id) if program_id else Program.objects.all()
    written = 0
    for program in programs.order_by("pk"):
        result = recompute_caseloads(program=program)
        if not result.skipped:
            caseload_snapshots_take(program=program)
        written += result.written
    return written


@shared_task(name="caseloads.recompute_enrollment")
def recompute_enrollment_task(enrollment_id: int) -> int:
    """One enrolment, right after a change to it was committed. Returns the rows written (0 or 1)."""
    return recompute_requested(enrollment_ids=[enrollment_id]).written


@shared_task(name="caseloads.recompute_requested")
def recompute_requested_task() -> int:
    """Every recompute request still waiting (sent while the broker was unreachable)."""
    return recompute_requested().written


@shared_task(name="caseloads.refresh_outcomes")
def outcomes_refresh_task(program_id: int | None = None) -> int:
    """Work out the outcome figures of one program, or of every program (the hourly run). Returns the rows
    written; a program whose refresh is already going elsewhere is left to that one."""
    programs = Program.objects.filter(pk=program_id) if program_id else Program.objects.all()
    return sum(outcomes_refresh(program=program).written for program in programs.order_by("pk"))
