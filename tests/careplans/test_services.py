"""Care-plan services: what each change stores, and the message a person reads when it is refused."""

import datetime
from collections.abc import Callable

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.utils import timezone

from accounts.errors import DomainError
from accounts.models import User
from careplans.models import (
    AssessmentDomain,
    AssessmentDomainKind,
    CarePlan,
    CarePlanReview,
    CarePlanStatus,
    CarePlanVersion,
    Goal,
    GoalStatus,
    LifeDomain,
    NeedLevel,
    PlanHandout,
    Step,
    StepOwner,
)
from careplans.services import (
    GoalEditConflict,
    assessment_domain_record,
    assessment_need_to_goal,
    assessment_need_to_step,
    care_plan_details_update,
    care_plan_review_record,
    care_plan_start,
    goal_add,
    goal_move,
    goal_update,
    plan_handout_record,
    step_add,
    step_mark,
)
from caseloads.services import care_plan_goal_update
from engagement.models import SuccessKind, SuccessMoment
from engagement.services import goal_achievement_celebrate
from patients.models import CareTeamMember, CommunitySupport, EndReason, Enrollment, EnrollmentStatus
from patients.services import enrollment_move
from tests.careplans.factories import GoalFactory
from tests.conftest import CheckDeferredConstraints, MakeEnrollment
from tests.patients.factories import CareTeamMemberFactory, CommunitySupportFactory

pytestmark = pytest.mark.django_db

S = EnrollmentStatus
DAY = datetime.timedelta(days=1)


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def plan(enrollment: Enrollment, care_manager: User) -> CarePlan:
    return care_plan_start(
        enrollment=enrollment,
        acting_user=care_manager,
        co_created_with="The patient and their sister",
        co_created_where="At home",
    )


def _today(enrollment: Enrollment) -> datetime.date:
    return enrollment.program.today()


def _add_goal(plan: CarePlan, user: User, words: str = "I want my own place", **fields: object) -> Goal:
    fields.setdefault("life_domain", LifeDomain.HOUSING)
    return goal_add(care_plan=plan, acting_user=user, patient_words=words, **fields)


def _revision(plan: CarePlan) -> int:
    return CarePlan.objects.get(pk=plan.pk).revision


def _version_revisions(plan: CarePlan) -> list[int]:
    return list(
        CarePlanVersion.objects.filter(care_plan=plan).order_by("revision").values_list("revision", flat=True)
    )


def _priorities(plan: CarePlan) -> dict[str, int]:
    return dict(Goal.objects.filter(care_plan=plan).values_list("patient_words", "priority"))


def _refused(exc_info: pytest.ExceptionInfo[DomainError]) -> str:
    return exc_info.value.message


# --- care_plan_start ----------------------------------------------------------------------------


class TestCarePlanStart:
    def test_starts_an_active_plan_at_revision_one_with_its_first_version(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        plan = care_plan_start(
            enrollment=enrollment,
            acting_user=care_manager,
            co_created_with="  The patient and their sister ",
            co_created_where=" At the library ",
        )

        stored = CarePlan.objects.get(pk=plan.pk)
        assert stored.enrollment_id == enrollment.pk
        assert stored.status == CarePlanStatus.ACTIVE
        assert stored.revision == 1
        assert stored.started_on == _today(enrollment)
        assert stored.created_by_id == care_manager.pk
        assert (stored.co_created_with, stored.co_created_where) == (
            "The patient and their sister",
            "At the library",
        )
        version = CarePlanVersion.objects.get(care_plan=plan)
        assert version.revision == 1
        assert version.change_summary == "Plan started"
        assert version.changed_by_id == care_manager.pk
        assert version.content["goals"] == []
        assert version.content["co_created_with"] == "The patient and their sister"

    def test_a_second_plan_is_refused(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            care_plan_start(enrollment=enrollment, acting_user=care_manager)

        assert _refused(refusal) == "This person already has a plan. Add goals to it instead."
        assert CarePlan.objects.filter(enrollment=enrollment).count() == 1
        assert CarePlanVersion.objects.filter(care_plan__enrollment=enrollment).count() == 1

    @pytest.mark.parametrize("status", [S.REFERRED, S.SCREENING, S.DECLINED, S.DISENROLLED, S.GRADUATED])
    def test_a_person_not_in_care_gets_no_plan(
        self, make_enrollment: MakeEnrollment, care_manager: User, status: str
    ) -> None:
        enrollment = make_enrollment(status=status)

        with pytest.raises(DomainError) as refusal:
            care_plan_start(enrollment=enrollment, acting_user=care_manager)

        assert _refused(refusal) == "A plan can be started only while the person is in outreach or in care."
        assert CarePlan.objects.filter(enrollment=enrollment).exists() is False

    def test_a_person_in_outreach_can_have_a_plan(
        self, make_enrollment: MakeEnrollment, care_manager: User
    ) -> None:
        enrollment = make_enrollment(status=S.OUTREACH, care_manager=care_manager)

        plan = care_plan_start(enrollment=enrollment, acting_user=care_manager)

        assert CarePlan.objects.get(pk=plan.pk).status == CarePlanStatus.ACTIVE

    def test_a_plan_cannot_start_in_the_future(self, enrollment: Enrollment, care_manager: User) -> None:
        with pytest.raises(DomainError) as refusal:
            care_plan_start(enrollment=enrollment, acting_user=care_manager, on=_today(enrollment) + DAY)

        assert _refused(refusal) == "The plan cannot start in the future."
        assert CarePlan.objects.filter(enrollment=enrollment).exists() is False

    def test_a_plan_cannot_start_before_the_referral(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            care_plan_start(enrollment=enrollment, acting_user=care_manager, on=enrollment.referred_on - DAY)

        assert _refused(refusal) == "The plan cannot start before the person was referred."
        assert CarePlan.objects.filter(enrollment=enrollment).exists() is False


# --- care_plan_details_update -------------------------------------------------------------------


class TestCarePlanDetailsUpdate:
    def test_the_current_revision_saves_and_bumps_the_revision(
        self, plan: CarePlan, care_manager_same_team: User
    ) -> None:
        care_plan_details_update(
            care_plan=plan,
            acting_user=care_manager_same_team,
            expected_revision=1,
            co_created_with=" The patient, alone ",
            co_created_where=" The clinic ",
        )

        stored = CarePlan.objects.get(pk=plan.pk)
        assert (stored.co_created_with, stored.co_created_where, stored.revision) == (
            "The patient, alone",
            "The clinic",
            2,
        )
        version = CarePlanVersion.objects.get(care_plan=plan, revision=2)
        assert version.change_summary == "Who took part and where changed"
        assert version.changed_by_id == care_manager_same_team.pk
        assert version.content["co_created_where"] == "The clinic"

    def test_a_stale_revision_is_refused_and_nothing_is_stored(
        self, plan: CarePlan, care_manager: User
    ) -> None:
        _add_goal(plan, care_manager)  # revision 2

        with pytest.raises(DomainError) as refusal:
            care_plan_details_update(
                care_plan=plan,
                acting_user=care_manager,
                expected_revision=1,
                co_created_with="Someone else",
                co_created_where="Somewhere else",
            )

        assert _refused(refusal) == (
            "The plan changed while you were editing (it is now version 2). "
            "Check who took part and where, then save again."
        )
        stored = CarePlan.objects.get(pk=plan.pk)
        assert (stored.co_created_with, stored.co_created_where, stored.revision) == (
            "The patient and their sister",
            "At home",
            2,
        )
        assert _version_revisions(plan) == [1, 2]


# --- goal_add -----------------------------------------------------------------------------------


class TestGoalAdd:
    def test_adds_an_active_goal_in_the_persons_words_and_keeps_a_version(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = goal_add(
            care_plan=plan,
            acting_user=care_manager,
            patient_words="  I want my own place  ",
            life_domain=LifeDomain.HOUSING,
            why_it_matters=" So my kids can visit ",
        )

        stored = Goal.objects.get(pk=goal.pk)
        assert stored.patient_words == "I want my own place"
        assert stored.why_it_matters == "So my kids can visit"
        assert stored.status == GoalStatus.ACTIVE
        assert stored.priority == 1
        assert stored.version == 1
        assert stored.status_changed_on == _today(enrollment)
        assert stored.achieved_on is None
        assert (stored.created_by_id, stored.updated_by_id) == (care_manager.pk, care_manager.pk)
        assert _revision(plan) == 2
        version = CarePlanVersion.objects.get(care_plan=plan, revision=2)
        assert version.change_summary == "Goal added: “I want my own place”"
        assert [g["patient_words"] for g in version.content["goals"]] == ["I want my own place"]

    @pytest.mark.parametrize("words", ["", "   ", "\n\t "])
    def test_goal_words_are_required_and_nothing_is_stored(
        self, plan: CarePlan, care_manager: User, words: str
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            goal_add(
                care_plan=plan, acting_user=care_manager, patient_words=words, life_domain=LifeDomain.HOUSING
            )

        assert _refused(refusal) == "Write the goal in the person's own words."
        assert Goal.objects.filter(care_plan=plan).exists() is False
        assert _revision(plan) == 1
        assert _version_revisions(plan) == [1]

    def test_each_goal_goes_last_and_each_add_bumps_the_revision_by_one(
        self, plan: CarePlan, care_manager: User
    ) -> None:
        words = ["I want my own place", "I want to see my grandson", "I want to stop going to the ER"]
        for number, goal_words in enumerate(words, start=1):
            goal = _add_goal(plan, care_manager, goal_words)
            assert goal.priority == number
            assert _revision(plan) == number + 1
            version = CarePlanVersion.objects.get(care_plan=plan, revision=number + 1)
            assert [g["patient_words"] for g in version.content["goals"]] == words[:number]

        assert _version_revisions(plan) == [1, 2, 3, 4]

    def test_priority_follows_the_last_goal_even_when_it_is_closed(
        self, plan: CarePlan, care_manager: User
    ) -> None:
        first = _add_goal(plan, care_manager, "First")
        second = _add_goal(plan, care_manager, "Second")
        goal_update(goal=second, acting_user=care_manager, expected_version=1, status=GoalStatus.LET_GO)

        third = _add_goal(plan, care_manager, "Third")

        assert (first.priority, third.priority) == (1, 3)

    def test_a_target_date_in_the_past_is_refused(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            _add_goal(plan, care_manager, target_on=_today(enrollment) - DAY)

        assert _refused(refusal) == "The target date is in the past. Choose a day from today on."
        assert Goal.objects.filter(care_plan=plan).exists() is False
        assert _revision(plan) == 1

    def test_a_target_date_of_today_is_accepted(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager, target_on=_today(enrollment))

        assert Goal.objects.get(pk=goal.pk).target_on == _today(enrollment)

    @pytest.mark.parametrize("status", [GoalStatus.ACHIEVED, GoalStatus.LET_GO])
    def test_a_new_goal_cannot_be_closed(self, plan: CarePlan, care_manager: User, status: str) -> None:
        with pytest.raises(DomainError) as refusal:
            _add_goal(plan, care_manager, status=status)

        assert _refused(refusal) == "A new goal is proposed or active. Mark it achieved or let go later."
        assert Goal.objects.filter(care_plan=plan).exists() is False
        assert _revision(plan) == 1

    def test_a_proposed_goal_is_accepted(self, plan: CarePlan, care_manager: User) -> None:
        goal = _add_goal(plan, care_manager, status=GoalStatus.PROPOSED)

        assert Goal.objects.get(pk=goal.pk).status == GoalStatus.PROPOSED

    def test_an_unknown_life_domain_is_refused(self, plan: CarePlan, care_manager: User) -> None:
        with pytest.raises(DomainError) as refusal:
            _add_goal(plan, care_manager, life_domain="astrology")

        assert _refused(refusal) == "Choose the part of life the goal is about."
        assert Goal.objects.filter(care_plan=plan).exists() is False

    def test_a_replaced_plan_takes_no_goals(self, plan: CarePlan, care_manager: User) -> None:
        CarePlan.objects.filter(pk=plan.pk).update(status=CarePlanStatus.SUPERSEDED)

        with pytest.raises(DomainError) as refusal:
            _add_goal(plan, care_manager)

        assert _refused(refusal) == "This plan has been replaced by a newer one. Open the current plan."
        assert Goal.objects.filter(care_plan=plan).exists() is False

    def test_the_plan_is_frozen_once_the_person_leaves_care(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        enrollment_move(
            enrollment=enrollment,
            to_status=S.DISENROLLED,
            acting_user=care_manager,
            end_reason=EndReason.MOVED_AWAY,
        )

        with pytest.raises(DomainError) as refusal:
            _add_goal(plan, care_manager)

        assert _refused(refusal) == "The plan can change only while the person is in outreach or in care."
        assert Goal.objects.filter(care_plan=plan).exists() is False
        assert _revision(plan) == 1


# --- goal_update --------------------------------------------------------------------------------


class TestGoalUpdate:
    def test_the_right_version_saves_and_bumps_goal_version_and_plan_revision(
        self, plan: CarePlan, care_manager: User, care_manager_same_team: User
    ) -> None:
        goal = _add_goal(plan, care_manager)

        goal_update(
            goal=goal,
            acting_user=care_manager_same_team,
            expected_version=1,
            patient_words="  I want a flat near my sister ",
            success_looks_like="Keys in my hand",
        )

        stored = Goal.objects.get(pk=goal.pk)
        assert stored.patient_words == "I want a flat near my sister"
        assert stored.success_looks_like == "Keys in my hand"
        assert stored.version == 2
        assert stored.updated_by_id == care_manager_same_team.pk
        assert stored.status == GoalStatus.ACTIVE
        assert _revision(plan) == 3
        version = CarePlanVersion.objects.get(care_plan=plan, revision=3)
        assert version.change_summary == "Goal changed: “I want a flat near my sister”"
        assert version.changed_by_id == care_manager_same_team.pk
        assert version.content["goals"][0]["patient_words"] == "I want a flat near my sister"

    def test_a_stale_version_raises_a_conflict_naming_who_changed_it_and_changes_nothing(
        self, plan: CarePlan, care_manager: User, care_manager_same_team: User
    ) -> None:
        goal = _add_goal(plan, care_manager)
        # Tomorrow at 14:30 UTC; the tests show times in UTC (no program time zone is activated).
        moment = (
            timezone.now().astimezone(datetime.UTC).replace(hour=14, minute=30, second=0, microsecond=0) + DAY
        )
        with time_machine.travel(moment, tick=False):
            goal_update(
                goal=goal,
                acting_user=care_manager_same_team,
                expected_version=1,
                patient_words="I want a flat near my sister",
            )

        with pytest.raises(GoalEditConflict) as conflict:
            goal_update(
                goal=goal,
                acting_user=care_manager,
                expected_version=1,
                patient_words="I want a room of my own",
                why_it_matters="Quiet",
            )

        who = care_manager_same_team.get_full_name()
        assert who  # the factory gives every user a name
        assert conflict.value.message == (
            f"{who} changed this goal at 14:30 on {moment.day} {moment:%b}, while you were editing it. "
            "Their version is saved and yours is still in the form: compare the two, then save again."
        )
        assert conflict.value.goal.patient_words == "I want a flat near my sister"
        assert conflict.value.goal.version == 2
        assert conflict.value.goal.updated_by_id == care_manager_same_team.pk
        stored = Goal.objects.get(pk=goal.pk)
        assert (stored.patient_words, stored.why_it_matters, stored.version, stored.updated_by_id) == (
            "I want a flat near my sister",
            "",
            2,
            care_manager_same_team.pk,
        )
        assert _revision(plan) == 3
        assert _version_revisions(plan) == [1, 2, 3]

    def test_a_conflict_with_no_known_editor_names_someone(self, plan: CarePlan, care_manager: User) -> None:
        goal = GoalFactory(care_plan=plan, status=GoalStatus.ACTIVE, version=3, updated_by=None)

        with pytest.raises(GoalEditConflict) as conflict:
            goal_update(goal=goal, acting_user=care_manager, expected_version=2, why_it_matters="Mine")

        assert conflict.value.message.startswith("Someone changed this goal at ")
        assert Goal.objects.get(pk=goal.pk).version == 3

    def test_a_conflict_is_a_domain_error(self, plan: CarePlan, care_manager: User) -> None:
        goal = _add_goal(plan, care_manager)
        goal_update(goal=goal, acting_user=care_manager, expected_version=1, why_it_matters="Safety")

        with pytest.raises(DomainError):
            goal_update(goal=goal, acting_user=care_manager, expected_version=1, why_it_matters="Other")

    def test_achieving_dates_the_goal_with_the_programs_today(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager)
        # 02:30 UTC is still the evening before in New York, where the test program works.
        moment = timezone.now().astimezone(datetime.UTC).replace(hour=2, minute=30) + 3 * DAY
        program_day = enrollment.program.local_date(moment)
        assert program_day != moment.date()

        with time_machine.travel(moment, tick=False):
            goal_update(goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED)

        stored = Goal.objects.get(pk=goal.pk)
        assert stored.status == GoalStatus.ACHIEVED
        assert stored.achieved_on == program_day
        assert stored.status_changed_on == program_day
        assert stored.version == 2
        version = CarePlanVersion.objects.get(care_plan=plan, revision=3)
        assert version.change_summary == "Goal “I want my own place” is now achieved"
        assert version.content["goals"][0]["achieved_on"] == program_day.isoformat()

    def test_moving_an_achieved_goal_back_to_active_clears_its_achieved_date(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager)
        goal_update(goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED)
        later = timezone.now() + 2 * DAY

        with time_machine.travel(later, tick=False):
            goal_update(goal=goal, acting_user=care_manager, expected_version=2, status=GoalStatus.ACTIVE)

        stored = Goal.objects.get(pk=goal.pk)
        assert stored.status == GoalStatus.ACTIVE
        assert stored.achieved_on is None
        assert stored.status_changed_on == enrollment.program.local_date(later)
        assert stored.version == 3
        assert _revision(plan) == 4

    def test_a_change_that_keeps_the_status_keeps_its_dates(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager)
        goal_update(goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED)
        achieved_on = Goal.objects.get(pk=goal.pk).achieved_on

        with time_machine.travel(timezone.now() + 2 * DAY, tick=False):
            goal_update(goal=goal, acting_user=care_manager, expected_version=2, why_it_matters="Proud of it")

        stored = Goal.objects.get(pk=goal.pk)
        assert (stored.status, stored.achieved_on, stored.status_changed_on) == (
            GoalStatus.ACHIEVED,
            achieved_on,
            achieved_on,
        )

    def test_unknown_fields_are_refused_and_nothing_changes(self, plan: CarePlan, care_manager: User) -> None:
        goal = _add_goal(plan, care_manager)

        with pytest.raises(DomainError) as refusal:
            goal_update(goal=goal, acting_user=care_manager, expected_version=1, priority=5, version=9)

        assert _refused(refusal) == "These cannot be changed here: priority, version."
        stored = Goal.objects.get(pk=goal.pk)
        assert (stored.priority, stored.version) == (1, 1)
        assert _revision(plan) == 2

    def test_emptying_the_goal_words_is_refused(self, plan: CarePlan, care_manager: User) -> None:
        goal = _add_goal(plan, care_manager)

        with pytest.raises(DomainError) as refusal:
            goal_update(goal=goal, acting_user=care_manager, expected_version=1, patient_words="   ")

        assert _refused(refusal) == "Write the goal in the person's own words."
        stored = Goal.objects.get(pk=goal.pk)
        assert (stored.patient_words, stored.version) == ("I want my own place", 1)
        assert _revision(plan) == 2

    def test_a_new_target_date_in_the_past_is_refused(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager)

        with pytest.raises(DomainError) as refusal:
            goal_update(
                goal=goal, acting_user=care_manager, expected_version=1, target_on=_today(enrollment) - DAY
            )

        assert _refused(refusal) == "The target date is in the past. Choose a day from today on."
        stored = Goal.objects.get(pk=goal.pk)
        assert (stored.target_on, stored.version) == (None, 1)

    def test_a_target_date_that_has_since_passed_can_be_kept(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        target = _today(enrollment) + DAY
        goal = _add_goal(plan, care_manager, target_on=target)

        with time_machine.travel(timezone.now() + 5 * DAY, tick=False):
            goal_update(goal=goal, acting_user=care_manager, expected_version=1, why_it_matters="Still true")

        stored = Goal.objects.get(pk=goal.pk)
        assert (stored.target_on, stored.why_it_matters, stored.version) == (target, "Still true", 2)


# --- caseloads.care_plan_goal_update and engagement.goal_achievement_celebrate -----------------


class TestGoalAchievementCelebrated:
    def test_achieving_a_goal_puts_one_success_on_the_timeline(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager, "I want to sleep somewhere safe every night")

        updated = care_plan_goal_update(
            goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED
        )

        moment = SuccessMoment.objects.get(enrollment=enrollment)
        assert moment.goal_id == goal.pk
        assert moment.kind == SuccessKind.STABILITY_INDEPENDENCE
        assert "I want to sleep somewhere safe every night" in moment.description
        assert moment.occurred_on == updated.achieved_on == _today(enrollment)
        assert moment.recorded_by_id == care_manager.pk

    def test_saving_an_achieved_goal_again_does_not_celebrate_twice(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager)
        care_plan_goal_update(
            goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED
        )

        again = Goal.objects.get(pk=goal.pk)
        care_plan_goal_update(
            goal=again,
            acting_user=care_manager,
            expected_version=2,
            status=GoalStatus.ACHIEVED,
            why_it_matters="I did it myself",
        )

        assert SuccessMoment.objects.filter(enrollment=enrollment).count() == 1
        assert Goal.objects.get(pk=goal.pk).why_it_matters == "I did it myself"

    def test_a_change_without_achieving_celebrates_nothing(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal = _add_goal(plan, care_manager)

        care_plan_goal_update(
            goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.PAUSED
        )

        assert SuccessMoment.objects.filter(enrollment=enrollment).exists() is False

    def test_a_conflicting_achievement_celebrates_nothing(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        goal = _add_goal(plan, care_manager)
        goal_update(goal=goal, acting_user=care_manager_same_team, expected_version=1, why_it_matters="Kids")

        with pytest.raises(GoalEditConflict):
            care_plan_goal_update(
                goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED
            )

        assert SuccessMoment.objects.filter(enrollment=enrollment).exists() is False
        assert Goal.objects.get(pk=goal.pk).status == GoalStatus.ACTIVE

    def test_a_goal_not_achieved_is_not_celebrated(self, plan: CarePlan, care_manager: User) -> None:
        goal = _add_goal(plan, care_manager)

        with pytest.raises(DomainError) as refusal:
            goal_achievement_celebrate(goal=goal, acting_user=care_manager)

        assert _refused(refusal) == "Only an achieved goal is celebrated."
        assert SuccessMoment.objects.exists() is False


# --- goal_move ----------------------------------------------------------------------------------


class TestGoalMove:
    @pytest.fixture
    def goals(self, plan: CarePlan, care_manager: User) -> dict[str, Goal]:
        goals = {words: _add_goal(plan, care_manager, words) for words in ("A", "B", "C", "D")}
        goal_update(goal=goals["B"], acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED)
        return goals

    def test_up_swaps_with_the_nearest_open_goal_skipping_closed_ones(
        self,
        plan: CarePlan,
        goals: dict[str, Goal],
        care_manager: User,
        check_deferred_constraints: CheckDeferredConstraints,
    ) -> None:
        before = _revision(plan)

        goal_move(goal=goals["C"], acting_user=care_manager, direction="up")

        assert _priorities(plan) == {"A": 3, "B": 2, "C": 1, "D": 4}
        assert _revision(plan) == before + 1
        version = CarePlanVersion.objects.get(care_plan=plan, revision=before + 1)
        assert version.change_summary == "Goal “C” moved up"
        assert [g["patient_words"] for g in version.content["goals"]] == ["C", "B", "A", "D"]
        check_deferred_constraints()

    def test_down_swaps_with_the_nearest_open_goal_skipping_closed_ones(
        self,
        plan: CarePlan,
        goals: dict[str, Goal],
        care_manager: User,
        check_deferred_constraints: CheckDeferredConstraints,
    ) -> None:
        goal_move(goal=goals["A"], acting_user=care_manager, direction="down")

        assert _priorities(plan) == {"A": 3, "B": 2, "C": 1, "D": 4}
        check_deferred_constraints()

    def test_a_move_marks_both_goals_changed_for_the_apis_sync(
        self, plan: CarePlan, goals: dict[str, Goal], care_manager: User
    ) -> None:
        before = {goal.patient_words: goal.updated_at for goal in Goal.objects.filter(care_plan=plan)}

        goal_move(goal=goals["D"], acting_user=care_manager, direction="up")

        after = {goal.patient_words: goal.updated_at for goal in Goal.objects.filter(care_plan=plan)}
        assert sorted(words for words in after if after[words] > before[words]) == ["C", "D"]

    def test_moves_do_not_change_goal_versions(
        self, plan: CarePlan, goals: dict[str, Goal], care_manager: User
    ) -> None:
        goal_move(goal=goals["D"], acting_user=care_manager, direction="up")

        assert _priorities(plan) == {"A": 1, "B": 2, "C": 4, "D": 3}
        assert Goal.objects.get(pk=goals["D"].pk).version == 1
        assert Goal.objects.get(pk=goals["C"].pk).version == 1

    @pytest.mark.parametrize(
        ("words", "direction", "message"),
        [
            pytest.param("A", "up", "“A” is already first.", id="the first open goal up"),
            pytest.param("D", "down", "“D” is already last.", id="the last open goal down"),
            pytest.param(
                "B", "up", "Only goals still being worked on are in the priority order.", id="a closed goal"
            ),
            pytest.param("C", "top", "A goal moves up or down.", id="neither up nor down"),
        ],
    )
    def test_a_move_that_cannot_be_made_is_refused_and_changes_nothing(
        self,
        plan: CarePlan,
        goals: dict[str, Goal],
        care_manager: User,
        words: str,
        direction: str,
        message: str,
    ) -> None:
        before = _revision(plan)

        with pytest.raises(DomainError) as refusal:
            goal_move(goal=goals[words], acting_user=care_manager, direction=direction)

        assert _refused(refusal) == message
        assert _priorities(plan) == {"A": 1, "B": 2, "C": 3, "D": 4}
        assert _revision(plan) == before


@pytest.mark.django_db(transaction=True)
def test_goal_moves_commit_with_unique_priorities(enrollment: Enrollment, care_manager: User) -> None:
    """Each move commits for real here, so the deferred unique priority constraint is checked."""
    plan = care_plan_start(enrollment=enrollment, acting_user=care_manager)
    goals = [_add_goal(plan, care_manager, words) for words in ("A", "B", "C")]

    goal_move(goal=goals[2], acting_user=care_manager, direction="up")
    goal_move(goal=goals[2], acting_user=care_manager, direction="up")
    goal_move(goal=goals[0], acting_user=care_manager, direction="down")

    assert _priorities(plan) == {"C": 1, "A": 3, "B": 2}
    duplicated = (
        Goal.objects.filter(care_plan=plan).values("priority").annotate(n=Count("id")).filter(n__gt=1)
    )
    assert list(duplicated) == []
    assert _version_revisions(plan) == [1, 2, 3, 4, 5, 6, 7]


# --- step_add -----------------------------------------------------------------------------------


class TestStepAdd:
    @pytest.fixture
    def goal(self, plan: CarePlan, care_manager: User) -> Goal:
        return _add_goal(plan, care_manager)

    def _nothing_stored(self, plan: CarePlan, goal: Goal, revision: int) -> None:
        assert Step.objects.filter(goal=goal).exists() is False
        assert _revision(plan) == revision
        assert _version_revisions(plan) == list(range(1, revision + 1))

    def test_adds_a_step_for_the_patient_and_keeps_a_version(
        self, plan: CarePlan, goal: Goal, enrollment: Enrollment, care_manager: User
    ) -> None:
        due = _today(enrollment) + 7 * DAY

        step = step_add(
            goal=goal,
            acting_user=care_manager,
            description="  Call the housing office  ",
            owner=StepOwner.PATIENT,
            due_on=due,
        )

        stored = Step.objects.get(pk=step.pk)
        assert (stored.description, stored.owner, stored.due_on, stored.position) == (
            "Call the housing office",
            StepOwner.PATIENT,
            due,
            1,
        )
        assert (stored.owner_team_member_id, stored.owner_support_id, stored.completed_on) == (
            None,
            None,
            None,
        )
        assert _revision(plan) == 3
        version = CarePlanVersion.objects.get(care_plan=plan, revision=3)
        assert version.change_summary == "Step added: “Call the housing office”"
        assert version.content["goals"][0]["steps"] == [
            {
                "description": "Call the housing office",
                "owner": StepOwner.PATIENT,
                "owner_label": "The patient",
                "due_on": due.isoformat(),
                "completed_on": None,
            }
        ]

    def test_positions_increase_with_each_step(self, goal: Goal, care_manager: User) -> None:
        positions = [
            step_add(
                goal=goal, acting_user=care_manager, description=f"Step {n}", owner=StepOwner.PATIENT
            ).position
            for n in range(3)
        ]

        assert positions == [1, 2, 3]
        assert list(Step.objects.filter(goal=goal).values_list("description", "position")) == [
            ("Step 0", 1),
            ("Step 1", 2),
            ("Step 2", 3),
        ]

    @pytest.mark.parametrize("description", ["", "   "])
    def test_a_description_is_required(
        self, plan: CarePlan, goal: Goal, care_manager: User, description: str
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            step_add(goal=goal, acting_user=care_manager, description=description, owner=StepOwner.PATIENT)

        assert _refused(refusal) == "Say what the step is."
        self._nothing_stored(plan, goal, revision=2)

    @pytest.mark.parametrize(
        ("status", "label"), [(GoalStatus.ACHIEVED, "achieved"), (GoalStatus.LET_GO, "let go")]
    )
    def test_a_closed_goal_takes_no_new_steps(
        self, plan: CarePlan, goal: Goal, care_manager: User, status: str, label: str
    ) -> None:
        goal_update(goal=goal, acting_user=care_manager, expected_version=1, status=status)

        with pytest.raises(DomainError) as refusal:
            step_add(
                goal=goal, acting_user=care_manager, description="Sign the lease", owner=StepOwner.PATIENT
            )

        assert _refused(refusal) == (
            f"This goal is {label}, so it takes no new steps. Add a new goal for what comes next."
        )
        self._nothing_stored(plan, goal, revision=3)

    def test_a_step_due_before_today_is_refused(
        self, plan: CarePlan, goal: Goal, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            step_add(
                goal=goal,
                acting_user=care_manager,
                description="Call the housing office",
                owner=StepOwner.PATIENT,
                due_on=_today(enrollment) - DAY,
            )

        assert _refused(refusal) == "The step is due before today. Choose a day from today on."
        self._nothing_stored(plan, goal, revision=2)

    def test_a_step_due_today_is_accepted(
        self, goal: Goal, enrollment: Enrollment, care_manager: User
    ) -> None:
        step = step_add(
            goal=goal,
            acting_user=care_manager,
            description="Call the housing office",
            owner=StepOwner.PATIENT,
            due_on=_today(enrollment),
        )

        assert Step.objects.get(pk=step.pk).due_on == _today(enrollment)

    def test_a_step_due_before_today_on_a_closed_goal_is_refused_and_nothing_is_stored(
        self, plan: CarePlan, goal: Goal, enrollment: Enrollment, care_manager: User
    ) -> None:
        goal_update(goal=goal, acting_user=care_manager, expected_version=1, status=GoalStatus.ACHIEVED)

        with pytest.raises(DomainError) as refusal:
            step_add(
                goal=goal,
                acting_user=care_manager,
                description="Sign the lease",
                owner=StepOwner.PATIENT,
                due_on=_today(enrollment) - DAY,
            )

        # The goal being closed is what the person needs to hear first.
        assert _refused(refusal) == (
            "This goal is achieved, so it takes no new steps. Add a new goal for what comes next."
        )
        self._nothing_stored(plan, goal, revision=3)

    def test_an_unknown_owner_is_refused(self, plan: CarePlan, goal: Goal, care_manager: User) -> None:
        with pytest.raises(DomainError) as refusal:
            step_add(goal=goal, acting_user=care_manager, description="Call", owner="the neighbour")

        assert _refused(refusal) == "Say who will do this step."
        self._nothing_stored(plan, goal, revision=2)

    def test_a_current_member_of_this_care_team_can_own_a_step(
        self, plan: CarePlan, goal: Goal, enrollment: Enrollment, care_manager: User
    ) -> None:
        member = CareTeamMemberFactory(enrollment=enrollment, name="", started_on=_today(enrollment))

        step = step_add(
            goal=goal,
            acting_user=care_manager,
            description="Fill in the benefits form",
            owner=StepOwner.TEAM_MEMBER,
            owner_team_member_id=member.pk,
        )

        stored = Step.objects.get(pk=step.pk)
        assert (stored.owner, stored.owner_team_member_id, stored.owner_support_id) == (
            StepOwner.TEAM_MEMBER,
            member.pk,
            None,
        )

    def test_the_primary_care_manager_can_own_a_step(
        self, goal: Goal, enrollment: Enrollment, care_manager: User
    ) -> None:
        primary = CareTeamMember.objects.get(enrollment=enrollment, is_primary=True, ended_on__isnull=True)

        step = step_add(
            goal=goal,
            acting_user=care_manager,
            description="Drive to the viewing",
            owner=StepOwner.TEAM_MEMBER,
            owner_team_member_id=primary.pk,
        )

        assert Step.objects.get(pk=step.pk).owner_team_member_id == primary.pk

    @pytest.mark.parametrize(
        "owner_of",
        [
            pytest.param(
                lambda mine, other: {
                    "owner_team_member_id": CareTeamMember.objects.get(enrollment=other, is_primary=True).pk
                },
                id="a member of another enrolment's care team",
            ),
            pytest.param(
                lambda mine, other: {
                    "owner_team_member_id": CareTeamMemberFactory(
                        enrollment=mine, ended_on=_today(mine), end_reason="Left"
                    ).pk
                },
                id="a care team member who has left",
            ),
            pytest.param(lambda mine, other: {}, id="no member named"),
        ],
    )
    def test_a_team_member_step_needs_a_current_member_of_this_care_team(
        self,
        plan: CarePlan,
        goal: Goal,
        enrollment: Enrollment,
        enrollment_other_team: Enrollment,
        care_manager: User,
        owner_of: Callable[[Enrollment, Enrollment], dict[str, int]],
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            step_add(
                goal=goal,
                acting_user=care_manager,
                description="Fill in the benefits form",
                owner=StepOwner.TEAM_MEMBER,
                **owner_of(enrollment, enrollment_other_team),
            )

        assert _refused(refusal) == "Choose who on the care team will do this step."
        self._nothing_stored(plan, goal, revision=2)

    def test_this_patients_active_community_support_can_own_a_step(
        self, plan: CarePlan, goal: Goal, enrollment: Enrollment, care_manager: User
    ) -> None:
        sister = CommunitySupportFactory(patient=enrollment.patient, name="Rosalind")

        step = step_add(
            goal=goal,
            acting_user=care_manager,
            description="Help move boxes",
            owner=StepOwner.COMMUNITY_SUPPORT,
            owner_support_id=sister.pk,
        )

        stored = Step.objects.get(pk=step.pk)
        assert (stored.owner, stored.owner_support_id, stored.owner_team_member_id) == (
            StepOwner.COMMUNITY_SUPPORT,
            sister.pk,
            None,
        )
        version = CarePlanVersion.objects.get(care_plan=plan, revision=3)
        assert version.content["goals"][0]["steps"][0]["owner_label"] == "Rosalind"

    @pytest.mark.parametrize(
        "support_of",
        [
            pytest.param(
                lambda mine, other: CommunitySupportFactory(patient=other.patient),
                id="another patient's support",
            ),
            pytest.param(
                lambda mine, other: CommunitySupportFactory(patient=mine.patient, is_active=False),
                id="a support no longer involved",
            ),
        ],
    )
    def test_a_community_support_step_needs_an_active_support_of_this_patient(
        self,
        plan: CarePlan,
        goal: Goal,
        enrollment: Enrollment,
        enrollment_other_team: Enrollment,
        care_manager: User,
        support_of: Callable[[Enrollment, Enrollment], CommunitySupport],
    ) -> None:
        support = support_of(enrollment, enrollment_other_team)

        with pytest.raises(DomainError) as refusal:
            step_add(
                goal=goal,
                acting_user=care_manager,
                description="Help move boxes",
                owner=StepOwner.COMMUNITY_SUPPORT,
                owner_support_id=support.pk,
            )

        assert _refused(refusal) == "Choose which community support will do this step."
        self._nothing_stored(plan, goal, revision=2)


# --- step_mark ----------------------------------------------------------------------------------


class TestStepMark:
    @pytest.fixture
    def step(self, plan: CarePlan, care_manager: User) -> Step:
        goal = _add_goal(plan, care_manager)
        return step_add(
            goal=goal, acting_user=care_manager, description="Call the office", owner=StepOwner.PATIENT
        )

    def test_done_dates_the_step_today(
        self, plan: CarePlan, step: Step, enrollment: Enrollment, care_manager: User
    ) -> None:
        step_mark(step=step, acting_user=care_manager, done=True)

        assert Step.objects.get(pk=step.pk).completed_on == _today(enrollment)
        assert _revision(plan) == 4
        version = CarePlanVersion.objects.get(care_plan=plan, revision=4)
        assert version.change_summary == "Step done: “Call the office”"
        assert version.content["goals"][0]["steps"][0]["completed_on"] == _today(enrollment).isoformat()

    def test_done_marks_the_step_changed_for_the_apis_sync(self, step: Step, care_manager: User) -> None:
        added_at = Step.objects.get(pk=step.pk).updated_at

        step_mark(step=step, acting_user=care_manager, done=True)

        assert Step.objects.get(pk=step.pk).updated_at > added_at

    def test_marking_done_twice_changes_nothing(
        self, plan: CarePlan, step: Step, enrollment: Enrollment, care_manager: User
    ) -> None:
        step_mark(step=step, acting_user=care_manager, done=True)

        with time_machine.travel(timezone.now() + 2 * DAY, tick=False):
            step_mark(step=step, acting_user=care_manager, done=True)

        assert Step.objects.get(pk=step.pk).completed_on == _today(enrollment)
        assert _revision(plan) == 4
        assert _version_revisions(plan) == [1, 2, 3, 4]

    def test_undo_clears_the_date(self, plan: CarePlan, step: Step, care_manager: User) -> None:
        step_mark(step=step, acting_user=care_manager, done=True)

        step_mark(step=step, acting_user=care_manager, done=False)

        assert Step.objects.get(pk=step.pk).completed_on is None
        assert _revision(plan) == 5
        assert CarePlanVersion.objects.get(care_plan=plan, revision=5).change_summary == (
            "Step reopened: “Call the office”"
        )

    def test_undoing_a_step_not_done_changes_nothing(
        self, plan: CarePlan, step: Step, care_manager: User
    ) -> None:
        step_mark(step=step, acting_user=care_manager, done=False)

        assert Step.objects.get(pk=step.pk).completed_on is None
        assert _version_revisions(plan) == [1, 2, 3]


# --- versions -----------------------------------------------------------------------------------


def test_every_change_keeps_a_contiguous_version_and_earlier_versions_stay_readable(
    plan: CarePlan, care_manager: User, care_manager_same_team: User
) -> None:
    goal = _add_goal(plan, care_manager, "I want my own place")  # 2
    second = _add_goal(plan, care_manager, "I want to see my grandson", life_domain=LifeDomain.FAMILY)  # 3
    step = step_add(
        goal=goal, acting_user=care_manager, description="Call the office", owner=StepOwner.PATIENT
    )  # 4
    goal_update(
        goal=goal,
        acting_user=care_manager_same_team,
        expected_version=1,
        patient_words="I want a flat near my sister",
    )  # 5
    step_mark(step=step, acting_user=care_manager, done=True)  # 6
    goal_move(goal=second, acting_user=care_manager, direction="up")  # 7
    care_plan_details_update(
        care_plan=plan,
        acting_user=care_manager,
        expected_revision=7,
        co_created_with="The patient",
        co_created_where="The clinic",
    )  # 8

    assert _version_revisions(plan) == list(range(1, 9))
    assert _revision(plan) == 8
    versions = {v.revision: v for v in CarePlanVersion.objects.filter(care_plan=plan)}
    assert versions[1].content["goals"] == []
    assert [g["patient_words"] for g in versions[3].content["goals"]] == [
        "I want my own place",
        "I want to see my grandson",
    ]
    assert versions[4].content["goals"][0]["steps"][0]["completed_on"] is None
    assert versions[4].content["co_created_with"] == "The patient and their sister"
    assert [g["patient_words"] for g in versions[5].content["goals"]] == [
        "I want a flat near my sister",
        "I want to see my grandson",
    ]
    assert versions[5].changed_by_id == care_manager_same_team.pk
    assert [g["patient_words"] for g in versions[7].content["goals"]] == [
        "I want to see my grandson",
        "I want a flat near my sister",
    ]
    assert versions[8].content["co_created_with"] == "The patient"
    # The live goal changed, yet version 2 still reads as it was.
    assert Goal.objects.get(pk=goal.pk).patient_words == "I want a flat near my sister"
    assert CarePlanVersion.objects.get(care_plan=plan, revision=2).content["goals"][0]["patient_words"] == (
        "I want my own place"
    )


# --- care_plan_review_record --------------------------------------------------------------------


class TestCarePlanReviewRecord:
    def test_a_review_is_recorded_once_a_day_and_leaves_the_revision(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        first = care_plan_review_record(enrollment=enrollment, acting_user=care_manager, note=" Went well ")
        again = care_plan_review_record(enrollment=enrollment, acting_user=care_manager)

        assert first.pk == again.pk
        assert CarePlanReview.objects.filter(care_plan=plan).count() == 1
        assert CarePlanReview.objects.get(pk=first.pk).note == "Went well"
        stored = CarePlan.objects.get(pk=plan.pk)
        assert (stored.last_reviewed_on, stored.revision) == (_today(enrollment), 1)

    def test_no_plan_no_review(self, enrollment: Enrollment, care_manager: User) -> None:
        with pytest.raises(DomainError) as refusal:
            care_plan_review_record(enrollment=enrollment, acting_user=care_manager)

        assert _refused(refusal) == "There is no active plan to review yet."
        assert CarePlanReview.objects.exists() is False


# --- assessment ---------------------------------------------------------------------------------


class TestAssessmentDomainRecord:
    def test_a_second_record_updates_the_same_row(
        self, enrollment: Enrollment, care_manager: User, care_manager_same_team: User
    ) -> None:
        first = assessment_domain_record(
            enrollment=enrollment,
            acting_user=care_manager,
            domain=AssessmentDomainKind.HOUSING,
            summary="Sleeping in the car",
            need_level=NeedLevel.URGENT,
        )
        second = assessment_domain_record(
            enrollment=enrollment,
            acting_user=care_manager_same_team,
            domain=AssessmentDomainKind.HOUSING,
            summary="  Staying with her sister for now ",
            need_level=NeedLevel.SOME,
        )

        assert second.pk == first.pk
        stored = AssessmentDomain.objects.get(enrollment=enrollment)
        assert (stored.summary, stored.need_level, stored.assessed_by_id, stored.assessed_on) == (
            "Staying with her sister for now",
            NeedLevel.SOME,
            care_manager_same_team.pk,
            _today(enrollment),
        )
        assert stored.is_part2 is False

    def test_substance_use_is_part2_and_housing_is_not(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        substance = assessment_domain_record(
            enrollment=enrollment,
            acting_user=care_manager,
            domain=AssessmentDomainKind.SUBSTANCE_USE,
            summary="Drinking most days",
        )
        housing = assessment_domain_record(
            enrollment=enrollment,
            acting_user=care_manager,
            domain=AssessmentDomainKind.HOUSING,
            summary="Sleeping in the car",
        )

        assert AssessmentDomain.objects.get(pk=substance.pk).is_part2 is True
        assert AssessmentDomain.objects.get(pk=housing.pk).is_part2 is False

    def test_substance_use_is_recorded_only_by_the_current_care_team(
        self, enrollment: Enrollment, supervisor: User
    ) -> None:
        # The team's supervisor may change the record, but 42 CFR Part 2 content is the care team's.
        with pytest.raises(PermissionDenied):
            _assess(enrollment, supervisor, AssessmentDomainKind.SUBSTANCE_USE)

        assert AssessmentDomain.objects.filter(enrollment=enrollment).exists() is False
        assert _assess(enrollment, supervisor, AssessmentDomainKind.HOUSING).is_part2 is False

    @pytest.mark.parametrize("summary", ["", "  "])
    def test_an_empty_summary_is_refused(
        self, enrollment: Enrollment, care_manager: User, summary: str
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            assessment_domain_record(
                enrollment=enrollment,
                acting_user=care_manager,
                domain=AssessmentDomainKind.FOOD,
                summary=summary,
            )

        assert _refused(refusal) == "Write what the person told you, in a few words."
        assert AssessmentDomain.objects.filter(enrollment=enrollment).exists() is False

    def test_an_empty_summary_does_not_wipe_an_earlier_one(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        assessment_domain_record(
            enrollment=enrollment,
            acting_user=care_manager,
            domain=AssessmentDomainKind.FOOD,
            summary="Food bank",
        )

        with pytest.raises(DomainError):
            assessment_domain_record(
                enrollment=enrollment, acting_user=care_manager, domain=AssessmentDomainKind.FOOD, summary=" "
            )

        assert AssessmentDomain.objects.get(enrollment=enrollment).summary == "Food bank"

    @pytest.mark.parametrize(
        ("day_of", "message"),
        [
            pytest.param(
                lambda enrollment: _today(enrollment) + DAY,
                "The day is in the future. Enter the day you talked about it.",
                id="future",
            ),
            pytest.param(
                lambda enrollment: enrollment.referred_on - DAY,
                "The day is before the person was referred.",
                id="before the referral",
            ),
        ],
    )
    def test_a_day_outside_the_episode_is_refused(
        self,
        enrollment: Enrollment,
        care_manager: User,
        day_of: Callable[[Enrollment], datetime.date],
        message: str,
    ) -> None:
        with pytest.raises(DomainError) as refusal:
            assessment_domain_record(
                enrollment=enrollment,
                acting_user=care_manager,
                domain=AssessmentDomainKind.FOOD,
                summary="Food bank on Fridays",
                on=day_of(enrollment),
            )

        assert _refused(refusal) == message
        assert AssessmentDomain.objects.filter(enrollment=enrollment).exists() is False

    @pytest.mark.parametrize("status", [S.REFERRED, S.DECLINED])
    def test_a_person_not_in_care_is_refused(
        self, make_enrollment: MakeEnrollment, care_manager: User, status: str
    ) -> None:
        enrollment = make_enrollment(status=status)

        with pytest.raises(DomainError) as refusal:
            assessment_domain_record(
                enrollment=enrollment,
                acting_user=care_manager,
                domain=AssessmentDomainKind.HOUSING,
                summary="Sleeping in the car",
            )

        assert _refused(refusal) == (
            "The assessment can be filled in only while the person is in outreach or in care."
        )
        assert AssessmentDomain.objects.filter(enrollment=enrollment).exists() is False

    def test_an_unknown_domain_or_need_level_is_refused(
        self, enrollment: Enrollment, care_manager: User
    ) -> None:
        with pytest.raises(DomainError) as unknown_domain:
            assessment_domain_record(
                enrollment=enrollment, acting_user=care_manager, domain="horoscope", summary="Leo"
            )
        with pytest.raises(DomainError) as unknown_level:
            assessment_domain_record(
                enrollment=enrollment,
                acting_user=care_manager,
                domain=AssessmentDomainKind.FOOD,
                summary="Food bank",
                need_level="enormous",
            )

        assert _refused(unknown_domain) == "Choose a part of the assessment."
        assert _refused(unknown_level) == "Choose how much need there is, or leave it blank."
        assert AssessmentDomain.objects.filter(enrollment=enrollment).exists() is False


def _assess(
    enrollment: Enrollment, user: User, domain: str, summary: str = "Talked about it"
) -> AssessmentDomain:
    return assessment_domain_record(enrollment=enrollment, acting_user=user, domain=domain, summary=summary)


class TestAssessmentNeedToGoal:
    def test_starts_the_plan_when_there_is_none(self, enrollment: Enrollment, care_manager: User) -> None:
        entry = _assess(enrollment, care_manager, AssessmentDomainKind.HOUSING)

        goal = assessment_need_to_goal(
            entry=entry, acting_user=care_manager, patient_words="A safe place to sleep"
        )

        plan = CarePlan.objects.get(enrollment=enrollment)
        assert plan.status == CarePlanStatus.ACTIVE
        assert plan.revision == 2
        assert _version_revisions(plan) == [1, 2]
        stored = Goal.objects.get(pk=goal.pk)
        assert stored.care_plan_id == plan.pk
        assert stored.from_assessment_id == entry.pk
        assert stored.life_domain == LifeDomain.HOUSING
        assert stored.patient_words == "A safe place to sleep"

    def test_uses_the_plan_already_in_use(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        entry = _assess(enrollment, care_manager, AssessmentDomainKind.INCOME_BENEFITS)

        goal = assessment_need_to_goal(
            entry=entry, acting_user=care_manager, patient_words="Get my disability check"
        )

        assert CarePlan.objects.filter(enrollment=enrollment).count() == 1
        stored = Goal.objects.get(pk=goal.pk)
        assert (stored.care_plan_id, stored.life_domain, stored.from_assessment_id) == (
            plan.pk,
            LifeDomain.MONEY,
            entry.pk,
        )

    @pytest.mark.parametrize(
        ("domain", "life_domain"),
        [
            (AssessmentDomainKind.HOUSING, LifeDomain.HOUSING),
            (AssessmentDomainKind.INCOME_BENEFITS, LifeDomain.MONEY),
            (AssessmentDomainKind.SUBSTANCE_USE, LifeDomain.RECOVERY),
            (AssessmentDomainKind.MEDICATIONS, LifeDomain.HEALTH),
            (AssessmentDomainKind.STRENGTHS, LifeDomain.OTHER),
        ],
    )
    def test_the_life_domain_follows_the_assessment_domain(
        self, enrollment: Enrollment, care_manager: User, domain: str, life_domain: str
    ) -> None:
        entry = _assess(enrollment, care_manager, domain)

        goal = assessment_need_to_goal(
            entry=entry, acting_user=care_manager, patient_words="Something that matters"
        )

        assert Goal.objects.get(pk=goal.pk).life_domain == life_domain

    def test_a_chosen_life_domain_wins(self, enrollment: Enrollment, care_manager: User) -> None:
        entry = _assess(enrollment, care_manager, AssessmentDomainKind.HOUSING)

        goal = assessment_need_to_goal(
            entry=entry,
            acting_user=care_manager,
            patient_words="Live near my kids",
            life_domain=LifeDomain.FAMILY,
        )

        assert Goal.objects.get(pk=goal.pk).life_domain == LifeDomain.FAMILY

    def test_empty_words_start_no_plan(self, enrollment: Enrollment, care_manager: User) -> None:
        entry = _assess(enrollment, care_manager, AssessmentDomainKind.HOUSING)

        with pytest.raises(DomainError) as refusal:
            assessment_need_to_goal(entry=entry, acting_user=care_manager, patient_words="  ")

        assert _refused(refusal) == "Write the goal in the person's own words."
        assert CarePlan.objects.filter(enrollment=enrollment).exists() is False
        assert Goal.objects.exists() is False


class TestAssessmentNeedToStep:
    def test_adds_a_step_from_the_assessment(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        entry = _assess(enrollment, care_manager, AssessmentDomainKind.HOUSING)
        goal = _add_goal(plan, care_manager)

        step = assessment_need_to_step(
            entry=entry,
            goal=goal,
            acting_user=care_manager,
            description="Apply for housing",
            owner=StepOwner.PATIENT,
        )

        stored = Step.objects.get(pk=step.pk)
        assert (stored.goal_id, stored.from_assessment_id, stored.description) == (
            goal.pk,
            entry.pk,
            "Apply for housing",
        )
        assert _revision(plan) == 3

    def test_a_goal_from_another_enrolment_is_refused(
        self,
        plan: CarePlan,
        enrollment: Enrollment,
        enrollment_other_team: Enrollment,
        care_manager: User,
        care_manager_other_team: User,
    ) -> None:
        entry = _assess(enrollment, care_manager, AssessmentDomainKind.HOUSING)
        other_plan = care_plan_start(enrollment=enrollment_other_team, acting_user=care_manager_other_team)
        other_goal = _add_goal(other_plan, care_manager_other_team, "Someone else's goal")

        with pytest.raises(DomainError) as refusal:
            assessment_need_to_step(
                entry=entry,
                goal=other_goal,
                acting_user=care_manager,
                description="Apply for housing",
                owner=StepOwner.PATIENT,
            )

        assert _refused(refusal) == "That goal is not in this person's plan."
        assert Step.objects.exists() is False
        assert (_revision(plan), _revision(other_plan)) == (1, 2)


# --- plan_handout_record ------------------------------------------------------------------------


class TestPlanHandoutRecord:
    def test_stores_the_handout_as_given(
        self, plan: CarePlan, enrollment: Enrollment, care_manager: User
    ) -> None:
        _add_goal(plan, care_manager)

        handout = plan_handout_record(
            care_plan=plan,
            acting_user=care_manager,
            revision=2,
            language="es",
            content_html="<h1>Mi plan</h1><p>Quiero mi propia casa</p>",
        )

        stored = PlanHandout.objects.get(pk=handout.pk)
        assert (stored.care_plan_id, stored.revision, stored.language) == (plan.pk, 2, "es")
        assert stored.content_html == "<h1>Mi plan</h1><p>Quiero mi propia casa</p>"
        assert (stored.handed_on, stored.handed_by_id) == (_today(enrollment), care_manager.pk)
        assert _revision(plan) == 2  # handing it over changes nothing in the plan

    def test_a_handout_of_an_earlier_revision_is_refused(self, plan: CarePlan, care_manager: User) -> None:
        _add_goal(plan, care_manager)

        with pytest.raises(DomainError) as refusal:
            plan_handout_record(
                care_plan=plan,
                acting_user=care_manager,
                revision=1,
                language="en",
                content_html="<h1>My plan</h1>",
            )

        assert _refused(refusal) == (
            "The plan changed after this handout was made (it is now version 2). "
            "Open the handout again so the person gets the current plan."
        )
        assert PlanHandout.objects.exists() is False

    @pytest.mark.parametrize(
        ("changes_on", "message"),
        [
            pytest.param(lambda today: {"language": "fr"}, "Choose the handout's language.", id="language"),
            pytest.param(lambda today: {"content_html": " "}, "The handout is empty.", id="empty"),
            pytest.param(
                lambda today: {"on": today + DAY},
                "The day it was handed over is in the future.",
                id="handed over in the future",
            ),
        ],
    )
    def test_a_handout_that_cannot_be_kept_is_refused(
        self,
        plan: CarePlan,
        enrollment: Enrollment,
        care_manager: User,
        changes_on: Callable[[datetime.date], dict[str, object]],
        message: str,
    ) -> None:
        arguments = {"revision": 1, "language": "en", "content_html": "<h1>My plan</h1>"}

        with pytest.raises(DomainError) as refusal:
            plan_handout_record(
                care_plan=plan, acting_user=care_manager, **arguments | changes_on(_today(enrollment))
            )

        assert _refused(refusal) == message
        assert PlanHandout.objects.exists() is False
