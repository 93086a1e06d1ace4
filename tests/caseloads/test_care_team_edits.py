"""Community supports and care-team members are edited, ended and added in place on the record."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.errors import DomainError
from patients.models import CareTeamMember, CommunitySupport
from patients.services import COMMUNITY_SUPPORT_FIELDS as SUPPORT_FIELDS
from patients.services import community_support_end, community_support_update
from tests.accounts.factories import UserFactory
from tests.patients.factories import CareTeamMemberFactory, CommunitySupportFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def record_url(enrollment) -> str:
    return reverse("caseloads:patient-record", kwargs={"patient_id": enrollment.patient_id})


def support_update_url(support) -> str:
    return reverse(
        "caseloads:support-update", kwargs={"patient_id": support.patient_id, "support_id": support.pk}
    )


def support_end_url(support) -> str:
    return reverse(
        "caseloads:support-end", kwargs={"patient_id": support.patient_id, "support_id": support.pk}
    )


def member_create_url(enrollment) -> str:
    return reverse("caseloads:care-team-member-create", kwargs={"patient_id": enrollment.patient_id})


def member_end_url(member) -> str:
    return reverse(
        "caseloads:care-team-member-end",
        kwargs={"patient_id": member.enrollment.patient_id, "member_id": member.pk},
    )


def support_data(support, **changes: object) -> dict[str, object]:
    """What the support's edit form posts: its current details with `changes`, under its prefix."""
    values = {name: getattr(support, name) for name in SUPPORT_FIELDS} | changes
    data: dict[str, object] = {}
    for name, value in values.items():
        if value is True:
            data[f"support-{support.pk}-{name}"] = "on"
        elif value not in (False, None):
            data[f"support-{support.pk}-{name}"] = str(value)
    return data


def stored(support: CommunitySupport) -> dict[str, object]:
    support.refresh_from_db()
    return {name: getattr(support, name) for name in (*SUPPORT_FIELDS, "is_active")}


def current_members(enrollment) -> list[tuple[object, str, str]]:
    return list(
        CareTeamMember.objects.filter(enrollment=enrollment, ended_on__isnull=True)
        .order_by("pk")
        .values_list("user_id", "name", "role")
    )


@pytest.fixture
def support(enrollment) -> CommunitySupport:
    return CommunitySupportFactory(
        patient=enrollment.patient, name="Rosa (synthetic sister)", relationship="Sister", phone="555-0100"
    )


class TestSupportUpdate:
    def test_a_new_phone_is_stored_and_shown_in_place(self, client, care_manager, support) -> None:
        client.force_login(care_manager)

        response = client.post(support_update_url(support), support_data(support, phone="555-0199"), **HTMX)

        assert response.status_code == 200
        page = response.content.decode()
        assert page.lstrip().startswith('<section id="care-team"')
        assert "Support details saved." in page
        assert 'href="tel:555-0199"' in page
        assert "555-0100" not in page
        assert stored(support)["phone"] == "555-0199"

    def test_marking_them_trusted_without_a_consent_day_is_refused_and_nothing_changes(
        self, client, care_manager, support
    ) -> None:
        before = stored(support)
        client.force_login(care_manager)

        response = client.post(
            support_update_url(support),
            support_data(support, phone="555-0199", is_trusted_to_involve=True),
            **HTMX,
        )

        assert response.status_code == 422
        page = response.content.decode()
        assert page.lstrip().startswith('<section id="care-team"')
        assert "Record the day the person agreed that we may involve them." in page
        # The form stays open with what was typed.
        assert response.context["team_card"].supports[0].edit_form.is_bound is True
        assert '<details class="edit-inline" open>' in page
        assert 'value="555-0199"' in page
        assert stored(support) == before

    def test_trusted_with_a_consent_day_is_stored(self, client, care_manager, support) -> None:
        client.force_login(care_manager)
        agreed_on = support.patient.program.today() - datetime.timedelta(days=2)

        response = client.post(
            support_update_url(support),
            support_data(support, is_trusted_to_involve=True, consent_to_contact_on=agreed_on.isoformat()),
            **HTMX,
        )

        assert response.status_code == 200
        assert "Trusted to involve" in response.content.decode()
        after = stored(support)
        assert (after["is_trusted_to_involve"], after["consent_to_contact_on"]) == (True, agreed_on)

    def test_without_htmx_the_record_opens_again_with_a_message(self, client, care_manager, support) -> None:
        client.force_login(care_manager)

        response = client.post(
            support_update_url(support), support_data(support, phone="555-0199"), follow=True
        )

        assert response.redirect_chain == [(record_url(support.patient.enrollments.get()), 302)]
        assert "Support details saved." in response.content.decode()

    def test_a_refusal_without_htmx_shows_the_whole_record_with_the_form_open(
        self, client, care_manager, support
    ) -> None:
        client.force_login(care_manager)

        response = client.post(support_update_url(support), support_data(support, name=" "))

        assert response.status_code == 422
        page = response.content.decode()
        assert '<h2 id="timeline-heading">' in page
        assert "This field is required." in page

    def test_another_patients_support_is_not_found(
        self, client, care_manager, enrollment, make_enrollment
    ) -> None:
        other = CommunitySupportFactory(patient=make_enrollment(care_manager=care_manager).patient)
        before = stored(other)
        client.force_login(care_manager)
        url = reverse(
            "caseloads:support-update", kwargs={"patient_id": enrollment.patient_id, "support_id": other.pk}
        )

        response = client.post(url, support_data(other, phone="555-0199"), **HTMX)

        assert response.status_code == 404
        assert stored(other) == before

    def test_a_support_no_longer_involved_cannot_be_edited(self, client, care_manager, support) -> None:
        community_support_end(support=support, acting_user=care_manager)
        client.force_login(care_manager)

        response = client.post(support_update_url(support), support_data(support, phone="555-0199"), **HTMX)

        assert response.status_code == 404
        assert stored(support)["phone"] == "555-0100"

    def test_only_posts_are_accepted(self, client, care_manager, support) -> None:
        client.force_login(care_manager)
        assert client.get(support_update_url(support)).status_code == 405


class TestSupportEnd:
    def test_they_leave_the_record_but_the_row_is_kept(
        self, client, care_manager, enrollment, support
    ) -> None:
        client.force_login(care_manager)

        response = client.post(
            support_end_url(support), {f"support-{support.pk}-end-reason": "Moved to another city"}, **HTMX
        )

        assert response.status_code == 200
        assert "Marked as no longer involved." in response.content.decode()
        assert support.name not in response.content.decode()
        assert support.name not in client.get(record_url(enrollment)).content.decode()
        support.refresh_from_db()
        assert support.is_active is False
        assert support.notes.endswith(": Moved to another city")
        assert CommunitySupport.objects.filter(pk=support.pk).exists() is True

    def test_ending_someone_trusted_keeps_the_consent_day_but_no_longer_involves_them(
        self, care_manager, support
    ) -> None:
        agreed_on = support.patient.program.today() - datetime.timedelta(days=30)
        community_support_update(
            support=support,
            acting_user=care_manager,
            is_trusted_to_involve=True,
            consent_to_contact_on=agreed_on,
        )

        community_support_end(support=support, acting_user=care_manager)

        after = stored(support)
        assert (after["is_active"], after["is_trusted_to_involve"], after["consent_to_contact_on"]) == (
            False,
            False,
            agreed_on,
        )

    def test_another_patients_support_is_not_found(
        self, client, care_manager, enrollment, make_enrollment
    ) -> None:
        other = CommunitySupportFactory(patient=make_enrollment(care_manager=care_manager).patient)
        client.force_login(care_manager)
        url = reverse(
            "caseloads:support-end", kwargs={"patient_id": enrollment.patient_id, "support_id": other.pk}
        )

        assert client.post(url, **HTMX).status_code == 404
        assert stored(other)["is_active"] is True


class TestCommunitySupportServices:
    def test_only_the_support_fields_can_change(self, care_manager, support) -> None:
        with pytest.raises(DomainError, match="These cannot be changed here: patient_id"):
            community_support_update(support=support, acting_user=care_manager, patient_id=1)

    def test_a_consent_day_in_the_future_is_refused(self, care_manager, support) -> None:
        with pytest.raises(DomainError, match="The day of consent is in the future"):
            community_support_update(
                support=support,
                acting_user=care_manager,
                consent_to_contact_on=support.patient.program.today() + datetime.timedelta(days=3),
            )
        assert stored(support)["consent_to_contact_on"] is None

    def test_taking_the_consent_day_away_from_someone_trusted_is_refused(self, care_manager, support) -> None:
        community_support_update(
            support=support,
            acting_user=care_manager,
            is_trusted_to_involve=True,
            consent_to_contact_on=support.patient.program.today(),
        )
        with pytest.raises(DomainError, match="Record the day the person agreed"):
            community_support_update(support=support, acting_user=care_manager, consent_to_contact_on=None)

    def test_ending_twice_is_refused(self, care_manager, support) -> None:
        community_support_end(support=support, acting_user=care_manager)
        with pytest.raises(DomainError, match="already marked as no longer involved"):
            community_support_end(support=support, acting_user=care_manager)

    def test_a_support_no_longer_involved_cannot_change(self, care_manager, support) -> None:
        community_support_end(support=support, acting_user=care_manager)
        with pytest.raises(DomainError, match="is no longer involved"):
            community_support_update(support=support, acting_user=care_manager, phone="555-0199")


class TestCareTeamMemberCreate:
    def test_a_colleague_from_another_team_joins_and_can_then_open_the_record(
        self, client, care_manager, care_manager_other_team, enrollment
    ) -> None:
        client.force_login(care_manager_other_team)
        assert client.get(record_url(enrollment)).status_code == 404
        client.force_login(care_manager)

        response = client.post(
            member_create_url(enrollment),
            {"member-new-colleague": care_manager_other_team.pk, "member-new-role": "nurse"},
            **HTMX,
        )

        assert response.status_code == 200
        page = response.content.decode()
        assert "Added to the care team." in page
        assert f"<strong>{care_manager_other_team}</strong> · Nurse" in page
        assert (care_manager_other_team.pk, "", "nurse") in current_members(enrollment)
        client.force_login(care_manager_other_team)
        assert client.get(record_url(enrollment)).status_code == 200

    def test_the_colleague_list_leaves_out_the_team_other_programs_and_non_clinical_roles(
        self,
        client,
        care_manager,
        care_manager_same_team,
        supervisor,
        program_lead,
        other_program_admin,
        enrollment,
    ) -> None:
        CareTeamMemberFactory(enrollment=enrollment, user=care_manager_same_team)
        other_program_care_manager = UserFactory(program=other_program_admin.program)
        client.force_login(care_manager)

        form = client.get(record_url(enrollment)).context["team_card"].add_form

        assert list(form.fields["colleague"].queryset) == [supervisor]
        assert other_program_care_manager not in form.fields["colleague"].queryset

    def test_someone_already_on_the_team_is_refused(
        self, client, care_manager, care_manager_same_team, enrollment
    ) -> None:
        CareTeamMemberFactory(enrollment=enrollment, user=care_manager_same_team)
        before = current_members(enrollment)
        client.force_login(care_manager)

        response = client.post(
            member_create_url(enrollment),
            {"member-new-colleague": care_manager_same_team.pk, "member-new-role": "nurse"},
            **HTMX,
        )

        assert response.status_code == 422
        assert "People on the care team are not in it." in response.content.decode()
        assert current_members(enrollment) == before

    def test_an_email_longer_than_can_be_kept_is_a_form_error(self, client, care_manager, enrollment) -> None:
        before = current_members(enrollment)
        client.force_login(care_manager)

        response = client.post(
            member_create_url(enrollment),
            {
                "member-new-name": "Dr Synthetic Okafor",
                "member-new-role": "nurse",
                "member-new-email": f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 60}.org",
            },
            **HTMX,
        )

        assert response.status_code == 422
        assert "Ensure this value has at most 254 characters" in response.content.decode()
        assert current_members(enrollment) == before

    def test_an_outside_clinician_is_added_by_name(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)

        response = client.post(
            member_create_url(enrollment),
            {
                "member-new-name": "Dr Synthetic Okafor",
                "member-new-organization": "Test Street Clinic",
                "member-new-phone": "555-0142",
                "member-new-role": "pcp",
            },
            **HTMX,
        )

        assert response.status_code == 200
        page = response.content.decode()
        assert "<strong>Dr Synthetic Okafor</strong> · Primary care provider, Test Street Clinic" in page
        member = CareTeamMember.objects.get(enrollment=enrollment, name="Dr Synthetic Okafor")
        assert (member.user_id, member.organization, member.phone, member.added_by) == (
            None,
            "Test Street Clinic",
            "555-0142",
            care_manager,
        )

    def test_neither_a_colleague_nor_a_name_is_refused(self, client, care_manager, enrollment) -> None:
        before = current_members(enrollment)
        client.force_login(care_manager)

        response = client.post(member_create_url(enrollment), {"member-new-role": "pcp"}, **HTMX)

        assert response.status_code == 422
        assert (
            "Choose a Tandem colleague, or give the name of someone outside Tandem."
            in response.content.decode()
        )
        assert current_members(enrollment) == before

    def test_a_colleague_and_outside_details_together_are_refused(
        self, client, care_manager, care_manager_same_team, enrollment
    ) -> None:
        client.force_login(care_manager)

        response = client.post(
            member_create_url(enrollment),
            {
                "member-new-colleague": care_manager_same_team.pk,
                "member-new-name": "Dr X",
                "member-new-role": "pcp",
            },
            **HTMX,
        )

        assert response.status_code == 422
        assert "not both" in response.content.decode()
        assert len(current_members(enrollment)) == 1


class TestCareTeamMemberEnd:
    def test_a_colleague_is_taken_off_the_team(
        self, client, care_manager, care_manager_same_team, enrollment
    ) -> None:
        member = CareTeamMemberFactory(enrollment=enrollment, user=care_manager_same_team)
        client.force_login(care_manager)

        response = client.post(
            member_end_url(member), {f"member-{member.pk}-end-reason": "Back to own caseload"}, **HTMX
        )

        assert response.status_code == 200
        page = response.content.decode()
        assert "Taken off the care team." in page
        assert f"<strong>{care_manager_same_team}</strong>" not in page
        member.refresh_from_db()
        assert (member.ended_on, member.end_reason) == (enrollment.program.today(), "Back to own caseload")

    def test_the_primary_care_manager_is_refused_and_nothing_changes(
        self, client, care_manager, enrollment
    ) -> None:
        primary = CareTeamMember.objects.get(enrollment=enrollment, is_primary=True)
        client.force_login(care_manager)

        response = client.post(member_end_url(primary), {}, **HTMX)

        assert response.status_code == 422
        assert "Transfer the role to another care manager." in response.content.decode()
        primary.refresh_from_db()
        assert (primary.ended_on, primary.end_reason) == (None, "")

    def test_the_record_says_how_the_primary_changes_and_offers_no_button(
        self, client, care_manager, care_manager_same_team, enrollment
    ) -> None:
        CareTeamMemberFactory(enrollment=enrollment, user=care_manager_same_team)
        client.force_login(care_manager)

        page = client.get(record_url(enrollment)).content.decode()

        assert "The primary care manager stays on the team until the role is transferred" in page
        assert f"Take {care_manager_same_team} off the care team" in page
        assert f"Take {care_manager} off the care team" not in page

    def test_a_member_of_another_enrolment_is_not_found(
        self, client, care_manager, care_manager_same_team, enrollment, make_enrollment
    ) -> None:
        other = CareTeamMemberFactory(
            enrollment=make_enrollment(care_manager=care_manager), user=care_manager_same_team
        )
        client.force_login(care_manager)
        url = reverse(
            "caseloads:care-team-member-end",
            kwargs={"patient_id": enrollment.patient_id, "member_id": other.pk},
        )

        assert client.post(url, **HTMX).status_code == 404
        other.refresh_from_db()
        assert other.ended_on is None


def every_change(enrollment, support, member) -> list[tuple[str, dict[str, object]]]:
    return [
        (support_update_url(support), support_data(support, phone="555-0199")),
        (support_end_url(support), {}),
        (member_create_url(enrollment), {"member-new-name": "Dr Nobody", "member-new-role": "pcp"}),
        (member_end_url(member), {}),
    ]


def snapshot(enrollment, support) -> tuple[object, ...]:
    return (stored(support), current_members(enrollment))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        # A teammate who is not on this care team may read the record but not change it.
        ("care_manager_same_team", 403),
        ("supervisor", 200),
        ("program_admin", 200),
        ("care_manager_other_team", 404),
        ("other_program_admin", 404),
        ("program_lead", 403),
    ],
)
def test_who_may_change_the_care_team(request, client, persona, expected, enrollment, support) -> None:
    member = CareTeamMemberFactory(enrollment=enrollment, user=UserFactory(program=enrollment.program))
    client.force_login(request.getfixturevalue(persona))
    before = snapshot(enrollment, support)

    statuses = [
        client.post(url, data, **HTMX).status_code for url, data in every_change(enrollment, support, member)
    ]

    if expected == 200:
        assert statuses == [200, 200, 200, 200]
    else:
        assert statuses == [expected] * 4
        assert snapshot(enrollment, support) == before


def test_anonymous_people_are_sent_to_sign_in(client, enrollment, support) -> None:
    response = client.post(support_update_url(support), support_data(support, phone="555-0199"))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]
    assert stored(support)["phone"] == "555-0100"


def test_a_reader_sees_the_team_and_supports_without_the_forms(
    client, program_lead, enrollment, support
) -> None:
    client.force_login(program_lead)

    page = client.get(record_url(enrollment)).content.decode()

    assert support.name in page
    assert "Add to care team" not in page
    assert "No longer involved" not in page


def test_a_role_must_be_chosen(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)

    response = client.post(member_create_url(enrollment), {"member-new-name": "Dr Synthetic Lee"}, **HTMX)

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert len(current_members(enrollment)) == 1


def test_the_refreshed_card_costs_the_same_queries_however_many_people_are_on_it(
    client, care_manager, enrollment, support
) -> None:
    client.force_login(care_manager)
    client.get(record_url(enrollment))  # the first request also reads the program's time zone

    def queries_to_save_a_phone() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                support_update_url(support), support_data(support, phone="555-0199"), **HTMX
            )
        assert response.status_code == 200
        return len(queries)

    few = queries_to_save_a_phone()
    for _ in range(4):
        CommunitySupportFactory(patient=enrollment.patient)
        CareTeamMemberFactory(enrollment=enrollment, user=UserFactory(program=enrollment.program))
    many = queries_to_save_a_phone()

    assert many == few
