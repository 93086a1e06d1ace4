"""A supervision session saved from the caseload review: decisions are applied, or nothing is stored."""

import datetime
import re

import pytest
from django.urls import reverse

from caseloads.models import (
    CaseloadStatus,
    DecisionKind,
    IntensityLevel,
    SupervisionDecision,
    SupervisionSession,
)
from patients.models import CareTeamMember
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def create_url(care_manager) -> str:
    return reverse("caseloads:supervision-session-create", args=[care_manager.pk])


def session_data(today: datetime.date, **people: dict[str, object]) -> dict[str, object]:
    data: dict[str, object] = {"held_on": today.isoformat(), "notes": "Good week; two people housed."}
    for prefix, fields in people.items():
        data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return data


def person(enrollment) -> str:
    return f"person-{enrollment.pk}"


@pytest.fixture
def two_people(make_enrollment, care_manager, team_a):
    first = make_enrollment(care_manager=care_manager, team=team_a)
    second = make_enrollment(care_manager=care_manager, team=team_a)
    for enrollment in (first, second):
        CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager)
    return first, second


def stored_counts() -> tuple[int, int]:
    return SupervisionSession.objects.count(), SupervisionDecision.objects.count()


class TestRecordingASession:
    def test_a_level_change_and_a_graduation_to_prepare_are_applied_and_the_care_manager_sees_both(
        self, client, supervisor, care_manager, two_people
    ) -> None:
        first, second = two_people
        today = supervisor.program.today()
        until = today + datetime.timedelta(days=30)
        client.force_login(supervisor)

        response = client.post(
            create_url(care_manager),
            session_data(
                today,
                **{
                    person(first): {
                        "discussed": "on",
                        "kind": DecisionKind.CHANGE_LEVEL,
                        "level": IntensityLevel.HIGH,
                        "level_until": until.isoformat(),
                        "detail": "Back from hospital; see her twice a week.",
                    },
                    person(second): {
                        "kind": DecisionKind.PREPARE_GRADUATION,
                        "detail": "Ready; talk it through.",
                    },
                },
            ),
        )

        session = SupervisionSession.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("caseloads:supervision-session", args=[session.pk])
        assert set(session.enrollments_discussed.values_list("pk", flat=True)) == {first.pk, second.pk}
        assert sorted(session.decisions.values_list("kind", flat=True)) == [
            "change_level",
            "prepare_graduation",
        ]
        assert all(decision.applied_at for decision in session.decisions.all())
        status = CaseloadStatus.objects.get(enrollment=first)
        assert (status.current_level, status.override_until, status.override_by) == (
            "high",
            until,
            supervisor,
        )
        assert status.override_reason == "Back from hospital; see her twice a week."

        client.force_login(care_manager)
        caseload = text_of(client.get(reverse("caseloads:my-caseload")))
        assert f"Prepare graduation (supervision {today:%-d %b})" in caseload
        rows = client.get(reverse("caseloads:my-caseload")).context["rows"]
        assert {row.pk: row.caseload_status.current_level for row in rows}[first.pk] == "high"
        summary = text_of(client.get(reverse("caseloads:supervision-session", args=[session.pk])))
        assert "Change level of care to high" in summary
        assert "Prepare graduation : Ready; talk it through." in summary
        assert "Good week; two people housed." in summary

    def test_a_reassignment_transfers_the_person_with_the_warm_transfer_note(
        self, client, supervisor, care_manager, care_manager_same_team, two_people
    ) -> None:
        first, _ = two_people
        client.force_login(supervisor)
        response = client.post(
            create_url(care_manager),
            session_data(
                supervisor.program.today(),
                **{
                    person(first): {
                        "kind": DecisionKind.REASSIGN,
                        "reassign_to": care_manager_same_team.pk,
                        "detail": "Prefers texts after 4pm; her daughter Ana helps.",
                    }
                },
            ),
        )
        assert response.status_code == 302
        primary = CareTeamMember.objects.get(enrollment=first, is_primary=True, ended_on__isnull=True)
        assert primary.user == care_manager_same_team
        assert primary.transfer_note == "Prefers texts after 4pm; her daughter Ana helps."

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            (
                {"kind": DecisionKind.REASSIGN, "detail": ""},
                "Choose the new primary care manager.",
            ),
            (
                {"kind": DecisionKind.CHANGE_LEVEL, "level": IntensityLevel.HIGH, "detail": ""},
                "Say why the team is choosing a different level from the recommendation.",
            ),
            ({"kind": DecisionKind.INCREASE_SUPPORT, "detail": ""}, "Say what was agreed"),
        ],
    )
    def test_a_refused_decision_stores_nothing_and_says_why_beside_the_person(
        self, client, supervisor, care_manager, two_people, fields, message
    ) -> None:
        first, second = two_people
        client.force_login(supervisor)
        response = client.post(
            create_url(care_manager),
            session_data(
                supervisor.program.today(),
                **{person(second): {"kind": DecisionKind.PREPARE_GRADUATION}, person(first): fields},
            ),
        )
        assert response.status_code == 422
        assert message in text_of(response)
        assert "['" not in text_of(response)  # the sentence itself, not a list written out
        assert "Nothing was saved" in text_of(response)
        # What was entered is still there to correct.
        assert f'<option value="{fields["kind"]}" selected>' in response.content.decode()
        assert stored_counts() == (0, 0)
        assert CaseloadStatus.objects.get(enrollment=first).current_level == IntensityLevel.MEDIUM

    def test_a_reassignment_without_a_warm_transfer_note_moves_nobody(
        self, client, supervisor, care_manager, care_manager_same_team, two_people
    ) -> None:
        first, _ = two_people
        client.force_login(supervisor)
        response = client.post(
            create_url(care_manager),
            session_data(
                supervisor.program.today(),
                **{person(first): {"kind": DecisionKind.REASSIGN, "reassign_to": care_manager_same_team.pk}},
            ),
        )
        assert response.status_code == 422
        assert "Write a warm-transfer note" in text_of(response)
        assert (
            CareTeamMember.objects.get(enrollment=first, is_primary=True, ended_on__isnull=True).user
            == care_manager
        )
        assert stored_counts() == (0, 0)

    def test_a_session_in_the_future_is_refused(self, client, supervisor, care_manager, two_people) -> None:
        client.force_login(supervisor)
        tomorrow = supervisor.program.today() + datetime.timedelta(days=1)
        response = client.post(create_url(care_manager), session_data(tomorrow))
        assert response.status_code == 422
        assert "The session date cannot be in the future." in text_of(response)
        assert stored_counts() == (0, 0)


class TestWhoMaySupervise:
    def test_another_teams_supervisor_gets_not_found(
        self, client, supervisor_other_team, care_manager, two_people
    ) -> None:
        client.force_login(supervisor_other_team)
        response = client.post(create_url(care_manager), session_data(supervisor_other_team.program.today()))
        assert response.status_code == 404
        assert stored_counts() == (0, 0)

    def test_program_leads_read_but_do_not_record(
        self, client, program_lead, care_manager, two_people
    ) -> None:
        client.force_login(program_lead)
        response = client.post(create_url(care_manager), session_data(program_lead.program.today()))
        assert response.status_code == 404
        assert stored_counts() == (0, 0)

    def test_a_care_manager_reads_their_own_sessions_but_not_a_colleagues(
        self, client, supervisor, care_manager, care_manager_same_team
    ) -> None:
        session = SupervisionSession.objects.create(
            supervisor=supervisor, care_manager=care_manager, held_on=supervisor.program.today()
        )
        url = reverse("caseloads:supervision-session", args=[session.pk])
        client.force_login(care_manager)
        assert client.get(url).status_code == 200
        client.force_login(care_manager_same_team)
        assert client.get(url).status_code == 403


FIELD_NAMES = ("discussed", "kind", "level", "level_until", "reassign_to", "detail")


def review_url(care_manager) -> str:
    return reverse("caseloads:caseload-review", args=[care_manager.pk])


def fields_url(care_manager, enrollment) -> str:
    return reverse("caseloads:supervision-decision-fields", args=[care_manager.pk, enrollment.pk])


def panel_of(page: str, enrollment) -> str:
    """The decision panel of one person on the review page."""
    start = page.index(f'<details class="review-decision" id="{person(enrollment)}"')
    return page[start : page.index("</details>", start)]


class TestDecisionPanels:
    """A closed panel beside each person loads their controls when opened; open panels carry them."""

    def test_each_person_gets_a_closed_panel_that_loads_controls_named_for_them(
        self, client, supervisor, care_manager, care_manager_same_team, two_people
    ) -> None:
        first, second = two_people
        first.patient.preferred_name = "Ana <b>& Co</b>"
        first.patient.save()
        client.force_login(supervisor)

        page = client.get(review_url(care_manager)).content.decode()

        assert 'name="person-' not in page
        for enrollment in (first, second):
            panel = panel_of(page, enrollment)
            assert f'hx-get="{fields_url(care_manager, enrollment)}"' in panel
            assert f'href="{review_url(care_manager)}?decide={enrollment.pk}#{person(enrollment)}"' in panel
        assert "Discuss Ana &lt;b&gt;&amp; Co&lt;/b&gt;" in panel_of(page, first)
        assert "<b>& Co</b>" not in page
        assert "987654321" not in page
        assert "__PATIENT_NAME__" not in page

        fields = client.get(fields_url(care_manager, first)).content.decode()
        for name in FIELD_NAMES:
            assert fields.count(f'name="{person(first)}-{name}"') == 1
        assert person(second) not in fields
        colleague = f'<option value="{care_manager_same_team.pk}">{care_manager_same_team}</option>'
        assert colleague in fields
        assert f'<option value="{care_manager.pk}">' not in fields

    def test_decide_opens_that_persons_panel_without_javascript(
        self, client, supervisor, care_manager, two_people
    ) -> None:
        first, second = two_people
        client.force_login(supervisor)

        page = client.get(review_url(care_manager), {"decide": [str(second.pk), "x", "²"]}).content.decode()

        opened = panel_of(page, second)
        assert f'<details class="review-decision" id="{person(second)}" open>' in page
        for name in FIELD_NAMES:
            assert f'name="{person(second)}-{name}"' in opened
        assert 'name="person-' not in panel_of(page, first)
        # Opening the first without JavaScript keeps the second open.
        both = f"?decide={second.pk}&amp;decide={first.pk}#{person(first)}"
        assert f'href="{review_url(care_manager)}{both}"' in panel_of(page, first)

    def test_controls_load_only_for_someone_on_the_caseload_and_only_for_their_supervisor(
        self,
        client,
        supervisor,
        supervisor_other_team,
        program_lead,
        care_manager,
        two_people,
        make_enrollment,
        care_manager_same_team,
        team_a,
    ) -> None:
        first, _second = two_people
        colleagues_person = make_enrollment(care_manager=care_manager_same_team, team=team_a)

        client.force_login(supervisor)
        assert client.get(fields_url(care_manager, first)).status_code == 200
        assert client.get(fields_url(care_manager, colleagues_person)).status_code == 404
        for outsider in (supervisor_other_team, program_lead):
            client.force_login(outsider)
            assert client.get(fields_url(care_manager, first)).status_code == 404

    def test_a_refused_post_keeps_each_persons_entry_and_leaves_the_others_closed(
        self, client, supervisor, care_manager, two_people
    ) -> None:
        first, second = two_people
        client.force_login(supervisor)

        response = client.post(
            create_url(care_manager),
            session_data(
                supervisor.program.today(),
                **{person(first): {"kind": DecisionKind.INCREASE_SUPPORT, "detail": ""}},
            ),
        )

        page = response.content.decode()
        assert response.status_code == 422
        assert '<option value="increase_support" selected>' in panel_of(page, first)
        assert 'name="person-' not in panel_of(page, second)
        assert f'hx-get="{fields_url(care_manager, second)}"' in panel_of(page, second)
        # The refused page is the save's address; its no-JavaScript link goes back to the review.
        back = f'href="{review_url(care_manager)}?decide={second.pk}#{person(second)}"'
        assert back in panel_of(page, second)
        assert stored_counts() == (0, 0)
