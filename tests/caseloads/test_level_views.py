"""The level-of-care card on the patient record and the level on "My caseload": what they show, and
the team accepting or overriding the recommendation from the card."""

import datetime
import html
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from caseloads.levels import NOT_WORKED_OUT_YET, OVERRIDE_MAX_DAYS
from caseloads.models import CaseloadRecomputeRequest, CaseloadStatus, IntensityLevel
from patients.models import AccessEvent, Enrollment, Phase
from tests.caseloads.factories import CaseloadStatusFactory
from tests.engagement.factories import ContactFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
CASELOAD_URL = reverse("caseloads:my-caseload")
NOW = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)
PROGRAM_TODAY = datetime.date(2026, 3, 10)
NEXT_MONTH = PROGRAM_TODAY + datetime.timedelta(days=30)
ACCEPT_HIGH = {"level-accept-recommended_level": IntensityLevel.HIGH}
DECISION = ("current_level", "override_reason", "override_until", "override_by_id")
REASONS = [
    "ED visit on 2 Mar, within 30 days: high.",
    "Confidence fell from 8 to 4 since the last check-in: one level up.",
]
CRITERIA = [
    {"label": "Enrolled at least 6 months", "met": True, "detail": "Enrolled on 2 Jan 2025."},
    {
        "label": "No ED visit or admission for 90 days",
        "met": False,
        "detail": "Last on 2 Mar 2026; 90 days on 31 May 2026.",
    },
]


@pytest.fixture(autouse=True)
def _fixed_now(time_machine: time_machine.TimeMachineFixture) -> None:
    time_machine.move_to(NOW, tick=False)


def record_url(enrollment) -> str:
    return reverse("caseloads:patient-record", kwargs={"patient_id": enrollment.patient_id})


def card_url(enrollment) -> str:
    return reverse("caseloads:level-of-care", kwargs={"patient_id": enrollment.patient_id})


def accept_url(enrollment) -> str:
    return reverse("caseloads:level-of-care-accept", kwargs={"patient_id": enrollment.patient_id})


def override_url(enrollment) -> str:
    return reverse("caseloads:level-of-care-override", kwargs={"patient_id": enrollment.patient_id})


def override_data(**changes: str) -> dict[str, str]:
    values = {
        "level": "low",
        "reason": "Stable at home; she asked for fewer calls.",
        "until": str(NEXT_MONTH),
    }
    return {f"level-of-care-{name}": value for name, value in (values | changes).items()}


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def decision_of(status: CaseloadStatus) -> tuple[object, ...]:
    return tuple(CaseloadStatus.objects.values_list(*DECISION).get(pk=status.pk))


@pytest.fixture
def step_up(enrollment, care_manager) -> CaseloadStatus:
    """The rules recommend high with two reasons; the team works at medium."""
    return CaseloadStatusFactory(
        enrollment=enrollment,
        care_manager=care_manager,
        recommended_level=IntensityLevel.HIGH,
        current_level=IntensityLevel.MEDIUM,
        recommendation_reasons=REASONS,
        graduation_criteria=CRITERIA,
        reached_contacts_last_30_days=3,
        last_reached_contact_at=NOW - datetime.timedelta(days=5),
        last_attempt_at=NOW - datetime.timedelta(days=2),
        next_contact_due_on=PROGRAM_TODAY + datetime.timedelta(days=2),
        computed_at=NOW - datetime.timedelta(hours=3),
    )


class TestTheCard:
    def test_shows_the_levels_the_reasons_contacts_and_graduation_readiness(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        response = client.get(record_url(enrollment))
        page = text_of(response)

        card = page[page.index("Level of care") :]
        assert "Current level Medium intensity Step up suggested" in card
        assert "Recommended High Why?" in card
        assert all(reason in card for reason in REASONS)
        assert '<details class="level-why" id="level-why">' in response.content.decode()
        assert "3 reached in the last 30 days · last attempt 8 Mar 2026" in card
        assert "Last reached: 5 Mar 2026" in card
        assert "Next contact due 12 Mar 2026" in card
        assert "Graduation readiness Not yet." in card
        assert "✓ Met: Enrolled at least 6 months Enrolled on 2 Jan 2025." in card
        assert (
            "✗ Not met: No ED visit or admission for 90 days Last on 2 Mar 2026; 90 days on 31 May 2026."
            in card
        )
        assert "Figures computed 10 Mar 2026, 08:00 (3 hours ago)." in card  # New York time
        assert "Accept the recommendation: high" in card
        assert "Choose a different level" in card
        assert "Ready to move to the wellness phase?" not in card

    def test_step_down_overdue_ready_to_graduate_and_the_phase_suggestion(
        self, client, care_manager, enrollment
    ) -> None:
        CaseloadStatusFactory(
            enrollment=enrollment,
            recommended_level=IntensityLevel.LOW,
            current_level=IntensityLevel.HIGH,
            is_overdue=True,
            next_contact_due_on=PROGRAM_TODAY - datetime.timedelta(days=1),
            is_graduation_candidate=True,
            graduation_criteria=[{"label": "Enrolled at least 6 months", "met": True, "detail": ""}],
            suggested_phase="wellness",
        )
        client.force_login(care_manager)

        page = text_of(client.get(record_url(enrollment)))

        assert "Step down suggested" in page
        assert "Contact overdue: was due 9 Mar 2026" in page
        assert "Ready to graduate Every criterion is met." in page
        assert "Tandem never graduates anyone by itself" in page
        assert "Ready to move to the wellness phase?" in page
        assert "only a suggestion" in page
        assert "not reached yet" in page
        assert "no attempts without reaching them" in page

    def test_no_suggestion_and_no_accept_button_when_the_team_follows_the_recommendation(
        self, client, care_manager, enrollment
    ) -> None:
        CaseloadStatusFactory(enrollment=enrollment)
        client.force_login(care_manager)

        page = text_of(client.get(record_url(enrollment)))

        assert "Step up suggested" not in page
        assert "Step down suggested" not in page
        assert "Accept the recommendation" not in page
        assert "No rule points to a different level" in page
        assert "Choose a different level" in page

    def test_an_override_shows_who_why_and_until(self, client, care_manager, supervisor, enrollment) -> None:
        supervisor.first_name, supervisor.last_name = "Sam", "Synthetic"
        supervisor.save()
        CaseloadStatusFactory(
            enrollment=enrollment,
            recommended_level=IntensityLevel.MEDIUM,
            current_level=IntensityLevel.LOW,
            override_reason="Staying with her sister, who checks in daily.",
            override_until=datetime.date(2026, 4, 30),
            override_by=supervisor,
        )
        client.force_login(care_manager)

        page = text_of(client.get(record_url(enrollment)))

        assert (
            "Chosen by Sam Synthetic Because Staying with her sister, who checks in daily. "
            "Until 30 Apr 2026 , then back to the recommendation" in page
        )
        assert "Change the team's choice" in page
        assert "Accept the recommendation: medium" in page

    def test_before_the_first_recompute_it_says_so(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)

        page = text_of(client.get(record_url(enrollment)))

        assert "Level of care Not worked out yet." in page
        assert "Choose a different level" not in page

    def test_readers_see_the_card_without_the_forms(self, client, program_lead, enrollment, step_up) -> None:
        client.force_login(program_lead)

        page = text_of(client.get(record_url(enrollment)))

        assert "Step up suggested" in page
        assert "Accept the recommendation" not in page
        assert "Choose a different level" not in page

    def test_the_level_choices_and_the_limit_match_the_rules(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        content = client.get(record_url(enrollment)).content.decode()

        start = content.index('<select name="level-of-care-level"')
        select = content[start : content.index("</select>", start)]
        assert re.findall(r'<option value="(\w+)"', select) == [value for value, _ in IntensityLevel.choices]
        assert "High (recommended)" in select
        assert f"At most {OVERRIDE_MAX_DAYS} days ahead." in content


class TestUpdating:
    def test_a_waiting_recompute_shows_updating_and_the_card_fetches_itself(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        CaseloadRecomputeRequest.objects.create(enrollment=enrollment, requested_at=timezone.now())
        client.force_login(care_manager)

        page = client.get(record_url(enrollment)).content.decode()

        assert "Updating…" in page
        assert f'hx-get="{card_url(enrollment)}" hx-trigger="load delay:2s"' in page
        assert "hx-preserve" not in page

    def test_the_cards_own_fetch_keeps_an_override_being_typed(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        CaseloadRecomputeRequest.objects.create(enrollment=enrollment, requested_at=timezone.now())
        client.force_login(care_manager)

        response = client.get(card_url(enrollment), headers=HTMX)

        content = response.content.decode()
        assert response.status_code == 200
        assert '<section id="level-of-care"' in content
        assert "<html" not in content
        assert 'id="level-change" hx-preserve="true"' in content
        assert "load delay:2s" in content
        assert AccessEvent.objects.filter(
            user=care_manager, patient=enrollment.patient, object_type="caseload_status"
        ).exists()

    def test_polling_stops_once_the_recompute_is_done(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        content = client.get(card_url(enrollment), headers=HTMX).content.decode()

        assert "Updating…" not in content
        assert "hx-trigger" not in content

    def test_readers_may_fetch_the_card(self, client, program_lead, enrollment, step_up) -> None:
        client.force_login(program_lead)

        response = client.get(card_url(enrollment), headers=HTMX)

        assert response.status_code == 200
        assert "Choose a different level" not in response.content.decode()

    def test_a_logged_contact_refreshes_the_card_in_place(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)
        moment = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("America/New_York"))

        response = client.post(
            reverse("caseloads:contact-create", kwargs={"patient_id": enrollment.patient_id}),
            {
                "mode": "phone",
                "outcome": "reached",
                "occurred_at": moment.strftime("%Y-%m-%dT%H:%M"),
                "duration_minutes": "15",
            },
            headers=HTMX,
        )

        content = response.content.decode()
        assert response.status_code == 200
        assert '<section id="level-of-care" class="card level-card"' in content
        assert 'hx-swap-oob="true"' in content[content.index('<section id="level-of-care"') :]


class TestAccept:
    def test_htmx_gets_the_refreshed_card(self, client, care_manager, enrollment, step_up) -> None:
        client.force_login(care_manager)

        response = client.post(accept_url(enrollment), ACCEPT_HIGH, headers=HTMX)

        page = text_of(response)
        assert response.status_code == 200
        assert "<html" not in response.content.decode()
        assert page.startswith("Level of care Recommendation accepted.")
        assert "Current level High intensity" in page
        assert "Step up suggested" not in page
        assert decision_of(step_up) == (IntensityLevel.HIGH, "", None, None)
        assert CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).exists() is True
        assert "Updating…" in page  # the recompute runs once the request is committed

    def test_a_plain_post_goes_back_to_the_record_with_a_message(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        response = client.post(accept_url(enrollment), ACCEPT_HIGH, follow=True)

        assert response.redirect_chain == [(record_url(enrollment), 302)]
        assert "Recommendation accepted." in text_of(response)
        assert decision_of(step_up)[0] == IntensityLevel.HIGH

    def test_a_changed_recommendation_is_refused_on_the_card(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        response = client.post(
            accept_url(enrollment), {"level-accept-recommended_level": IntensityLevel.LOW}, headers=HTMX
        )

        assert response.status_code == 422
        assert "The recommendation has just changed to high." in text_of(response)
        assert decision_of(step_up) == (IntensityLevel.MEDIUM, "", None, None)

    def test_before_the_first_recompute_it_is_refused_with_a_message(
        self, client, care_manager, enrollment
    ) -> None:
        client.force_login(care_manager)

        response = client.post(accept_url(enrollment), ACCEPT_HIGH)

        assert response.status_code == 422
        assert NOT_WORKED_OUT_YET in text_of(response)
        assert CaseloadStatus.objects.filter(enrollment=enrollment).exists() is False


class TestOverride:
    def test_htmx_gets_the_card_with_the_override(self, client, care_manager, enrollment, step_up) -> None:
        client.force_login(care_manager)

        response = client.post(override_url(enrollment), override_data(), headers=HTMX)

        page = text_of(response)
        assert response.status_code == 200
        assert page.startswith("Level of care Level of care saved.")
        assert "Current level Low intensity Step up suggested" in page
        assert "Because Stable at home; she asked for fewer calls. Until 9 Apr 2026" in page
        assert decision_of(step_up) == (
            IntensityLevel.LOW,
            "Stable at home; she asked for fewer calls.",
            NEXT_MONTH,
            care_manager.pk,
        )

    def test_a_plain_post_goes_back_to_the_record_with_a_message(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        response = client.post(override_url(enrollment), override_data(), follow=True)

        assert response.redirect_chain == [(record_url(enrollment), 302)]
        assert "Level of care saved." in text_of(response)
        assert decision_of(step_up)[0] == IntensityLevel.LOW

    def test_refused_on_a_plain_post_the_record_shows_the_form_open_with_the_message(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        response = client.post(override_url(enrollment), override_data(reason="  "))

        content = response.content.decode()
        assert response.status_code == 422
        assert "<html" in content
        assert "Say why the team is choosing a different level from the recommendation." in text_of(response)
        assert '<details class="edit-inline level-change" id="level-change" open>' in content
        assert '<option value="low" selected>' in content
        assert f'value="{NEXT_MONTH}"' in content
        assert decision_of(step_up) == (IntensityLevel.MEDIUM, "", None, None)
        assert CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).exists() is False

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"until": "next tuesday"}, "Enter a real date for the end date."),
            ({"level": "urgent"}, "Choose the level of care: high, medium or low."),
            ({"until": str(PROGRAM_TODAY)}, "The end date must be after today."),
            ({"reason": "x" * 301}, "Keep the reason to 300 characters or fewer (it has 301)."),
        ],
    )
    def test_refused_on_htmx_the_card_comes_back_with_the_message(
        self, client, care_manager, enrollment, step_up, changes: dict[str, str], message: str
    ) -> None:
        client.force_login(care_manager)

        response = client.post(override_url(enrollment), override_data(**changes), headers=HTMX)

        assert response.status_code == 422
        assert "<html" not in response.content.decode()
        assert message in text_of(response)
        assert decision_of(step_up) == (IntensityLevel.MEDIUM, "", None, None)

    def test_choosing_the_recommended_level_accepts_it(
        self, client, care_manager, enrollment, step_up
    ) -> None:
        client.force_login(care_manager)

        response = client.post(
            override_url(enrollment), override_data(level="high", reason="", until=""), headers=HTMX
        )

        assert response.status_code == 200
        assert decision_of(step_up) == (IntensityLevel.HIGH, "", None, None)


def phase_url(enrollment) -> str:
    return reverse("caseloads:level-of-care-phase", kwargs={"patient_id": enrollment.patient_id})


class TestPhaseSuggestion:
    @pytest.fixture
    def suggested(self, enrollment) -> CaseloadStatus:
        assert enrollment.phase == Phase.ENGAGEMENT
        return CaseloadStatusFactory(enrollment=enrollment, suggested_phase="wellness")

    def test_the_care_team_confirms_the_move_with_what_shows_it(
        self, client, care_manager, enrollment, suggested, django_capture_on_commit_callbacks
    ) -> None:
        client.force_login(care_manager)
        assert "Move to the wellness phase" in text_of(client.get(record_url(enrollment)))

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                phase_url(enrollment),
                {"phase-evidence": "Plan made together at her kitchen table; she calls us first now."},
                headers=HTMX,
            )

        assert response.status_code == 200
        page = text_of(response)
        assert "Moved to the wellness phase." in page
        assert "Ready to move to the wellness phase?" not in page
        stored = Enrollment.objects.get(pk=enrollment.pk)
        assert (stored.phase, stored.phase_change_evidence, stored.phase_changed_on) == (
            Phase.WELLNESS,
            "Plan made together at her kitchen table; she calls us first now.",
            PROGRAM_TODAY,
        )
        # The row was recomputed for the new phase: no suggestion any more.
        assert CaseloadStatus.objects.get(pk=suggested.pk).suggested_phase == ""

    def test_without_what_shows_it_nothing_changes_and_the_card_says_why(
        self, client, care_manager, enrollment, suggested
    ) -> None:
        client.force_login(care_manager)

        response = client.post(phase_url(enrollment), {"phase-evidence": "  "}, headers=HTMX)

        assert response.status_code == 422
        assert "Say what shows the change of phase" in text_of(response)
        assert Enrollment.objects.get(pk=enrollment.pk).phase == Phase.ENGAGEMENT
        assert not CaseloadRecomputeRequest.objects.exists()

    @pytest.mark.parametrize(
        ("persona", "expected"), [("program_lead", 403), ("care_manager_other_team", 404)]
    )
    def test_only_who_may_change_the_record_may_move_the_phase(
        self, request, client, enrollment, suggested, persona: str, expected: int
    ) -> None:
        client.force_login(request.getfixturevalue(persona))

        response = client.post(phase_url(enrollment), {"phase-evidence": "Trust built."}, headers=HTMX)

        assert response.status_code == expected
        assert Enrollment.objects.get(pk=enrollment.pk).phase == Phase.ENGAGEMENT

    def test_readers_see_the_suggestion_without_the_form(
        self, client, program_lead, enrollment, suggested
    ) -> None:
        client.force_login(program_lead)

        page = text_of(client.get(record_url(enrollment)))

        assert "Ready to move to the wellness phase?" in page
        assert "What shows it" not in page


class TestWhoMayDecide:
    @pytest.mark.parametrize(
        ("persona", "expected"),
        [
            ("care_manager", 200),
            ("supervisor", 200),
            ("program_admin", 200),
            ("care_manager_same_team", 403),  # sees the team's people; not on this care team
            ("program_lead", 403),
            ("care_manager_other_team", 404),
            ("supervisor_other_team", 404),
            ("other_program_admin", 404),
        ],
    )
    @pytest.mark.parametrize("action", ["accept", "override"])
    def test_persona_matrix(
        self, request, client, enrollment, step_up, persona: str, expected: int, action: str
    ) -> None:
        client.force_login(request.getfixturevalue(persona))
        url = accept_url(enrollment) if action == "accept" else override_url(enrollment)
        data = ACCEPT_HIGH if action == "accept" else override_data()

        response = client.post(url, data, headers=HTMX)

        assert response.status_code == expected
        changed = decision_of(step_up) != (IntensityLevel.MEDIUM, "", None, None)
        assert changed is (expected == 200)
        assert CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).exists() is (expected == 200)

    @pytest.mark.parametrize(
        ("persona", "expected"), [("care_manager_other_team", 404), ("program_lead", 200)]
    )
    def test_the_card_is_hidden_outside_the_users_scope(
        self, request, client, enrollment, step_up, persona: str, expected: int
    ) -> None:
        client.force_login(request.getfixturevalue(persona))

        assert client.get(card_url(enrollment), headers=HTMX).status_code == expected

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, enrollment, step_up) -> None:
        for url in (card_url(enrollment), accept_url(enrollment), override_url(enrollment)):
            response = client.post(url) if url != card_url(enrollment) else client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        assert decision_of(step_up) == (IntensityLevel.MEDIUM, "", None, None)


class TestMyCaseload:
    def test_rows_show_the_step_and_the_reasons_behind_why(
        self, client, care_manager, enrollment, step_up, make_enrollment
    ) -> None:
        steady = make_enrollment(care_manager=care_manager)
        CaseloadStatusFactory(enrollment=steady, care_manager=care_manager)
        client.force_login(care_manager)

        response = client.get(CASELOAD_URL)

        content = response.content.decode()
        page = text_of(response)
        assert page.count("Step up suggested") == 1
        assert content.count('<details class="level-why">') == 1
        assert (
            f"Why? The reasons for {enrollment.patient.display_name}'s level of care Recommended: high "
            + " ".join(REASONS)
        ) in html.unescape(page)


class TestQueryCounts:
    def test_the_record_page_with_a_decided_level_costs_the_same_whatever_the_caseload(
        self, client, care_manager, supervisor, enrollment, make_enrollment, django_assert_num_queries
    ) -> None:
        CaseloadStatusFactory(
            enrollment=enrollment,
            recommended_level=IntensityLevel.MEDIUM,
            current_level=IntensityLevel.LOW,
            recommendation_reasons=REASONS,
            graduation_criteria=CRITERIA,
            override_reason="Staying with her sister.",
            override_until=NEXT_MONTH,
            override_by=supervisor,
        )
        CaseloadRecomputeRequest.objects.create(enrollment=enrollment, requested_at=timezone.now())
        client.force_login(care_manager)
        client.get(record_url(enrollment))  # the first request also reads the program's time zone
        # As tests/caseloads/test_referrals_out_record.py: the card's status, who chose the override and
        # the waiting recompute come in the one query that read the status before. The peer support card
        # adds one (its connections).
        with django_assert_num_queries(26):
            client.get(record_url(enrollment))
        for _ in range(19):
            other = make_enrollment(care_manager=care_manager)
            CaseloadStatusFactory(enrollment=other, care_manager=care_manager, override_by=None)
        with django_assert_num_queries(26):
            response = client.get(record_url(enrollment))
        assert "Staying with her sister." in text_of(response)

    def test_my_caseload_costs_the_same_with_1_or_20_people(
        self, client, care_manager, supervisor, make_enrollment, django_assert_num_queries
    ) -> None:
        def add_person() -> None:
            person = make_enrollment(care_manager=care_manager)
            CaseloadStatusFactory(
                enrollment=person,
                care_manager=care_manager,
                recommended_level=IntensityLevel.HIGH,
                current_level=IntensityLevel.LOW,
                recommendation_reasons=REASONS,
                override_reason="Staying with her sister.",
                override_until=NEXT_MONTH,
                override_by=supervisor,
            )
            ContactFactory(enrollment=person, made_by=care_manager)

        add_person()
        client.force_login(care_manager)
        client.get(CASELOAD_URL)  # the first request also reads the program's time zone
        with django_assert_num_queries(7):
            client.get(CASELOAD_URL)
        for _ in range(19):
            add_person()
        with django_assert_num_queries(7):
            response = client.get(CASELOAD_URL)
        assert text_of(response).count("Step up suggested") == 20
