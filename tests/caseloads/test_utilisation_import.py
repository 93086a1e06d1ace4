"""Utilisation import: a claims file of ED visits and admissions becomes life events of the people it names,
and feeds the candidate list."""

import csv
import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.errors import DomainError
from caseloads.models import Candidate, UtilisationImport
from caseloads.services import candidates_recompute
from caseloads.utilisation_import import (
    template_csv,
    utilisation_import_run,
    utilisation_import_upload,
    utilisation_preview_of,
)
from engagement.models import LifeEvent, LifeEventKind, LifeEventSource
from patients.models import Enrollment, Patient
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("caseloads:utilisation-import")
TEMPLATE_URL = reverse("caseloads:utilisation-import-template")
HEADER = "mrn,first_name,last_name,date_of_birth,kind,occurred_on,discharged_on,facility"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\r\n".join((header, *rows)) + "\r\n").encode()


def days_ago(program, days: int) -> str:
    return (program.today() - datetime.timedelta(days=days)).isoformat()


def uploaded(admin, content: bytes, name: str = "claims.csv") -> UtilisationImport:
    return utilisation_import_upload(program=admin.program, file_name=name, raw=content, acting_user=admin)


def preview_url(utilisation_import: UtilisationImport) -> str:
    return reverse("caseloads:utilisation-import-preview", kwargs={"import_id": utilisation_import.pk})


def problems_of(utilisation_import: UtilisationImport) -> list[tuple[int, str, str]]:
    preview = utilisation_preview_of(utilisation_import=utilisation_import)
    return [(problem.row, problem.column, problem.message) for problem in preview.problems]


def run_and_recompute(django_capture_on_commit_callbacks, utilisation_import, admin, **options):
    """Import, run what waits for the commit (the candidate job: in-process without a broker)."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        done = utilisation_import_run(utilisation_import=utilisation_import, acting_user=admin, **options)
    assert len(callbacks) == 1
    if not settings.CELERY_TASK_ALWAYS_EAGER:  # a broker is configured: the job went to it, not here
        candidates_recompute(program=admin.program)
    return done


@pytest.fixture
def maria(program) -> Patient:
    """Known to the program, not enrolled."""
    return PatientFactory(
        program=program,
        mrn="TEST-U100",
        legal_first_name="María José",
        legal_last_name="García",
        date_of_birth=datetime.date(1970, 3, 5),
    )


class TestWhoMayImport:
    @pytest.mark.parametrize("persona", ["care_manager", "supervisor", "program_lead"])
    def test_only_program_admins_may_open_the_import_pages(self, client, request, persona, program_admin):
        utilisation_import = uploaded(
            program_admin,
            csv_bytes(f",Ana,Testwood,1961-04-12,admission,{days_ago(program_admin.program, 5)},,"),
        )
        client.force_login(request.getfixturevalue(persona))

        assert client.get(IMPORT_URL).status_code == 403
        upload = SimpleUploadedFile("claims.csv", csv_bytes(), content_type="text/csv")
        assert client.post(IMPORT_URL, {"file": upload}).status_code == 403
        assert client.get(TEMPLATE_URL).status_code == 403
        assert client.get(preview_url(utilisation_import)).status_code == 403
        assert client.post(preview_url(utilisation_import), {"action": "import_all"}).status_code == 403
        assert UtilisationImport.objects.count() == 1
        assert LifeEvent.objects.exists() is False
        assert Patient.objects.exists() is False

    def test_an_admin_of_another_program_gets_404_for_this_programs_import(
        self, client, program_admin, other_program_admin
    ) -> None:
        utilisation_import = uploaded(
            program_admin,
            csv_bytes(f",Ana,Testwood,1961-04-12,admission,{days_ago(program_admin.program, 5)},,"),
        )
        client.force_login(other_program_admin)

        assert client.get(preview_url(utilisation_import)).status_code == 404
        assert client.post(preview_url(utilisation_import), {"action": "import_all"}).status_code == 404
        assert LifeEvent.objects.exists() is False

    def test_the_service_refuses_anyone_but_the_programs_admin(self, program_admin, care_manager) -> None:
        with pytest.raises(DomainError, match="Only a program admin"):
            uploaded(care_manager, csv_bytes())
        utilisation_import = uploaded(
            program_admin,
            csv_bytes(f",Ana,Testwood,1961-04-12,admission,{days_ago(program_admin.program, 5)},,"),
        )
        with pytest.raises(DomainError, match="Only a program admin"):
            utilisation_import_run(utilisation_import=utilisation_import, acting_user=care_manager)
        assert LifeEvent.objects.exists() is False


class TestMatchingAndCandidates:
    def test_two_admissions_of_a_known_person_make_them_a_candidate(
        self, program, program_admin, maria, django_capture_on_commit_callbacks
    ) -> None:
        # Names swapped, without accents, in capitals; no MRN: matched by name and date of birth.
        content = csv_bytes(
            f",GARCIA,Maria-Jose,3/5/1970,Admission,{days_ago(program, 40)},{days_ago(program, 35)},"
            "Example Test Hospital",
            f",garcia,maría josé,1970-03-05,hospital admission,{days_ago(program, 10)},,",
        )
        utilisation_import = uploaded(program_admin, content)
        assert problems_of(utilisation_import) == []

        done = run_and_recompute(django_capture_on_commit_callbacks, utilisation_import, program_admin)

        assert (done.imported_count, done.patients_created_count, done.skipped_count) == (2, 0, 0)
        events = LifeEvent.objects.filter(patient=maria).order_by("occurred_on")
        assert [event.kind for event in events] == [LifeEventKind.ADMISSION, LifeEventKind.ADMISSION]
        assert {event.source for event in events} == {LifeEventSource.CLAIMS}
        assert {event.recorded_by_id for event in events} == {program_admin.pk}
        assert {event.enrollment_id for event in events} == {None}
        assert events[0].ended_on == program.today() - datetime.timedelta(days=35)
        assert events[0].facility == "Example Test Hospital"
        assert Patient.objects.count() == 1
        candidate = Candidate.objects.get(program=program)
        assert (candidate.patient, candidate.admissions) == (maria, 2)

    def test_someone_unknown_is_added_once_without_an_enrolment_and_can_be_a_candidate(
        self, program, program_admin, django_capture_on_commit_callbacks
    ) -> None:
        content = csv_bytes(
            f"TEST-U200,Zephrine,Samplesby,1975-08-09,admission,{days_ago(program, 20)},,",
            f",Samplesby,Zephrine,1975-08-09,readmission,{days_ago(program, 12)},,",
            f"TEST-U200,Zephrine,Samplesby,1975-08-09,ED visit,{days_ago(program, 3)},,",
        )
        utilisation_import = uploaded(program_admin, content)
        preview = utilisation_preview_of(utilisation_import=utilisation_import)
        assert preview.new_people_count == 1
        assert [row.new_person_row for row in preview.ready_rows] == [2, 2, 2]

        done = run_and_recompute(django_capture_on_commit_callbacks, utilisation_import, program_admin)

        patient = Patient.objects.get(program=program)
        assert (patient.mrn, patient.legal_first_name, patient.legal_last_name) == (
            "TEST-U200",
            "Zephrine",
            "Samplesby",
        )
        assert patient.date_of_birth == datetime.date(1975, 8, 9)
        assert Enrollment.objects.filter(patient=patient).exists() is False
        assert LifeEvent.objects.filter(patient=patient).count() == 3
        assert (done.imported_count, done.patients_created_count) == (3, 1)
        assert Candidate.objects.get(program=program).patient == patient

    def test_a_person_in_care_gets_the_visit_on_their_open_episode_and_is_no_candidate(
        self, program, program_admin, enrollment, django_capture_on_commit_callbacks
    ) -> None:
        patient = enrollment.patient
        content = csv_bytes(
            f"{patient.mrn},{patient.legal_first_name},{patient.legal_last_name},"
            f"{patient.date_of_birth.isoformat()},admission,{days_ago(program, 9)},,",
            f"{patient.mrn},Someone,Else,1950-01-01,admission,{days_ago(program, 4)},,",
        )
        utilisation_import = uploaded(program_admin, content)
        assert problems_of(utilisation_import) == []

        run_and_recompute(django_capture_on_commit_callbacks, utilisation_import, program_admin)

        # The second row matched by MRN alone.
        assert set(LifeEvent.objects.values_list("patient_id", "enrollment_id")) == {
            (patient.pk, enrollment.pk)
        }
        assert LifeEvent.objects.count() == 2
        assert Candidate.objects.exists() is False

    def test_a_row_matching_two_people_is_a_problem(self, program, program_admin) -> None:
        for mrn in ("TEST-U301", "TEST-U302"):
            PatientFactory(
                program=program,
                mrn=mrn,
                legal_first_name="Lunetta",
                legal_last_name="Dummerly",
                date_of_birth=datetime.date(1958, 7, 30),
            )
        utilisation_import = uploaded(
            program_admin,
            csv_bytes(
                f",Lunetta,Dummerly,1958-07-30,admission,{days_ago(program, 9)},,",
                f"TEST-U301,Lunetta,Dummerly,1958-07-30,admission,{days_ago(program, 8)},,",
            ),
        )

        problems = problems_of(utilisation_import)
        assert [(row, column) for row, column, _message in problems] == [
            (2, "first_name, last_name, date_of_birth"),
            (3, "mrn"),
        ]
        assert problems[0][2].startswith("2 people in this program match this row")
        assert utilisation_import.error_count == 2

    def test_a_patient_of_another_program_is_never_matched(
        self, program, program_admin, other_program
    ) -> None:
        stranger = PatientFactory(program=other_program, mrn="TEST-U400")
        utilisation_import = uploaded(
            program_admin,
            csv_bytes(
                f"TEST-U400,{stranger.legal_first_name},{stranger.legal_last_name},"
                f"{stranger.date_of_birth.isoformat()},admission,{days_ago(program, 9)},,"
            ),
        )

        utilisation_import_run(utilisation_import=utilisation_import, acting_user=program_admin)

        assert LifeEvent.objects.filter(patient=stranger).exists() is False
        assert Patient.objects.filter(program=program, mrn="TEST-U400").count() == 1


class TestProblems:
    def test_every_problem_is_reported_by_row_and_column(self, program, program_admin) -> None:
        tomorrow = (program.today() + datetime.timedelta(days=1)).isoformat()
        content = csv_bytes(
            f",Quillon,Testwood,1961-04-12,admission,{days_ago(program, 9)},,",
            ",Marnivy,Fablethorn,1970-03-05,admission,31/12/2024,,",
            f",Torvalle,Mockridge,1980-01-01,surgery,{days_ago(program, 9)},,",
            f",,Lunaby,1980-01-01,ED visit,{days_ago(program, 9)},,",
            f",Orrin,Placket,1980-01-01,,{tomorrow},,",
            f",Orrin,Placket,1980-01-01,admission,{days_ago(program, 5)},{days_ago(program, 9)},",
            ",Orrin,Placket,1980-01-01,admission,1979-12-31,,",
        )
        utilisation_import = uploaded(program_admin, content)

        assert problems_of(utilisation_import) == [
            (
                3,
                "occurred_on",
                "“31/12/2024” is not a date Tandem can read. Use 2024-03-05, 3/5/2024, 03/05/24, 5-Mar-2024 "
                "or an Excel date number such as 45356.",
            ),
            (
                4,
                "kind",
                "Tandem does not know the kind of visit “surgery”. "
                "Use one of: ED visit, admission, readmission.",
            ),
            (5, "first_name", "First name is missing."),
            (6, "kind", "Kind of visit is missing. Use one of: ED visit, admission, readmission."),
            (6, "occurred_on", f"Visit or admission date {tomorrow} is in the future."),
            (7, "discharged_on", "The discharge date is before the visit or admission date."),
            (8, "occurred_on", "The visit is before the person was born."),
        ]
        assert (utilisation_import.row_count, utilisation_import.error_count) == (7, 6)

    def test_a_file_without_a_required_column_is_refused_and_not_kept(self, program_admin) -> None:
        with pytest.raises(DomainError, match="it has no kind column"):
            uploaded(program_admin, csv_bytes(header="first_name,last_name,date_of_birth,occurred_on"))
        with pytest.raises(DomainError, match="not spreadsheet files"):
            uploaded(program_admin, b"PK\x03\x04", name="claims.xlsx")
        with pytest.raises(DomainError, match="There are no visits or admissions in this file"):
            uploaded(program_admin, csv_bytes())
        assert UtilisationImport.objects.exists() is False

    def test_other_column_names_semicolons_and_a_byte_order_mark_are_read(
        self, program, program_admin
    ) -> None:
        text = (
            "\ufeffGiven name;Surname;DOB;Visit type;Admission date;Discharge date;Hospital;Member ID\r\n"
            f"Quillon;Testwood;45356;ER;{days_ago(program, 9)};;Example Test Hospital;M-1\r\n"
        )
        utilisation_import = uploaded(program_admin, text.encode())
        preview = utilisation_preview_of(utilisation_import=utilisation_import)

        assert preview.problems == []
        assert preview.notes == ["These columns are not used and were left aside: Member ID."]
        visit = preview.ready_rows[0].visit
        assert visit is not None
        assert (visit.kind, visit.facility) == (LifeEventKind.ED_VISIT, "Example Test Hospital")


class TestImportChoices:
    def content(self, program) -> bytes:
        return csv_bytes(
            f",Quillon,Testwood,1961-04-12,admission,{days_ago(program, 9)},,",
            ",Marnivy,Fablethorn,1970-03-05,admission,not a date,,",
            f",Torvalle,Mockridge,1980-01-01,ed visit,{days_ago(program, 2)},,",
        )

    def test_import_all_is_refused_while_a_row_has_a_problem_and_nothing_is_stored(
        self, program, program_admin
    ) -> None:
        utilisation_import = uploaded(program_admin, self.content(program))

        with pytest.raises(DomainError, match="Nothing was imported: 1 of 3 rows have problems"):
            utilisation_import_run(utilisation_import=utilisation_import, acting_user=program_admin)

        assert LifeEvent.objects.exists() is False
        assert Patient.objects.exists() is False
        utilisation_import.refresh_from_db()
        assert utilisation_import.imported_at is None

    def test_importing_the_valid_rows_stores_only_those(
        self, program, program_admin, django_capture_on_commit_callbacks
    ) -> None:
        utilisation_import = uploaded(program_admin, self.content(program))

        done = run_and_recompute(
            django_capture_on_commit_callbacks,
            utilisation_import,
            program_admin,
            only_valid=True,
            expected_count=2,
        )

        assert sorted(Patient.objects.values_list("legal_last_name", flat=True)) == ["Mockridge", "Testwood"]
        assert LifeEvent.objects.count() == 2
        assert (done.row_count, done.error_count, done.imported_count, done.patients_created_count) == (
            3,
            1,
            2,
            2,
        )
        with pytest.raises(DomainError, match="already imported"):
            utilisation_import_run(
                utilisation_import=utilisation_import, acting_user=program_admin, only_valid=True
            )
        assert LifeEvent.objects.count() == 2

    def test_a_change_since_the_preview_stops_the_import(self, program, program_admin) -> None:
        utilisation_import = uploaded(program_admin, self.content(program))

        with pytest.raises(DomainError, match="2 rows are ready now, not 3"):
            utilisation_import_run(
                utilisation_import=utilisation_import,
                acting_user=program_admin,
                only_valid=True,
                expected_count=3,
            )
        assert LifeEvent.objects.exists() is False


class TestUploadingAgain:
    def test_re_uploading_the_same_file_skips_every_row_as_already_recorded(
        self, client, program, program_admin, maria, django_capture_on_commit_callbacks
    ) -> None:
        content = csv_bytes(
            f"TEST-U100,María José,García,1970-03-05,admission,{days_ago(program, 40)},,",
            f",Zephrine,Samplesby,1975-08-09,ED visit,{days_ago(program, 12)},,",
        )
        run_and_recompute(django_capture_on_commit_callbacks, uploaded(program_admin, content), program_admin)
        assert LifeEvent.objects.count() == 2

        again = uploaded(program_admin, content)
        preview = utilisation_preview_of(utilisation_import=again)

        assert preview.problems == []
        assert preview.ready_rows == []
        admitted, visited = (program.today() - datetime.timedelta(days=days) for days in (40, 12))
        assert [(row.number, row.skipped_because) for row in preview.skipped_rows] == [
            (2, f"Already in Tandem: the same hospital admission on {admitted.day} {admitted:%b %Y}."),
            (3, f"Already in Tandem: the same emergency department visit on {visited.day} {visited:%b %Y}."),
        ]
        client.force_login(program_admin)
        html = client.get(preview_url(again)).content.decode()
        assert "Every visit in this file is already recorded in Tandem. There is nothing to import." in html
        assert 'name="action"' not in html
        with pytest.raises(DomainError, match="no row has a visit or admission to record"):
            utilisation_import_run(utilisation_import=again, acting_user=program_admin)
        assert LifeEvent.objects.count() == 2
        assert Patient.objects.count() == 2

    def test_a_later_file_records_only_the_new_visits(
        self, program, program_admin, maria, django_capture_on_commit_callbacks
    ) -> None:
        first = f"TEST-U100,María José,García,1970-03-05,admission,{days_ago(program, 40)},,"
        run_and_recompute(
            django_capture_on_commit_callbacks, uploaded(program_admin, csv_bytes(first)), program_admin
        )
        later = f"TEST-U100,María José,García,1970-03-05,admission,{days_ago(program, 6)},,"

        done = run_and_recompute(
            django_capture_on_commit_callbacks,
            uploaded(program_admin, csv_bytes(first, later, later)),
            program_admin,
        )

        assert (done.imported_count, done.skipped_count, done.patients_created_count) == (1, 2, 0)
        assert LifeEvent.objects.filter(patient=maria).count() == 2
        assert Candidate.objects.get(program=program).patient == maria


class TestPages:
    def test_an_admin_uploads_sees_the_problem_imports_the_valid_rows_and_is_told_what_happened(
        self, client, program, program_admin, maria, django_capture_on_commit_callbacks
    ) -> None:
        client.force_login(program_admin)
        content = csv_bytes(
            f",Garcia,Maria Jose,1970-03-05,admission,{days_ago(program, 40)},,",
            f",Garcia,Maria Jose,1970-03-05,admission,{days_ago(program, 9)},,",
            f",Quillon,Testwood,1961-04-12,ED visit,{days_ago(program, 9)},,",
            ",Marnivy,Fablethorn,1970-03-05,admission,soon,,",
        )

        response = client.post(
            IMPORT_URL, {"file": SimpleUploadedFile("claims.csv", content, content_type="text/csv")}
        )
        utilisation_import = UtilisationImport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == preview_url(utilisation_import)

        page = client.get(preview_url(utilisation_import))
        html = page.content.decode()
        assert page.status_code == 200
        assert "Problems to fix (1)" in html
        assert "“soon” is not a date Tandem can read" in html
        assert "Import only the 3 ready rows" in html
        assert 'value="import_all"' not in html

        refused = client.post(
            preview_url(utilisation_import), {"action": "import_all", "expected_count": "3"}
        )
        assert refused.status_code == 422
        assert LifeEvent.objects.exists() is False

        with django_capture_on_commit_callbacks(execute=True):
            done = client.post(
                preview_url(utilisation_import),
                {"action": "import_valid", "expected_count": "3"},
                follow=True,
            )
        if not settings.CELERY_TASK_ALWAYS_EAGER:
            candidates_recompute(program=program)
        html = done.content.decode()
        assert (
            "Recorded 3 visits and admissions, added 1 person new to Tandem, "
            "skipped 0 rows already recorded. The candidate list will update in a moment."
        ) in html
        assert "3 visits and admissions recorded" in html
        assert LifeEvent.objects.filter(patient=maria).count() == 2
        assert Candidate.objects.get(program=program).patient == maria

    @pytest.mark.parametrize("people", [4, 40])
    def test_the_preview_answers_in_a_fixed_number_of_queries(
        self, client, program, program_admin, maria, django_assert_num_queries, people
    ) -> None:
        rows = [f",Person{n},Testwood,1961-04-12,admission,{days_ago(program, 9)},," for n in range(people)]
        rows += [
            f"TEST-U100,María José,García,1970-03-05,ED visit,{days_ago(program, n)},," for n in range(people)
        ]
        utilisation_import = uploaded(program_admin, csv_bytes(*rows))
        client.force_login(program_admin)

        # Session, user, program time zone, the upload; patients by MRN and by date of birth; visits
        # already recorded; the session's expiry saved (savepoint, update, release).
        with django_assert_num_queries(10):
            assert client.get(preview_url(utilisation_import)).status_code == 200

    @pytest.mark.parametrize("uploads", [1, 12])
    def test_the_upload_page_lists_recent_uploads_in_a_fixed_number_of_queries(
        self, client, program, program_admin, django_assert_num_queries, uploads: int
    ) -> None:
        for _ in range(uploads):
            uploaded(
                program_admin, csv_bytes(f",Quillon,Testwood,1961-04-12,admission,{days_ago(program, 9)},,")
            )
        client.force_login(program_admin)
        client.get(IMPORT_URL)
        # Session, user, program; the latest uploads with who uploaded them; the session's expiry saved
        # (savepoint, update, release).
        with django_assert_num_queries(7):
            response = client.get(IMPORT_URL)
        assert len(response.context["recent"]) == min(uploads, 10)

    def test_a_post_without_a_known_choice_answers_422_with_the_message_and_stores_nothing(
        self, client, program, program_admin
    ) -> None:
        utilisation_import = uploaded(
            program_admin, csv_bytes(f",Quillon,Testwood,1961-04-12,admission,{days_ago(program, 9)},,")
        )
        client.force_login(program_admin)

        response = client.post(preview_url(utilisation_import), {"action": "", "expected_count": "1"})

        assert response.status_code == 422
        assert "Choose whether to import all rows or only the valid ones." in response.content.decode()
        assert LifeEvent.objects.exists() is False
        utilisation_import.refresh_from_db()
        assert utilisation_import.imported_at is None

    def test_a_spreadsheet_file_is_refused_on_the_upload_page(self, client, program_admin) -> None:
        client.force_login(program_admin)
        response = client.post(
            IMPORT_URL,
            {"file": SimpleUploadedFile("claims.xlsx", b"PK\x03\x04", content_type="application/zip")},
        )
        assert response.status_code == 422
        assert "not spreadsheet files" in response.content.decode()
        assert UtilisationImport.objects.exists() is False

    def test_the_template_explains_each_column_and_imports_cleanly(self, client, program_admin) -> None:
        client.force_login(program_admin)
        response = client.get(TEMPLATE_URL)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        lines = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
        assert lines[0] == HEADER.split(",")
        assert lines[1][0].startswith("# Help row")

        preview = utilisation_preview_of(utilisation_import=uploaded(program_admin, template_csv().encode()))
        assert preview.problems == []
        assert (len(preview.ready_rows), preview.new_people_count) == (2, 1)

    def test_the_problems_download_is_safe_to_open_in_a_spreadsheet(
        self, client, program, program_admin
    ) -> None:
        utilisation_import = uploaded(
            program_admin, csv_bytes(f",=HYPERLINK(1),Testwood,1961-04-12,=cmd,{days_ago(program, 9)},,")
        )
        client.force_login(program_admin)

        response = client.get(preview_url(utilisation_import), {"download": "problems"})

        lines = list(csv.reader(io.StringIO(response.content.decode().removeprefix("\ufeff"))))
        assert lines[0] == ["row", "column", "problem", "value in the file"]
        assert lines[1][:2] == ["2", "kind"]
        assert lines[1][3] == "'=cmd"

    def test_the_worklists_page_links_to_the_import(self, client, program_admin) -> None:
        client.force_login(program_admin)
        html = client.get(reverse("caseloads:intake-worklists")).content.decode()
        assert f'href="{IMPORT_URL}">Import utilisation (claims) data</a>' in html
