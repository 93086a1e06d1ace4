"""Utilisation import: a file of ED visits and admissions (a health plan's claims extract, say) becomes life
events of the people it names, and the program's candidate list is worked out again.

The same flow as the referral import (patients.imports), and the same CSV reading
(patients.import_parsing): upload, a preview with every problem by row, column and message, then import
all rows (only when none has a problem) or only the valid ones, in one transaction.

Each row is matched to the program's patients (patients.matching: the same MRN, or the same name and date
of birth). No match: the person is new to Tandem and is created without an enrolment, since they are not
in the program; they may become a candidate. Two or more matches: a problem, since Tandem cannot tell
whose visit it is. A visit already recorded (the same person, kind and day) is skipped with a note, so
uploading a file again records nothing twice.

It lives in caseloads, not patients, because it writes engagement's LifeEvent and starts the candidate job.
"""

import dataclasses
import datetime
import logging

import pghistory
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.dates import day_text
from accounts.errors import DomainError
from accounts.models import Program, Role, User
from caseloads.models import UtilisationImport
from caseloads.services import ADMISSION_KINDS, candidates_recompute_soon
from engagement.models import LifeEvent, LifeEventKind, LifeEventSource
from patients.import_parsing import (
    DATE_FORMATS_HELP,
    DATE_ORDER_HELP,
    PERSON_COLUMN_ALIASES,
    CsvLayout,
    FileRejected,
    Problem,
    RowReader,
    choices_lookup,
    person_to_match,
    read_csv_rows,
    read_person,
    row_person,
)
from patients.imports import (
    BATCH_SIZE,
    csv_text,
    database_refusal_explained,
    prepare_bulk_insert,
    read_upload,
    stored_file_name,
    upload_for_user,
    upload_keep,
    uploads_recent,
)
from patients.matching import PersonToMatch, duplicates_within, existing_matches
from patients.models import CLOSED_STATUSES, Enrollment, Patient
from patients.services import PersonDetails

logger = logging.getLogger(__name__)

UTILISATION_CSV = CsvLayout(
    columns=(
        "mrn",
        "first_name",
        "last_name",
        "date_of_birth",
        "kind",
        "occurred_on",
        "discharged_on",
        "facility",
    ),
    required=("first_name", "last_name", "date_of_birth", "kind", "occurred_on"),
    aliases=PERSON_COLUMN_ALIASES
    | {
        "type": "kind",
        "event": "kind",
        "event_type": "kind",
        "visit_type": "kind",
        "encounter_type": "kind",
        "date": "occurred_on",
        "visit_date": "occurred_on",
        "admission_date": "occurred_on",
        "admitted_on": "occurred_on",
        "service_date": "occurred_on",
        "discharge_date": "discharged_on",
        "ended_on": "discharged_on",
        "hospital": "facility",
        "facility_name": "facility",
    },
    rows_are="visits or admissions",
)
# What counts as utilisation: the kinds of life event a file records. A new one after someone declined also
# puts them back on the re-approach worklist (caseloads.worklists).
UTILISATION_KINDS = (LifeEventKind.ED_VISIT, *ADMISSION_KINDS)
# Labels are compared without case, hyphens or underscores: "ED visit", "ed_visit" and "Ed-Visit" are one.
KINDS = choices_lookup(
    [(kind.value, kind.label) for kind in UTILISATION_KINDS],
    ed=LifeEventKind.ED_VISIT,
    er=LifeEventKind.ED_VISIT,
    er_visit=LifeEventKind.ED_VISIT,
    emergency=LifeEventKind.ED_VISIT,
    emergency_visit=LifeEventKind.ED_VISIT,
    emergency_room_visit=LifeEventKind.ED_VISIT,
    inpatient=LifeEventKind.ADMISSION,
    inpatient_admission=LifeEventKind.ADMISSION,
    readmit=LifeEventKind.READMISSION,
)
KINDS_HELP = "ED visit, admission, readmission"
FACILITY_MAX_LENGTH = LifeEvent._meta.get_field("facility").max_length
# pg_advisory_xact_lock's first key: this import's own, the second is the program.
_IMPORT_LOCK = 0x55_49_4D  # "UIM"


@dataclasses.dataclass(frozen=True)
class VisitDetails:
    kind: str
    occurred_on: datetime.date
    discharged_on: datetime.date | None
    facility: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class UtilisationRow:
    """One row as read and matched. Valid when it has no problem; ready when valid and not skipped."""

    number: int
    person: PersonDetails | None
    visit: VisitDetails | None = None
    problems: tuple[Problem, ...] = ()
    # The program's patient the row is about; None for someone new to Tandem.
    patient: Patient | None = None
    # Someone new: the number of the first valid row about them, whose details create them once.
    new_person_row: int | None = None
    # Why a valid row records nothing: this visit is already in Tandem, or earlier in the file.
    skipped_because: str = ""

    @property
    def is_valid(self) -> bool:
        return self.person is not None and self.visit is not None and not self.problems

    @property
    def is_ready(self) -> bool:
        return self.is_valid and not self.skipped_because

    def to_match(self) -> PersonToMatch | None:
        return person_to_match(self.person)


@dataclasses.dataclass(frozen=True)
class UtilisationPreview:
    """Every row of an uploaded file, with its problems, whom it is about, and whether it is recorded."""

    utilisation_import: UtilisationImport
    rows: list[UtilisationRow]
    notes: list[str]
    row_label: str = "Row"

    @property
    def problems(self) -> list[Problem]:
        return [problem for row in self.rows for problem in row.problems]

    @property
    def ready_rows(self) -> list[UtilisationRow]:
        return [row for row in self.rows if row.is_ready]

    @property
    def skipped_rows(self) -> list[UtilisationRow]:
        return [row for row in self.rows if row.is_valid and row.skipped_because]

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def error_row_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_valid)

    @property
    def new_people_count(self) -> int:
        return sum(1 for row in self.ready_rows if row.new_person_row == row.number)


# ---------------------------------------------------------------------------------------------------
# Reading the file


def _row_from_cells(cells: dict[str, str], read: RowReader) -> UtilisationRow:
    person_fields, born = read_person(read, cells)
    kind = read.choice("kind", cells["kind"], label="Kind of visit", lookup=KINDS, allowed=KINDS_HELP)
    occurred_on = read.date(
        "occurred_on", cells["occurred_on"], label="Visit or admission date", required=True
    )
    discharged_on = read.date("discharged_on", cells["discharged_on"], label="Discharge date")
    facility = read.text("facility", cells["facility"], label="Facility", max_length=FACILITY_MAX_LENGTH)
    if born is not None and occurred_on is not None and occurred_on < born:
        read.problem("occurred_on", "The visit is before the person was born.", cells["occurred_on"])
    if occurred_on is not None and discharged_on is not None and discharged_on < occurred_on:
        read.problem(
            "discharged_on",
            "The discharge date is before the visit or admission date.",
            cells["discharged_on"],
        )
    person = row_person(read, person_fields, born)
    if read.problems or occurred_on is None:
        return UtilisationRow(number=read.number, person=person, problems=tuple(read.problems))
    return UtilisationRow(
        number=read.number,
        person=person,
        visit=VisitDetails(
            kind=kind, occurred_on=occurred_on, discharged_on=discharged_on, facility=facility
        ),
    )


def _ambiguity(row: UtilisationRow, found: list[Patient]) -> Problem:
    mrn = row.person.mrn.strip() if row.person else ""
    by_mrn = bool(mrn) and any(patient.mrn == mrn for patient in found)
    return Problem(
        row.number,
        "mrn" if by_mrn else "first_name, last_name, date_of_birth",
        f"{len(found)} people in this program match this row (the same MRN, or the same name and date of "
        "birth), so Tandem cannot tell whose visit it is. Correct the row, or record the visit from the "
        "right person's record.",
        mrn if by_mrn else "",
    )


def _matched(program: Program, rows: list[UtilisationRow]) -> list[UtilisationRow]:
    """The rows with whom each is about, ambiguous matches as problems, and repeated visits skipped.

    Three queries whatever the number of rows.
    """
    rows = list(rows)
    people = [(index, person) for index, row in enumerate(rows) if (person := row.to_match())]
    existing = existing_matches(program=program, people=[person for _index, person in people])
    for (index, _person), found in zip(people, existing, strict=True):
        if len(found) > 1:
            rows[index] = dataclasses.replace(
                rows[index], problems=(*rows[index].problems, _ambiguity(rows[index], found))
            )
        elif found:
            rows[index] = dataclasses.replace(rows[index], patient=found[0])
    # Someone new is grouped over the valid rows only, so importing only those still creates them once.
    new = [
        (index, person)
        for index, row in enumerate(rows)
        if row.is_valid and row.patient is None and (person := row.to_match())
    ]
    repeats = duplicates_within([person for _index, person in new])
    for position, (index, _person) in enumerate(new):
        first_index = new[repeats.get(position, position)][0]
        rows[index] = dataclasses.replace(rows[index], new_person_row=rows[first_index].number)
    return _skip_repeated_visits(rows)


def _skip_repeated_visits(rows: list[UtilisationRow]) -> list[UtilisationRow]:
    valid = [row for row in rows if row.is_valid and row.visit]
    known = {row.patient.pk for row in valid if row.patient}
    recorded = set(
        LifeEvent.objects.filter(
            patient_id__in=known,
            kind__in=UTILISATION_KINDS,
            occurred_on__in={row.visit.occurred_on for row in valid if row.visit},
        ).values_list("patient_id", "kind", "occurred_on")
    )
    first_in_file: dict[tuple[object, ...], int] = {}
    result = []
    for row in rows:
        visit = row.visit
        if not row.is_valid or visit is None:
            result.append(row)
            continue
        who = ("patient", row.patient.pk) if row.patient else ("new", row.new_person_row)
        key = (*who, visit.kind, visit.occurred_on)
        day = visit.occurred_on
        what = f"{LifeEventKind(visit.kind).label.lower()} on {day_text(day)}"
        if row.patient and (row.patient.pk, visit.kind, visit.occurred_on) in recorded:
            row = dataclasses.replace(row, skipped_because=f"Already in Tandem: the same {what}.")
        elif key in first_in_file:
            row = dataclasses.replace(row, skipped_because=f"The same {what} as row {first_in_file[key]}.")
        else:
            first_in_file[key] = row.number
        result.append(row)
    return result


def _check(*, program: Program, utilisation_import: UtilisationImport) -> UtilisationPreview:
    try:
        rows, notes = read_csv_rows(
            utilisation_import.content,
            layout=UTILISATION_CSV,
            today=program.today(),
            row_from_cells=_row_from_cells,
        )
    except FileRejected as rejection:
        raise DomainError(rejection.message) from rejection
    return UtilisationPreview(
        utilisation_import=utilisation_import, rows=_matched(program, rows), notes=notes
    )


# ---------------------------------------------------------------------------------------------------
# Reads


def utilisation_import_for_user(*, user: User, import_id: int) -> UtilisationImport:
    """One upload of the user's own program; any other answers 404, as if it did not exist."""
    return upload_for_user(UtilisationImport, user=user, import_id=import_id)


def utilisation_imports_recent(*, user: User, limit: int = 10) -> QuerySet[UtilisationImport]:
    """The program's latest uploads, without their content."""
    return uploads_recent(UtilisationImport, user=user, limit=limit)


def utilisation_preview_of(*, utilisation_import: UtilisationImport) -> UtilisationPreview:
    """The file checked now, against the program's patients and visits as they are."""
    return _check(program=utilisation_import.program, utilisation_import=utilisation_import)


# ---------------------------------------------------------------------------------------------------
# Writes


def _refuse_outsiders(program: Program, acting_user: User) -> None:
    if acting_user.program_id != program.pk or acting_user.role != Role.PROGRAM_ADMIN:
        raise DomainError(
            "Only a program admin can import utilisation data, and only into their own program."
        )


@transaction.atomic
def utilisation_import_upload(
    *, program: Program, file_name: str, raw: bytes, acting_user: User
) -> UtilisationImport:
    """Keep an uploaded file for its preview. A file that cannot be read at all is refused, and not kept."""
    _refuse_outsiders(program, acting_user)
    utilisation_import = UtilisationImport(
        program=program,
        file_name=stored_file_name(file_name),
        content=read_upload(file_name=file_name, raw=raw, accepted="a CSV file"),
        uploaded_by=acting_user,
    )
    preview = _check(program=program, utilisation_import=utilisation_import)
    upload_keep(utilisation_import, row_count=preview.row_count, error_count=preview.error_row_count)
    logger.info(
        "utilisation_import_uploaded import=%s rows=%s rows_with_problems=%s",
        utilisation_import.pk,
        preview.row_count,
        preview.error_row_count,
    )
    return utilisation_import


def _record(rows: list[UtilisationRow], *, program: Program, acting_user: User) -> int:
    """The new people (once each) and one life event a row, as bulk inserts. Returns how many people."""
    prepare_bulk_insert()
    first_rows = [row for row in rows if row.person and row.new_person_row == row.number]
    created = Patient.objects.bulk_create(
        [Patient(program=program, **dataclasses.asdict(row.person)) for row in first_rows if row.person],
        batch_size=BATCH_SIZE,
    )
    new_patient_ids = {row.number: patient.pk for row, patient in zip(first_rows, created, strict=True)}
    # A visit of someone in care belongs to their open episode too, as one logged from the record would.
    open_episodes = dict(
        Enrollment.objects.filter(patient_id__in={row.patient.pk for row in rows if row.patient})
        .exclude(status__in=CLOSED_STATUSES)
        .values_list("patient_id", "pk")
    )
    events = []
    for row in rows:
        visit = row.visit
        if visit is None:
            continue
        patient_id = row.patient.pk if row.patient else new_patient_ids[row.new_person_row or 0]
        events.append(
            LifeEvent(
                patient_id=patient_id,
                enrollment_id=open_episodes.get(patient_id),
                kind=visit.kind,
                occurred_on=visit.occurred_on,
                ended_on=visit.discharged_on,
                facility=visit.facility,
                source=LifeEventSource.CLAIMS,
                recorded_by=acting_user,
            )
        )
    LifeEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
    return len(created)


@transaction.atomic
def _import(
    *,
    utilisation_import: UtilisationImport,
    acting_user: User,
    only_valid: bool,
    expected_count: int | None,
) -> UtilisationImport:
    locked = (
        UtilisationImport.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=utilisation_import.pk)
    )
    program = locked.program
    _refuse_outsiders(program, acting_user)
    if locked.imported_at is not None:
        raise DomainError(
            f"This file was already imported ({locked.imported_count} visits and admissions recorded). "
            "To add more, upload a new file."
        )
    # One utilisation import per program at a time: two uploads of the same file must not both record
    # a visit that neither saw recorded.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s::integer, %s::integer)", [_IMPORT_LOCK, program.pk])
    preview = _check(program=program, utilisation_import=locked)
    if not only_valid and preview.error_row_count:
        raise DomainError(
            f"Nothing was imported: {preview.error_row_count} of {preview.row_count} rows have problems. "
            "Fix them and upload the file again, or choose to import only the valid rows."
        )
    rows = preview.ready_rows
    if expected_count is not None and expected_count != len(rows):
        raise DomainError(
            "Nothing was imported: the program's patients or visits changed since this check "
            f"({len(rows)} rows are ready now, not {expected_count}). Look at the rows again, then import."
        )
    if not rows:
        raise DomainError("Nothing was imported: no row has a visit or admission to record.")
    now = timezone.now()
    with pghistory.context(utilisation_import=locked.pk):
        created = _record(rows, program=program, acting_user=acting_user)
    locked.row_count = preview.row_count
    locked.error_count = preview.error_row_count
    locked.imported_at = now
    locked.imported_count = len(rows)
    locked.patients_created_count = created
    locked.skipped_count = len(preview.skipped_rows)
    locked.save(
        update_fields=[
            "row_count",
            "error_count",
            "imported_at",
            "imported_count",
            "patients_created_count",
            "skipped_count",
        ]
    )
    candidates_recompute_soon(program_id=program.pk)
    logger.info(
        "utilisation_import_done import=%s recorded=%s patients_created=%s skipped=%s left_out=%s",
        locked.pk,
        len(rows),
        created,
        locked.skipped_count,
        preview.error_row_count,
    )
    return locked


def utilisation_import_run(
    *,
    utilisation_import: UtilisationImport,
    acting_user: User,
    only_valid: bool = False,
    expected_count: int | None = None,
) -> UtilisationImport:
    """Record the file's visits and admissions as life events (source: claims); return the import with
    its counts. Then the program's candidate list is worked out again, after commit.

    Without `only_valid`, any problem refuses the whole file; with it, the rows without problems are
    recorded and the others left out. `expected_count` is the number of ready rows the admin saw: another
    number now (someone changed a patient or recorded a visit meanwhile) writes nothing. A file is
    imported once.
    """
    with database_refusal_explained(log_event="utilisation_import_refused", import_id=utilisation_import.pk):
        return _import(
            utilisation_import=utilisation_import,
            acting_user=acting_user,
            only_valid=only_valid,
            expected_count=expected_count,
        )


# ---------------------------------------------------------------------------------------------------
# Files to download

# The template's second row explains each column; rows starting with # are skipped on import.
TEMPLATE_HELP = {
    "mrn": "# Help row: delete it, or leave it (rows starting with # are skipped). Optional.",
    "first_name": "Required.",
    "last_name": "Required.",
    "date_of_birth": f"Required. {DATE_FORMATS_HELP}. {DATE_ORDER_HELP}",
    "kind": f"Required. One of: {KINDS_HELP}.",
    "occurred_on": "Required. The day of the visit or admission; dates as for date_of_birth.",
    "discharged_on": "Optional. The day they left hospital.",
    "facility": "Optional. The hospital or emergency department.",
}
TEMPLATE_EXAMPLES = (
    (
        "TEST-U001",
        "Quillon",
        "Testwood",
        "1961-04-12",
        "Admission",
        "2024-03-05",
        "2024-03-09",
        "Example Test Hospital",
    ),
    ("TEST-U001", "Quillon", "Testwood", "1961-04-12", "ED visit", "2024-05-20", "", "Example Test Hospital"),
)


def template_csv() -> str:
    """The CSV template: the column names, a help row, two synthetic example rows."""
    columns = UTILISATION_CSV.columns
    return csv_text([list(columns), [TEMPLATE_HELP[name] for name in columns], *map(list, TEMPLATE_EXAMPLES)])
