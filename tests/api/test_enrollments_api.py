"""The API for enrolments, care teams, community supports and referrals out: the same scoping,
services and refusals as the record's pages."""

import pytest
from django.urls import reverse

from accounts.models import User
from caseloads.models import CaseloadRecomputeRequest
from patients.models import (
    CareTeamMember,
    CommunityResource,
    CommunitySupport,
    Enrollment,
    EnrollmentStatus,
    Phase,
    ReferralOut,
)
from patients.services import referral_out_create
from tests.api.conftest import ApiAs
from tests.patients.factories import CareTeamMemberFactory, CommunitySupportFactory

pytestmark = pytest.mark.django_db

S = EnrollmentStatus


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


class TestEnrollments:
    def test_a_care_manager_sees_their_teams_enrolments_only(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, enrollment_other_team: Enrollment
    ) -> None:
        client = api_as(care_manager)

        assert _ids(client.get(reverse("api:enrollment-list"))) == [enrollment.pk]
        assert (
            client.get(reverse("api:enrollment-detail", args=[enrollment_other_team.pk])).status_code == 404
        )
        detail = client.get(reverse("api:enrollment-detail", args=[enrollment.pk]))
        assert (detail.status_code, detail.json()["status"]) == (200, "active")

    def test_filters_by_status(
        self, api_as: ApiAs, program_admin: User, make_enrollment, enrollment: Enrollment
    ) -> None:
        waiting = make_enrollment(status=S.REFERRED)

        response = api_as(program_admin).get(reverse("api:enrollment-list"), {"status": ["referred"]})
        assert _ids(response) == [waiting.pk]

    def test_the_care_manager_moves_someone_to_maintenance(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            reverse("api:enrollment-move", args=[enrollment.pk]), {"to_status": "maintenance"}
        )

        assert response.status_code == 200, response.json()
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.MAINTENANCE
        assert CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).count() == 1

    def test_a_move_the_pipeline_forbids_is_refused_with_its_words(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            reverse("api:enrollment-move", args=[enrollment.pk]), {"to_status": "referred"}
        )

        assert response.status_code == 400
        assert response.json() == {
            "detail": "An enrolment cannot move from active to referred. "
            "From active it can move to: maintenance, graduated, disenrolled."
        }
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.ACTIVE

    def test_graduation_goes_through_its_own_record(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            reverse("api:enrollment-move", args=[enrollment.pk]), {"to_status": "graduated"}
        )

        assert response.status_code == 400
        assert response.json()["detail"].startswith("Record the graduation instead")
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.ACTIVE

    def test_a_read_only_lead_may_not_move(
        self, api_as: ApiAs, program_lead: User, enrollment: Enrollment
    ) -> None:
        response = api_as(program_lead).post(
            reverse("api:enrollment-move", args=[enrollment.pk]), {"to_status": "maintenance"}
        )

        assert response.status_code == 403
        assert Enrollment.objects.get(pk=enrollment.pk).status == S.ACTIVE

    def test_bad_input_gets_field_errors(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            reverse("api:enrollment-move", args=[enrollment.pk]), {"to_status": "somewhere"}
        )

        assert response.status_code == 400
        assert list(response.json()) == ["to_status"]

    def test_a_supervisor_transfers_to_a_colleague_with_the_note(
        self, api_as: ApiAs, supervisor: User, care_manager_same_team: User, enrollment: Enrollment
    ) -> None:
        response = api_as(supervisor).post(
            reverse("api:enrollment-assign", args=[enrollment.pk]),
            {"care_manager": care_manager_same_team.pk, "transfer_note": "Prefers mornings."},
        )

        assert response.status_code == 200, response.json()
        primary = CareTeamMember.objects.get(enrollment=enrollment, is_primary=True, ended_on__isnull=True)
        assert (primary.user_id, primary.transfer_note) == (care_manager_same_team.pk, "Prefers mornings.")

    def test_a_care_manager_may_not_reassign(
        self, api_as: ApiAs, care_manager: User, care_manager_same_team: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            reverse("api:enrollment-assign", args=[enrollment.pk]),
            {"care_manager": care_manager_same_team.pk},
        )

        assert response.status_code == 403
        assert enrollment.care_team.get(is_primary=True, ended_on__isnull=True).user_id == care_manager.pk

    def test_a_supervisor_of_another_team_on_the_care_team_may_not_reassign(
        self, api_as: ApiAs, supervisor_other_team: User, care_manager_same_team: User, enrollment: Enrollment
    ) -> None:
        # On the care team, so they may read and edit the record, but not give it a new primary.
        CareTeamMemberFactory(enrollment=enrollment, user=supervisor_other_team)

        response = api_as(supervisor_other_team).post(
            reverse("api:enrollment-assign", args=[enrollment.pk]),
            {"care_manager": care_manager_same_team.pk},
        )

        assert response.status_code == 403
        assert not enrollment.care_team.filter(user=care_manager_same_team).exists()

    def test_a_program_admin_names_the_primary_of_a_referral_with_no_team_yet(
        self, api_as: ApiAs, program_admin: User, care_manager: User, make_enrollment, supervisor: User
    ) -> None:
        referral = make_enrollment(status=EnrollmentStatus.REFERRED)
        assert referral.team_id is None
        url = reverse("api:enrollment-assign", args=[referral.pk])

        # A referral with no team is not on any team's list: a supervisor does not see it.
        assert api_as(supervisor).post(url, {"care_manager": care_manager.pk}).status_code == 404
        response = api_as(program_admin).post(url, {"care_manager": care_manager.pk})

        assert response.status_code == 200
        referral.refresh_from_db()
        assert referral.care_team.get(is_primary=True, ended_on__isnull=True).user_id == care_manager.pk
        assert referral.team_id == care_manager.team_memberships.get().team_id

    def test_the_phase_changes_with_evidence_and_is_refused_without(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        client = api_as(care_manager)
        url = reverse("api:enrollment-phase", args=[enrollment.pk])

        refused = client.post(url, {"evidence": " "})
        assert refused.status_code == 400
        assert refused.json() == {
            "detail": "Say what shows the change of phase (for example, a co-created plan and trust built)."
        }
        assert Enrollment.objects.get(pk=enrollment.pk).phase == Phase.ENGAGEMENT

        changed = client.post(url, {"evidence": "Plan written together."})
        assert changed.status_code == 200
        assert Enrollment.objects.get(pk=enrollment.pk).phase == Phase.WELLNESS

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_list_costs_the_same_queries_for_few_and_many(
        self, api_as: ApiAs, program_admin: User, make_enrollment, count: int, django_assert_num_queries
    ) -> None:
        for _ in range(count):
            make_enrollment(status=S.REFERRED)
        client = api_as(program_admin)

        # The session and user, the program's time zone, the page, and the session's save.
        with django_assert_num_queries(7):
            response = client.get(reverse("api:enrollment-list"))
        assert len(response.json()["results"]) == count


class TestCareTeamMembers:
    def test_the_care_manager_adds_someone_outside_tandem_and_takes_them_off(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        client = api_as(care_manager)
        added = client.post(
            reverse("api:care-team-member-list"),
            {"enrollment": enrollment.pk, "name": "Dr Test Placeholder", "role": "pcp"},
        )
        assert added.status_code == 201, added.json()

        ended = client.post(
            reverse("api:care-team-member-end", args=[added.json()["id"]]), {"reason": "Moved"}
        )
        assert ended.status_code == 200
        member = CareTeamMember.objects.get(pk=added.json()["id"])
        assert (member.name, member.end_reason, member.ended_on is not None) == (
            "Dr Test Placeholder",
            "Moved",
            True,
        )
        assert ended.json()["updated_at"] != added.json()["updated_at"]

    def test_the_primary_care_manager_cannot_simply_be_removed(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        primary = enrollment.care_team.get(is_primary=True)
        response = api_as(care_manager).post(reverse("api:care-team-member-end", args=[primary.pk]), {})

        assert response.status_code == 400
        assert response.json() == {
            "detail": "The primary care manager cannot simply be removed. "
            "Transfer the role to another care manager."
        }
        assert CareTeamMember.objects.get(pk=primary.pk).ended_on is None

    def test_another_team_cannot_see_or_add(
        self, api_as: ApiAs, care_manager_other_team: User, enrollment: Enrollment, enrollment_other_team
    ) -> None:
        client = api_as(care_manager_other_team)
        primary = enrollment.care_team.get(is_primary=True)

        assert primary.pk not in _ids(client.get(reverse("api:care-team-member-list")))
        assert client.get(reverse("api:care-team-member-detail", args=[primary.pk])).status_code == 404
        added = client.post(
            reverse("api:care-team-member-list"), {"enrollment": enrollment.pk, "name": "X", "role": "pcp"}
        )
        assert added.status_code == 404
        assert enrollment.care_team.count() == 1

    def test_a_same_team_colleague_off_the_care_team_may_only_read(
        self, api_as: ApiAs, care_manager_same_team: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager_same_team).post(
            reverse("api:care-team-member-list"), {"enrollment": enrollment.pk, "name": "X", "role": "pcp"}
        )

        assert response.status_code == 403
        assert enrollment.care_team.count() == 1

    def test_a_colleague_and_outside_details_together_are_refused(
        self, api_as: ApiAs, care_manager: User, care_manager_same_team: User, enrollment: Enrollment
    ) -> None:
        response = api_as(care_manager).post(
            reverse("api:care-team-member-list"),
            {"enrollment": enrollment.pk, "user": care_manager_same_team.pk, "name": "X", "role": "nurse"},
        )

        assert response.status_code == 400
        assert response.json() == {
            "non_field_errors": [
                "Choose a Tandem colleague, or give the details of someone outside Tandem, not both."
            ]
        }

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_list_costs_the_same_queries_for_few_and_many(
        self, api_as: ApiAs, program_admin: User, make_enrollment, count: int, django_assert_num_queries
    ) -> None:
        for _ in range(count):
            make_enrollment(status=S.OUTREACH)
        client = api_as(program_admin)

        with django_assert_num_queries(7):
            response = client.get(reverse("api:care-team-member-list"))
        assert len(response.json()["results"]) == count


class TestCommunitySupports:
    def test_the_care_manager_adds_changes_and_ends_a_support(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        client = api_as(care_manager)
        added = client.post(
            reverse("api:community-support-list"),
            {"patient": enrollment.patient_id, "kind": "family", "name": "Test Sister"},
        )
        assert added.status_code == 201, added.json()
        url = reverse("api:community-support-detail", args=[added.json()["id"]])

        changed = client.patch(url, {"phone": "555-0101"}, HTTP_IF_MATCH=client.get(url).headers["ETag"])
        assert changed.status_code == 200
        ended = client.post(
            reverse("api:community-support-end", args=[added.json()["id"]]), {"reason": "Moved"}
        )
        assert ended.status_code == 200
        support = CommunitySupport.objects.get(pk=added.json()["id"])
        assert (support.phone, support.is_active) == ("555-0101", False)

    def test_trusting_without_a_consent_day_is_refused_with_the_pages_words(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment
    ) -> None:
        support = CommunitySupportFactory(patient=enrollment.patient)
        url = reverse("api:community-support-detail", args=[support.pk])
        response = api_as(care_manager).patch(url, {"is_trusted_to_involve": True})

        assert response.status_code == 400
        assert response.json() == {"detail": "Record the day the person agreed that we may involve them."}
        assert CommunitySupport.objects.get(pk=support.pk).is_trusted_to_involve is False

    def test_another_team_gets_404_and_a_lead_403(
        self, api_as: ApiAs, care_manager_other_team: User, program_lead: User, enrollment: Enrollment
    ) -> None:
        support = CommunitySupportFactory(patient=enrollment.patient)
        url = reverse("api:community-support-detail", args=[support.pk])

        assert api_as(care_manager_other_team).get(url).status_code == 404
        assert support.pk not in _ids(
            api_as(care_manager_other_team).get(reverse("api:community-support-list"))
        )
        assert api_as(program_lead).patch(url, {"name": "Renamed"}).status_code == 403
        assert CommunitySupport.objects.get(pk=support.pk).name == support.name

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_list_costs_the_same_queries_for_few_and_many(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, count: int, django_assert_num_queries
    ) -> None:
        CommunitySupportFactory.create_batch(count, patient=enrollment.patient)
        client = api_as(care_manager)

        with django_assert_num_queries(7):
            response = client.get(reverse("api:community-support-list"))
        assert len(response.json()["results"]) == count


class TestReferralsOut:
    @pytest.fixture
    def food_bank(self, program) -> CommunityResource:
        return CommunityResource.objects.create(program=program, name="Test Food Bank", category="food")

    def test_the_care_manager_refers_and_follows_up(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, food_bank: CommunityResource
    ) -> None:
        client = api_as(care_manager)
        made = client.post(
            reverse("api:referral-out-list"), {"enrollment": enrollment.pk, "resource": food_bank.pk}
        )
        assert made.status_code == 201, made.json()

        url = reverse("api:referral-out-detail", args=[made.json()["id"]])
        delivered = client.patch(url, {"status": "delivered"})
        assert delivered.status_code == 200
        referral = ReferralOut.objects.get(pk=made.json()["id"])
        assert (referral.status, referral.follow_up_on, referral.closed_on is not None) == (
            "delivered",
            None,
            True,
        )

        again = client.patch(url, {"status": "accepted"})
        assert again.status_code == 400
        assert again.json() == {"detail": "A referral that is “service delivered” cannot become “accepted”."}
        assert ReferralOut.objects.get(pk=referral.pk).status == "delivered"

    def test_another_team_gets_404_and_a_same_team_colleague_403(
        self,
        api_as: ApiAs,
        care_manager: User,
        care_manager_other_team: User,
        care_manager_same_team: User,
        enrollment: Enrollment,
        food_bank: CommunityResource,
    ) -> None:
        made = api_as(care_manager).post(
            reverse("api:referral-out-list"), {"enrollment": enrollment.pk, "resource": food_bank.pk}
        )
        url = reverse("api:referral-out-detail", args=[made.json()["id"]])

        assert api_as(care_manager_other_team).get(url).status_code == 404
        assert _ids(api_as(care_manager_other_team).get(reverse("api:referral-out-list"))) == []
        assert api_as(care_manager_same_team).patch(url, {"status": "accepted"}).status_code == 403
        assert ReferralOut.objects.get(pk=made.json()["id"]).status == "sent"

    def test_a_retired_service_is_a_field_error(
        self, api_as: ApiAs, care_manager: User, enrollment: Enrollment, food_bank: CommunityResource
    ) -> None:
        CommunityResource.objects.filter(pk=food_bank.pk).update(is_active=False)
        response = api_as(care_manager).post(
            reverse("api:referral-out-list"), {"enrollment": enrollment.pk, "resource": food_bank.pk}
        )

        assert response.status_code == 400
        assert list(response.json()) == ["resource"]
        assert ReferralOut.objects.count() == 0

    @pytest.mark.parametrize("count", [3, 12])
    def test_the_list_costs_the_same_queries_for_few_and_many(
        self,
        api_as: ApiAs,
        care_manager: User,
        enrollment: Enrollment,
        food_bank: CommunityResource,
        count: int,
        django_assert_num_queries,
    ) -> None:
        for _ in range(count):
            referral_out_create(enrollment=enrollment, resource=food_bank, acting_user=care_manager)
        client = api_as(care_manager)

        with django_assert_num_queries(7):
            response = client.get(reverse("api:referral-out-list"))
        assert len(response.json()["results"]) == count
