"""Reading an uploaded file of referrals: a CSV file or a FHIR R4 Bundle of Patient resources.

Pure functions, no database: each data row (or Bundle entry) becomes a `ParsedRow` with the person and
referral it describes and every problem found in it, by row, column and a sentence a person can act on.
Whether someone is already in the program is checked afterwards, in `patients.imports`.

A problem with the file as a whole (not text, not a Bundle, a required column missing) raises
`FileRejected` with one message instead.

The CSV reading (`read_csv_rows`, `RowReader`, `read_person`) serves other imports too: a file names its
columns with a `CsvLayout` and turns each row's cells into its own kind of row.
"""

import csv
import dataclasses
import datetime
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping

import pydantic
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient as FhirPatient

from patients.matching import PersonToMatch
from patients.models import ReferralSource, Urgency
from patients.services import PersonDetails, ReferralDetails

EARLIEST_DATE = datetime.date(1900, 1, 1)

# The columns Tandem reads, in the template's order.
COLUMNS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "mrn",
    "preferred_name",
    "phone",
    "preferred_language",
    "source",
    "referrer_name",
    "referrer_organization",
    "reason",
    "wants_to_work_on",
    "urgency",
    "received_on",
)
REQUIRED_COLUMNS = ("first_name", "last_name", "date_of_birth", "source", "reason")
# Other names people give the same columns; header cells are compared as lower_snake_case.
PERSON_COLUMN_ALIASES = {
    "given_name": "first_name",
    "family_name": "last_name",
    "surname": "last_name",
    "dob": "date_of_birth",
    "birth_date": "date_of_birth",
}
COLUMN_ALIASES = PERSON_COLUMN_ALIASES | {
    "referral_source": "source",
    "referral_reason": "reason",
    "language": "preferred_language",
}
# Longest text each column may hold (the database's limits).
MAX_LENGTHS = {
    "first_name": 100,
    "last_name": 100,
    "preferred_name": 100,
    "mrn": 64,
    "phone": 40,
    "preferred_language": 60,
    "referrer_name": 200,
    "referrer_organization": 200,
}
# Columns whose text may span lines; in the others a line break inside quotes becomes a space.
MULTILINE_COLUMNS = frozenset({"reason", "wants_to_work_on"})
DATE_FORMATS_HELP = "2024-03-05, 3/5/2024, 03/05/24, 5-Mar-2024 or an Excel date number such as 45356"
DATE_ORDER_HELP = "A date like 3/5/2024 is read month first, as March 5."
# A row whose first cell starts with this is a note for people (the template's help row) and is skipped.
NOTE_MARK = "#"


class FileRejected(Exception):
    """The file as a whole cannot be read; `message` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclasses.dataclass(frozen=True)
class Problem:
    """One thing wrong in one row: the row number as a person counts it, the column, what to fix."""

    row: int
    column: str
    message: str
    value: str = ""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ParsedRow:
    """One referral as read from the file, valid when it has no problem.

    A row with problems keeps as much of `person` as could be read (names, date of birth, MRN), so it is
    still matched against the other rows; `person` is None when even that could not be read.
    """

    number: int
    person: PersonDetails | None
    # None for FHIR entries: their source and reason are chosen for the whole file on import.
    referral: ReferralDetails | None = None
    received_on: datetime.date | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def is_valid(self) -> bool:
        return self.person is not None and not self.problems

    def to_match(self) -> PersonToMatch | None:
        return person_to_match(self.person)


def person_to_match(person: PersonDetails | None) -> PersonToMatch | None:
    """What patients.matching compares of a person read from a file."""
    if person is None:
        return None
    return PersonToMatch(
        legal_first_name=person.legal_first_name,
        legal_last_name=person.legal_last_name,
        date_of_birth=person.date_of_birth,
        mrn=person.mrn,
    )


@dataclasses.dataclass(frozen=True)
class ParsedFile:
    rows: list[ParsedRow]
    # Things Tandem left aside on purpose (unknown columns, note rows, entries that are not patients).
    notes: list[str]
    # "Row" for CSV files, "Entry" for Bundles: how the problem table names its first column.
    row_label: str
    # How problems name a column, when the file's own name differs from the CSV column name.
    column_labels: dict[str, str] = dataclasses.field(default_factory=dict)

    def column(self, name: str) -> str:
        return self.column_labels.get(name, name)


# ---------------------------------------------------------------------------------------------------
# Cell values


def _lookup_key(text: str) -> str:
    return " ".join(text.casefold().replace("-", " ").replace("_", " ").split())


def choices_lookup(choices: Iterable[tuple[str, str]], **aliases: str) -> dict[str, str]:
    """Each (value, label) pair and alias, compared without case, hyphens or underscores, to its value."""
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup |= {_lookup_key(value): value, _lookup_key(label): value}
    return lookup | {_lookup_key(alias): value for alias, value in aliases.items()}


SOURCES = choices_lookup(
    ReferralSource.choices,
    community_organization=ReferralSource.COMMUNITY_ORGANIZATION,
    emergency_room=ReferralSource.EMERGENCY_DEPARTMENT,
    er=ReferralSource.EMERGENCY_DEPARTMENT,
    self_referred=ReferralSource.SELF,
)
URGENCIES = choices_lookup(Urgency.choices, within_a_week=Urgency.SOON)
SOURCES_HELP = ", ".join(
    f"{label} ({value.upper()})" if value == ReferralSource.EMERGENCY_DEPARTMENT else label
    for value, label in ReferralSource.choices
)
URGENCIES_HELP = ", ".join(label for _value, label in Urgency.choices)

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"(\d{{4}})[-/](\d{{1,2}})[-/](\d{{1,2}}){_TIME}")
_US = re.compile(rf"(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}|\d{{2}}){_TIME}")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2})[- ]([A-Za-z]{3,9})\.?[- ](\d{4}|\d{2})")
_MONTH_NAME_DAY = re.compile(r"([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})")
_EXCEL_SERIAL = re.compile(r"(\d{1,7})(?:\.\d+)?")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YEAR_ALONE = re.compile(r"(19|20)\d\d")
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_LAST = 2_958_465  # 31 Dec 9999


def _full_year(two_digits: int, month: int, day: int, today: datetime.date) -> int:
    """'24' is the latest such year that is not after today: 2024 in 2026, but '31' is 1931."""
    year = 2000 + two_digits
    try:
        return year if datetime.date(year, month, day) <= today else year - 100
    except ValueError:
        return year


def _make_date(year: int, month: int, day: int) -> datetime.date | None:
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def read_date(text: str, *, today: datetime.date) -> datetime.date | None:
    """The date written in `text`, or None if it is not one of the accepted forms (DATE_FORMATS_HELP)."""
    text = text.strip()
    if match := _ISO.fullmatch(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _US.fullmatch(text):
        month, day, year = int(match[1]), int(match[2]), int(match[3])
        if len(match[3]) == 2:
            year = _full_year(year, month, day, today)
        return _make_date(year, month, day)
    if match := _DAY_MONTH_NAME.fullmatch(text):
        day, month, year = int(match[1]), _MONTHS.get(match[2].casefold()), int(match[3])
        if month is None:
            return None
        if len(match[3]) == 2:
            year = _full_year(year, month, day, today)
        return _make_date(year, month, day)
    if match := _MONTH_NAME_DAY.fullmatch(text):
        month = _MONTHS.get(match[1].casefold())
        return _make_date(int(match[3]), month, int(match[2])) if month else None
    if match := _COMPACT.fullmatch(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if (match := _EXCEL_SERIAL.fullmatch(text)) and 1 <= int(match[1]) <= _EXCEL_LAST:
        serial = int(match[1])
        # 60 is Excel's 29 February 1900, a day that never was; 1900-2099 is a year on its own, not a date.
        if serial == 60 or _YEAR_ALONE.fullmatch(text):
            return None
        # Excel counts 1900 as a leap year, so serials before March 1900 are one day further on.
        return _EXCEL_EPOCH + datetime.timedelta(days=serial + (1 if serial < 60 else 0))
    return None


def _single_line(text: str) -> str:
    return " ".join(text.split())


class RowReader:
    """Collects the cleaned values of one row and the problems found in it."""

    def __init__(
        self,
        number: int,
        today: datetime.date,
        *,
        labels: dict[str, str] | None = None,
        date_reader: Callable[..., datetime.date | None] = read_date,
        date_help: str = DATE_FORMATS_HELP,
    ) -> None:
        self.number = number
        self.today = today
        # How the problem table names each column: the CSV column, or the FHIR element.
        self.labels = labels or {}
        self.date_reader = date_reader
        self.date_help = date_help
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str, value: str = "") -> None:
        self.problems.append(Problem(self.number, self.labels.get(column, column), message, value))

    def text(
        self, column: str, raw: str, *, label: str, required: bool = False, max_length: int | None = None
    ) -> str:
        value = raw.strip() if column in MULTILINE_COLUMNS else _single_line(raw)
        if required and not value:
            self.problem(column, f"{label} is missing.")
        limit = max_length or MAX_LENGTHS.get(column)
        if limit is not None and len(value) > limit:
            self.problem(column, f"{label} is longer than {limit} characters.", value)
        return value

    def date(self, column: str, raw: str, *, label: str, required: bool = False) -> datetime.date | None:
        value = raw.strip()
        if not value:
            if required:
                self.problem(column, f"{label} is missing. Use a date such as {self.date_help}.")
            return None
        day = self.date_reader(value, today=self.today)
        if day is None:
            self.problem(column, f"“{value}” is not a date Tandem can read. Use {self.date_help}.", value)
        elif day > self.today:
            self.problem(column, f"{label} {day:%Y-%m-%d} is in the future.", value)
            return None
        elif day < EARLIEST_DATE:
            self.problem(column, f"{label} {day:%Y-%m-%d} is before 1900. Check the year.", value)
            return None
        return day

    def choice(
        self, column: str, raw: str, *, label: str, lookup: dict[str, str], allowed: str, default: str = ""
    ) -> str:
        value = _single_line(raw)
        if not value:
            if not default:
                self.problem(column, f"{label} is missing. Use one of: {allowed}.")
            return default
        found = lookup.get(_lookup_key(value))
        if found is None:
            self.problem(
                column, f"Tandem does not know the {label.lower()} “{value}”. Use one of: {allowed}.", value
            )
            return default
        return found


def read_person(read: RowReader, cells: Mapping[str, str]) -> tuple[dict[str, str], datetime.date | None]:
    """The person's fields from the cells, problems noted in `read`; the date of birth apart.

    Names and date of birth are required; a column the file does not have reads as blank.
    """
    fields = {
        "legal_first_name": read.text(
            "first_name", cells.get("first_name", ""), label="First name", required=True
        ),
        "legal_last_name": read.text(
            "last_name", cells.get("last_name", ""), label="Last name", required=True
        ),
        "mrn": read.text("mrn", cells.get("mrn", ""), label="MRN"),
        "preferred_name": read.text(
            "preferred_name", cells.get("preferred_name", ""), label="Preferred name"
        ),
        "phone": read.text("phone", cells.get("phone", ""), label="Phone"),
        "preferred_language": read.text(
            "preferred_language", cells.get("preferred_language", ""), label="Preferred language"
        )
        or "English",
    }
    born = read.date("date_of_birth", cells.get("date_of_birth", ""), label="Date of birth", required=True)
    return fields, born


def row_person(
    read: RowReader, person_fields: dict[str, str], born: datetime.date | None
) -> PersonDetails | None:
    """The person a row names, once every problem of the row is noted in `read`.

    In full when the row has no problem. A row that cannot be imported keeps names, date of birth and MRN
    when they can be read, so it is still matched against the others and the person hears about a
    duplicate at the same time as the other problems; else None.
    """
    if not read.problems and born is not None:
        return PersonDetails(date_of_birth=born, **person_fields)
    first, last = person_fields["legal_first_name"], person_fields["legal_last_name"]
    if first and last and born is not None:
        return PersonDetails(
            legal_first_name=first, legal_last_name=last, date_of_birth=born, mrn=person_fields["mrn"]
        )
    return None


def _row(
    read: RowReader,
    person_fields: dict[str, str],
    born: datetime.date | None,
    *,
    referral: ReferralDetails | None = None,
    received_on: datetime.date | None = None,
) -> ParsedRow:
    person = row_person(read, person_fields, born)
    if read.problems:
        return ParsedRow(number=read.number, person=person, problems=tuple(read.problems))
    return ParsedRow(number=read.number, person=person, referral=referral, received_on=received_on)


def _row_from_cells(cells: dict[str, str], read: RowReader) -> ParsedRow:
    person_fields, born = read_person(read, cells)
    source = read.choice(
        "source", cells["source"], label="Referral source", lookup=SOURCES, allowed=SOURCES_HELP
    )
    urgency = read.choice(
        "urgency",
        cells["urgency"],
        label="Urgency",
        lookup=URGENCIES,
        allowed=URGENCIES_HELP,
        default=Urgency.ROUTINE,
    )
    referral = ReferralDetails(
        source=source,
        urgency=urgency,
        reason=read.text("reason", cells["reason"], label="Reason for referral", required=True),
        referrer_name=read.text("referrer_name", cells["referrer_name"], label="Referrer name"),
        referrer_organization=read.text(
            "referrer_organization", cells["referrer_organization"], label="Referrer organisation"
        ),
        patient_priorities=read.text("wants_to_work_on", cells["wants_to_work_on"], label="Wants to work on"),
    )
    received_on = read.date("received_on", cells["received_on"], label="Received date")
    if born is not None and received_on is not None and received_on < born:
        read.problem(
            "received_on", "The referral was received before the person was born.", cells["received_on"]
        )
    return _row(read, person_fields, born, referral=referral, received_on=received_on)


# ---------------------------------------------------------------------------------------------------
# CSV


@dataclasses.dataclass(frozen=True, kw_only=True)
class CsvLayout:
    """The columns one kind of CSV file holds, in the template's order."""

    columns: tuple[str, ...]
    required: tuple[str, ...]
    # Other names people give the same columns; header cells are compared as lower_snake_case.
    aliases: Mapping[str, str]
    # What each row is, in the plural: "There are no referrals in this file".
    rows_are: str


REFERRAL_CSV = CsvLayout(
    columns=COLUMNS, required=REQUIRED_COLUMNS, aliases=COLUMN_ALIASES, rows_are="referrals"
)


def _column_name(header_cell: str, aliases: Mapping[str, str]) -> str:
    name = "_".join(header_cell.replace("\ufeff", "").strip().casefold().replace("-", " ").split())
    return aliases.get(name, name)


def _delimiter(text: str) -> str:
    """A comma, unless the first line plainly uses semicolons or tabs (Excel in some countries)."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    if "," in first_line:
        return ","
    for candidate in (";", "\t"):
        if candidate in first_line:
            return candidate
    return ","


def _is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def read_csv_rows[Row](
    text: str,
    *,
    layout: CsvLayout,
    today: datetime.date,
    row_from_cells: Callable[[dict[str, str], RowReader], Row],
) -> tuple[list[Row], list[str]]:
    """Every data row of a CSV file, numbered as a spreadsheet shows it (the header is row 1), and the
    notes on what was left aside.

    `row_from_cells` gets each row's cells by column name (a column the file lacks is blank) and a
    `RowReader` for that row. Blank rows and rows whose first cell starts with # are skipped; unknown
    columns are left aside with a note; a missing required column rejects the file.
    """
    columns = layout.columns
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=_delimiter(text))
    records = enumerate(reader, start=1)
    try:
        header = next((record for _number, record in records if not _is_blank(record)), None)
        if header is None:
            raise FileRejected("The file is empty.")
        names = [_column_name(cell, layout.aliases) for cell in header]
        positions: dict[str, int] = {}
        for position, name in enumerate(names):
            if name in positions and name in columns:
                raise FileRejected(f"The column “{name}” appears twice in the first row. Keep one of them.")
            if name in columns:
                positions[name] = position
        missing = [name for name in layout.required if name not in positions]
        if missing:
            raise FileRejected(
                f"The first row must name the columns, and it has no {', '.join(missing)} column. "
                "Download the template to see the column names."
            )
        ignored = [
            header[position].strip() for position, name in enumerate(names) if name not in columns and name
        ]
        notes = [f"These columns are not used and were left aside: {', '.join(ignored)}."] if ignored else []
        rows: list[Row] = []
        note_rows = 0
        for number, record in records:
            if _is_blank(record):
                continue
            if record[0].lstrip().startswith(NOTE_MARK):
                note_rows += 1
                continue
            cells = {
                name: record[position] if position < len(record) else ""
                for name, position in positions.items()
            }
            cells |= {name: "" for name in columns if name not in cells}
            read = RowReader(number, today)
            extra = [cell for cell in record[len(header) :] if cell.strip()]
            if extra:
                read.problem(
                    "(after the last column)",
                    f"This row has {len(header) + len(extra)} cells but the first row names {len(header)}. "
                    "A comma inside a value needs quotes around the value.",
                    extra[0],
                )
            rows.append(row_from_cells(cells, read))
    except csv.Error as error:
        raise FileRejected(f"Tandem could not read this CSV file: {error}.") from error
    if note_rows:
        skipped = "1 row starting with # was" if note_rows == 1 else f"{note_rows} rows starting with # were"
        notes.append(f"{skipped} read as notes for people and skipped.")
    if not rows:
        raise FileRejected(
            f"There are no {layout.rows_are} in this file: it has column names but no rows under them."
        )
    return rows, notes


def parse_csv(text: str, *, today: datetime.date) -> ParsedFile:
    """Every referral of a CSV file (`read_csv_rows`)."""
    rows, notes = read_csv_rows(text, layout=REFERRAL_CSV, today=today, row_from_cells=_row_from_cells)
    return ParsedFile(rows=rows, notes=notes, row_label="Row")


# ---------------------------------------------------------------------------------------------------
# FHIR R4 Bundle of Patient resources

# How the problem table names each value of a Patient resource.
FHIR_ELEMENTS = {
    "first_name": "name.given",
    "last_name": "name.family",
    "preferred_name": "name (usual)",
    "date_of_birth": "birthDate",
    "mrn": "identifier",
    "phone": "telecom",
    "preferred_language": "communication",
}
_LANGUAGE_NAMES = {
    "ar": "Arabic",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "ht": "Haitian Creole",
    "ko": "Korean",
    "pt": "Portuguese",
    "ru": "Russian",
    "so": "Somali",
    "tl": "Tagalog",
    "vi": "Vietnamese",
    "zh": "Chinese",
}
_GENDERS = {"female": "Female", "male": "Male", "other": "Other"}
_FHIR_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _read_fhir_date(text: str, *, today: datetime.date) -> datetime.date | None:
    """FHIR dates are YYYY-MM-DD, or only YYYY or YYYY-MM: a date of birth needs the day."""
    return datetime.date.fromisoformat(text) if _FHIR_DATE.fullmatch(text) else None


def _where(location: tuple[int | str, ...]) -> str:
    """('entry', 2, 'resource', 'birthDate') -> 'entry 3, birthDate'."""
    parts: list[str] = []
    path: list[str] = []
    items = list(location)
    while items:
        item = items.pop(0)
        if item == "entry" and items and isinstance(items[0], int):
            parts.append(f"entry {items.pop(0) + 1}")
        elif isinstance(item, int):
            path.append(f"[{item}]")
        elif item != "resource":
            path.append(f".{item}" if path else str(item))
    if path:
        parts.append("".join(path))
    return ", ".join(parts) or "the Bundle"


def _plain(message: str) -> str:
    text = " ".join(message.split()).removeprefix("Value error, ")
    if "Date value string does not match" in text or "DateTime value string does not match" in text:
        return "not a valid FHIR date (use YYYY-MM-DD)"
    return text.rstrip(".")


def _rejection(error: pydantic.ValidationError) -> str:
    details = error.errors(include_url=False)
    for detail in details:
        if detail["type"] == "fhir-validation-wrong-resource-type" and len(detail["loc"]) <= 1:
            return (
                f"This file holds a FHIR {detail['input']}, not a Bundle. "
                "Tandem imports a Bundle whose entries are Patient resources."
            )
    places = [f"{_where(tuple(detail['loc']))}: {_plain(detail['msg'])}" for detail in details[:3]]
    more = f"; and {len(details) - 3} more" if len(details) > 3 else ""
    return (
        "This FHIR Bundle is not valid FHIR R4, so nothing in it can be imported. "
        f"Fix it and upload it again. {'; '.join(places)}{more}."
    )


def _coding_codes(concept: object) -> list[str]:
    return [coding.code or "" for coding in getattr(concept, "coding", None) or []]


def _is_mrn(identifier: object) -> bool:
    kind = getattr(identifier, "type", None)
    text = (getattr(kind, "text", None) or "").casefold()
    system = (getattr(identifier, "system", None) or "").casefold()
    return "MR" in _coding_codes(kind) or text in ("mrn", "mr") or "medical record" in text or "mrn" in system


def _language(communications: list) -> str:
    chosen = next(
        (item for item in communications if item.preferred), communications[0] if communications else None
    )
    if chosen is None or chosen.language is None:
        return ""
    concept = chosen.language
    codings = concept.coding or []
    code = next((coding.code for coding in codings if coding.code), "") or ""
    display = next((coding.display for coding in codings if coding.display), "") or ""
    return concept.text or display or _LANGUAGE_NAMES.get(code.split("-")[0].casefold(), code)


def _cells_from_patient(patient: FhirPatient) -> dict[str, str]:
    names = patient.name or []
    official = next((name for name in names if name.use == "official"), names[0] if names else None)
    usual = next((name for name in names if name.use in ("usual", "nickname") and name is not official), None)
    identifiers = [identifier for identifier in patient.identifier or [] if identifier.value]
    mrn = next((identifier for identifier in identifiers if _is_mrn(identifier)), None) or next(
        iter(identifiers), None
    )
    birth = patient.birthDate
    return {
        "first_name": " ".join(official.given or []) if official else "",
        "last_name": (official.family or "") if official else "",
        "preferred_name": " ".join(usual.given or []) if usual else "",
        "date_of_birth": birth.isoformat() if isinstance(birth, datetime.date) else str(birth or ""),
        "mrn": mrn.value if mrn else "",
        "phone": next(
            (point.value for point in patient.telecom or [] if point.system == "phone" and point.value), ""
        ),
        "preferred_language": _language(patient.communication or []),
    }


def parse_fhir_bundle(text: str, *, today: datetime.date) -> ParsedFile:
    """Every Patient entry of a FHIR R4 Bundle, numbered by its place in the Bundle (the first is 1).

    fhir.resources validates the Bundle; one it rejects rejects the file with one message. Entries that
    are not Patient resources are left aside with a note.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise FileRejected(
            f"This file is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})."
        ) from error
    if not isinstance(data, dict):
        raise FileRejected(
            'This file is not a FHIR Bundle: a Bundle is a JSON object with "resourceType": "Bundle".'
        )
    try:
        bundle = Bundle.model_validate(data)
    except pydantic.ValidationError as error:
        raise FileRejected(_rejection(error)) from error
    rows: list[ParsedRow] = []
    left_aside: Counter[str] = Counter()
    for number, entry in enumerate(bundle.entry or [], start=1):
        resource = entry.resource
        kind = resource.get_resource_type() if resource is not None else "entry without a resource"
        if not isinstance(resource, FhirPatient):
            left_aside[kind] += 1
            continue
        read = RowReader(
            number,
            today,
            labels=FHIR_ELEMENTS,
            date_reader=_read_fhir_date,
            date_help="a full date such as 1980-03-05",
        )
        person_fields, born = read_person(read, _cells_from_patient(resource))
        person_fields["gender"] = _GENDERS.get(resource.gender or "", "")
        rows.append(_row(read, person_fields, born))
    notes = []
    if left_aside:
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(left_aside.items()))
        notes.append(f"Entries that are not Patient resources were left aside: {kinds}.")
    if not rows:
        raise FileRejected("This Bundle has no Patient resources to import.")
    return ParsedFile(rows=rows, notes=notes, row_label="Entry", column_labels=FHIR_ELEMENTS)
