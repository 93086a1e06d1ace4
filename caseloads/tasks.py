"""Background jobs of caseloads. Thin: each finds its programs and calls a service."""

from celery import shared_task

from accounts.models import Program
from caseloads.recompute import recompute_caseloads
from caseloads.services import candidates_recompute


@shared_task(name="caseloads.candidates_recompute")
def candidates_recompute_task(program_id: int | None = None) -> int:
    """Recompute the candidate list of one program, or of every program (the nightly run)."""
    programs = Program.objects.filter(pk=program_id) if program_id else Program.objects.all()
    return sum(candidates_recompute(program=program) for program in programs.order_by("pk"))


@shared_task(name="caseloads.recompute_caseloads")
def recompute_caseloads_task(program_id: int | None = None) -> int:
    """The nightly full recompute of every enrolment in care, per program. Returns the rows written."""
    programs = Program.objects.filter(pk=program_id) if program_id else Program.objects.all()
    return sum(recompute_caseloads(program=program).written for program in programs.order_by("pk"))
