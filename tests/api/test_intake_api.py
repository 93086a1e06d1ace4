"""The API for patients, referrals in (intake and screening) and the community resource directory:
the same scoping, services and refusals as the pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from patients.models import (
    AccessEvent,
    CommunityResource,
    Enrollment,
    EnrollmentStatus,
    Patient,
    Referral,
    ReferralOut,
    ScreeningQuestion,
)
from tests.api.conftest import ApiAs
from tests.dates import program_today

pytestmark = pytest.mark.django_db

S = EnrollmentStatus


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def _referral_payload(**overrides: object) -> dict[str, object]:
    return {
        "legal_first_name": "Quillon",
        "legal_last_name": "Apitestwood",
        "date_of_birth": "1971-03-02",
        "mrn": "TEST-API-0001",
        "source": "primary_care",
        "reason": "Synthetic test referral: missed appointments.",
        "patient_priorities": ["Keep my flat", "  See my grandson  "],
        **overrides,
    }


class TestPatients:
    def test_a_care_manager_lists_their_teams_patients_only_and_each_is_logged(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, enrollment_other_team: Enrollment
    ) -> None:
        response = api_as(care_manager).get(reverse("api:patient-list"))

        assert response.status_code == 200
        assert _ids(response) == [enrollment.patient_id]
        logged = AccessEvent.objects.filter(user=care_manager)
        assert list(logged.values_list("patient_id", "action")) == [(enrollment.patient_id, "list")]

    def test_detail_shows_preferences_and_is_logged(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).get(reverse("api:patient-detail", args=[enrollment.patient_id]))

        assert response.status_code == 200
        assert response.json()["legal_last_name"] == enrollment.patient.legal_last_name
        assert response.headers["ETag"].startswith('"')
        event = AccessEvent.objects.get(user=care_manager)
        assert (event.object_type, event.object_id) == ("patient", enrollment.patient_id)

    def test_another_teams_patient_is_not_found(
        self, api_as: ApiAs, care_manager_other_team: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager_other_team).get(
            reverse("api:patient-detail", args=[enrollment.patient_id])
        )

        assert response.status_code == 404
        assert AccessEvent.objects.count() == 0

    def test_the_care_team_changes_care_preferences(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        url = reverse("api:patient-care-preferences", args=[enrollment.patient_id])
        response = api_as(care_manager).patch(
            url, {"best_times_to_reach": " Mornings ", "can_receive_texts": True}
        )

        assert response.status_code == 200
        patient = Patient.objects.get(pk=enrollment.patient_id)
        assert (patient.best_times_to_reach, patient.can_receive_texts) == ("Mornings", True)

    def test_a_same_team_colleague_off_the_care_team_may_not_change_preferences(
        self, api_as: ApiAs, care_manager_same_team: User, enrollment: Enrollment
    ) -> None:
        url = reverse("api:patient-care-preferences", args=[enrollment.patient_id])
        response = api_as(care_manager_same_team).patch(url, {"best_times_to_reach": "Evenings"})

        assert response.status_code == 403
        assert Patient.objects.get(pk=enrollment.patient_id).best_times_to_reach == ""

    def test_an_empty_language_is_refused_with_the_pages_words(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        url = reverse("api:patient-care-preferences", args=[enrollment.patient_id])
        response = api_as(care_manager).patch(url, {"preferred_contact_method": "pigeon"})

        assert response.status_code == 400
        assert list(response.json()) == ["preferred_contact_method"]

    def test_a_stale_etag_changes_nothing(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        url = reverse("api:patient-care-preferences", args=[enrollment.patient_id])
        response = api_as(care_manager).patch(url, {"best_times_to_reach": "Noon"}, HTTP_IF_MATCH='"stale"')

        assert response.status_code == 412
        assert Patient.objects.get(pk=enrollment.patient_id).best_times_to_reach == ""

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_list_costs_the_same_queries_for_few_and_many(
        self, api_as: ApiAs, program_admin: User, make_enrollment, count: int, django_assert_num_queries
    ) -> None:
        for _ in range(count):
            make_enrollment(status=S.REFERRED)
        client = api_as(program_admin)

        # The session and user, the program's time zone, the page, the access events in their
        # savepoint, and the session's save in its own: the same whatever the number of patients.
        with django_assert_num_queries(10):
            response = client.get(reverse("api:patient-list"))
        assert len(response.json()["results"]) == count


class TestReferrals:
    def test_an_admin_takes_in_a_referral(self, api_as: ApiAs, program_admin: User) -> None:
        response = api_as(program_admin).post(reverse("api:referral-list"), _referral_payload())

        assert response.status_code == 201, response.json()
        referral = Referral.objects.select_related("enrollment__patient").get(pk=response.json()["id"])
        assert referral.enrollment.status == S.REFERRED
        assert referral.enrollment.patient.mrn == "TEST-API-0001"
        assert referral.patient_priorities == "Keep my flat\nSee my grandson"
        assert response.json()["patient_priorities"] == ["Keep my flat", "See my grandson"]

    def test_a_possible_duplicate_answers_409_until_the_admin_says_who_it_is(
        self, api_as: ApiAs, program_admin: User
    ) -> None:
        client = api_as(program_admin)
        first = client.post(reverse("api:referral-list"), _referral_payload())
        patient_id = first.json()["patient"]
        Enrollment.objects.filter(pk=first.json()["enrollment"]).update(
            status=S.DECLINED, ended_on=program_today(), end_reason="declined"
        )

        again = client.post(reverse("api:referral-list"), _referral_payload())
        assert again.status_code == 409
        assert [row["patient"] for row in again.json()["possible_duplicates"]] == [patient_id]
        assert again.json()["possible_duplicates"][0]["is_same_mrn"] is True

        new_person = client.post(reverse("api:referral-list"), _referral_payload(confirmed_new=True))
        assert new_person.status_code == 400
        assert new_person.json()["detail"].startswith("Someone in the program already has this MRN")

        attached = client.post(reverse("api:referral-list"), _referral_payload(existing_patient=patient_id))
        assert attached.status_code == 201
        assert attached.json()["patient"] == patient_id
        assert Patient.objects.filter(mrn="TEST-API-0001").count() == 1
        assert Enrollment.objects.filter(patient_id=patient_id).count() == 2

    def test_a_care_manager_may_not_take_in_referrals(self, api_as: ApiAs, care_manager: User) -> None:
        response = api_as(care_manager).post(reverse("api:referral-list"), _referral_payload())

        assert response.status_code == 403
        assert Referral.objects.count() == 0

    def test_bad_details_get_the_forms_field_errors(self, api_as: ApiAs, program_admin: User) -> None:
        tomorrow = (program_today() + datetime.timedelta(days=1)).isoformat()
        response = api_as(program_admin).post(
            reverse("api:referral-list"), _referral_payload(date_of_birth=tomorrow, source="pigeon")
        )

        assert response.status_code == 400
        assert set(response.json()) == {"source"}
        response = api_as(program_admin).post(
            reverse("api:referral-list"), _referral_payload(date_of_birth=tomorrow)
        )
        assert response.json() == {"date_of_birth": ["Check the date of birth: it is in the future."]}
        assert Referral.objects.count() == 0

    def test_another_teams_referral_is_neither_listed_nor_found(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, enrollment_other_team: Enrollment
    ) -> None:
        client = api_as(care_manager)

        assert _ids(client.get(reverse("api:referral-list"))) == [enrollment.referral.pk]
        detail = client.get(reverse("api:referral-detail", args=[enrollment_other_team.referral.pk]))
        assert detail.status_code == 404

    def test_the_queue_filter_gives_referrals_waiting_for_screening(
        self, api_as: ApiAs, program_admin: User, make_enrollment, enrollment: Enrollment
    ) -> None:
        waiting = make_enrollment(status=S.REFERRED)

        response = api_as(program_admin).get(
            reverse("api:referral-list"), {"enrollment_status": ["referred", "screening"]}
        )
        assert _ids(response) == [waiting.referral.pk]

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_list_costs_the_same_queries_for_few_and_many(
        self, api_as: ApiAs, program_admin: User, make_enrollment, count: int, django_assert_num_queries
    ) -> None:
        for _ in range(count):
            make_enrollment(status=S.REFERRED)
        client = api_as(program_admin)

        # The session and user, the program's time zone, the page, and the session's save.
        with django_assert_num_queries(7):
            response = client.get(reverse("api:referral-list"))
        assert len(response.json()["results"]) == count


class TestScreening:
    @pytest.fixture
    def question(self, program_admin: User) -> ScreeningQuestion:
        return ScreeningQuestion.objects.create(program=program_admin.program, text="Two or more ED visits?")

    @pytest.fixture
    def waiting(self, make_enrollment) -> Enrollment:
        return make_enrollment(status=S.REFERRED)

    def _url(self, enrollment: Enrollment) -> str:
        return reverse("api:referral-screen", args=[enrollment.referral.pk])

    def test_a_fit_starts_outreach_with_the_care_manager_chosen(
        self, api_as: ApiAs, program_admin: User, care_manager: User, question, waiting
    ) -> None:
        handoff_at = (timezone.now() - datetime.timedelta(minutes=5)).isoformat()
        # The referral was received a moment ago; the handoff may not come before it.
        Referral.objects.filter(pk=waiting.referral.pk).update(
            received_at=timezone.now() - datetime.timedelta(hours=1)
        )
        response = api_as(program_admin).post(
            self._url(waiting),
            {
                "outcome": "fit",
                "answers": [{"question": question.pk, "response": "yes"}],
                "care_manager": care_manager.pk,
                "handoff": {"introduced_by": "The ED nurse", "setting": "ed", "at": handoff_at},
            },
        )

        assert response.status_code == 200, response.json()
        waiting.refresh_from_db()
        assert waiting.status == S.OUTREACH
        assert waiting.care_team.get(is_primary=True).user_id == care_manager.pk
        assert response.json()["handoff_by"] == "The ED nurse"

    def test_not_a_fit_without_a_reason_is_refused_with_the_pages_words(
        self, api_as: ApiAs, program_admin: User, question, waiting
    ) -> None:
        response = api_as(program_admin).post(
            self._url(waiting),
            {"outcome": "not_a_fit", "answers": [{"question": question.pk, "response": "no"}]},
        )

        assert response.status_code == 400
        assert response.json() == {"detail": "Say why the program is not a fit."}
        waiting.refresh_from_db()
        assert waiting.status == S.REFERRED
        assert ReferralOut.objects.count() == 0

    def test_a_supervisor_may_not_screen(
        self, api_as: ApiAs, supervisor: User, question, make_enrollment
    ) -> None:
        waiting = make_enrollment(status=S.REFERRED)
        response = api_as(supervisor).post(
            self._url(waiting),
            {"outcome": "declined", "answers": [{"question": question.pk, "response": "no"}]},
        )

        assert response.status_code == 403
        assert Enrollment.objects.get(pk=waiting.pk).status == S.REFERRED

    def test_another_programs_question_is_a_field_error(
        self, api_as: ApiAs, program_admin: User, other_program_admin: User, waiting
    ) -> None:
        foreign = ScreeningQuestion.objects.create(program=other_program_admin.program, text="Elsewhere?")
        response = api_as(program_admin).post(
            self._url(waiting),
            {"outcome": "declined", "answers": [{"question": foreign.pk, "response": "no"}]},
        )

        assert response.status_code == 400
        assert response.json() == {
            "answers": {"0": {"question": [f'Invalid pk "{foreign.pk}" - object does not exist.']}}
        }
        assert Enrollment.objects.get(pk=waiting.pk).status == S.REFERRED


class TestCommunityResources:
    @pytest.fixture
    def food_bank(self, program_admin: User) -> CommunityResource:
        return CommunityResource.objects.create(
            program=program_admin.program, name="Test Food Bank", category="food"
        )

    def test_everyone_in_the_program_reads_the_directory(
        self, api_as: ApiAs, care_manager: User, food_bank: CommunityResource, other_program_admin: User
    ) -> None:
        CommunityResource.objects.create(
            program=other_program_admin.program, name="Elsewhere", category="food"
        )

        response = api_as(care_manager).get(reverse("api:community-resource-list"), {"search": "food"})
        assert _ids(response) == [food_bank.pk]

    def test_another_programs_service_is_not_found(
        self, api_as: ApiAs, other_program_admin: User, food_bank: CommunityResource
    ) -> None:
        response = api_as(other_program_admin).get(
            reverse("api:community-resource-detail", args=[food_bank.pk])
        )
        assert response.status_code == 404

    @pytest.mark.parametrize("raw_id", ["abc", "%C2%B2"])  # "²" is a digit to str.isdigit, not to int()
    def test_an_id_that_is_not_a_number_is_not_found(
        self, api_as: ApiAs, program_admin: User, food_bank: CommunityResource, raw_id: str
    ) -> None:
        response = api_as(program_admin).patch(f"/api/v1/community-resources/{raw_id}/", {"name": "X"})

        assert response.status_code == 404
        assert "detail" in response.json()

    def test_an_admin_adds_and_retires_a_service(
        self, api_as: ApiAs, program_admin: User, food_bank: CommunityResource
    ) -> None:
        client = api_as(program_admin)
        created = client.post(
            reverse("api:community-resource-list"), {"name": "  Test   Housing Help ", "category": "housing"}
        )
        assert created.status_code == 201
        assert CommunityResource.objects.get(pk=created.json()["id"]).name == "Test Housing Help"

        url = reverse("api:community-resource-detail", args=[food_bank.pk])
        etag = client.get(url).headers["ETag"]
        retired = client.patch(url, {"is_active": False}, HTTP_IF_MATCH=etag)
        assert retired.status_code == 200
        food_bank.refresh_from_db()
        assert (food_bank.is_active, food_bank.category, food_bank.name) == (False, "food", "Test Food Bank")
        assert client.patch(url, {"phone": "555-0100"}, HTTP_IF_MATCH=etag).status_code == 412

    def test_a_duplicate_name_is_refused_with_the_pages_words(
        self, api_as: ApiAs, program_admin: User, food_bank: CommunityResource
    ) -> None:
        response = api_as(program_admin).post(
            reverse("api:community-resource-list"), {"name": "test food bank", "category": "food"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "detail": "The directory already has a service called “test food bank”. Edit that one instead."
        }
        assert CommunityResource.objects.count() == 1

    def test_a_care_manager_may_not_change_the_directory(
        self, api_as: ApiAs, care_manager: User, food_bank: CommunityResource
    ) -> None:
        url = reverse("api:community-resource-detail", args=[food_bank.pk])
        response = api_as(care_manager).patch(url, {"name": "Renamed"})

        assert response.status_code == 403
        assert CommunityResource.objects.get(pk=food_bank.pk).name == "Test Food Bank"

    def test_bad_input_gets_field_errors(self, api_as: ApiAs, program_admin: User) -> None:
        response = api_as(program_admin).post(
            reverse("api:community-resource-list"), {"name": "", "category": "spaceships", "website": "nope"}
        )

        assert response.status_code == 400
        assert set(response.json()) == {"name", "category", "website"}

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_list_costs_the_same_queries_for_few_and_many(
        self, api_as: ApiAs, care_manager: User, count: int, django_assert_num_queries
    ) -> None:
        CommunityResource.objects.bulk_create(
            CommunityResource(program=care_manager.program, name=f"Test Service {n}", category="food")
            for n in range(count)
        )
        client = api_as(care_manager)

        # The session and user, the program's time zone, the page, and the session's save.
        with django_assert_num_queries(7):
            response = client.get(reverse("api:community-resource-list"))
        assert len(response.json()["results"]) == count
