"""Graduation services and reads: recording a graduation, the check-ins after it, re-enrolling a graduate,
and the check-ins due on My caseload."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import Role
from careplans.models import AssessmentDomain, AssessmentDomainKind, GoalStatus, LifeDomain
from caseloads.graduation import (
    can_follow_up_graduate,
    follow_ups_due_for,
    graduation_card_of,
    graduation_document_of,
)
from caseloads.graduation_services import follow_up_record, graduate_re_enrol, graduation_record
from caseloads.models import (
    DecisionKind,
    FollowUpCheckIn,
    FollowUpOutcome,
    Graduation,
    SupervisionDecision,
    SupervisionSession,
)
from caseloads.pages import patient_in_care_for
from patients.models import CareTeamRole, Enrollment, EnrollmentStatus, Referral, ReferralSource
from tests.accounts.factories import TeamMembershipFactory
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.patients.factories import CareTeamMemberFactory

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
CRITERIA = [
    {"label": "Enrolled at least 6 months", "met": True, "detail": "Enrolled on 1 March 2025."},
    {"label": "Confidence 7 or more at the last check-in", "met": False, "detail": "Last rated 5."},
]
MET = [CRITERIA[0]]


def readiness(enrollment, criteria=None):
    criteria = CRITERIA if criteria is None else criteria
    return CaseloadStatusFactory(
        enrollment=enrollment,
        graduation_criteria=criteria,
        is_graduation_candidate=all(item["met"] for item in criteria),
    )


def graduate(enrollment, acting_user, **overrides) -> Graduation:
    today = enrollment.program.today()
    arguments = {
        "graduated_on": today,
        "patient_agreed_on": today,
        "reviewed_criteria": [item["label"] for item in CRITERIA],
        "primary_care_contact": "Dr Rowan Test, Test Family Clinic, 555-0100",
        "unmet_criteria_reason": "Confidence is growing; she wants to try on her own.",
    }
    return graduation_record(enrollment=enrollment, acting_user=acting_user, **(arguments | overrides))


def nothing_stored(enrollment) -> bool:
    enrollment.refresh_from_db()
    return (
        enrollment.status == EnrollmentStatus.ACTIVE
        and not Graduation.objects.filter(enrollment=enrollment).exists()
        and not FollowUpCheckIn.objects.exists()
        and enrollment.care_team.filter(ended_on__isnull=True).exists()
    )


class TestGraduationRecord:
    def test_stores_the_graduation_closes_the_episode_and_schedules_three_check_ins(
        self, enrollment, care_manager
    ) -> None:
        readiness(enrollment)
        today = enrollment.program.today()

        graduation = graduate(enrollment, care_manager, next_primary_care_visit_on=today + 10 * DAY)

        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.GRADUATED
        assert enrollment.ended_on == today
        assert enrollment.end_reason == "graduated"
        assert graduation.prepared_by == care_manager
        assert graduation.next_primary_care_visit_on == today + 10 * DAY
        assert [(f.days_after, f.due_on) for f in graduation.follow_ups.order_by("days_after")] == [
            (30, today + 30 * DAY),
            (60, today + 60 * DAY),
            (90, today + 90 * DAY),
        ]
        assert graduation.criteria_reviewed == [
            {**CRITERIA[0], "reviewed": True},
            {
                **CRITERIA[1],
                "reviewed": True,
                "team_reason": "Confidence is growing; she wants to try on her own.",
            },
        ]

    def test_ends_the_care_team_on_the_graduation_date(self, enrollment, care_manager) -> None:
        CareTeamMemberFactory(enrollment=enrollment, role=CareTeamRole.NURSE, name="Test Nurse")
        readiness(enrollment)

        graduate(enrollment, care_manager)

        members = list(enrollment.care_team.all())
        assert len(members) == 2
        assert {member.ended_on for member in members} == {enrollment.program.today()}

    def test_all_criteria_met_needs_no_reason(self, enrollment, care_manager) -> None:
        readiness(enrollment, MET)
        graduation = graduate(
            enrollment, care_manager, reviewed_criteria=[MET[0]["label"]], unmet_criteria_reason=""
        )
        assert graduation.criteria_reviewed == [{**MET[0], "reviewed": True}]

    def test_a_maintenance_episode_can_graduate(self, make_enrollment, care_manager) -> None:
        enrollment = make_enrollment(status=EnrollmentStatus.MAINTENANCE, care_manager=care_manager)
        readiness(enrollment)
        graduate(enrollment, care_manager)
        enrollment.refresh_from_db()
        assert enrollment.status == EnrollmentStatus.GRADUATED

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"reviewed_criteria": [CRITERIA[0]["label"]]}, "Not ticked: Confidence 7 or more"),
            ({"unmet_criteria_reason": "  "}, "Some criteria are not met"),
            ({"primary_care_contact": " "}, "Say who to call at primary care"),
            ({"graduated_on": "tomorrow"}, "The graduation date is in the future"),
            (
                {"graduated_on": "yesterday", "patient_agreed_on": "yesterday"},
                "before the person was enrolled",
            ),
            ({"patient_agreed_on": "yesterday"}, "before they were enrolled"),
            ({"patient_agreed_on": "tomorrow"}, "before the day the person agreed"),
            ({"next_primary_care_visit_on": "yesterday"}, "The next primary care visit is before"),
        ],
    )
    def test_refusals_store_nothing(self, enrollment, care_manager, overrides, message) -> None:
        readiness(enrollment)
        today = enrollment.program.today()
        days = {"tomorrow": today + DAY, "yesterday": today - DAY}
        overrides = {
            key: days.get(value, value) if key.endswith("_on") else value for key, value in overrides.items()
        }

        with pytest.raises(DomainError, match=message):
            graduate(enrollment, care_manager, **overrides)

        assert nothing_stored(enrollment)

    def test_without_worked_out_readiness_the_team_gives_its_reason(self, enrollment, care_manager) -> None:
        with pytest.raises(DomainError, match="Readiness has not been worked out"):
            graduate(enrollment, care_manager, reviewed_criteria=[], unmet_criteria_reason="")
        assert nothing_stored(enrollment)

        graduation = graduate(
            enrollment, care_manager, reviewed_criteria=[], unmet_criteria_reason="She is ready."
        )
        assert graduation.criteria_reviewed[0]["team_reason"] == "She is ready."

    def test_outreach_cannot_graduate(self, make_enrollment, care_manager) -> None:
        enrollment = make_enrollment(status=EnrollmentStatus.OUTREACH, care_manager=care_manager)
        with pytest.raises(DomainError, match="Someone in outreach cannot graduate"):
            graduate(enrollment, care_manager, reviewed_criteria=[], unmet_criteria_reason="x")
        assert not Graduation.objects.exists()

    def test_graduating_twice_is_refused(self, enrollment, care_manager) -> None:
        readiness(enrollment)
        graduate(enrollment, care_manager)
        with pytest.raises(DomainError, match="already graduated"):
            graduate(enrollment, care_manager)
        assert FollowUpCheckIn.objects.count() == 3


@pytest.fixture
def graduation(enrollment, care_manager) -> Graduation:
    readiness(enrollment)
    return graduate(enrollment, care_manager)


class TestFollowUpRecord:
    def test_records_the_day_the_outcome_and_who(self, graduation, care_manager) -> None:
        follow_up = graduation.follow_ups.get(days_after=30)
        today = graduation.enrollment.program.today()

        follow_up_record(
            follow_up=follow_up,
            acting_user=care_manager,
            completed_on=today,
            outcome=FollowUpOutcome.DOING_WELL,
            note=" Back at work. ",
        )

        follow_up.refresh_from_db()
        assert (follow_up.completed_on, follow_up.outcome, follow_up.note, follow_up.completed_by) == (
            today,
            FollowUpOutcome.DOING_WELL,
            "Back at work.",
            care_manager,
        )

    @pytest.mark.parametrize(
        ("completed", "outcome", "note", "message"),
        [
            ("tomorrow", FollowUpOutcome.DOING_WELL, "", "in the future"),
            ("yesterday", FollowUpOutcome.DOING_WELL, "", "before the graduation"),
            ("today", "fine", "", "Choose how the person is doing"),
            ("today", FollowUpOutcome.NEEDS_SUPPORT, " ", "Say what support the person needs"),
        ],
    )
    def test_refusals_store_nothing(
        self, graduation, care_manager, completed, outcome, note, message
    ) -> None:
        today = graduation.enrollment.program.today()
        day = {"tomorrow": today + DAY, "yesterday": today - DAY, "today": today}[completed]
        follow_up = graduation.follow_ups.get(days_after=30)

        with pytest.raises(DomainError, match=message):
            follow_up_record(
                follow_up=follow_up, acting_user=care_manager, completed_on=day, outcome=outcome, note=note
            )

        follow_up.refresh_from_db()
        assert (follow_up.completed_on, follow_up.outcome, follow_up.completed_by) == (None, "", None)

    def test_a_recorded_check_in_is_not_recorded_again(self, graduation, care_manager, supervisor) -> None:
        follow_up = graduation.follow_ups.get(days_after=30)
        today = graduation.enrollment.program.today()
        follow_up_record(
            follow_up=follow_up,
            acting_user=care_manager,
            completed_on=today,
            outcome=FollowUpOutcome.DOING_WELL,
        )
        with pytest.raises(DomainError, match="already recorded"):
            follow_up_record(
                follow_up=follow_up,
                acting_user=supervisor,
                completed_on=today,
                outcome=FollowUpOutcome.NOT_REACHED,
            )
        follow_up.refresh_from_db()
        assert follow_up.completed_by == care_manager


class TestWhoFollowsUp:
    def test_the_episode_team_supervisor_and_admin_may_others_not(
        self,
        graduation,
        care_manager,
        care_manager_same_team,
        supervisor,
        program_admin,
        program_lead,
        care_manager_other_team,
        supervisor_other_team,
    ) -> None:
        enrollment = graduation.enrollment
        assert can_follow_up_graduate(care_manager, enrollment) is True
        assert can_follow_up_graduate(supervisor, enrollment) is True
        assert can_follow_up_graduate(program_admin, enrollment) is True
        assert can_follow_up_graduate(care_manager_same_team, enrollment) is False
        assert can_follow_up_graduate(program_lead, enrollment) is False
        assert can_follow_up_graduate(care_manager_other_team, enrollment) is False
        assert can_follow_up_graduate(supervisor_other_team, enrollment) is False

    def test_a_colleague_who_left_the_care_team_before_graduation_may_not(
        self, enrollment, care_manager, care_manager_same_team
    ) -> None:
        member = CareTeamMemberFactory(
            enrollment=enrollment, user=care_manager_same_team, role=CareTeamRole.SOCIAL_WORKER
        )
        Enrollment.objects.filter(pk=enrollment.pk).update(referred_on=enrollment.referred_on - 5 * DAY)
        type(member).objects.filter(pk=member.pk).update(
            started_on=enrollment.referred_on - 5 * DAY, ended_on=enrollment.referred_on - 4 * DAY
        )
        readiness(enrollment)
        graduate(enrollment, care_manager)
        enrollment.refresh_from_db()
        assert can_follow_up_graduate(care_manager_same_team, enrollment) is False


class TestReEnrol:
    def test_opens_a_new_episode_linked_to_the_graduation_back_on_the_caseload(
        self, graduation, care_manager, supervisor
    ) -> None:
        graduated = graduation.enrollment

        returning = graduate_re_enrol(
            enrollment=graduated, acting_user=supervisor, reason="Lost her housing; asked to come back."
        )

        assert returning.previous_enrollment == graduated
        assert returning.patient_id == graduated.patient_id
        assert returning.status == EnrollmentStatus.OUTREACH
        assert returning.team_id == graduated.team_id
        primary = returning.care_team.get(is_primary=True, ended_on__isnull=True)
        assert primary.user == care_manager
        assert "Lost her housing" in primary.transfer_note
        referral = Referral.objects.get(enrollment=returning)
        assert referral.source == ReferralSource.SELF
        assert referral.received_by == supervisor
        assert "Lost her housing; asked to come back." in referral.reason
        graduated.refresh_from_db()
        assert graduated.status == EnrollmentStatus.GRADUATED

    def test_waits_in_the_referral_queue_when_the_care_manager_cannot_take_them_back(
        self, graduation, care_manager, program_admin
    ) -> None:
        care_manager.is_active = False
        care_manager.save(update_fields=["is_active"])

        returning = graduate_re_enrol(
            enrollment=graduation.enrollment,
            acting_user=program_admin,
            reason="Asked to come back.",
            source=ReferralSource.PRIMARY_CARE,
        )

        assert returning.status == EnrollmentStatus.REFERRED
        assert returning.previous_enrollment == graduation.enrollment
        assert not returning.care_team.exists()
        assert Referral.objects.get(enrollment=returning).source == ReferralSource.PRIMARY_CARE

    def test_a_care_manager_in_several_other_teams_leaves_it_to_the_queue(
        self, graduation, care_manager, team_a, team_b, program_admin
    ) -> None:
        from accounts.models import TeamMembership
        from tests.accounts.factories import TeamFactory

        TeamMembership.objects.filter(user=care_manager, team=team_a).delete()
        TeamMembershipFactory(team=team_b, user=care_manager)
        TeamMembershipFactory(team=TeamFactory(program=team_a.program, name="Team C"), user=care_manager)

        returning = graduate_re_enrol(
            enrollment=graduation.enrollment, acting_user=program_admin, reason="Back."
        )

        assert returning.status == EnrollmentStatus.REFERRED

    def test_refusals_store_nothing(self, graduation, enrollment, care_manager) -> None:
        with pytest.raises(DomainError, match="Say why"):
            graduate_re_enrol(enrollment=graduation.enrollment, acting_user=care_manager, reason="  ")
        with pytest.raises(DomainError, match="Choose who asked"):
            graduate_re_enrol(
                enrollment=graduation.enrollment, acting_user=care_manager, reason="x", source="mars"
            )
        assert Enrollment.objects.filter(patient=enrollment.patient).count() == 1

    def test_refuses_while_the_person_has_an_open_episode(self, graduation, care_manager) -> None:
        graduate_re_enrol(enrollment=graduation.enrollment, acting_user=care_manager, reason="Back.")
        with pytest.raises(DomainError, match="already has an open enrolment"):
            graduate_re_enrol(enrollment=graduation.enrollment, acting_user=care_manager, reason="Again.")
        assert Enrollment.objects.filter(patient=graduation.enrollment.patient).count() == 2

    def test_only_a_graduate_is_re_enrolled(self, enrollment, care_manager) -> None:
        with pytest.raises(DomainError, match="Only someone who graduated"):
            graduate_re_enrol(enrollment=enrollment, acting_user=care_manager, reason="x")
        assert Enrollment.objects.filter(patient=enrollment.patient).count() == 1


class TestCard:
    def test_in_care_shows_readiness_and_the_supervisors_request(
        self, enrollment, care_manager, supervisor
    ) -> None:
        readiness(enrollment)
        session = SupervisionSession.objects.create(
            supervisor=supervisor, care_manager=care_manager, held_on=enrollment.program.today()
        )
        SupervisionDecision.objects.create(
            session=session,
            enrollment=enrollment,
            kind=DecisionKind.PREPARE_GRADUATION,
            detail="Talk it through at the next visit.",
            applied_at=timezone.now(),
        )

        card = graduation_card_of(user=care_manager, enrollment=enrollment)

        assert card is not None
        assert card.criteria == CRITERIA
        assert card.is_candidate is False
        assert card.may_graduate_from_status is True
        assert card.preparation_request is not None
        assert card.preparation_request.detail == "Talk it through at the next visit."
        assert card.preparation_request.is_for_reader is True
        assert (
            graduation_card_of(user=supervisor, enrollment=enrollment).preparation_request.is_for_reader
            is False
        )

    def test_graduated_shows_the_check_ins_and_who_may_record_them(
        self, graduation, care_manager, care_manager_same_team
    ) -> None:
        enrollment = Enrollment.objects.select_related("program").get(pk=graduation.enrollment_id)
        card = graduation_card_of(user=care_manager, enrollment=enrollment)
        assert card.is_graduated
        assert [item.days_after for item in card.follow_ups] == [30, 60, 90]
        assert card.can_follow_up is True
        assert graduation_card_of(user=care_manager_same_team, enrollment=enrollment).can_follow_up is False

    def test_other_closed_episodes_have_no_card(self, make_enrollment, care_manager) -> None:
        enrollment = make_enrollment(status=EnrollmentStatus.DISENROLLED, care_manager=care_manager)
        assert graduation_card_of(user=care_manager, enrollment=enrollment) is None


class TestDocument:
    def test_handoff_leaves_out_substance_use_goals_and_steps_the_certificate_keeps_the_persons_words(
        self, enrollment, care_manager
    ) -> None:
        today = enrollment.program.today()
        plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
        GoalFactory(
            care_plan=plan,
            patient_words="Walk to the park every day",
            status=GoalStatus.ACHIEVED,
            achieved_on=today,
        )
        part2 = AssessmentDomain.objects.create(
            enrollment=enrollment,
            domain=AssessmentDomainKind.SUBSTANCE_USE,
            is_part2=True,
            summary="Test summary",
            assessed_on=enrollment.program.today(),
            assessed_by=care_manager,
        )
        GoalFactory(
            care_plan=plan,
            patient_words="Stay sober at parties",
            status=GoalStatus.ACHIEVED,
            achieved_on=today,
            from_assessment=part2,
        )
        GoalFactory(care_plan=plan, patient_words="Go to my meetings", life_domain=LifeDomain.RECOVERY)
        open_goal = GoalFactory(care_plan=plan, patient_words="Cook at home", status=GoalStatus.ACTIVE)
        StepFactory(goal=open_goal, description="Buy a pan")
        StepFactory(goal=open_goal, description="Ask about the clinic's group", from_assessment=part2)

        care = patient_in_care_for(user=care_manager, patient_id=enrollment.patient_id)
        handoff = graduation_document_of(care=care, for_primary_care=True)
        certificate = graduation_document_of(care=care, for_primary_care=False)

        assert handoff.is_draft is True
        assert handoff.achieved == ["Walk to the park every day"]
        assert [(goal.patient_words, [step.description for step in goal.steps]) for goal in handoff.plan] == [
            ("Cook at home", ["Buy a pan"])
        ]
        assert certificate.achieved == ["Walk to the park every day", "Stay sober at parties"]


class TestFollowUpsDue:
    def test_due_within_a_week_or_overdue_for_the_care_manager_at_graduation_only(
        self, graduation, care_manager, care_manager_same_team, supervisor, time_machine
    ) -> None:
        time_machine.move_to(timezone.now() + 22 * DAY, tick=False)  # the 30-day one is 8 days away
        assert follow_ups_due_for(user=care_manager) == []

        time_machine.move_to(timezone.now() + 4 * DAY, tick=False)  # now 4 days away
        due = follow_ups_due_for(user=care_manager)
        assert [(item.days_after, item.is_overdue) for item in due] == [(30, False)]
        assert follow_ups_due_for(user=care_manager_same_team) == []
        assert follow_ups_due_for(user=supervisor) == []

        time_machine.move_to(timezone.now() + 10 * DAY, tick=False)  # 36 days on
        assert [(item.days_after, item.is_overdue) for item in follow_ups_due_for(user=care_manager)] == [
            (30, True)
        ]

    def test_recorded_check_ins_and_people_who_came_back_are_left_out(
        self, graduation, care_manager, time_machine
    ) -> None:
        time_machine.move_to(timezone.now() + 40 * DAY, tick=False)
        follow_up = graduation.follow_ups.get(days_after=30)
        follow_up_record(
            follow_up=follow_up,
            acting_user=care_manager,
            completed_on=graduation.enrollment.program.today(),
            outcome=FollowUpOutcome.NEEDS_SUPPORT,
            note="Struggling since the move.",
        )
        assert follow_ups_due_for(user=care_manager) == []

        time_machine.move_to(timezone.now() + 25 * DAY, tick=False)  # 65 days on: the 60-day one is overdue
        assert [item.days_after for item in follow_ups_due_for(user=care_manager)] == [60]
        graduate_re_enrol(enrollment=graduation.enrollment, acting_user=care_manager, reason="Back.")
        assert follow_ups_due_for(user=care_manager) == []

    def test_the_last_primary_care_manager_counts_not_an_earlier_one(
        self, enrollment, care_manager, care_manager_same_team, time_machine
    ) -> None:
        from patients.services import primary_care_manager_assign

        primary_care_manager_assign(
            enrollment=enrollment, care_manager=care_manager_same_team, acting_user=care_manager
        )
        readiness(enrollment)
        graduate(enrollment, care_manager_same_team)
        time_machine.move_to(timezone.now() + 28 * DAY, tick=False)

        assert follow_ups_due_for(user=care_manager) == []
        assert [item.days_after for item in follow_ups_due_for(user=care_manager_same_team)] == [30]


def test_my_caseload_shows_the_check_ins_due_and_keeps_its_query_count(
    client, graduation, care_manager, make_enrollment, time_machine, django_assert_num_queries
) -> None:
    time_machine.move_to(timezone.now() + 27 * DAY, tick=False)
    url = reverse("caseloads:my-caseload")
    client.force_login(care_manager)
    client.get(url)  # the first request also reads the program's time zone into the session

    # session, user, the caseload's rows, check-ins due after graduation, session save with its
    # savepoint
    with django_assert_num_queries(7):
        page = client.get(url).content.decode()

    patient = graduation.enrollment.patient
    assert "Check-ins after graduation" in page
    assert patient.display_name in page
    assert (
        reverse(
            "caseloads:graduation-follow-up", args=[patient.pk, graduation.follow_ups.get(days_after=30).pk]
        )
        in page
    )
    client.force_login(make_enrollment().care_team.get().user)
    assert "Check-ins after graduation" not in client.get(url).content.decode()


def test_a_supervisor_is_not_a_primary_care_manager(graduation, supervisor) -> None:
    assert supervisor.role == Role.SUPERVISOR
    assert follow_ups_due_for(user=supervisor) == []
