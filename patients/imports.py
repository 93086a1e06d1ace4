"""Bulk import of referrals: upload a file, see every problem, then import all rows or only the valid ones.

An import writes what `referral_receive` writes for each person (a Patient, an Enrollment in `referred`
dated in the program's time zone, a Referral received by the admin), but set-based: every row is checked
in Python first, then three bulk inserts run in one transaction. Either every chosen row is written or
none is: a constraint the checks missed rolls the whole transaction back.

Reading an upload, finding one, keeping it and the CSV downloads serve caseloads' utilisation import too.
"""

import codecs
import contextlib
import csv
import dataclasses
import datetime
import io
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterator
from pathlib import PurePath
from typing import Protocol

import pghistory
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Program, User
from patients.csv_safety import spreadsheet_safe
from patients.import_parsing import (
    COLUMNS,
    DATE_FORMATS_HELP,
    DATE_ORDER_HELP,
    SOURCES_HELP,
    URGENCIES_HELP,
    FileRejected,
    ParsedFile,
    ParsedRow,
    Problem,
    parse_csv,
    parse_fhir_bundle,
)
from patients.matching import PersonToMatch, duplicates_within, existing_matches
from patients.models import (
    Enrollment,
    EnrollmentStatus,
    ImportFormat,
    Patient,
    Referral,
    ReferralImport,
    ReferralSource,
    UploadedFile,
    Urgency,
)
from patients.services import ReferralDetails

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
# The patient rows per INSERT: well under PostgreSQL's 65,535 parameters per statement.
BATCH_SIZE = 2000
SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods", ".numbers")


@dataclasses.dataclass(frozen=True, kw_only=True)
class ReferralDefaults:
    """A FHIR Patient carries no referral: the admin gives one source and reason for the whole Bundle."""

    source: str
    reason: str
    urgency: str = Urgency.ROUTINE


@dataclasses.dataclass(frozen=True)
class ImportPreview:
    """Every row of an uploaded file with every problem found in it, duplicates included."""

    referral_import: ReferralImport
    rows: list[ParsedRow]
    notes: list[str]
    row_label: str

    @property
    def rows_word(self) -> str:
        return "entries" if self.row_label == "Entry" else "rows"

    @property
    def valid_rows(self) -> list[ParsedRow]:
        return [row for row in self.rows if row.is_valid]

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def valid_count(self) -> int:
        return sum(1 for row in self.rows if row.is_valid)

    @property
    def error_row_count(self) -> int:
        return self.row_count - self.valid_count


# ---------------------------------------------------------------------------------------------------
# Reading the upload


def decode_upload(raw: bytes, *, accepted: str = "a CSV file or a FHIR Bundle in JSON") -> str:
    """The file as text: UTF-8 with or without a byte-order mark, or UTF-16 with one (Excel's "Unicode")."""
    try:
        if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(
            "This file is not UTF-8 text, so names with accents could be misread. In Excel, choose "
            "File, Save As, “CSV UTF-8 (Comma delimited)” and upload that file."
        ) from error
    if "\x00" in text:
        raise DomainError(f"This file is not a text file. Upload {accepted}.")
    return text


def read_upload(*, file_name: str, raw: bytes, accepted: str = "a CSV file or a FHIR Bundle in JSON") -> str:
    """The uploaded file as text (`decode_upload`). One too large, empty or saved as a spreadsheet file is
    refused with a message that says what to do."""
    if len(raw) > MAX_FILE_BYTES:
        size = len(raw) / (1024 * 1024)
        raise DomainError(
            f"This file is {size:.1f} MB; the limit is {MAX_FILE_BYTES // (1024 * 1024)} MB. "
            "Split it into smaller files and import them one after another."
        )
    if not raw.strip():
        raise DomainError("This file is empty.")
    if PurePath(file_name).suffix.casefold() in SPREADSHEET_SUFFIXES:
        raise DomainError(
            "Tandem reads CSV files, not spreadsheet files. In Excel, choose File, Save As, "
            "“CSV UTF-8 (Comma delimited)” and upload that file."
        )
    return decode_upload(raw, accepted=accepted)


def stored_file_name(file_name: str) -> str:
    """The uploaded file's own name, without any folder, short enough to keep."""
    return PurePath(file_name).name[-255:] or "upload"


def import_format_of(file_name: str, text: str) -> str:
    """CSV or FHIR Bundle, by the file's extension, else by its first character."""
    suffix = PurePath(file_name).suffix.casefold()
    if suffix == ".json" or (suffix not in (".csv", ".txt") and text.lstrip().startswith("{")):
        return ImportFormat.FHIR_BUNDLE
    return ImportFormat.CSV


def _parse(import_format: str, text: str, today: datetime.date) -> ParsedFile:
    try:
        if import_format == ImportFormat.FHIR_BUNDLE:
            return parse_fhir_bundle(text, today=today)
        return parse_csv(text, today=today)
    except FileRejected as rejection:
        raise DomainError(rejection.message) from rejection


def _duplicate_problems(program: Program, parsed: ParsedFile) -> list[ParsedRow]:
    """The rows again, each with a problem added when it repeats an earlier row or an existing patient.

    Two queries whatever the number of rows (patients.matching).
    """
    readable = [(index, row.to_match()) for index, row in enumerate(parsed.rows)]
    people: list[tuple[int, PersonToMatch]] = [(index, person) for index, person in readable if person]
    repeats = duplicates_within([person for _index, person in people])
    existing = existing_matches(program=program, people=[person for _index, person in people])
    by_mrn = parsed.column("mrn")
    by_name = ", ".join(
        dict.fromkeys(parsed.column(name) for name in ("first_name", "last_name", "date_of_birth"))
    )
    found: dict[int, list[Problem]] = defaultdict(list)
    for position, (index, person) in enumerate(people):
        number = parsed.rows[index].number
        mrn = person.mrn.strip()
        if position in repeats:
            first_index, first = people[repeats[position]]
            same_mrn = bool(mrn) and mrn == first.mrn.strip()
            found[index].append(
                Problem(
                    number,
                    by_mrn if same_mrn else by_name,
                    f"Same person as {parsed.row_label.lower()} {parsed.rows[first_index].number} "
                    f"({'same MRN' if same_mrn else 'same name and date of birth'}). Keep one of the two.",
                    mrn if same_mrn else "",
                )
            )
        if existing[position]:
            same_mrn = bool(mrn) and any(patient.mrn == mrn for patient in existing[position])
            found[index].append(
                Problem(
                    number,
                    by_mrn if same_mrn else by_name,
                    "Already in this program: a patient with the "
                    f"{'same MRN' if same_mrn else 'same name and date of birth'}. "
                    "Take this person out of the file, or add the referral from their record.",
                    mrn if same_mrn else "",
                )
            )
    return [
        dataclasses.replace(row, problems=row.problems + tuple(found[index])) if index in found else row
        for index, row in enumerate(parsed.rows)
    ]


def _check(*, program: Program, referral_import: ReferralImport) -> ImportPreview:
    parsed = _parse(referral_import.format, referral_import.content, program.today())
    return ImportPreview(
        referral_import=referral_import,
        rows=_duplicate_problems(program, parsed),
        notes=parsed.notes,
        row_label=parsed.row_label,
    )


# ---------------------------------------------------------------------------------------------------
# Reads


def upload_for_user[Upload: UploadedFile](model: type[Upload], *, user: User, import_id: int) -> Upload:
    """One upload of the user's own program; any other answers 404, as if it did not exist."""
    uploads = model._default_manager.filter(program_id=user.program_id).select_related(
        "program", "uploaded_by"
    )
    return get_object_or_404(uploads, pk=import_id)


def uploads_recent[Upload: UploadedFile](
    model: type[Upload], *, user: User, limit: int = 10
) -> QuerySet[Upload]:
    """The program's latest uploads, without their content."""
    return (
        model._default_manager.filter(program_id=user.program_id)
        .defer("content")
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-pk")[:limit]
    )


def referral_import_for_user(*, user: User, import_id: int) -> ReferralImport:
    return upload_for_user(ReferralImport, user=user, import_id=import_id)


def referral_imports_recent(*, user: User, limit: int = 10) -> QuerySet[ReferralImport]:
    return uploads_recent(ReferralImport, user=user, limit=limit)


def import_preview_of(*, referral_import: ReferralImport) -> ImportPreview:
    """The file checked now: its own problems and the duplicates of the program's patients as they are."""
    return _check(program=referral_import.program, referral_import=referral_import)


# ---------------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def referral_import_upload(
    *, program: Program, file_name: str, raw: bytes, acting_user: User
) -> ReferralImport:
    """Keep an uploaded file for its preview. A file that cannot be read at all is refused, and not kept."""
    if acting_user.program_id != program.pk:
        raise DomainError("You can only import referrals into your own program.")
    text = read_upload(file_name=file_name, raw=raw)
    referral_import = ReferralImport(
        program=program,
        format=import_format_of(file_name, text),
        file_name=stored_file_name(file_name),
        content=text,
        uploaded_by=acting_user,
    )
    preview = _check(program=program, referral_import=referral_import)
    upload_keep(referral_import, row_count=preview.row_count, error_count=preview.error_row_count)
    logger.info(
        "referral_import_uploaded import=%s format=%s rows=%s rows_with_problems=%s",
        referral_import.pk,
        referral_import.format,
        preview.row_count,
        preview.error_row_count,
    )
    return referral_import


def upload_keep(upload: UploadedFile, *, row_count: int, error_count: int) -> None:
    """Save a checked upload with the number of its rows and of those with problems."""
    upload.row_count = row_count
    upload.error_count = error_count
    upload.full_clean()
    upload.save()


def prepare_bulk_insert() -> None:
    """Make the audit triggers quick for the rest of the transaction, before inserting thousands of rows.

    Every audit trigger reads pgtrigger.ignore; unset, it does so in an exception block, a subtransaction
    per row, which slows a transaction of thousands of rows. '{}' ignores nothing: every row is audited.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")


@contextlib.contextmanager
def database_refusal_explained(*, log_event: str, import_id: int | None) -> Iterator[None]:
    """Turn a constraint the checks missed into a DomainError; the transaction inside has rolled back."""
    try:
        yield
    except (IntegrityError, DataError) as error:
        cause = getattr(error, "__cause__", None)
        constraint = getattr(getattr(cause, "diag", None), "constraint_name", None)
        logger.warning("%s import=%s constraint=%s", log_event, import_id, constraint)
        raise DomainError(
            "Nothing was imported: the database refused a row the check had passed (perhaps someone added "
            "the same person meanwhile). Look at the problems again and import once more."
        ) from error


def _received_at(
    program: Program, received_on: datetime.date | None, now: datetime.datetime
) -> datetime.datetime:
    """Now, or midday in the program's time zone on the day the file gives, so the day stays that day."""
    if received_on is None or received_on >= program.local_date(now):
        return now
    return datetime.datetime.combine(
        received_on, datetime.time(12), tzinfo=zoneinfo.ZoneInfo(program.time_zone)
    )


def _referral_for(row: ParsedRow, defaults: ReferralDefaults | None) -> ReferralDetails:
    if row.referral is not None:
        return row.referral
    if defaults is None:
        raise DomainError("Choose the referral source and reason for the people in this file.")
    return ReferralDetails(source=defaults.source, reason=defaults.reason, urgency=defaults.urgency)


def _check_defaults(defaults: ReferralDefaults | None) -> ReferralDefaults | None:
    if defaults is None:
        return None
    if defaults.source not in ReferralSource.values:
        raise DomainError(f"Choose a referral source: {SOURCES_HELP}.")
    if defaults.urgency not in Urgency.values:
        raise DomainError(f"Choose an urgency: {URGENCIES_HELP}.")
    if not defaults.reason.strip():
        raise DomainError("Write the reason for referral.")
    return dataclasses.replace(defaults, reason=defaults.reason.strip())


def _bulk_write(
    rows: list[ParsedRow],
    *,
    program: Program,
    acting_user: User,
    defaults: ReferralDefaults | None,
    now: datetime.datetime,
) -> None:
    """What referral_receive writes for each row, as three bulk inserts."""
    prepare_bulk_insert()
    patients = Patient.objects.bulk_create(
        [Patient(program=program, **dataclasses.asdict(row.person)) for row in rows if row.person],
        batch_size=BATCH_SIZE,
    )
    received = [_received_at(program, row.received_on, now) for row in rows]
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(
                patient=patient,
                program=program,
                status=EnrollmentStatus.REFERRED,
                status_changed_at=received_at,
                referred_on=program.local_date(received_at),
            )
            for patient, received_at in zip(patients, received, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )
    Referral.objects.bulk_create(
        [
            Referral(
                enrollment=enrollment,
                received_by=acting_user,
                **(dataclasses.asdict(_referral_for(row, defaults)) | {"received_at": received_at}),
            )
            for enrollment, row, received_at in zip(enrollments, rows, received, strict=True)
        ],
        batch_size=BATCH_SIZE,
    )


@transaction.atomic
def _import(
    *,
    referral_import: ReferralImport,
    acting_user: User,
    only_valid: bool,
    referral_defaults: ReferralDefaults | None,
    expected_count: int | None,
) -> int:
    locked = (
        ReferralImport.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=referral_import.pk)
    )
    program = locked.program
    if acting_user.program_id != program.pk:
        raise DomainError("You can only import referrals into your own program.")
    if locked.imported_at is not None:
        raise DomainError(
            f"This file was already imported ({locked.imported_count} referrals). "
            "To add more people, upload a new file with only them."
        )
    defaults = _check_defaults(referral_defaults)
    if locked.format == ImportFormat.FHIR_BUNDLE and defaults is None:
        raise DomainError("Choose the referral source and reason for the people in this file.")
    preview = _check(program=program, referral_import=locked)
    if not only_valid and preview.error_row_count:
        raise DomainError(
            f"Nothing was imported: {preview.error_row_count} of {preview.row_count} "
            f"{preview.rows_word} have problems. Fix them and upload the file again, "
            "or choose to import only the valid ones."
        )
    rows = preview.valid_rows
    if expected_count is not None and expected_count != len(rows):
        raise DomainError(
            "Nothing was imported: the program's patients changed since this check "
            f"({len(rows)} {preview.rows_word} are ready now, not {expected_count}). "
            "Look at the problems again, then import."
        )
    if not rows:
        raise DomainError("Nothing was imported: no row is ready to import.")
    now = timezone.now()
    with pghistory.context(referral_import=locked.pk):
        _bulk_write(rows, program=program, acting_user=acting_user, defaults=defaults, now=now)
    locked.row_count = preview.row_count
    locked.error_count = preview.error_row_count
    locked.imported_at = now
    locked.imported_count = len(rows)
    locked.save(update_fields=["row_count", "error_count", "imported_at", "imported_count"])
    logger.info(
        "referral_import_done import=%s imported=%s left_out=%s",
        locked.pk,
        len(rows),
        preview.error_row_count,
    )
    return len(rows)


def referral_import_run(
    *,
    referral_import: ReferralImport,
    acting_user: User,
    only_valid: bool = False,
    referral_defaults: ReferralDefaults | None = None,
    expected_count: int | None = None,
) -> int:
    """Import the file's rows; return how many referrals were written.

    Without `only_valid`, any problem refuses the whole file. With it, the rows without problems are
    written and the others left out. `expected_count` is the number of valid rows the person saw: if the
    check now finds another number (someone added a patient meanwhile), nothing is written. A FHIR Bundle
    needs `referral_defaults`. A file is imported once.
    """
    with database_refusal_explained(log_event="referral_import_refused", import_id=referral_import.pk):
        return _import(
            referral_import=referral_import,
            acting_user=acting_user,
            only_valid=only_valid,
            referral_defaults=referral_defaults,
            expected_count=expected_count,
        )


# ---------------------------------------------------------------------------------------------------
# Files to download


def csv_text(rows: list[list[str]]) -> str:
    """A CSV file for people to open in a spreadsheet: UTF-8 that Excel recognises, no cell a formula."""
    buffer = io.StringIO()
    # The byte-order mark makes Excel open the file as UTF-8, so accented names stay right.
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([[spreadsheet_safe(cell) for cell in row] for row in rows])
    return buffer.getvalue()


# The template's second row explains each column; rows starting with # are skipped on import.
TEMPLATE_HELP = {
    "first_name": "# Help row: delete it, or leave it (rows starting with # are skipped). Required.",
    "last_name": "Required.",
    "date_of_birth": f"Required. {DATE_FORMATS_HELP}. {DATE_ORDER_HELP}",
    "mrn": "Optional. Unique in the program.",
    "preferred_name": "Optional. The name the person goes by.",
    "phone": "Optional.",
    "preferred_language": "Optional. English when blank.",
    "source": f"Required. One of: {SOURCES_HELP}.",
    "referrer_name": "Optional.",
    "referrer_organization": "Optional.",
    "reason": "Required. Why the person is referred.",
    "wants_to_work_on": "Optional. What the person wants help with, in their words.",
    "urgency": f"Optional. {URGENCIES_HELP}. Routine when blank.",
    "received_on": "Optional. The day the referral came; dates as for date_of_birth. Today when blank.",
}
TEMPLATE_EXAMPLE = {
    "first_name": "Quillon",
    "last_name": "Testwood",
    "date_of_birth": "1961-04-12",
    "mrn": "TEST-0001",
    "preferred_name": "Quill",
    "phone": "555-0100",
    "preferred_language": "English",
    "source": "Primary care",
    "referrer_name": "Dr Example Placeholder",
    "referrer_organization": "Example Test Clinic",
    "reason": "Synthetic example: frequent emergency visits and missed appointments",
    "wants_to_work_on": "Find a steady place to live",
    "urgency": "Routine",
    "received_on": "3/5/2024",
}


def template_csv() -> str:
    """The CSV template: the column names, a help row, one synthetic example row."""
    return csv_text(
        [
            list(COLUMNS),
            [TEMPLATE_HELP[name] for name in COLUMNS],
            [TEMPLATE_EXAMPLE[name] for name in COLUMNS],
        ]
    )


class CheckedFile(Protocol):
    """A preview of an uploaded file: how it names its rows and every problem found in them."""

    @property
    def row_label(self) -> str: ...

    @property
    def problems(self) -> list[Problem]: ...


def problems_csv(preview: CheckedFile) -> str:
    """Every problem, one a line, safe to open in a spreadsheet (no cell runs as a formula)."""
    header = [preview.row_label.lower(), "column", "problem", "value in the file"]
    return csv_text(
        [header]
        + [[str(problem.row), problem.column, problem.message, problem.value] for problem in preview.problems]
    )
