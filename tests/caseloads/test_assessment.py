"""The stepwise assessment: one domain at a time over the first 30 days, a need turned into a goal or a
step in one action, and substance use (42 CFR Part 2) shown to the care team only."""

import datetime

import pytest
from django.urls import reverse

from careplans.models import AssessmentDomain, AssessmentDomainKind, CarePlan, Goal, Step, StepOwner
from careplans.selectors import assessment_of, assessment_started_on
from careplans.services import assessment_domain_record, assessment_need_to_goal
from patients.models import AccessEvent, Enrollment, EnrollmentStatus
from tests.dates import program_today
from tests.patients.factories import CareTeamMemberFactory, CommunitySupportFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
SUBSTANCE_USE_WORDS = "Synthetic: drinks most nights to get to sleep"


def page_url(enrollment: Enrollment) -> str:
    return reverse("caseloads:assessment", kwargs={"patient_id": enrollment.patient_id})


def domain_url(enrollment: Enrollment, domain: str, action: str = "") -> str:
    name = f"caseloads:assessment-{action}" if action else "caseloads:assessment-domain"
    return reverse(name, kwargs={"patient_id": enrollment.patient_id, "domain": domain})


def record(enrollment: Enrollment, user, domain: str, summary: str = "", need_level: str = "some"):
    return assessment_domain_record(
        enrollment=enrollment,
        acting_user=user,
        domain=domain,
        summary=summary or f"Synthetic notes about {domain}",
        need_level=need_level,
    )


def started_days_ago(enrollment: Enrollment, days: int) -> None:
    start = enrollment.program.today() - datetime.timedelta(days=days)
    Enrollment.objects.filter(pk=enrollment.pk).update(referred_on=start, enrolled_on=start)


class TestThePage:
    def test_shows_the_fourteen_domains_in_order_and_nothing_talked_about_yet(
        self, client, care_manager, enrollment
    ) -> None:
        client.force_login(care_manager)
        response = client.get(page_url(enrollment))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Day 1 of 30" in page
        assert "0 of 14 parts talked about" in page
        positions = [page.index(f'id="domain-{kind}"') for kind in AssessmentDomainKind.values]
        assert positions == sorted(positions)
        assert '<progress value="0" max="14" aria-labelledby="assessment-progress-text">' in page
        assert reverse("caseloads:patient-record", args=[enrollment.patient_id]) in page

    def test_counts_the_parts_talked_about_and_the_day(self, client, care_manager, enrollment) -> None:
        started_days_ago(enrollment, 11)
        for domain in AssessmentDomainKind.values[:6]:
            record(enrollment, care_manager, domain)
        client.force_login(care_manager)
        page = client.get(page_url(enrollment)).content.decode()
        assert "Day 12 of 30" in page
        assert "6 of 14 parts talked about" in page
        assert '<progress value="6" max="14"' in page

    def test_past_the_first_30_days_nothing_is_forced(self, client, care_manager, enrollment) -> None:
        started_days_ago(enrollment, 44)
        record(enrollment, care_manager, AssessmentDomainKind.HOUSING)
        client.force_login(care_manager)
        page = client.get(page_url(enrollment)).content.decode()
        assert "Day 45: past the first 30 days" in page
        assert "1 of 14 parts talked about" in page
        assert "can still be filled in whenever" in page
        # Every part not talked about still offers its form.
        assert page.count("Save ") >= 13

    def test_writes_an_access_event(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)
        client.get(page_url(enrollment))
        event = AccessEvent.objects.get()
        assert (event.user, event.patient_id, event.enrollment_id, event.object_type, event.object_id) == (
            care_manager,
            enrollment.patient_id,
            enrollment.pk,
            "assessment",
            enrollment.pk,
        )
        assert event.route == page_url(enrollment)

    def test_query_count_is_the_same_with_none_and_all_fourteen_domains(
        self, client, care_manager, enrollment, django_assert_num_queries
    ) -> None:
        client.force_login(care_manager)
        client.get(page_url(enrollment))  # the first request also reads the program's time zone
        # session, user, patient, enrolment, plan, may-edit (2), Part 2 check, domains, goals and steps
        # from them, open goals, care team, supports, access event (3 with its savepoint),
        # session save (3)
        with django_assert_num_queries(20):
            client.get(page_url(enrollment))
        for domain in AssessmentDomainKind.values:
            entry = record(enrollment, care_manager, domain)
        assessment_need_to_goal(entry=entry, acting_user=care_manager, patient_words="Feel safe at home")
        CommunitySupportFactory(patient=enrollment.patient)
        with django_assert_num_queries(20):
            response = client.get(page_url(enrollment))
        assert "14 of 14 parts talked about" in response.content.decode()


class TestRecordingADomain:
    def test_htmx_post_stores_it_and_answers_with_the_panel_and_the_progress(
        self, client, care_manager, enrollment
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing"),
            {
                "summary": "Synthetic: sleeping on a friend's sofa",
                "need_level": "some",
                "assessed_on": enrollment.program.today().isoformat(),
            },
            headers=HTMX,
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "Housing: saved." in page
        assert "Synthetic: sleeping on a friend&#x27;s sofa" in page
        assert 'id="assessment-progress" class="assessment-progress" hx-swap-oob="true"' in page
        assert "1 of 14 parts talked about" in page
        entry = AssessmentDomain.objects.get()
        assert (entry.enrollment, entry.domain, entry.need_level, entry.assessed_by, entry.is_part2) == (
            enrollment,
            "housing",
            "some",
            care_manager,
            False,
        )
        assert AccessEvent.objects.filter(object_type="assessment").count() == 1

    def test_a_second_post_updates_the_same_domain(self, client, care_manager, enrollment) -> None:
        record(enrollment, care_manager, "food", "Synthetic: eats once a day", "urgent")
        client.force_login(care_manager)
        yesterday = enrollment.program.today() - datetime.timedelta(days=1)
        Enrollment.objects.filter(pk=enrollment.pk).update(referred_on=yesterday, enrolled_on=yesterday)
        response = client.post(
            domain_url(enrollment, "food"),
            {
                "summary": "Synthetic: food bank on Tuesdays now",
                "need_level": "none",
                "assessed_on": yesterday,
            },
            headers=HTMX,
        )
        assert response.status_code == 200
        entry = AssessmentDomain.objects.get()
        assert (entry.summary, entry.need_level, entry.assessed_on) == (
            "Synthetic: food bank on Tuesdays now",
            "none",
            yesterday,
        )
        assert "Synthetic: food bank on Tuesdays now" in response.content.decode()

    def test_without_htmx_it_redirects_to_the_domain_with_a_message(
        self, client, care_manager, enrollment
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "transport"),
            {"summary": "Synthetic: no car, bus pass", "assessed_on": enrollment.program.today().isoformat()},
        )
        assert response.status_code == 302
        assert response["Location"] == f"{page_url(enrollment)}#domain-transport"
        page = client.get(response["Location"]).content.decode()
        assert "Transport: saved." in page
        assert "Synthetic: no car, bus pass" in page

    @pytest.mark.parametrize("htmx", [True, False])
    def test_an_empty_summary_is_refused_with_a_message_and_nothing_stored(
        self, client, care_manager, enrollment, htmx
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing"),
            {"summary": "  ", "need_level": "urgent", "assessed_on": enrollment.program.today().isoformat()},
            headers=HTMX if htmx else {},
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Write what the person told you, in a few words." in page
        assert ('id="domain-housing" open' in page) is True
        assert ("<h1>Assessment</h1>" in page) is not htmx
        assert AssessmentDomain.objects.exists() is False

    def test_a_day_in_the_future_is_refused(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)
        tomorrow = enrollment.program.today() + datetime.timedelta(days=1)
        response = client.post(
            domain_url(enrollment, "legal"),
            {"summary": "Synthetic: court date next month", "assessed_on": tomorrow.isoformat()},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "The day is in the future. Enter the day you talked about it." in response.content.decode()
        assert AssessmentDomain.objects.exists() is False

    def test_an_unknown_domain_is_not_found(self, client, care_manager, enrollment) -> None:
        client.force_login(care_manager)
        response = client.post(domain_url(enrollment, "astrology"), {"summary": "x"})
        assert response.status_code == 404
        assert AssessmentDomain.objects.exists() is False


class TestNeedToGoal:
    def test_one_action_starts_the_plan_and_adds_the_goal_in_the_patients_words(
        self, client, care_manager, enrollment
    ) -> None:
        entry = record(enrollment, care_manager, "housing", "Synthetic: sofa surfing")
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing", "goal"),
            {"patient_words": "I want my own front door", "life_domain": "housing", "why_it_matters": ""},
            headers=HTMX,
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "as a goal: “I want my own front door”" in page
        assert "Goal: <q>I want my own front door</q>" in page
        goal = Goal.objects.get()
        assert (goal.patient_words, goal.from_assessment, goal.life_domain) == (
            "I want my own front door",
            entry,
            "housing",
        )
        assert goal.care_plan == CarePlan.objects.get(enrollment=enrollment, status="active")

    def test_adds_to_the_plan_already_there(self, client, care_manager, enrollment) -> None:
        first = record(enrollment, care_manager, "food")
        assessment_need_to_goal(entry=first, acting_user=care_manager, patient_words="Cook for my kids")
        record(enrollment, care_manager, "income_benefits")
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "income_benefits", "goal"),
            {"patient_words": "Get my disability benefits back", "life_domain": "money"},
        )
        assert response.status_code == 302
        assert CarePlan.objects.count() == 1
        assert list(Goal.objects.values_list("patient_words", "priority")) == [
            ("Cook for my kids", 1),
            ("Get my disability benefits back", 2),
        ]

    def test_a_domain_not_yet_talked_about_gets_a_clear_message(
        self, client, care_manager, enrollment
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing", "goal"),
            {"patient_words": "I want my own front door", "life_domain": "housing"},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "said about housing first, then turn the need into a goal" in response.content.decode()
        assert (Goal.objects.exists(), CarePlan.objects.exists()) == (False, False)

    def test_the_goal_needs_the_patients_words(self, client, care_manager, enrollment) -> None:
        record(enrollment, care_manager, "housing")
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing", "goal"),
            {"patient_words": "", "life_domain": "housing"},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "Write the goal in the person&#x27;s own words." in response.content.decode()
        assert (Goal.objects.exists(), CarePlan.objects.exists()) == (False, False)


class TestNeedToStep:
    @pytest.fixture
    def goal(self, care_manager, enrollment) -> Goal:
        entry = record(enrollment, care_manager, "housing")
        return assessment_need_to_goal(
            entry=entry, acting_user=care_manager, patient_words="A place of my own"
        )

    def test_a_step_toward_an_open_goal_done_by_a_community_support(
        self, client, care_manager, enrollment, goal
    ) -> None:
        entry = record(enrollment, care_manager, "transport", "Synthetic: cannot get to viewings")
        support = CommunitySupportFactory(patient=enrollment.patient, name="Test Sister Rowan")
        due = enrollment.program.today() + datetime.timedelta(days=7)
        client.force_login(care_manager)
        page = client.get(page_url(enrollment)).content.decode()
        assert "Test Sister Rowan (Family)" in page
        response = client.post(
            domain_url(enrollment, "transport", "step"),
            {
                "goal": goal.pk,
                "description": "Drive to the flat viewing on Friday",
                "who": f"support:{support.pk}",
                "due_on": due.isoformat(),
            },
            headers=HTMX,
        )
        assert response.status_code == 200
        assert "Step: Drive to the flat viewing on Friday" in response.content.decode()
        step = Step.objects.get()
        assert (step.goal, step.from_assessment, step.owner, step.owner_support, step.due_on) == (
            goal,
            entry,
            StepOwner.COMMUNITY_SUPPORT,
            support,
            due,
        )

    def test_a_step_done_by_a_care_team_member(self, client, care_manager, enrollment, goal) -> None:
        member = CareTeamMemberFactory(enrollment=enrollment, user=None, name="Test Dr Quill", role="pcp")
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing", "step"),
            {"goal": goal.pk, "description": "Write a housing support letter", "who": f"member:{member.pk}"},
        )
        assert response.status_code == 302
        step = Step.objects.get()
        assert (step.owner, step.owner_team_member, step.due_on) == (StepOwner.TEAM_MEMBER, member, None)

    def test_a_step_needs_a_goal_and_a_description(self, client, care_manager, enrollment, goal) -> None:
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing", "step"),
            {"goal": "", "description": "", "who": "patient"},
            headers=HTMX,
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Choose the goal this step is toward." in page
        assert "Say what the step is." in page
        assert Step.objects.exists() is False

    def test_a_goal_of_another_plan_is_refused(
        self, client, care_manager, enrollment, make_enrollment, goal
    ) -> None:
        other = make_enrollment(care_manager=care_manager)
        other_goal = assessment_need_to_goal(
            entry=record(other, care_manager, "food"), acting_user=care_manager, patient_words="Eat well"
        )
        client.force_login(care_manager)
        response = client.post(
            domain_url(enrollment, "housing", "step"),
            {"goal": other_goal.pk, "description": "Call the food bank", "who": "patient"},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert Step.objects.exists() is False

    def test_a_past_due_date_is_refused(self, client, care_manager, enrollment, goal) -> None:
        client.force_login(care_manager)
        yesterday = enrollment.program.today() - datetime.timedelta(days=1)
        response = client.post(
            domain_url(enrollment, "housing", "step"),
            {"goal": goal.pk, "description": "Call the council", "who": "patient", "due_on": yesterday},
            headers=HTMX,
        )
        assert response.status_code == 422
        assert "The step is due before today." in response.content.decode()
        assert Step.objects.exists() is False


class TestSubstanceUseIsPart2:
    def test_only_the_care_team_sees_what_was_written(
        self, client, care_manager, care_manager_same_team, enrollment
    ) -> None:
        entry = record(enrollment, care_manager, "substance_use", SUBSTANCE_USE_WORDS, "urgent")
        assert entry.is_part2 is True
        client.force_login(care_manager_same_team)
        response = client.get(page_url(enrollment))
        assert response.status_code == 200
        page = response.content.decode()
        assert "drinks most nights" not in page
        assert "Recorded. Shown to the care team only." in page
        assert "1 of 14 parts talked about" in page
        client.force_login(care_manager)
        page = client.get(page_url(enrollment)).content.decode()
        assert SUBSTANCE_USE_WORDS in page
        assert "Recorded. Shown to the care team only." not in page

    def test_a_goal_from_substance_use_is_not_linked_for_others(self, care_manager, enrollment) -> None:
        entry = record(enrollment, care_manager, "substance_use", SUBSTANCE_USE_WORDS)
        assessment_need_to_goal(entry=entry, acting_user=care_manager, patient_words="Sleep without a drink")
        withheld = assessment_of(enrollment=enrollment, shows_part2=False).part("substance_use")
        shown = assessment_of(enrollment=enrollment, shows_part2=True).part("substance_use")
        assert (withheld.summary, withheld.need_level, withheld.goals, withheld.is_withheld) == (
            "",
            "",
            (),
            True,
        )
        assert (shown.summary, shown.goals) == (SUBSTANCE_USE_WORDS, ("Sleep without a drink",))

    def test_someone_off_the_care_team_may_not_write_it(self, client, supervisor, enrollment) -> None:
        client.force_login(supervisor)
        response = client.post(
            domain_url(enrollment, "substance_use"),
            {"summary": "Synthetic", "assessed_on": enrollment.program.today().isoformat()},
        )
        assert response.status_code == 403
        assert AssessmentDomain.objects.exists() is False
        # Other domains they may change.
        response = client.post(
            domain_url(enrollment, "housing"),
            {"summary": "Synthetic: stable", "assessed_on": enrollment.program.today().isoformat()},
        )
        assert response.status_code == 302


class TestWhoMay:
    def test_another_team_gets_404_on_every_url(
        self, client, care_manager, care_manager_other_team, enrollment
    ) -> None:
        record(enrollment, care_manager, "housing")
        client.force_login(care_manager_other_team)
        assert client.get(page_url(enrollment)).status_code == 404
        for action in ("", "goal", "step"):
            response = client.post(domain_url(enrollment, "housing", action), {"summary": "x"})
            assert response.status_code == 404
        assert AccessEvent.objects.exists() is False
        assert (AssessmentDomain.objects.count(), Goal.objects.exists()) == (1, False)

    def test_a_read_only_user_reads_the_page_without_forms_and_gets_403_on_changes(
        self, client, care_manager, program_lead, enrollment
    ) -> None:
        record(enrollment, care_manager, "housing", "Synthetic: shelter bed")
        client.force_login(program_lead)
        response = client.get(page_url(enrollment))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Synthetic: shelter bed" in page
        assert '<form method="post" action="/patients' not in page
        posts = {
            "": {"summary": "Changed", "assessed_on": enrollment.program.today().isoformat()},
            "goal": {"patient_words": "Somewhere to live", "life_domain": "housing"},
            "step": {"description": "Call", "who": "patient"},
        }
        for action, data in posts.items():
            assert client.post(domain_url(enrollment, "housing", action), data).status_code == 403
        assert AssessmentDomain.objects.get().summary == "Synthetic: shelter bed"
        assert (Goal.objects.exists(), Step.objects.exists(), CarePlan.objects.exists()) == (
            False,
            False,
            False,
        )

    def test_a_closed_episode_is_read_only(self, client, care_manager, make_enrollment) -> None:
        graduated = make_enrollment(status=EnrollmentStatus.GRADUATED, care_manager=care_manager)
        client.force_login(care_manager)
        assert client.get(page_url(graduated)).status_code == 200
        response = client.post(
            domain_url(graduated, "housing"),
            {"summary": "x", "assessed_on": program_today().isoformat()},
        )
        assert response.status_code == 403


class TestStartOfTheWindow:
    def test_enrolment_day_first_then_first_reached_then_referral(
        self, care_manager, make_enrollment
    ) -> None:
        outreach = make_enrollment(status=EnrollmentStatus.OUTREACH, care_manager=care_manager)
        assert outreach.enrolled_on is None
        assert assessment_started_on(enrollment=outreach) == outreach.referred_on
        # 02:30 UTC is still the evening before in New York, the program's time zone.
        reached = datetime.datetime(2026, 3, 10, 2, 30, tzinfo=datetime.UTC)
        Enrollment.objects.filter(pk=outreach.pk).update(
            first_reached_at=reached, referred_on=datetime.date(2026, 3, 1)
        )
        outreach.refresh_from_db()
        assert outreach.program.time_zone == "America/New_York"
        assert assessment_started_on(enrollment=outreach) == datetime.date(2026, 3, 9)
        Enrollment.objects.filter(pk=outreach.pk).update(enrolled_on=datetime.date(2026, 3, 12))
        outreach.refresh_from_db()
        assert assessment_started_on(enrollment=outreach) == datetime.date(2026, 3, 12)
