"""Background jobs of caseloads. Thin: each finds its programs and calls a service."""

from celery import shared_task

from accounts.models import Program
from caseloads.services import candidates_recompute


@shared_task(name="caseloads.candidates_recompute")
def candidates_recompute_task(program_id: int | None = None) -> int:
    """Recompute the candidate list of one program, or of every program (the nightly run)."""
    programs = Program.objects.filter(pk=program_id) if program_id else Program.objects.all()
    return sum(candidates_recompute(program=program) for program in programs.order_by("pk"))
