"""Bulk import of referrals: CSV and FHIR files, the preview of every problem, and the all-or-none import."""

import csv
import datetime
import io
import json
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.errors import DomainError
from patients import imports
from patients.import_parsing import COLUMNS, parse_csv, read_date
from patients.imports import (
    ReferralDefaults,
    import_preview_of,
    problems_csv,
    referral_import_run,
    referral_import_upload,
)
from patients.models import Enrollment, EnrollmentStatus, Patient, Referral, ReferralImport
from tests.dates import program_today
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("patients:referral-import")
TEMPLATE_URL = reverse("patients:referral-import-template")
HEADER = "first_name,last_name,date_of_birth,mrn,source,reason,urgency"
GOOD_ROWS = (
    "Quillon,Testwood,1961-04-12,TEST-I001,Primary care,Missed appointments,Routine",
    "Marnivy,Fablethorn,3/5/1970,TEST-I002,ED,Four ED visits in a month,urgent",
    "Torvalle,Mockridge,45356,TEST-I003,emergency department,Housing loss,soon",
)


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join((header, *rows)) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def upload(client, content: bytes, name: str = "referrals.csv"):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def preview_url(referral_import: ReferralImport) -> str:
    return reverse("patients:referral-import-preview", kwargs={"import_id": referral_import.pk})


def uploaded(program, admin, content: bytes, name: str = "referrals.csv") -> ReferralImport:
    return referral_import_upload(program=program, file_name=name, raw=content, acting_user=admin)


def problems_of(referral_import: ReferralImport) -> list[tuple[int, str, str]]:
    return [
        (problem.row, problem.column, problem.message)
        for problem in import_preview_of(referral_import=referral_import).problems
    ]


def fhir_patient(
    given: str = "Zephrine",
    family: str = "Samplesby",
    birth_date: str = "1975-08-09",
    mrn: str = "TEST-F001",
    **extra: object,
) -> dict[str, object]:
    return {
        "resource": {
            "resourceType": "Patient",
            "identifier": [
                {"system": "urn:example:insurance", "value": "INS-999"},
                {
                    "type": {
                        "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR"}]
                    },
                    "system": "urn:example:mrn",
                    "value": mrn,
                },
            ],
            "name": [{"use": "official", "family": family, "given": [given]}],
            "birthDate": birth_date,
            "telecom": [
                {"system": "email", "value": "x@example.test"},
                {"system": "phone", "value": "555-0142"},
            ],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "es"}]}}],
            **extra,
        }
    }


def bundle_bytes(*entries: dict[str, object], resource_type: str = "Bundle") -> bytes:
    return json.dumps({"resourceType": resource_type, "type": "collection", "entry": list(entries)}).encode()


class TestWhoMayImport:
    @pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_lead"])
    def test_only_program_admins_may_open_the_import_pages(self, client, request, persona) -> None:
        admin = request.getfixturevalue("program_admin")
        referral_import = uploaded(admin.program, admin, csv_bytes(*GOOD_ROWS))
        client.force_login(request.getfixturevalue(persona))

        assert client.get(IMPORT_URL).status_code == 403
        assert upload(client, csv_bytes(*GOOD_ROWS)).status_code == 403
        assert client.get(TEMPLATE_URL).status_code == 403
        assert client.get(preview_url(referral_import)).status_code == 403
        assert client.post(preview_url(referral_import), {"action": "import_all"}).status_code == 403
        assert ReferralImport.objects.count() == 1
        assert Patient.objects.exists() is False

    def test_an_admin_of_another_program_never_sees_this_programs_imports(
        self, client, program_admin, other_program_admin
    ) -> None:
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS))
        client.force_login(other_program_admin)

        assert client.get(preview_url(referral_import)).status_code == 404
        assert client.get(preview_url(referral_import) + "?download=problems").status_code == 404
        assert client.post(preview_url(referral_import), {"action": "import_all"}).status_code == 404
        assert referral_import.file_name not in client.get(IMPORT_URL).content.decode()
        assert Patient.objects.exists() is False

    def test_an_unknown_import_answers_404(self, client, program_admin) -> None:
        client.force_login(program_admin)
        response = client.get(reverse("patients:referral-import-preview", kwargs={"import_id": 999_999}))
        assert response.status_code == 404

    def test_the_service_refuses_an_admin_of_another_program(
        self, program_admin, other_program_admin
    ) -> None:
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS))
        with pytest.raises(DomainError):
            referral_import_run(referral_import=referral_import, acting_user=other_program_admin)
        assert Patient.objects.exists() is False


class TestTemplate:
    def test_the_template_names_every_column_explains_them_and_gives_one_example(
        self, client, program_admin
    ) -> None:
        client.force_login(program_admin)
        response = client.get(TEMPLATE_URL)

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        text = response.content.decode("utf-8-sig")
        header, help_row, example = list(csv.reader(io.StringIO(text)))
        assert tuple(header) == COLUMNS
        assert help_row[0].startswith("#")
        assert "3/5/2024" in help_row[COLUMNS.index("date_of_birth")]
        assert "March 5" in help_row[COLUMNS.index("date_of_birth")]
        assert "Emergency department" in help_row[COLUMNS.index("source")]
        assert example[0] == "Quillon"

    def test_the_template_itself_imports_its_one_example_and_skips_the_help_row(
        self, client, program_admin
    ) -> None:
        client.force_login(program_admin)
        content = client.get(TEMPLATE_URL).content
        referral_import = uploaded(program_admin.program, program_admin, content, name="template.csv")

        preview = import_preview_of(referral_import=referral_import)
        assert (preview.row_count, preview.valid_count) == (1, 1)
        assert preview.rows[0].number == 3
        assert any("read as notes" in note for note in preview.notes)


class TestUploadAndPreview:
    def test_a_good_file_goes_to_its_preview_with_the_counts(self, client, program_admin) -> None:
        client.force_login(program_admin)
        response = upload(client, csv_bytes(*GOOD_ROWS))

        referral_import = ReferralImport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == preview_url(referral_import)
        assert (referral_import.row_count, referral_import.error_count) == (3, 0)
        assert referral_import.uploaded_by == program_admin
        page = client.get(preview_url(referral_import))
        assert page.status_code == 200
        assert "Import all 3 referrals" in page.content.decode()
        assert Patient.objects.exists() is False  # nothing is written before the person chooses

    @pytest.mark.parametrize("copies", [1, 20])
    def test_the_preview_reads_the_file_in_a_fixed_number_of_queries(
        self, client, program_admin, django_assert_num_queries, copies: int
    ) -> None:
        rows = [
            f"Person{copy},Testwood{index},1961-04-{index + 1:02d},TEST-{copy}-{index},ED,Reason,"
            for copy in range(copies)
            for index in range(3)
        ]
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*rows))
        client.force_login(program_admin)
        client.get(preview_url(referral_import))
        # Session and user; the upload; the two matching queries (by MRN, by date of birth); then the
        # session's expiry moved forward (a savepoint, an update, its release).
        with django_assert_num_queries(8):
            assert client.get(preview_url(referral_import)).status_code == 200

    @pytest.mark.parametrize("uploads", [1, 12])
    def test_the_upload_page_lists_recent_uploads_in_a_fixed_number_of_queries(
        self, client, program_admin, django_assert_num_queries, uploads: int
    ) -> None:
        for _ in range(uploads):
            uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS))
        client.force_login(program_admin)
        client.get(IMPORT_URL)
        # Session, user, program; the latest uploads with who uploaded them; the session's expiry saved
        # (savepoint, update, release).
        with django_assert_num_queries(7):
            response = client.get(IMPORT_URL)
        assert len(response.context["recent"]) == min(uploads, 10)

    def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(self, program_admin) -> None:
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS, bom=True))
        assert problems_of(referral_import) == []
        assert referral_import.content.startswith("first_name")

    def test_blank_lines_are_skipped_and_rows_keep_the_numbers_a_spreadsheet_shows(
        self, program_admin
    ) -> None:
        content = csv_bytes("", GOOD_ROWS[0], "", " , , ", "Osbeck,,1980-01-01,,ED,Reason,")
        referral_import = uploaded(program_admin.program, program_admin, content)

        preview = import_preview_of(referral_import=referral_import)
        assert [row.number for row in preview.rows] == [3, 6]
        assert problems_of(referral_import) == [(6, "last_name", "Last name is missing.")]

    @pytest.mark.parametrize(
        ("written", "meant"),
        [
            ("2024-03-05", datetime.date(2024, 3, 5)),
            ("2024-03-05 00:00:00", datetime.date(2024, 3, 5)),
            ("3/5/2024", datetime.date(2024, 3, 5)),
            ("03/05/24", datetime.date(2024, 3, 5)),
            ("3/5/2024 0:00", datetime.date(2024, 3, 5)),
            ("45356", datetime.date(2024, 3, 5)),
            ("45356.0", datetime.date(2024, 3, 5)),
            ("5-Mar-2024", datetime.date(2024, 3, 5)),
            ("05-Mar-24", datetime.date(2024, 3, 5)),
            ("March 5, 2024", datetime.date(2024, 3, 5)),
            ("20240305", datetime.date(2024, 3, 5)),
            ("12/31/49", datetime.date(1949, 12, 31)),  # a two-digit year is never in the future
            ("13/5/2024", None),  # month first: there is no 13th month
            ("2024-02-30", None),
            ("1980", None),  # a year alone, not an Excel day number
            ("60", None),  # Excel's 29 February 1900
            ("soon", None),
        ],
    )
    def test_dates_in_iso_us_and_excel_forms(self, written: str, meant: datetime.date | None) -> None:
        assert read_date(written, today=datetime.date(2026, 1, 15)) == meant

    def test_excel_serial_dates_and_us_dates_are_stored_as_the_day_they_mean(
        self, client, program_admin
    ) -> None:
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS))
        referral_import_run(referral_import=referral_import, acting_user=program_admin)

        births = dict(Patient.objects.values_list("mrn", "date_of_birth"))
        assert births == {
            "TEST-I001": datetime.date(1961, 4, 12),
            "TEST-I002": datetime.date(1970, 3, 5),
            "TEST-I003": datetime.date(2024, 3, 5),
        }

    def test_each_problem_names_its_row_column_and_what_to_do(self, program_admin, program) -> None:
        PatientFactory(
            program=program, mrn="TEST-EXIST", legal_first_name="Lunetta", legal_last_name="Dummerly"
        )
        content = csv_bytes(
            GOOD_ROWS[0],  # row 2
            "Brackley,Fauxley,31/12/1980,,Primary care,Reason,",  # row 3: day first
            "Ithriel,Samplesby,1980-01-01,,Hospice,Reason,",  # row 4: unknown source
            ",Testwood,1980-01-01,,ED,Reason,",  # row 5: no first name
            "Quillon,Testwood,1961-04-12,,ED,Again,",  # row 6: same person as row 2
            "Lunetta,Dummerly,1990-02-02,TEST-EXIST,ED,Reason,",  # row 7: already a patient
        )
        referral_import = uploaded(program, program_admin, content)

        found = problems_of(referral_import)
        assert [(row, column) for row, column, _message in found] == [
            (3, "date_of_birth"),
            (4, "source"),
            (5, "first_name"),
            (6, "first_name, last_name, date_of_birth"),
            (7, "mrn"),
        ]
        messages = {row: message for row, _column, message in found}
        assert messages[3].startswith("“31/12/1980” is not a date Tandem can read.")
        assert messages[4].startswith("Tandem does not know the referral source “Hospice”. Use one of:")
        assert "Emergency department" in messages[4]
        assert messages[5] == "First name is missing."
        assert messages[6].startswith("Same person as row 2 (same name and date of birth).")
        assert messages[7].startswith("Already in this program: a patient with the same MRN.")
        assert referral_import.error_count == 5

    def test_the_preview_page_lists_every_problem_with_its_row_number(self, client, program_admin) -> None:
        content = csv_bytes(
            GOOD_ROWS[0], "Brackley,Fauxley,not a date,,ED,Reason,", "Osbeck,Testwood,1980-01-01,,,Reason,"
        )
        client.force_login(program_admin)
        upload(client, content)

        page = client.get(preview_url(ReferralImport.objects.get())).content.decode()
        assert "Row 3" in page
        assert "Row 4" in page
        assert "Referral source is missing." in page
        assert "Import only the 1 ready row" in page
        assert 'value="import_all"' not in page

    def test_the_same_mrn_twice_in_a_file_is_reported_on_the_second(self, program_admin) -> None:
        content = csv_bytes(GOOD_ROWS[0], "Osbeck,Dummerly,1950-01-01,TEST-I001,ED,Reason,")
        found = problems_of(uploaded(program_admin.program, program_admin, content))
        assert found == [(3, "mrn", "Same person as row 2 (same MRN). Keep one of the two.")]

    def test_dates_in_the_future_or_before_1900_are_problems(self, program_admin) -> None:
        tomorrow = program_today() + datetime.timedelta(days=2)
        content = csv_bytes(
            f"Osbeck,Dummerly,{tomorrow:%Y-%m-%d},,ED,Reason,", "Osbeck,Fauxley,1899-12-31,,ED,Reason,"
        )
        found = problems_of(uploaded(program_admin.program, program_admin, content))
        assert [message for _row, _column, message in found] == [
            f"Date of birth {tomorrow:%Y-%m-%d} is in the future.",
            "Date of birth 1899-12-31 is before 1900. Check the year.",
        ]

    def test_quoted_newlines_trailing_spaces_and_unknown_columns(self, program_admin) -> None:
        content = csv_bytes(
            'Quillon  ,  Testwood,1961-04-12,TEST-I001,Primary care,"Line one\nline two",Routine,ignored',
            header=HEADER + ",favourite_colour",
        )
        referral_import = uploaded(program_admin.program, program_admin, content)
        preview = import_preview_of(referral_import=referral_import)

        assert preview.problems == []
        assert preview.notes == ["These columns are not used and were left aside: favourite_colour."]
        referral_import_run(referral_import=referral_import, acting_user=program_admin)
        referral = Referral.objects.select_related("enrollment__patient").get()
        assert referral.enrollment.patient.legal_first_name == "Quillon"
        assert referral.enrollment.patient.legal_last_name == "Testwood"
        assert referral.reason == "Line one\nline two"

    def test_a_semicolon_separated_file_from_excel_is_read(self, program_admin) -> None:
        content = csv_bytes(GOOD_ROWS[0].replace(",", ";"), header=HEADER.replace(",", ";"))
        assert problems_of(uploaded(program_admin.program, program_admin, content)) == []

    def test_a_row_with_more_cells_than_columns_is_a_problem(self, program_admin) -> None:
        content = csv_bytes("Quillon,Testwood,1961-04-12,,ED,Housing, then food,Routine")
        found = problems_of(uploaded(program_admin.program, program_admin, content))
        assert [(row, column) for row, column, _message in found] == [
            (2, "(after the last column)"),
            (2, "urgency"),
        ]

    @pytest.mark.parametrize(
        ("content", "name", "message"),
        [
            (
                csv_bytes(GOOD_ROWS[0], header="first_name,last_name,mrn,source,reason"),
                "a.csv",
                "no date_of_birth column",
            ),
            (b"", "a.csv", "This file is empty."),
            (b"\r\n\r\n", "a.csv", "This file is empty."),
            (csv_bytes(), "a.csv", "There are no referrals in this file"),
            ("first_name,last_name\r\nJosé,Pérez\r\n".encode("latin-1"), "a.csv", "not UTF-8 text"),
            (b"PK\x03\x04\x00\x00", "referrals.xlsx", "not spreadsheet files"),
            (b"first_name\x00,last", "a.csv", "not a text file"),
            (csv_bytes(GOOD_ROWS[0], header=HEADER + ",mrn"), "a.csv", "appears twice"),
        ],
    )
    def test_a_file_that_cannot_be_read_is_refused_with_one_message_and_not_kept(
        self, client, program_admin, content: bytes, name: str, message: str
    ) -> None:
        client.force_login(program_admin)
        response = upload(client, content, name=name)

        assert response.status_code == 422
        assert message in response.content.decode()
        assert ReferralImport.objects.exists() is False

    def test_a_file_over_the_size_limit_is_refused(self, client, program_admin, monkeypatch) -> None:
        monkeypatch.setattr("patients.import_forms.MAX_FILE_BYTES", 1024 * 1024)
        client.force_login(program_admin)
        response = upload(client, csv_bytes(*GOOD_ROWS * 10_000))
        assert response.status_code == 422
        assert "This file is 2.2 MB; the limit is 1 MB." in response.content.decode()
        with pytest.raises(DomainError, match="the limit is 5 MB"):
            uploaded(program_admin.program, program_admin, b"x" * (imports.MAX_FILE_BYTES + 1))
        assert ReferralImport.objects.exists() is False


class TestImport:
    def test_import_all_writes_what_a_single_referral_writes(self, client, program_admin, program) -> None:
        program.time_zone = "Pacific/Auckland"
        program.save()
        content = csv_bytes(*GOOD_ROWS, "Osbeck,Dummerly,1950-01-01,,Self-referral,Reason,", header=HEADER)
        content = content.replace(b"urgency\r\n", b"urgency,received_on\r\n", 1)
        content = content.replace(b"Routine\r\n", b"Routine,3/1/2025\r\n", 1)
        client.force_login(program_admin)
        upload(client, content)
        referral_import = ReferralImport.objects.get()

        response = client.post(preview_url(referral_import), {"action": "import_all", "expected_count": "4"})

        assert response.status_code == 302
        assert "Imported 4 referrals." in client.get(response["Location"]).content.decode()
        assert Patient.objects.filter(program=program).count() == 4
        enrollments = Enrollment.objects.filter(program=program).select_related("patient", "referral")
        assert {e.status for e in enrollments} == {EnrollmentStatus.REFERRED}
        assert {e.referral.received_by_id for e in enrollments} == {program_admin.pk}
        by_mrn = {e.patient.mrn: e for e in enrollments}
        dated = by_mrn["TEST-I001"]
        assert dated.referred_on == datetime.date(2025, 3, 1)
        assert (
            dated.referral.received_at.astimezone(zoneinfo.ZoneInfo("Pacific/Auckland")).date()
            == dated.referred_on
        )
        assert dated.status_changed_at == dated.referral.received_at
        undated = by_mrn["TEST-I002"]
        assert undated.referred_on == program.today()
        assert (undated.referral.source, undated.referral.urgency) == ("ed", "urgent")
        assert by_mrn[""].referral.source == "self"
        referral_import.refresh_from_db()
        assert referral_import.imported_at is not None
        assert (referral_import.imported_count, referral_import.error_count) == (4, 0)

    def test_every_row_written_leaves_an_audit_event_that_names_the_import(self, program_admin) -> None:
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS))
        referral_import_run(referral_import=referral_import, acting_user=program_admin)

        for model in (Patient, Enrollment, Referral):
            events = model.pgh_event_model.objects.select_related("pgh_context")
            assert events.count() == 3
            assert {event.pgh_context.metadata["referral_import"] for event in events} == {referral_import.pk}

    def test_import_all_is_refused_while_any_row_has_a_problem_and_nothing_is_stored(
        self, client, program_admin
    ) -> None:
        content = csv_bytes(*GOOD_ROWS, "Osbeck,Dummerly,not a date,,ED,Reason,")
        referral_import = uploaded(program_admin.program, program_admin, content)
        client.force_login(program_admin)

        response = client.post(preview_url(referral_import), {"action": "import_all"})

        assert response.status_code == 422
        assert "Nothing was imported: 1 of 4 rows have problems." in response.content.decode()
        assert Patient.objects.exists() is False
        assert Enrollment.objects.exists() is False
        referral_import.refresh_from_db()
        assert referral_import.imported_at is None

    @pytest.mark.parametrize("post", [{}, {"action": "import_everything", "expected_count": "3"}])
    def test_a_post_without_a_known_choice_answers_422_with_the_message_and_stores_nothing(
        self, client, program_admin, post: dict[str, str]
    ) -> None:
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS))
        client.force_login(program_admin)

        response = client.post(preview_url(referral_import), post)

        assert response.status_code == 422
        assert "Choose whether to import all rows or only the valid ones." in response.content.decode()
        assert Patient.objects.exists() is False
        referral_import.refresh_from_db()
        assert referral_import.imported_at is None

    def test_import_valid_rows_writes_exactly_the_rows_without_problems(self, client, program_admin) -> None:
        content = csv_bytes(
            GOOD_ROWS[0], "Osbeck,Dummerly,not a date,,ED,Reason,", GOOD_ROWS[1], ",,1980-01-01,,ED,R,"
        )
        referral_import = uploaded(program_admin.program, program_admin, content)
        client.force_login(program_admin)

        response = client.post(
            preview_url(referral_import), {"action": "import_valid", "expected_count": "2"}
        )

        assert response.status_code == 302
        assert sorted(Patient.objects.values_list("legal_first_name", flat=True)) == ["Marnivy", "Quillon"]
        assert Referral.objects.count() == 2
        page = client.get(preview_url(referral_import)).content.decode()
        assert "2 referrals imported" in page
        assert "2 with problems were left out" in page

    def test_a_file_is_imported_only_once(self, client, program_admin) -> None:
        referral_import = uploaded(program_admin.program, program_admin, csv_bytes(*GOOD_ROWS))
        referral_import_run(referral_import=referral_import, acting_user=program_admin)

        with pytest.raises(DomainError, match="already imported"):
            referral_import_run(referral_import=referral_import, acting_user=program_admin, only_valid=True)
        client.force_login(program_admin)
        response = client.post(preview_url(referral_import), {"action": "import_all"}, follow=True)
        assert "already imported" in response.content.decode()
        assert Patient.objects.count() == 3

    def test_a_change_since_the_preview_stops_the_import(self, program_admin, program) -> None:
        referral_import = uploaded(program, program_admin, csv_bytes(*GOOD_ROWS))
        PatientFactory(program=program, mrn="TEST-I002")

        with pytest.raises(DomainError, match="changed since this check"):
            referral_import_run(
                referral_import=referral_import, acting_user=program_admin, only_valid=True, expected_count=3
            )
        assert Patient.objects.count() == 1

    def test_a_row_the_database_refuses_rolls_back_every_row(
        self, program_admin, program, monkeypatch
    ) -> None:
        PatientFactory(program=program, mrn="TEST-I003")
        referral_import = uploaded(program, program_admin, csv_bytes(*GOOD_ROWS[:2]) + GOOD_ROWS[2].encode())
        # Pretend the check missed the existing MRN: the unique constraint must then undo the whole import.
        monkeypatch.setattr(imports, "existing_matches", lambda *, program, people: [[] for _ in people])

        with pytest.raises(DomainError, match="Nothing was imported"):
            referral_import_run(referral_import=referral_import, acting_user=program_admin)
        assert Patient.objects.count() == 1
        assert Enrollment.objects.exists() is False
        referral_import.refresh_from_db()
        assert referral_import.imported_at is None


class TestFormulas:
    def test_cells_that_look_like_formulas_are_stored_as_plain_text(self, program_admin) -> None:
        content = csv_bytes(
            'Quillon,Testwood,1961-04-12,+1-555-0100,ED,"=HYPERLINK(""http://example.test"")",'
        )
        referral_import = uploaded(program_admin.program, program_admin, content)
        referral_import_run(referral_import=referral_import, acting_user=program_admin)

        referral = Referral.objects.select_related("enrollment__patient").get()
        assert referral.reason == '=HYPERLINK("http://example.test")'
        assert referral.enrollment.patient.mrn == "+1-555-0100"

    def test_the_problems_download_neutralises_formulas(self, client, program_admin) -> None:
        content = csv_bytes("@SUM(A1),Testwood,=1+2,,-2+3,Reason,")
        referral_import = uploaded(program_admin.program, program_admin, content)
        client.force_login(program_admin)

        response = client.get(preview_url(referral_import) + "?download=problems")

        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == ["row", "column", "problem", "value in the file"]
        values = {row[1]: row[3] for row in rows[1:]}
        assert values == {"date_of_birth": "'=1+2", "source": "'-2+3"}
        for row in rows[1:]:
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)

    def test_problems_csv_is_one_line_per_problem(self, program_admin) -> None:
        content = csv_bytes("x,,,,,,")
        preview = import_preview_of(referral_import=uploaded(program_admin.program, program_admin, content))
        lines = list(csv.reader(io.StringIO(problems_csv(preview).removeprefix("\ufeff"))))
        assert len(lines) == 1 + len(preview.problems) == 5


class TestFhirBundle:
    def test_a_bundle_fhir_resources_accepts_imports_every_patient(self, client, program_admin) -> None:
        content = bundle_bytes(
            fhir_patient(),
            {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "BP"}}},
            fhir_patient("Brackley", "Fauxley", "1982-11-30", "TEST-F002", gender="male"),
        )
        client.force_login(program_admin)
        response = upload(client, content, name="bundle.json")
        referral_import = ReferralImport.objects.get()
        assert response.status_code == 302
        assert referral_import.format == "fhir_bundle"
        page = client.get(preview_url(referral_import)).content.decode()
        assert "Entries that are not Patient resources were left aside: 1 Observation." in page
        assert "Referral source for everyone in this file" in page

        response = client.post(
            preview_url(referral_import),
            {
                "action": "import_all",
                "source": "health_plan",
                "reason": "On the plan's high-need list",
                "urgency": "soon",
            },
        )

        assert response.status_code == 302
        patients = {patient.mrn: patient for patient in Patient.objects.all()}
        assert set(patients) == {"TEST-F001", "TEST-F002"}
        first = patients["TEST-F001"]
        assert (first.legal_first_name, first.legal_last_name) == ("Zephrine", "Samplesby")
        assert first.date_of_birth == datetime.date(1975, 8, 9)
        assert (first.phone, first.preferred_language) == ("555-0142", "Spanish")
        assert patients["TEST-F002"].gender == "Male"
        referrals = Referral.objects.all()
        assert {(r.source, r.reason, r.urgency) for r in referrals} == {
            ("health_plan", "On the plan's high-need list", "soon")
        }

    def test_an_entry_without_a_name_is_a_problem_of_that_entry(self, program_admin) -> None:
        nameless = fhir_patient()
        del nameless["resource"]["name"]  # type: ignore[attr-defined]
        content = bundle_bytes(fhir_patient(mrn="TEST-F009"), nameless, fhir_patient(mrn="TEST-F010"))
        found = problems_of(uploaded(program_admin.program, program_admin, content, name="b.json"))
        assert found[:2] == [
            (2, "name.given", "First name is missing."),
            (2, "name.family", "Last name is missing."),
        ]
        assert found[2][0] == 3
        assert found[2][2].startswith("Same person as entry 1 (same name and date of birth).")

    def test_a_bundle_needs_the_referral_source_and_reason_before_importing(
        self, client, program_admin
    ) -> None:
        referral_import = uploaded(
            program_admin.program, program_admin, bundle_bytes(fhir_patient()), name="b.json"
        )
        client.force_login(program_admin)

        response = client.post(preview_url(referral_import), {"action": "import_all"})

        assert response.status_code == 422
        assert "Choose the referral source." in response.content.decode()
        assert Patient.objects.exists() is False
        with pytest.raises(DomainError, match="Choose the referral source"):
            referral_import_run(referral_import=referral_import, acting_user=program_admin)
        with pytest.raises(DomainError, match="Choose a referral source"):
            referral_import_run(
                referral_import=referral_import,
                acting_user=program_admin,
                referral_defaults=ReferralDefaults(source="hospice", reason="R"),
            )

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (
                bundle_bytes(fhir_patient(birth_date="1980-13-45")),
                "entry 1, birthDate: not a valid FHIR date",
            ),
            (
                bundle_bytes(fhir_patient(), resource_type="Patient"),
                "This file holds a FHIR Patient, not a Bundle.",
            ),
            (
                json.dumps({"resourceType": "Bundle", "type": "collection", "entry": "x"}).encode(),
                "not valid FHIR R4",
            ),
            (b'{"resourceType": "Bundle", ', "This file is not valid JSON"),
            (b"[1, 2]", "This file is not a FHIR Bundle"),
            (bundle_bytes(), "This Bundle has no Patient resources to import."),
        ],
    )
    def test_a_bundle_fhir_resources_rejects_shows_one_clear_error_and_stores_nothing(
        self, client, program_admin, content: bytes, message: str
    ) -> None:
        client.force_login(program_admin)
        response = upload(client, content, name="bundle.json")

        assert response.status_code == 422
        page = response.content.decode()
        assert message in page
        assert "Traceback" not in page
        assert ReferralImport.objects.exists() is False
        assert Patient.objects.exists() is False

    def test_a_partial_birth_date_is_a_problem_of_its_entry(self, program_admin) -> None:
        content = bundle_bytes(fhir_patient(birth_date="1975"))
        found = problems_of(uploaded(program_admin.program, program_admin, content, name="b.json"))
        assert found == [
            (1, "birthDate", "“1975” is not a date Tandem can read. Use a full date such as 1980-03-05.")
        ]

    def test_the_json_content_decides_the_format_when_the_name_does_not(self, program_admin) -> None:
        referral_import = uploaded(
            program_admin.program, program_admin, bundle_bytes(fhir_patient()), name="export"
        )
        assert referral_import.format == "fhir_bundle"


def test_parse_csv_is_pure_and_numbers_rows_from_the_header() -> None:
    parsed = parse_csv(
        "\ufeff\n" + HEADER + "\n" + GOOD_ROWS[0] + "\n\n" + GOOD_ROWS[1] + "\n",
        today=datetime.date(2026, 1, 1),
    )
    assert [row.number for row in parsed.rows] == [3, 5]
    assert all(row.is_valid for row in parsed.rows)
