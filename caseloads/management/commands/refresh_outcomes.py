"""`manage.py refresh_outcomes`: work out the outcome figures now, with progress.

    python manage.py refresh_outcomes [--program P]

Without --program every program is refreshed. Safe to run at any time, beside the hourly job: rows whose
figures are unchanged are not written, and a program already being refreshed elsewhere is skipped.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Program
from caseloads.outcomes_refresh import outcomes_refresh


class Command(BaseCommand):
    help = "Work out the program outcome figures again (all programs unless narrowed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", type=int, help="Only this program (id).")

    def handle(self, *args: Any, **options: Any) -> None:
        programs = Program.objects.order_by("pk")
        if options["program"] is not None:
            programs = programs.filter(pk=options["program"])
            if not programs.exists():
                raise CommandError(f"No program with id {options['program']}.")
        started = time.monotonic()
        for program in programs:

            def report(stage: str, program: Program = program) -> None:
                self.stdout.write(f"{program}: working out {stage} …")

            result = outcomes_refresh(program=program, progress=report)
            if result.skipped:
                self.stdout.write(f"{program}: skipped, another refresh of this program is running.")
                continue
            self.stdout.write(
                f"{program}: {result.episodes:,} enrolments and {result.events:,} dated events, "
                f"{result.written:,} rows written, in {result.seconds:.1f} s."
            )
        self.stdout.write(self.style.SUCCESS(f"Done in {time.monotonic() - started:.1f} s."))
