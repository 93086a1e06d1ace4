"""`manage.py recompute_caseloads`: recompute caseload rows by hand, with progress.

    python manage.py recompute_caseloads [--program P] [--enrollment E]

Without options every program's enrolments in care are recomputed. Safe to run at any time: rows
whose values are unchanged are not written.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Program
from caseloads.recompute import recompute_caseloads
from patients.models import Enrollment


class Command(BaseCommand):
    help = "Recompute the caseload status of enrolments in care (all programs unless narrowed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", type=int, help="Only this program (id).")
        parser.add_argument("--enrollment", type=int, help="Only this enrolment (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        programs = Program.objects.order_by("pk")
        enrollment_ids: list[int] | None = None
        if options["enrollment"] is not None:
            program_id = (
                Enrollment.objects.filter(pk=options["enrollment"])
                .values_list("program_id", flat=True)
                .first()
            )
            if program_id is None:
                raise CommandError(f"No enrolment with id {options['enrollment']}.")
            if options["program"] is not None and options["program"] != program_id:
                raise CommandError(
                    f"Enrolment {options['enrollment']} is not in program {options['program']}."
                )
            programs = programs.filter(pk=program_id)
            enrollment_ids = [options["enrollment"]]
        elif options["program"] is not None:
            programs = programs.filter(pk=options["program"])
            if not programs.exists():
                raise CommandError(f"No program with id {options['program']}.")

        started = time.monotonic()
        enrolments = written = unchanged = 0
        for program in programs:

            def report(done: int, total: int, program: Program = program) -> None:
                self.stdout.write(f"{program}: recomputed {done:,} of {total:,} enrolments …")

            result = recompute_caseloads(program=program, enrollment_ids=enrollment_ids, progress=report)
            enrolments += result.enrolments
            written += result.written
            unchanged += result.unchanged
        seconds = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Recomputed {enrolments:,} enrolments: {written:,} written, {unchanged:,} unchanged "
                f"in {seconds:.1f} s."
            )
        )
