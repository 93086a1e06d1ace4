"""Graduation pages: the record's card, the workflow, the handoff summary and certificate (HTML and PDF), the
check-ins after graduation and re-enrolling, with who may see and do what, and the access log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from careplans.models import AssessmentDomain, AssessmentDomainKind, GoalStatus, StepOwner
from caseloads.graduation_services import follow_up_record, graduation_record
from caseloads.models import (
    DecisionKind,
    FollowUpCheckIn,
    FollowUpOutcome,
    Graduation,
    SupervisionDecision,
    SupervisionSession,
)
from patients.models import AccessAction, AccessEvent, Enrollment, EnrollmentStatus
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.patients.factories import CareTeamMemberFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
CRITERIA = [
    {"label": "Enrolled at least 6 months", "met": True, "detail": "Enrolled on 1 March 2025."},
    {"label": "Confidence 7 or more at the last check-in", "met": False, "detail": "Last rated 5."},
]
PCP = "Dr Rowan Test, Test Family Clinic, 555-0100"


def url(name: str, enrollment, *args) -> str:
    return reverse(f"caseloads:{name}", args=[enrollment.patient_id, *args])


def record(enrollment) -> str:
    return reverse("caseloads:patient-record", args=[enrollment.patient_id])


@pytest.fixture
def ready(enrollment, care_manager) -> Enrollment:
    """The enrolment with its readiness worked out, a phone for its care manager, and a plan."""
    CaseloadStatusFactory(enrollment=enrollment, graduation_criteria=CRITERIA, care_manager=care_manager)
    care_manager.phone = "555-0199"
    care_manager.save(update_fields=["phone"])
    today = enrollment.program.today()
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    GoalFactory(
        care_plan=plan, patient_words="Sleep in my own bed", status=GoalStatus.ACHIEVED, achieved_on=today
    )
    part2 = AssessmentDomain.objects.create(
        enrollment=enrollment,
        domain=AssessmentDomainKind.SUBSTANCE_USE,
        is_part2=True,
        assessed_on=today,
        assessed_by=care_manager,
    )
    GoalFactory(
        care_plan=plan,
        patient_words="Cut down on drinking",
        status=GoalStatus.ACHIEVED,
        achieved_on=today,
        from_assessment=part2,
    )
    goal = GoalFactory(care_plan=plan, patient_words="Walk with my sister", status=GoalStatus.ACTIVE)
    StepFactory(goal=goal, description="Buy walking shoes")
    return enrollment


def form_data(enrollment, **overrides) -> dict[str, object]:
    today = enrollment.program.today().isoformat()
    data: dict[str, object] = {
        "graduation-reviewed_criteria": [item["label"] for item in CRITERIA],
        "graduation-unmet_criteria_reason": "Confidence is growing; she wants to try.",
        "graduation-patient_agreed_on": today,
        "graduation-graduated_on": today,
        "graduation-primary_care_contact": PCP,
        "graduation-next_primary_care_visit_on": "",
        "graduation-handoff_summary": "Doing well at home.",
    }
    return data | overrides


@pytest.fixture
def graduated(ready, care_manager) -> Graduation:
    today = ready.program.today()
    return graduation_record(
        enrollment=ready,
        acting_user=care_manager,
        graduated_on=today,
        patient_agreed_on=today,
        reviewed_criteria=[item["label"] for item in CRITERIA],
        primary_care_contact=PCP,
        next_primary_care_visit_on=today + 14 * DAY,
        unmet_criteria_reason="She is ready.",
    )


class TestCard:
    def test_in_care_the_team_is_offered_the_workflow(self, client, ready, care_manager) -> None:
        client.force_login(care_manager)
        page = client.get(record(ready)).content.decode()
        assert 'id="graduation"' in page
        assert "Not every graduation criterion is met yet." in page
        assert "Confidence 7 or more at the last check-in" in page
        assert "Prepare graduation" in page
        assert url("graduation", ready) in page

    def test_a_colleague_who_only_reads_sees_readiness_without_preparing(
        self, client, ready, care_manager_same_team
    ) -> None:
        client.force_login(care_manager_same_team)
        page = client.get(record(ready)).content.decode()
        assert "Graduation readiness" in page
        assert "Prepare graduation" not in page

    def test_shows_the_supervisors_request(self, client, ready, care_manager, supervisor) -> None:
        session = SupervisionSession.objects.create(
            supervisor=supervisor, care_manager=care_manager, held_on=datetime.date(2026, 3, 2)
        )
        SupervisionDecision.objects.create(
            session=session,
            enrollment=ready,
            kind=DecisionKind.PREPARE_GRADUATION,
            detail="Ask her how she feels about it.",
            applied_at=timezone.now(),
        )
        client.force_login(care_manager)
        page = client.get(record(ready)).content.decode()
        assert (
            "Your supervisor asked you to prepare graduation on 2 Mar 2026: Ask her how she feels about it."
            in page
        )
        client.force_login(supervisor)
        page = client.get(record(ready)).content.decode()
        assert f"{supervisor} asked {care_manager} to prepare graduation on 2 Mar 2026" in page
        graduation_page = client.get(url("graduation", ready)).content.decode()
        assert graduation_page.count("to prepare graduation on 2 Mar 2026") == 1

    def test_graduated_shows_check_ins_papers_and_re_enrol_for_the_team(
        self, client, graduated, care_manager, care_manager_same_team
    ) -> None:
        enrollment = graduated.enrollment
        client.force_login(care_manager)
        page = client.get(record(enrollment)).content.decode()
        assert "Graduated</span> on" in page
        assert url("graduation-handoff", enrollment) in page
        assert url("graduation-certificate", enrollment) in page
        for follow_up in graduated.follow_ups.all():
            assert url("graduation-follow-up", enrollment, follow_up.pk) in page
        assert url("re-enrol", enrollment) in page

        client.force_login(care_manager_same_team)
        page = client.get(record(enrollment)).content.decode()
        assert url("graduation-handoff", enrollment) in page
        assert url("re-enrol", enrollment) not in page
        assert "Record check-in" not in page

    def test_needs_support_prompts_re_enrolment(self, client, graduated, care_manager) -> None:
        follow_up = graduated.follow_ups.get(days_after=30)
        follow_up_record(
            follow_up=follow_up,
            acting_user=care_manager,
            completed_on=graduated.graduated_on,
            outcome=FollowUpOutcome.NEEDS_SUPPORT,
            note="Lost her job.",
        )
        client.force_login(care_manager)
        page = client.get(record(graduated.enrollment)).content.decode()
        assert "Needs some support</strong> at the 30-day check-in" in page
        assert "Lost her job." in page
        assert '<details class="edit-inline graduation-re-enrol" open>' in page


class TestWorkflow:
    def test_shows_each_criterion_with_a_box_and_the_suggested_contact(
        self, client, ready, care_manager
    ) -> None:
        CareTeamMemberFactory(
            enrollment=ready,
            user=None,
            role="pcp",
            name="Dr Ada Test",
            organization="Test Clinic",
            phone="555-0111",
        )
        client.force_login(care_manager)
        response = client.get(url("graduation", ready))
        page = response.content.decode()
        assert response.status_code == 200
        assert page.count('name="graduation-reviewed_criteria"') == 2
        assert "Reviewed with" in page
        assert "Last rated 5." in page
        assert "Why graduate now" in page
        assert 'value="Dr Ada Test, Test Clinic, 555-0111"' in page

    def test_records_the_graduation_in_one_post(self, client, ready, care_manager) -> None:
        client.force_login(care_manager)
        response = client.post(url("graduation", ready), form_data(ready))
        assert response.status_code == 302
        graduation = Graduation.objects.get(enrollment=ready)
        assert graduation.primary_care_contact == PCP
        assert graduation.follow_ups.count() == 3
        ready.refresh_from_db()
        assert ready.status == EnrollmentStatus.GRADUATED
        page = client.get(response["Location"]).content.decode()
        assert "Graduated on" in page
        assert url("graduation-handoff-pdf", ready) in page
        assert url("graduation-certificate-pdf", ready) in page
        assert "Confidence is growing; she wants to try." in page

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"graduation-reviewed_criteria": ["Enrolled at least 6 months"]}, "Not ticked"),
            ({"graduation-unmet_criteria_reason": ""}, "Say why the team decides to graduate now."),
            ({"graduation-graduated_on": "2999-01-01"}, "in the future"),
            ({"graduation-primary_care_contact": ""}, "This field is required"),
            ({"graduation-graduated_on": "not a date"}, "Enter a valid date"),
        ],
    )
    def test_bad_input_answers_422_and_stores_nothing(
        self, client, ready, care_manager, overrides, message
    ) -> None:
        client.force_login(care_manager)
        response = client.post(url("graduation", ready), form_data(ready, **overrides))
        assert response.status_code == 422
        assert message in response.content.decode()
        assert "Nothing was saved." in response.content.decode()
        assert Graduation.objects.exists() is False
        ready.refresh_from_db()
        assert ready.status == EnrollmentStatus.ACTIVE

    def test_outreach_is_refused_with_a_message(self, client, make_enrollment, care_manager) -> None:
        enrollment = make_enrollment(status=EnrollmentStatus.OUTREACH, care_manager=care_manager)
        client.force_login(care_manager)
        page = client.get(url("graduation", enrollment)).content.decode()
        assert "Graduation comes after active care" in page
        response = client.post(url("graduation", enrollment), form_data(enrollment))
        assert response.status_code == 422
        assert "Someone in outreach cannot graduate" in response.content.decode()
        assert Graduation.objects.exists() is False

    def test_who_may_see_and_record(
        self, client, ready, care_manager_same_team, care_manager_other_team, supervisor, program_lead
    ) -> None:
        client.force_login(care_manager_same_team)
        response = client.get(url("graduation", ready))
        assert response.status_code == 200
        assert 'name="graduation-reviewed_criteria"' not in response.content.decode()
        assert client.post(url("graduation", ready), form_data(ready)).status_code == 403
        client.force_login(program_lead)
        assert client.post(url("graduation", ready), form_data(ready)).status_code == 403
        client.force_login(care_manager_other_team)
        assert client.get(url("graduation", ready)).status_code == 404
        assert client.post(url("graduation", ready), form_data(ready)).status_code == 404
        assert Graduation.objects.exists() is False
        client.force_login(supervisor)
        assert client.post(url("graduation", ready), form_data(ready)).status_code == 302
        assert Graduation.objects.get().prepared_by == supervisor

    def test_the_page_takes_the_same_queries_however_many_goals(
        self, client, ready, care_manager, django_assert_num_queries
    ) -> None:
        client.force_login(care_manager)
        client.get(url("graduation", ready))  # the first request reads the program's time zone
        # session, user, patient, enrolment, plan, may-edit (2), Part 2 check, the episode with its
        # caseload row, graduation and the supervisor's request, primary care provider, access event (3 with
        # its savepoint), session save (3)
        with django_assert_num_queries(16):
            client.get(url("graduation", ready))
        plan = ready.care_plans.get()
        for number in range(9):
            GoalFactory(care_plan=plan, patient_words=f"Goal {number}", status=GoalStatus.ACTIVE)
        with django_assert_num_queries(16):
            client.get(url("graduation", ready))


class TestPapers:
    def test_before_graduation_both_are_drafts(self, client, ready, care_manager) -> None:
        client.force_login(care_manager)
        for name in ("graduation-handoff", "graduation-certificate"):
            response = client.get(url(name, ready))
            assert response.status_code == 200
            assert "Draft: not graduated yet" in response.content.decode()

    def test_the_handoff_has_goals_achieved_the_plan_and_who_to_call_but_no_substance_use(
        self, client, graduated, care_manager
    ) -> None:
        enrollment = graduated.enrollment
        client.force_login(care_manager)
        page = client.get(url("graduation-handoff", enrollment)).content.decode()
        assert "Draft" not in page
        assert "Sleep in my own bed" in page
        assert "Walk with my sister" in page
        assert "Buy walking shoes" in page
        assert PCP in page
        assert str(care_manager) in page
        assert "555-0199" in page
        assert enrollment.patient.date_of_birth.strftime("%-d %b %Y") in page
        assert (graduated.graduated_on + 30 * DAY).strftime("%-d %b %Y") in page
        assert "Cut down on drinking" not in page
        assert "42 CFR Part 2" in page

    def test_the_certificate_congratulates_the_person_in_their_words(
        self, client, graduated, care_manager
    ) -> None:
        enrollment = graduated.enrollment
        patient = enrollment.patient
        patient.preferred_name = "Dee"
        patient.save(update_fields=["preferred_name"])
        client.force_login(care_manager)
        page = client.get(url("graduation-certificate", enrollment)).content.decode()
        assert "Congratulations, Dee!" in page
        assert "Sleep in my own bed" in page
        assert "Cut down on drinking" in page  # their own paper, in their own words
        assert PCP in page
        assert "555-0199" in page
        assert patient.legal_last_name not in page.split('class="graduation-paper certificate"')[1]

    @pytest.mark.parametrize(
        ("name", "filename"),
        [
            ("graduation-handoff-pdf", "handoff-summary.pdf"),
            ("graduation-certificate-pdf", "graduation-certificate.pdf"),
        ],
    )
    def test_the_pdfs_are_pdf_downloads(self, client, graduated, care_manager, name, filename) -> None:
        client.force_login(care_manager)
        response = client.get(url(name, graduated.enrollment))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert response.content.startswith(b"%PDF")

    def test_every_view_and_export_is_logged(self, client, graduated, care_manager) -> None:
        enrollment = graduated.enrollment
        client.force_login(care_manager)
        for name in (
            "graduation-handoff",
            "graduation-handoff-pdf",
            "graduation-certificate",
            "graduation-certificate-pdf",
        ):
            client.get(url(name, enrollment))
        events = AccessEvent.objects.filter(object_type__startswith="graduation_").order_by(
            "occurred_at", "pk"
        )
        assert [(event.action, event.object_type, event.route) for event in events] == [
            (AccessAction.VIEW, "graduation_handoff", url("graduation-handoff", enrollment)),
            (AccessAction.EXPORT, "graduation_handoff", url("graduation-handoff-pdf", enrollment)),
            (AccessAction.VIEW, "graduation_certificate", url("graduation-certificate", enrollment)),
            (AccessAction.EXPORT, "graduation_certificate", url("graduation-certificate-pdf", enrollment)),
        ]
        assert {(event.user, event.patient, event.enrollment) for event in events} == {
            (care_manager, enrollment.patient, enrollment)
        }

    def test_another_team_gets_not_found_and_nothing_is_logged(
        self, client, graduated, care_manager_other_team
    ) -> None:
        client.force_login(care_manager_other_team)
        for name in (
            "graduation-handoff",
            "graduation-handoff-pdf",
            "graduation-certificate",
            "graduation-certificate-pdf",
        ):
            assert client.get(url(name, graduated.enrollment)).status_code == 404
        assert AccessEvent.objects.filter(user=care_manager_other_team).exists() is False

    def test_the_handoff_takes_the_same_queries_however_many_goals(
        self, client, graduated, care_manager, django_assert_num_queries
    ) -> None:
        enrollment = graduated.enrollment
        client.force_login(care_manager)
        client.get(url("graduation-handoff", enrollment))  # the first request reads the program's time zone
        # session, user, patient, enrolment, plan, Part 2 check (a graduate's record cannot be changed, so no
        # may-edit check), graduation, its check-ins, goals, their steps, Part 2 assessment, last primary
        # care manager, access event (3 with its savepoint), session save (3)
        with django_assert_num_queries(18):
            client.get(url("graduation-handoff", enrollment))
        plan = enrollment.care_plans.get()
        for number in range(9):
            goal = GoalFactory(care_plan=plan, patient_words=f"Goal {number}", status=GoalStatus.ACTIVE)
            StepFactory(
                goal=goal,
                description="Call",
                owner=StepOwner.TEAM_MEMBER,
                owner_team_member=CareTeamMemberFactory(
                    enrollment=enrollment, ended_on=graduated.graduated_on
                ),
            )
        with django_assert_num_queries(18):
            response = client.get(url("graduation-handoff", enrollment))
        assert "Goal 8" in response.content.decode()


class TestFollowUp:
    def test_the_team_records_a_check_in(self, client, graduated, care_manager) -> None:
        follow_up = graduated.follow_ups.get(days_after=30)
        client.force_login(care_manager)
        page_url = url("graduation-follow-up", graduated.enrollment, follow_up.pk)
        assert 'name="follow-up-outcome"' in client.get(page_url).content.decode()

        response = client.post(
            page_url,
            {
                "follow-up-completed_on": graduated.graduated_on.isoformat(),
                "follow-up-outcome": FollowUpOutcome.DOING_WELL,
                "follow-up-note": "Back at work.",
            },
        )

        assert response.status_code == 302
        follow_up.refresh_from_db()
        assert (follow_up.outcome, follow_up.note, follow_up.completed_by) == (
            FollowUpOutcome.DOING_WELL,
            "Back at work.",
            care_manager,
        )
        assert AccessEvent.objects.filter(object_type="follow_up_check_in", object_id=follow_up.pk).exists()

    def test_bad_input_answers_422_and_stores_nothing(self, client, graduated, care_manager) -> None:
        follow_up = graduated.follow_ups.get(days_after=30)
        client.force_login(care_manager)
        page_url = url("graduation-follow-up", graduated.enrollment, follow_up.pk)
        response = client.post(
            page_url,
            {
                "follow-up-completed_on": graduated.graduated_on.isoformat(),
                "follow-up-outcome": FollowUpOutcome.NEEDS_SUPPORT,
                "follow-up-note": "",
            },
        )
        assert response.status_code == 422
        assert "Say what support the person needs" in response.content.decode()
        assert client.post(page_url, {}).status_code == 422
        assert FollowUpCheckIn.objects.filter(completed_on__isnull=False).exists() is False

    def test_who_may_record(
        self,
        client,
        graduated,
        care_manager,
        care_manager_same_team,
        care_manager_other_team,
        make_enrollment,
    ) -> None:
        follow_up = graduated.follow_ups.get(days_after=30)
        page_url = url("graduation-follow-up", graduated.enrollment, follow_up.pk)
        data = {
            "follow-up-completed_on": graduated.graduated_on.isoformat(),
            "follow-up-outcome": FollowUpOutcome.NOT_REACHED,
        }
        client.force_login(care_manager_same_team)
        assert client.get(page_url).status_code == 200
        assert client.post(page_url, data).status_code == 403
        client.force_login(care_manager_other_team)
        assert client.post(page_url, data).status_code == 404
        client.force_login(care_manager)
        someone_else = make_enrollment(care_manager=care_manager)
        assert client.get(url("graduation-follow-up", someone_else, follow_up.pk)).status_code == 404
        assert FollowUpCheckIn.objects.filter(completed_on__isnull=False).exists() is False


class TestReEnrol:
    def test_one_post_opens_a_linked_episode_shown_on_the_record(
        self, client, graduated, care_manager
    ) -> None:
        enrollment = graduated.enrollment
        client.force_login(care_manager)

        response = client.post(
            url("re-enrol", enrollment), {"re-enrol-reason": "Lost her job.", "re-enrol-source": "self"}
        )

        assert response.status_code == 302
        returning = Enrollment.objects.exclude(pk=enrollment.pk).get(patient=enrollment.patient)
        assert returning.previous_enrollment_id == enrollment.pk
        assert returning.status == EnrollmentStatus.OUTREACH
        page = client.get(response["Location"]).content.decode()
        assert "is back in the program: a new episode in outreach with" in page
        assert "Back after graduating on" in page
        assert client.get(record(enrollment)).context["record"].enrollment == returning

    def test_bad_input_and_non_graduates_answer_422_and_store_nothing(
        self, client, graduated, enrollment, care_manager, make_enrollment
    ) -> None:
        client.force_login(care_manager)
        response = client.post(
            url("re-enrol", graduated.enrollment), {"re-enrol-reason": "", "re-enrol-source": "self"}
        )
        assert response.status_code == 422
        active = make_enrollment(care_manager=care_manager)
        response = client.post(url("re-enrol", active), {"re-enrol-reason": "x", "re-enrol-source": "self"})
        assert response.status_code == 422
        assert "Only someone who graduated" in response.content.decode()
        assert Enrollment.objects.filter(previous_enrollment__isnull=False).exists() is False

    def test_who_may_re_enrol(
        self, client, graduated, care_manager_same_team, care_manager_other_team, program_admin
    ) -> None:
        data = {"re-enrol-reason": "Asked to come back.", "re-enrol-source": "primary_care"}
        client.force_login(care_manager_same_team)
        assert client.post(url("re-enrol", graduated.enrollment), data).status_code == 403
        client.force_login(care_manager_other_team)
        assert client.post(url("re-enrol", graduated.enrollment), data).status_code == 404
        assert Enrollment.objects.filter(previous_enrollment__isnull=False).exists() is False
        client.force_login(program_admin)
        assert client.post(url("re-enrol", graduated.enrollment), data).status_code == 302
        assert Enrollment.objects.filter(previous_enrollment=graduated.enrollment).count() == 1

    def test_a_re_enrolment_waiting_in_the_queue_shows_on_both_sides(
        self, client, graduated, care_manager, supervisor, program_admin
    ) -> None:
        care_manager.is_active = False
        care_manager.save(update_fields=["is_active"])
        client.force_login(program_admin)
        data = {"re-enrol-reason": "Asked to come back.", "re-enrol-source": "self"}
        response = client.post(url("re-enrol", graduated.enrollment), data, follow=True)
        page = response.content.decode()
        assert "the new referral waits in the referral queue" in page
        assert "Back after graduating on" in page  # the admin sees the new episode
        client.force_login(supervisor)  # the new episode has no team yet, so the supervisor sees the old one
        page = client.get(record(graduated.enrollment)).content.decode()
        assert "Re-enrolled on" in page
        assert url("re-enrol", graduated.enrollment) not in page
