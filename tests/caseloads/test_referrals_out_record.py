"""Referrals out from the record (refer, then follow through in place) and the caseload's follow-up flag."""

import datetime

import pytest
from django.urls import reverse

from patients.models import CommunityResource, ReferralOut, ReferralOutStatus, ResourceCategory
from patients.services import referral_out_create, referral_out_update

pytestmark = pytest.mark.django_db

R = ReferralOutStatus
DAY = datetime.timedelta(days=1)
HTMX = {"HX-Request": "true"}
CASELOAD_URL = reverse("caseloads:my-caseload")
PANEL = '<section id="referrals-out" class="card" aria-labelledby="referrals-out-heading">'


def record_url(enrollment) -> str:
    return reverse("caseloads:patient-record", kwargs={"patient_id": enrollment.patient_id})


def create_url(enrollment) -> str:
    return reverse("caseloads:referral-out-create", kwargs={"patient_id": enrollment.patient_id})


def update_url(enrollment, referral: ReferralOut) -> str:
    return reverse(
        "caseloads:referral-out-update",
        kwargs={"patient_id": enrollment.patient_id, "referral_out_id": referral.pk},
    )


def _resource(program, name: str = "Synthetic Food Pantry", **fields: object) -> CommunityResource:
    return CommunityResource.objects.create(
        program=program, name=name, category=fields.pop("category", ResourceCategory.FOOD), **fields
    )


@pytest.fixture
def pantry(program) -> CommunityResource:
    return _resource(program, phone="555-0142")


@pytest.fixture
def referral(enrollment, pantry, care_manager) -> ReferralOut:
    return referral_out_create(
        enrollment=enrollment, resource=pantry, acting_user=care_manager, reason="Groceries this week."
    )


def _due_yesterday(referral: ReferralOut) -> ReferralOut:
    ReferralOut.objects.filter(pk=referral.pk).update(follow_up_on=referral.enrollment.program.today() - DAY)
    return ReferralOut.objects.get(pk=referral.pk)


def _update_form(referral: ReferralOut, **fields: str) -> dict[str, str]:
    prefix = f"referral-out-{referral.pk}"
    return {f"{prefix}-{name}": value for name, value in fields.items()}


class TestPanel:
    def test_lists_referrals_with_status_follow_up_and_reason(
        self, client, care_manager, enrollment, referral
    ) -> None:
        referral_out_update(
            referral=referral, acting_user=care_manager, status=R.ACCEPTED, reason_code="waitlist"
        )
        client.force_login(care_manager)

        page = client.get(record_url(enrollment)).content.decode()

        assert PANEL in page
        assert "Synthetic Food Pantry" in page
        assert '<span class="badge referral-accepted">Accepted</span>' in page
        assert "Reason: Waiting list too long" in page
        assert "Groceries this week." in page
        assert '<a href="tel:555-0142">555-0142</a>' in page
        assert "Follow-up due" not in page

    def test_an_overdue_follow_up_is_highlighted(self, client, care_manager, enrollment, referral) -> None:
        _due_yesterday(referral)
        client.force_login(care_manager)
        page = client.get(record_url(enrollment)).content.decode()
        assert f'<li id="referral-out-{referral.pk}" class="referral-out is-due">' in page
        assert '<span class="badge flag-overdue">Follow-up due</span>' in page

    def test_the_status_list_offers_only_the_allowed_next_statuses(
        self, client, care_manager, enrollment, referral
    ) -> None:
        referral_out_update(referral=referral, acting_user=care_manager, status=R.IN_PROGRESS)
        client.force_login(care_manager)
        form = client.get(record_url(enrollment)).context["referrals_out_panel"].rows[0].update_form
        assert [value for value, _ in form.fields["status"].widget.choices] == [
            R.IN_PROGRESS,
            R.DELIVERED,
            R.DECLINED,
        ]

    def test_a_delivered_referral_has_no_update_form(
        self, client, care_manager, enrollment, referral
    ) -> None:
        referral_out_update(referral=referral, acting_user=care_manager, status=R.DELIVERED)
        client.force_login(care_manager)
        page = client.get(record_url(enrollment)).content.decode()
        assert "Service delivered" in page
        assert update_url(enrollment, referral) not in page

    def test_services_are_grouped_by_kind_and_only_this_programs_offered_ones(
        self, client, care_manager, enrollment, program, other_program, pantry
    ) -> None:
        _resource(program, "Example Housing Desk", category=ResourceCategory.HOUSING)
        _resource(program, "Retired Meal Van", is_active=False)
        _resource(other_program, "Other Program Clinic")
        client.force_login(care_manager)

        page = client.get(record_url(enrollment)).content.decode()

        assert '<optgroup label="Housing">' in page
        assert '<optgroup label="Food">' in page
        assert "Example Housing Desk" in page
        assert "Retired Meal Van" not in page
        assert "Other Program Clinic" not in page

    def test_readers_see_the_referrals_without_forms(
        self, client, program_lead, enrollment, referral
    ) -> None:
        client.force_login(program_lead)
        page = client.get(record_url(enrollment)).content.decode()
        assert "Synthetic Food Pantry" in page
        assert "Refer to a service" not in page
        assert update_url(enrollment, referral) not in page

    def test_query_count_does_not_grow_with_the_referrals(
        self, client, care_manager, enrollment, program, django_assert_num_queries
    ) -> None:
        def refer(count: int) -> None:
            for number in range(count):
                resource = _resource(program, f"Synthetic service {ReferralOut.objects.count()}-{number}")
                referral_out_create(enrollment=enrollment, resource=resource, acting_user=care_manager)

        refer(1)
        client.force_login(care_manager)
        client.get(record_url(enrollment))  # the first request also reads the program's time zone
        # The panel adds two queries to the record (see tests/caseloads/test_views.py): its referrals out
        # and the services to refer to, however many there are. (25 with the peer support card's query.)
        with django_assert_num_queries(26):
            client.get(record_url(enrollment))
        refer(15)
        with django_assert_num_queries(26):
            response = client.get(record_url(enrollment))
        assert len(response.context["record"].referrals_out) == 16


class TestReferring:
    def test_refer_to_a_service_in_place(self, client, care_manager, enrollment, pantry) -> None:
        client.force_login(care_manager)
        today = enrollment.program.today()

        response = client.post(
            create_url(enrollment),
            {
                "referral-out-resource": pantry.pk,
                "referral-out-reason": "Needs food until benefits start.",
                "referral-out-follow_up_on": (today + 7 * DAY).isoformat(),
            },
            headers=HTMX,
        )

        assert response.status_code == 200
        page = response.content.decode()
        assert page.lstrip().startswith(PANEL)
        assert "Referral saved." in page
        assert "Synthetic Food Pantry" in page
        referral = ReferralOut.objects.get()
        assert (referral.enrollment, referral.resource, referral.status, referral.referred_by) == (
            enrollment,
            pantry,
            R.SENT,
            care_manager,
        )
        assert (referral.reason, referral.follow_up_on) == (
            "Needs food until benefits start.",
            today + 7 * DAY,
        )

    def test_without_htmx_the_record_is_shown_again_with_a_message(
        self, client, care_manager, enrollment, pantry
    ) -> None:
        client.force_login(care_manager)
        response = client.post(create_url(enrollment), {"referral-out-resource": pantry.pk}, follow=True)
        assert response.redirect_chain == [(record_url(enrollment), 302)]
        assert "Referral saved." in response.content.decode()
        assert ReferralOut.objects.count() == 1

    def test_without_a_service_nothing_is_stored(self, client, care_manager, enrollment, pantry) -> None:
        client.force_login(care_manager)
        response = client.post(create_url(enrollment), {"referral-out-resource": ""}, headers=HTMX)
        assert response.status_code == 422
        page = response.content.decode()
        assert page.lstrip().startswith(PANEL)
        assert "This field is required." in page
        assert '<details class="edit-inline" id="refer-to-a-service" open>' in page
        assert ReferralOut.objects.exists() is False

    def test_a_service_of_another_program_is_refused(
        self, client, care_manager, enrollment, other_program
    ) -> None:
        elsewhere = _resource(other_program, "Other Program Clinic")
        client.force_login(care_manager)
        response = client.post(create_url(enrollment), {"referral-out-resource": elsewhere.pk}, headers=HTMX)
        assert response.status_code == 422
        assert "Select a valid choice." in response.content.decode()
        assert ReferralOut.objects.exists() is False

    def test_a_follow_up_in_the_past_is_refused_with_the_services_message(
        self, client, care_manager, enrollment, pantry
    ) -> None:
        client.force_login(care_manager)
        yesterday = enrollment.program.today() - DAY
        response = client.post(
            create_url(enrollment),
            {"referral-out-resource": pantry.pk, "referral-out-follow_up_on": yesterday.isoformat()},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "The follow-up date is before the referral was made." in response.content.decode()
        assert ReferralOut.objects.exists() is False

    def test_another_team_gets_404_and_nothing_is_stored(
        self, client, care_manager_other_team, enrollment, pantry
    ) -> None:
        client.force_login(care_manager_other_team)
        response = client.post(create_url(enrollment), {"referral-out-resource": pantry.pk})
        assert response.status_code == 404
        assert ReferralOut.objects.exists() is False

    def test_a_reader_gets_403_and_nothing_is_stored(self, client, program_lead, enrollment, pantry) -> None:
        client.force_login(program_lead)
        response = client.post(create_url(enrollment), {"referral-out-resource": pantry.pk})
        assert response.status_code == 403
        assert ReferralOut.objects.exists() is False


class TestUpdating:
    def test_mark_accepted_in_place(self, client, care_manager, enrollment, referral) -> None:
        client.force_login(care_manager)
        today = enrollment.program.today()

        response = client.post(
            update_url(enrollment, referral),
            _update_form(
                referral,
                status=R.ACCEPTED,
                outcome_note="Intake booked for Tuesday.",
                follow_up_on=(today + 5 * DAY).isoformat(),
            ),
            headers=HTMX,
        )

        assert response.status_code == 200
        page = response.content.decode()
        assert page.lstrip().startswith(PANEL)
        assert '<span class="badge referral-accepted">Accepted</span>' in page
        referral.refresh_from_db()
        assert (
            referral.status,
            referral.status_changed_on,
            referral.outcome_note,
            referral.follow_up_on,
        ) == (
            R.ACCEPTED,
            today,
            "Intake booked for Tuesday.",
            today + 5 * DAY,
        )

    def test_declined_without_a_reason_is_refused_on_the_page(
        self, client, care_manager, enrollment, referral
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            update_url(enrollment, referral), _update_form(referral, status=R.DECLINED), headers=HTMX
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Say why, with one of the reasons." in page
        assert '<details class="edit-inline" open>' in page
        referral.refresh_from_db()
        assert referral.status == R.SENT

    def test_declined_with_a_reason_closes_it(self, client, care_manager, enrollment, referral) -> None:
        client.force_login(care_manager)
        response = client.post(
            update_url(enrollment, referral),
            _update_form(referral, status=R.DECLINED, reason_code="no_transport"),
            headers=HTMX,
        )
        assert response.status_code == 200
        referral.refresh_from_db()
        assert (referral.status, referral.reason_code, referral.follow_up_on) == (
            R.DECLINED,
            "no_transport",
            None,
        )
        assert referral.closed_on == enrollment.program.today()

    def test_a_status_not_allowed_from_here_is_refused(
        self, client, care_manager, enrollment, referral
    ) -> None:
        referral_out_update(referral=referral, acting_user=care_manager, status=R.DELIVERED)
        client.force_login(care_manager)
        response = client.post(
            update_url(enrollment, referral), _update_form(referral, status=R.SENT), headers=HTMX
        )
        assert response.status_code == 422
        assert "A referral that is “service delivered” cannot become “sent”." in response.content.decode()
        referral.refresh_from_db()
        assert referral.status == R.DELIVERED

    def test_an_in_progress_referral_cannot_go_back_to_sent(
        self, client, care_manager, enrollment, referral
    ) -> None:
        referral_out_update(referral=referral, acting_user=care_manager, status=R.IN_PROGRESS)
        client.force_login(care_manager)
        response = client.post(
            update_url(enrollment, referral), _update_form(referral, status=R.SENT), headers=HTMX
        )
        assert response.status_code == 422
        assert "A referral that is “in progress” cannot become “sent”." in response.content.decode()
        referral.refresh_from_db()
        assert referral.status == R.IN_PROGRESS

    def test_a_referral_of_another_patient_is_404(
        self, client, care_manager, enrollment, make_enrollment, pantry
    ) -> None:
        someone_else = make_enrollment(care_manager=care_manager)
        theirs = referral_out_create(enrollment=someone_else, resource=pantry, acting_user=care_manager)
        client.force_login(care_manager)
        response = client.post(update_url(enrollment, theirs), _update_form(theirs, status=R.ACCEPTED))
        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.status == R.SENT

    def test_another_team_gets_404_and_nothing_changes(
        self, client, care_manager_other_team, enrollment, referral
    ) -> None:
        client.force_login(care_manager_other_team)
        response = client.post(update_url(enrollment, referral), _update_form(referral, status=R.ACCEPTED))
        assert response.status_code == 404
        referral.refresh_from_db()
        assert referral.status == R.SENT


class TestCaseloadFlag:
    def test_an_overdue_follow_up_flags_the_person(self, client, care_manager, enrollment, referral) -> None:
        _due_yesterday(referral)
        client.force_login(care_manager)
        page = client.get(CASELOAD_URL).content.decode()
        assert '<span class="badge flag-referral">Referral follow-up due</span>' in page

    def test_a_follow_up_due_today_flags_the_person(self, client, care_manager, enrollment, referral) -> None:
        ReferralOut.objects.filter(pk=referral.pk).update(follow_up_on=enrollment.program.today())
        client.force_login(care_manager)
        assert "Referral follow-up due</span>" in client.get(CASELOAD_URL).content.decode()

    def test_a_follow_up_still_ahead_does_not(self, client, care_manager, enrollment, referral) -> None:
        client.force_login(care_manager)
        assert "Referral follow-up due</span>" not in client.get(CASELOAD_URL).content.decode()

    def test_a_closed_referral_does_not(self, client, care_manager, enrollment, referral) -> None:
        _due_yesterday(referral)
        referral_out_update(referral=referral, acting_user=care_manager, status=R.DELIVERED)
        client.force_login(care_manager)
        response = client.get(CASELOAD_URL)
        assert [row.referral_follow_up_due for row in response.context["rows"]] == [False]
        assert "Referral follow-up due</span>" not in response.content.decode()

    def test_the_flag_filter_shows_only_people_with_a_follow_up_due(
        self, client, care_manager, enrollment, make_enrollment, referral
    ) -> None:
        _due_yesterday(referral)
        make_enrollment(care_manager=care_manager)
        client.force_login(care_manager)
        rows = client.get(CASELOAD_URL, {"flag": "referral_follow_up"}).context["rows"]
        assert [row.pk for row in rows] == [enrollment.pk]

    def test_query_count_stays_at_seven(
        self, client, care_manager, enrollment, make_enrollment, pantry, django_assert_num_queries
    ) -> None:
        client.force_login(care_manager)
        client.get(CASELOAD_URL)  # the first request also reads the program's time zone
        with django_assert_num_queries(7):
            client.get(CASELOAD_URL)
        for _ in range(5):
            other = make_enrollment(care_manager=care_manager)
            _due_yesterday(referral_out_create(enrollment=other, resource=pantry, acting_user=care_manager))
        with django_assert_num_queries(7):
            response = client.get(CASELOAD_URL)
        assert sum(row.referral_follow_up_due for row in response.context["rows"]) == 5
