"""The team dashboard and a care manager's caseload review: what a supervisor sees, and who may see it."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from caseloads.models import CaseloadSnapshot, IntensityLevel, SupervisionSession
from tests.accounts.factories import TeamMembershipFactory, UserFactory
from tests.caseloads.factories import CaseloadStatusFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("caseloads:dashboard")


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def status_for(enrollment, care_manager, *, current=IntensityLevel.MEDIUM, recommended=None, **fields):
    return CaseloadStatusFactory(
        enrollment=enrollment,
        care_manager=care_manager,
        current_level=current,
        recommended_level=recommended or current,
        **fields,
    )


def row_of(response, care_manager):
    return next(row for row in response.context["dashboard"].rows if row.care_manager == care_manager)


class TestTeamDashboard:
    def test_each_care_manager_with_counts_load_flags_and_supervision(
        self, client, supervisor, care_manager, care_manager_other_team, make_enrollment, team_a
    ) -> None:
        care_manager.caseload_capacity = 6
        care_manager.save()
        high = make_enrollment(care_manager=care_manager, team=team_a)
        medium = make_enrollment(care_manager=care_manager, team=team_a)
        low = make_enrollment(care_manager=care_manager, team=team_a, status="outreach")
        status_for(high, care_manager, current=IntensityLevel.HIGH, is_overdue=True)
        status_for(medium, care_manager, current=IntensityLevel.MEDIUM, recommended=IntensityLevel.HIGH)
        status_for(low, care_manager, current=IntensityLevel.LOW, is_graduation_candidate=True)
        held_on = supervisor.program.today() - datetime.timedelta(days=20)
        SupervisionSession.objects.create(supervisor=supervisor, care_manager=care_manager, held_on=held_on)
        client.force_login(supervisor)

        response = client.get(DASHBOARD)

        assert response.status_code == 200
        row = row_of(response, care_manager)
        # Weights 3 + 2 + 1 = 6 of a capacity of 6: full, not over.
        assert (row.outreach, row.active, row.maintenance) == (1, 2, 0)
        assert (row.high, row.medium, row.low, row.weighted_load, row.capacity) == (1, 1, 1, 6, 6)
        assert (row.overdue, row.graduation_candidates, row.step_ups) == (1, 1, 1)
        assert row.days_since_supervision == 20
        assert care_manager_other_team not in [row.care_manager for row in response.context["dashboard"].rows]
        page = text_of(response)
        assert "6 of 6" in page
        assert "20 days ago" in page
        assert "Many overdue" in page  # 1 of 3 overdue is more than a fifth
        assert "Over capacity" not in page

    def test_an_overloaded_care_manager_stands_out(
        self, client, supervisor, care_manager, make_enrollment
    ) -> None:
        care_manager.caseload_capacity = 2
        care_manager.save()
        status_for(make_enrollment(care_manager=care_manager), care_manager, current=IntensityLevel.HIGH)
        client.force_login(supervisor)
        response = client.get(DASHBOARD)
        assert row_of(response, care_manager).is_over_capacity
        assert "Over capacity" in text_of(response)
        assert "3 of 2" in text_of(response)

    def test_figures_show_when_they_were_computed_and_twelve_weeks_of_trend(
        self, client, supervisor, care_manager, enrollment
    ) -> None:
        computed = timezone.now() - datetime.timedelta(hours=3)
        status_for(enrollment, care_manager, computed_at=computed)
        today = supervisor.program.today()
        CaseloadSnapshot.objects.bulk_create(
            CaseloadSnapshot(
                care_manager=care_manager,
                taken_on=today - datetime.timedelta(weeks=week),
                weighted_load=10 + (11 - week),
                overdue_count=week % 3,
                computed_at=timezone.now(),
            )
            for week in range(12)
        )
        client.force_login(supervisor)
        response = client.get(DASHBOARD)
        page = text_of(response)
        local = computed.astimezone(zoneinfo.ZoneInfo(supervisor.program.time_zone))
        assert f"Figures computed {local:%-d %b %Y, %H:%M}" in page
        assert "Load: From 10 to 21 over 12 weeks" in page
        assert row_of(response, care_manager).load_trend.points.count(",") == 12

    def test_a_program_lead_sees_every_team_and_can_narrow_to_one(
        self, client, program_lead, care_manager, care_manager_other_team, team_b
    ) -> None:
        client.force_login(program_lead)
        everyone = [row.care_manager for row in client.get(DASHBOARD).context["dashboard"].rows]
        assert {care_manager, care_manager_other_team} <= set(everyone)
        narrowed = client.get(DASHBOARD, {"team": team_b.pk}).context["dashboard"]
        assert [row.care_manager for row in narrowed.rows] == [care_manager_other_team]

    @pytest.mark.parametrize("typed", ["²", "abc", "-1", ""])
    def test_a_team_that_is_not_a_number_shows_every_team(
        self, client, program_lead, care_manager, care_manager_other_team, typed
    ) -> None:
        client.force_login(program_lead)
        response = client.get(DASHBOARD, {"team": typed})
        assert response.status_code == 200
        everyone = {row.care_manager for row in response.context["dashboard"].rows}
        assert {care_manager, care_manager_other_team} <= everyone

    def test_a_supervisor_cannot_narrow_to_a_team_they_do_not_supervise(
        self, client, supervisor, care_manager, care_manager_other_team, team_b
    ) -> None:
        client.force_login(supervisor)
        rows = client.get(DASHBOARD, {"team": team_b.pk}).context["dashboard"].rows
        assert care_manager_other_team not in [row.care_manager for row in rows]

    @pytest.mark.parametrize("persona", ["care_manager"])
    def test_care_managers_cannot_open_the_dashboard_or_a_review(
        self, client, request, persona, care_manager
    ) -> None:
        client.force_login(request.getfixturevalue(persona))
        assert client.get(DASHBOARD).status_code == 403
        assert client.get(reverse("caseloads:caseload-review", args=[care_manager.pk])).status_code == 403

    def test_the_query_count_does_not_grow_with_the_number_of_care_managers(
        self, client, supervisor, team_a, make_enrollment, django_assert_num_queries
    ) -> None:
        def add_care_managers(count: int) -> None:
            for _ in range(count):
                person = UserFactory(program=team_a.program, role=Role.CARE_MANAGER)
                TeamMembershipFactory(team=team_a, user=person)
                status_for(make_enrollment(care_manager=person, team=team_a), person)
                CaseloadSnapshot.objects.create(
                    care_manager=person, taken_on=team_a.program.today(), computed_at=timezone.now()
                )
                SupervisionSession.objects.create(
                    supervisor=supervisor, care_manager=person, held_on=team_a.program.today()
                )

        client.force_login(supervisor)
        add_care_managers(5)
        client.get(DASHBOARD)  # warm up the session
        with django_assert_num_queries(10):
            assert len(client.get(DASHBOARD).context["dashboard"].rows) == 5
        add_care_managers(35)
        with django_assert_num_queries(10):
            assert len(client.get(DASHBOARD).context["dashboard"].rows) == 40


class TestCaseloadReview:
    def test_people_are_grouped_by_level_with_their_flags(
        self, client, supervisor, care_manager, make_enrollment, team_a
    ) -> None:
        high = make_enrollment(care_manager=care_manager, team=team_a)
        low = make_enrollment(care_manager=care_manager, team=team_a)
        status_for(high, care_manager, current=IntensityLevel.HIGH, is_overdue=True)
        status_for(low, care_manager, current=IntensityLevel.LOW, is_graduation_candidate=True)
        client.force_login(supervisor)

        response = client.get(reverse("caseloads:caseload-review", args=[care_manager.pk]))

        groups = response.context["review"].groups
        assert [(group.level, [row.pk for row in group.rows]) for group in groups] == [
            ("high", [high.pk]),
            ("low", [low.pk]),
        ]
        page = text_of(response)
        assert page.index("High level of care") < page.index(high.patient.display_name)
        assert page.index("Low level of care") < page.index(low.patient.display_name)
        assert "Graduation candidate" in page
        assert "Save supervision session" in page

    def test_another_teams_care_manager_is_not_found(
        self, client, supervisor, care_manager_other_team
    ) -> None:
        client.force_login(supervisor)
        url = reverse("caseloads:caseload-review", args=[care_manager_other_team.pk])
        assert client.get(url).status_code == 404

    def test_program_leads_read_the_review_without_the_session_form(
        self, client, program_lead, care_manager, enrollment
    ) -> None:
        status_for(enrollment, care_manager)
        client.force_login(program_lead)
        response = client.get(reverse("caseloads:caseload-review", args=[care_manager.pk]))
        assert enrollment.patient.display_name in text_of(response)
        assert "Save supervision session" not in text_of(response)

    def test_the_query_count_does_not_grow_with_the_caseload(
        self, client, supervisor, care_manager, team_a, make_enrollment, django_assert_num_queries
    ) -> None:
        def add_people(count: int) -> None:
            for _ in range(count):
                status_for(make_enrollment(care_manager=care_manager, team=team_a), care_manager)

        url = reverse("caseloads:caseload-review", args=[care_manager.pk])
        client.force_login(supervisor)
        add_people(1)
        client.get(url)
        with django_assert_num_queries(9):
            client.get(url)
        add_people(15)
        with django_assert_num_queries(9):
            assert len(client.get(url).context["review"].rows) == 16


def test_the_review_says_when_each_person_was_last_reached_and_when_contact_was_due(
    client, supervisor, care_manager, team_a, make_enrollment
) -> None:
    enrollment = make_enrollment(care_manager=care_manager, team=team_a)
    due_on = supervisor.program.today() - datetime.timedelta(days=3)
    status_for(enrollment, care_manager, is_overdue=True, next_contact_due_on=due_on)
    client.force_login(supervisor)

    response = client.get(reverse("caseloads:caseload-review", args=[care_manager.pk]))

    assert f'Was due <time datetime="{due_on.isoformat()}">{due_on.day} {due_on:%b}</time>' in (
        response.content.decode()
    )
    assert "Last contact: none yet" in text_of(response)


def test_a_review_row_links_to_the_record_says_why_the_level_and_escapes_what_people_typed(
    client, supervisor, care_manager, team_a, make_enrollment
) -> None:
    enrollment = make_enrollment(care_manager=care_manager, team=team_a)
    patient = enrollment.patient
    patient.preferred_name = "<b>Sam</b> & co"
    patient.save()
    status_for(
        enrollment,
        care_manager,
        current=IntensityLevel.MEDIUM,
        recommended=IntensityLevel.HIGH,
        is_overdue=True,
        recommendation_reasons=["ED visit <last week>", "no contact in 10 days"],
    )
    client.force_login(supervisor)

    html = client.get(reverse("caseloads:caseload-review", args=[care_manager.pk])).content.decode()

    record = reverse("caseloads:patient-record", args=[patient.pk])
    row = html[html.index('<li class="caseload-row is-overdue">') :]
    row = row[: row.index("</li>")]
    assert f'<a class="row-link" href="{record}">' in row
    assert "&lt;b&gt;Sam&lt;/b&gt; &amp; co" in row
    assert "<b>Sam</b>" not in html
    assert "Recommended high: ED visit &lt;last week&gt;; no contact in 10 days" in row
    assert "Contact overdue" in row
