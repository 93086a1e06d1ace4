"""Properties of the bulk import over generated files: unicode names, byte-order marks, blank lines,
formulas, duplicates and bad dates. An import writes every chosen row or none, and the preview's count of
valid rows is exactly what "import the valid rows" writes."""

import csv
import datetime
import io
import json
from collections.abc import Callable

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.errors import DomainError
from patients.import_parsing import COLUMNS, FileRejected, ParsedFile, parse_csv, parse_fhir_bundle
from patients.imports import import_preview_of, referral_import_run, referral_import_upload
from patients.models import Enrollment, Patient, Referral, ReferralSource
from tests.patients.factories import PatientFactory

# No example database on disk: the examples are cheap to find again.
PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORMULAS = ("=1+2", "+1 555 0100", "-2+3", "@SUM(A1)", '=HYPERLINK("http://example.test")', "\t=1")
EXISTING_MRN = "TEST-P2"


def mostly(good: st.SearchStrategy[str], bad: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Eight times in nine a value that reads, else one that does not: most files have some valid rows."""
    return st.sampled_from((True, True, True, True, False, True, True, True, True)).flatmap(
        lambda reads: good if reads else bad
    )


# Any character a file may hold except NUL (a text file never has one) and lone surrogates.
any_text = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=12)
good_name = st.one_of(
    st.text(st.characters(categories=("L", "M")), min_size=1, max_size=12),
    st.sampled_from(("María-José", "O'Neil", "Nguyễn", "Σωκράτης", "李", "  Ana  ", "Zoë\nAnn")),
    st.sampled_from(FORMULAS),
)
birth_day = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2020, 12, 31))
GOOD_DATE_FORMS = ("iso", "us", "us_short", "excel")


@st.composite
def written_date(draw: st.DrawFn, forms: st.SearchStrategy[str]) -> str:
    kind = draw(forms)
    day = draw(birth_day)
    if kind == "iso":
        return day.isoformat()
    if kind == "us":
        return f"{day.month}/{day.day}/{day.year}"
    if kind == "us_short":
        return day.strftime("%m/%d/%y")
    if kind == "excel":
        return str((day - datetime.date(1899, 12, 30)).days)
    if kind == "bad":
        return draw(st.sampled_from(("31/31/2020", "soon", "2020-02-30", "1980")))
    if kind == "formula":
        return draw(st.sampled_from(FORMULAS))
    return ""


good_source = st.one_of(
    st.sampled_from(ReferralSource.values),
    st.sampled_from([label for _value, label in ReferralSource.choices]).map(str.upper),
    st.just("ED"),
)
good = {
    "first_name": good_name,
    "last_name": good_name,
    "date_of_birth": written_date(st.sampled_from(GOOD_DATE_FORMS)),
    "mrn": st.just(""),
    "source": good_source,
    "reason": st.sampled_from(("Housing", "Line one\nline two", *FORMULAS)),
    "urgency": st.sampled_from(("", "routine", "Urgent", "Within a week")),
    "received_on": st.sampled_from(("", "3/1/2025", "45000")),
}
bad = {
    "first_name": st.one_of(any_text, st.just("")),
    "last_name": st.one_of(any_text, st.just("")),
    "date_of_birth": written_date(st.sampled_from(("bad", "formula", "blank"))),
    "mrn": st.sampled_from(("TEST-P1", EXISTING_MRN, "TEST-P3", "=MRN()")),
    "source": st.sampled_from(("Hospice", "", "=1+2")),
    "reason": any_text,
    "urgency": st.just("later"),
    "received_on": st.just("tomorrow"),
}
optional = {"preferred_language": st.sampled_from(("Spanish", "", "Kreyòl ayisyen"))}
# Rows that may have any problem, and rows that have none (unless they repeat a person).
any_row = st.fixed_dictionaries(
    {column: mostly(good[column], bad[column]) for column in good}, optional=optional
)
clean_row = st.fixed_dictionaries(good, optional=optional)


@st.composite
def csv_file(draw: st.DrawFn, rows_like: st.SearchStrategy[dict[str, str]] = any_row) -> bytes:
    """A file with its header, rows (some repeating earlier ones), blank lines and maybe a BOM."""
    rows = draw(st.lists(rows_like, min_size=1, max_size=12))
    for index in range(1, len(rows)):
        if draw(st.integers(0, 6)) == 0:  # now and then, the same person again
            earlier = rows[draw(st.integers(0, index - 1))]
            rows[index] = {
                **rows[index],
                **{key: earlier[key] for key in ("first_name", "last_name", "date_of_birth")},
            }
    columns = list(COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=draw(st.sampled_from(("\r\n", "\n"))))
    writer.writerow(columns)
    for values in rows:
        if draw(st.booleans()):
            buffer.write(draw(st.sampled_from(("\n", "\r\n", ",,,\r\n", "   \n"))))
        writer.writerow([values.get(column, "") for column in columns])
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return bom + buffer.getvalue().encode()


def _upload(program_admin, content: bytes):
    try:
        return referral_import_upload(
            program=program_admin.program, file_name="generated.csv", raw=content, acting_user=program_admin
        )
    except DomainError:
        return None  # every row was skipped (blank or a note): the file is refused whole, nothing kept


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(content=csv_file())
def test_import_valid_rows_writes_exactly_the_rows_the_preview_called_valid(
    program_admin, content: bytes
) -> None:
    with transaction.atomic():
        PatientFactory(program=program_admin.program, mrn=EXISTING_MRN)
        before = Patient.objects.count()
        referral_import = _upload(program_admin, content)
        if referral_import is not None:
            valid = import_preview_of(referral_import=referral_import).valid_count
            event("some rows valid" if valid else "no row valid")
            try:
                imported = referral_import_run(
                    referral_import=referral_import,
                    acting_user=program_admin,
                    only_valid=True,
                    expected_count=valid,
                )
            except DomainError:
                imported = 0
                assert valid == 0
            assert imported == valid
            assert Patient.objects.count() - before == valid
            assert Enrollment.objects.filter(patient__program=program_admin.program).count() == valid
            assert Referral.objects.count() == valid
        transaction.set_rollback(True)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(content=st.one_of(csv_file(), csv_file(clean_row)))
def test_import_all_writes_every_row_or_none(program_admin, content: bytes) -> None:
    with transaction.atomic():
        PatientFactory(program=program_admin.program, mrn=EXISTING_MRN)
        before = Patient.objects.count()
        referral_import = _upload(program_admin, content)
        if referral_import is not None:
            preview = import_preview_of(referral_import=referral_import)
            event("refused" if preview.error_row_count else "all written")
            if preview.error_row_count:
                with pytest.raises(DomainError, match="Nothing was imported"):
                    referral_import_run(referral_import=referral_import, acting_user=program_admin)
                assert Patient.objects.count() == before
                assert Referral.objects.exists() is False
            else:
                referral_import_run(referral_import=referral_import, acting_user=program_admin)
                assert Patient.objects.count() - before == preview.row_count
                assert Referral.objects.count() == preview.row_count
        transaction.set_rollback(True)


def _parsed_or_refusal(parse: Callable[..., ParsedFile], text: str) -> ParsedFile | str:
    """The parsed file, or the message of a refusal: any other exception fails the test."""
    try:
        return parse(text, today=datetime.date(2026, 1, 15))
    except FileRejected as rejection:
        return rejection.message


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text())
def test_any_text_is_read_as_rows_or_refused_with_a_message(text: str) -> None:
    parsed = _parsed_or_refusal(parse_csv, text)
    if isinstance(parsed, str):
        assert parsed
    else:
        assert all(row.number >= 2 for row in parsed.rows)
        assert all(problem.message for row in parsed.rows for problem in row.problems)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
bundle_like = st.fixed_dictionaries(
    {
        "resourceType": st.sampled_from(("Bundle", "Patient")),
        "type": st.sampled_from(("collection", "transaction")),
        "entry": st.lists(
            st.fixed_dictionaries(
                {
                    "resource": st.fixed_dictionaries(
                        {"resourceType": st.sampled_from(("Patient", "Observation"))},
                        optional={
                            "birthDate": st.sampled_from(("1980-01-02", "1980", "1980-13-01", "")),
                            "name": json_values,
                            "identifier": json_values,
                            "telecom": json_values,
                        },
                    )
                }
            ),
            max_size=4,
        ),
    }
)


@settings(max_examples=100, deadline=None, database=None)
@given(data=st.one_of(bundle_like, json_values))
def test_any_json_is_read_as_entries_or_refused_with_a_message(data: object) -> None:
    parsed = _parsed_or_refusal(parse_fhir_bundle, json.dumps(data))
    if isinstance(parsed, str):
        assert parsed
    else:
        assert all(row.number >= 1 for row in parsed.rows)
