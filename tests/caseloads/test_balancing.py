"""Balancing: the pure proposal (no database), then the team's facts and applying chosen moves."""

import datetime
from fractions import Fraction

import pytest

from accounts.errors import DomainError
from accounts.models import Discipline, Program, Team, User
from caseloads.balancing import (
    END_REASON_PREFIX,
    CareManagerLoad,
    ChosenMove,
    MovableEnrollment,
    Proposal,
    caseload_moves_apply,
    propose_moves,
    team_balance_for,
)
from caseloads.models import CaseloadRecomputeRequest, IntensityLevel
from engagement.models import LifeEvent, LifeEventKind
from patients.models import CareTeamMember, Enrollment, EnrollmentStatus
from patients.services import primary_care_manager_assign
from tests.accounts.factories import TeamMembershipFactory, UserFactory
from tests.caseloads.factories import CaseloadStatusFactory
from tests.conftest import MakeEnrollment

SW, RN = Discipline.SOCIAL_WORKER, Discipline.REGISTERED_NURSE
TOLERANCE = 3  # one person at the highest level, by default


def manager(
    user_id: int, points: int, *, capacity: int = 60, discipline: str = SW, name: str = ""
) -> CareManagerLoad:
    return CareManagerLoad(
        user_id=user_id,
        name=name or f"Care manager {user_id}",
        discipline=discipline,
        capacity=capacity,
        points=points,
    )


def person(
    enrollment_id: int,
    care_manager_id: int,
    *,
    weight: int = 1,
    outreach: bool = False,
    days: int = 200,
    crisis: bool = False,
    graduating: bool = False,
) -> MovableEnrollment:
    return MovableEnrollment(
        enrollment_id=enrollment_id,
        primary_member_id=enrollment_id + 1000,
        care_manager_id=care_manager_id,
        weight=weight,
        is_outreach=outreach,
        days_with_care_manager=days,
        has_recent_crisis=crisis,
        is_graduation_candidate=graduating,
    )


def caseload(care_manager_id: int, points: int, *, first_id: int, weight: int = 1) -> list[MovableEnrollment]:
    """`points` worth of people of `weight` with `care_manager_id`, ids from `first_id`."""
    return [person(first_id + n, care_manager_id, weight=weight) for n in range(points // weight)]


def spread(proposal: Proposal, managers: list[CareManagerLoad]) -> Fraction:
    """The gap between the furthest above and furthest below their fair share, after the moves."""
    share = Fraction(sum(m.points for m in managers), sum(m.capacity for m in managers))
    excess = [proposal.points_after[m.user_id] - share * m.capacity for m in managers]
    return max(excess) - min(excess)


class TestProposal:
    def test_a_balanced_team_gets_no_moves(self) -> None:
        managers = [manager(1, 30), manager(2, 32), manager(3, 29)]
        people = caseload(1, 30, first_id=100) + caseload(2, 32, first_id=200) + caseload(3, 29, first_id=300)

        proposal = propose_moves(care_managers=managers, enrollments=people, tolerance=TOLERANCE)

        assert proposal.moves == []
        assert proposal.points_after == {1: 30, 2: 32, 3: 29}

    def test_an_overloaded_care_manager_gives_people_to_the_least_loaded_first(self) -> None:
        ana, ben, cleo = manager(1, 74, name="Ana Reyes"), manager(2, 31, name="Ben Okafor"), manager(3, 45)
        people = caseload(1, 74, first_id=100) + caseload(2, 31, first_id=200) + caseload(3, 45, first_id=300)

        proposal = propose_moves(care_managers=[ana, ben, cleo], enrollments=people, tolerance=TOLERANCE)

        first = proposal.moves[0]
        assert (first.from_user_id, first.to_user_id, first.weight) == (1, 2, 1)
        assert first.reason == "Ana Reyes is at 74 of 60 points; Ben Okafor at 31 of 60."
        assert {move.from_user_id for move in proposal.moves} == {1}
        # Fair share is 50 each; moves stop once Ana is within one high-intensity person (3) of the others.
        assert proposal.points_after == {1: 52, 2: 49, 3: 49}
        assert spread(proposal, [ana, ben, cleo]) <= TOLERANCE

    def test_the_reasons_follow_the_loads_as_moves_add_up(self) -> None:
        ana, ben = manager(1, 20, capacity=30, name="Ana"), manager(2, 10, capacity=30, name="Ben")
        people = caseload(1, 20, first_id=100)

        proposal = propose_moves(care_managers=[ana, ben], enrollments=people, tolerance=TOLERANCE)

        assert [move.reason for move in proposal.moves] == [
            "Ana is at 20 of 30 points; Ben at 10 of 30.",
            "Ana is at 19 of 30 points; Ben at 11 of 30.",
            "Ana is at 18 of 30 points; Ben at 12 of 30.",
            "Ana is at 17 of 30 points; Ben at 13 of 30.",
        ]
        assert proposal.points_after == {1: 16, 2: 14}

    def test_people_stay_with_a_care_manager_of_the_same_discipline(self) -> None:
        social_worker = manager(1, 70, discipline=SW)
        nurse_with_room = manager(2, 0, discipline=RN)
        other_social_worker = manager(3, 50, discipline=SW)
        people = caseload(1, 70, first_id=100) + caseload(3, 50, first_id=300)

        proposal = propose_moves(
            care_managers=[social_worker, nurse_with_room, other_social_worker],
            enrollments=people,
            tolerance=TOLERANCE,
        )

        assert proposal.moves
        assert {move.to_user_id for move in proposal.moves} == {3}
        assert proposal.points_after[2] == 0

    def test_a_care_manager_without_a_recorded_discipline_is_matched_only_with_others_without_one(
        self,
    ) -> None:
        unrecorded, nurse = manager(1, 40, discipline=""), manager(2, 0, discipline=RN)
        other_unrecorded = manager(3, 0, discipline="")

        proposal = propose_moves(
            care_managers=[unrecorded, nurse, other_unrecorded],
            enrollments=caseload(1, 40, first_id=100),
            tolerance=TOLERANCE,
        )

        assert {move.to_user_id for move in proposal.moves} == {3}

    def test_a_receiver_is_never_taken_over_capacity(self) -> None:
        giver = manager(1, 60, capacity=40)
        small = manager(2, 8, capacity=10)
        people = caseload(1, 60, first_id=100, weight=3)

        proposal = propose_moves(care_managers=[giver, small], enrollments=people, tolerance=TOLERANCE)

        assert proposal.points_after[2] <= 10
        assert [
            move.weight for move in proposal.moves
        ] == []  # a 3-point person does not fit in 2 points of room

    def test_when_only_part_fits_the_receiver_fills_up_to_its_capacity_and_no_further(self) -> None:
        giver, receiver = manager(1, 80), manager(2, 55)
        people = caseload(1, 80, first_id=100)

        proposal = propose_moves(care_managers=[giver, receiver], enrollments=people, tolerance=TOLERANCE)

        assert proposal.points_after == {1: 75, 2: 60}

    def test_everyone_over_capacity_means_no_moves(self) -> None:
        managers = [manager(1, 90), manager(2, 61)]

        proposal = propose_moves(
            care_managers=managers, enrollments=caseload(1, 90, first_id=100), tolerance=TOLERANCE
        )

        assert proposal.moves == []

    def test_no_one_is_moved_to_a_care_manager_without_capacity(self) -> None:
        managers = [manager(1, 40, capacity=40), manager(2, 0, capacity=0), manager(3, 20, capacity=40)]

        proposal = propose_moves(
            care_managers=managers, enrollments=caseload(1, 40, first_id=100), tolerance=TOLERANCE
        )

        assert proposal.moves
        assert {move.to_user_id for move in proposal.moves} == {3}
        assert proposal.points_after[2] == 0

    def test_people_with_a_recent_crisis_or_ready_to_graduate_are_never_proposed(self) -> None:
        people = [person(1, 1, crisis=True), person(2, 1, graduating=True), person(3, 1, weight=1)]

        proposal = propose_moves(
            care_managers=[manager(1, 20, capacity=20), manager(2, 0, capacity=20)],
            enrollments=people,
            tolerance=TOLERANCE,
        )

        assert [move.enrollment_id for move in proposal.moves] == [3]

    def test_least_disruption_first_outreach_then_new_relationships_then_the_lightest(self) -> None:
        people = [
            person(1, 1, weight=1, days=400),
            person(2, 1, weight=3, days=10),
            person(3, 1, weight=2, outreach=True, days=5),
            person(4, 1, weight=2, days=400),
            person(5, 1, weight=1, days=20),
        ]

        proposal = propose_moves(
            care_managers=[manager(1, 40, capacity=40), manager(2, 0, capacity=40)],
            enrollments=people,
            tolerance=TOLERANCE,
        )

        assert [move.enrollment_id for move in proposal.moves] == [3, 5, 2, 1, 4]

    def test_a_move_never_overshoots_a_person_heavier_than_the_gap_is_skipped(self) -> None:
        # The gap is 6: a 3-point person narrows it to 0; nobody needs to move after that.
        people = [person(1, 1, weight=3), person(2, 1, weight=3), person(3, 1, weight=3)]

        proposal = propose_moves(
            care_managers=[manager(1, 9, capacity=30), manager(2, 3, capacity=30)],
            enrollments=people,
            tolerance=TOLERANCE,
        )

        assert len(proposal.moves) == 1
        assert proposal.points_after == {1: 6, 2: 6}

    def test_fair_shares_follow_capacity(self) -> None:
        # 60 points across 60 + 30 capacity: fair shares are 40 and 20.
        full_time, part_time = manager(1, 20, capacity=60), manager(2, 40, capacity=30)

        proposal = propose_moves(
            care_managers=[full_time, part_time],
            enrollments=caseload(2, 40, first_id=100),
            tolerance=TOLERANCE,
        )

        assert {move.to_user_id for move in proposal.moves} == {1}
        assert abs(proposal.points_after[2] - 20) <= TOLERANCE

    def test_nobody_moves_twice(self) -> None:
        managers = [manager(1, 60), manager(2, 30), manager(3, 0)]
        people = caseload(1, 60, first_id=100) + caseload(2, 30, first_id=200)

        proposal = propose_moves(care_managers=managers, enrollments=people, tolerance=TOLERANCE)

        ids = [move.enrollment_id for move in proposal.moves]
        assert len(ids) == len(set(ids))
        assert spread(proposal, managers) <= TOLERANCE


# --- the team's facts and applying moves (database) ---------------------------------------------


def care_manager_in(team: Team, *, capacity: int = 20, discipline: str = SW, first_name: str = "") -> User:
    user = UserFactory(program=team.program, caseload_capacity=capacity, discipline=discipline)
    if first_name:
        user.first_name = first_name
        user.save(update_fields=["first_name"])
    TeamMembershipFactory(team=team, user=user)
    return user


def give(
    make_enrollment: MakeEnrollment,
    care_manager: User,
    level: str | None = IntensityLevel.MEDIUM,
    *,
    status: str = EnrollmentStatus.ACTIVE,
) -> Enrollment:
    enrollment = make_enrollment(status=status, care_manager=care_manager)
    if level is not None:
        CaseloadStatusFactory(enrollment=enrollment, care_manager=care_manager, recommended_level=level)
    return enrollment


def primary_of(enrollment: Enrollment) -> CareTeamMember:
    return CareTeamMember.objects.get(enrollment=enrollment, is_primary=True, ended_on__isnull=True)


def chosen(
    enrollment: Enrollment, to: User, *, reason: str = "Evening out the team.", note: str = "Likes texts."
) -> ChosenMove:
    return ChosenMove(
        enrollment_id=enrollment.pk,
        from_member_id=primary_of(enrollment).pk,
        to_user_id=to.pk,
        reason=reason,
        transfer_note=note,
    )


@pytest.mark.django_db
class TestTeamBalance:
    def test_loads_count_levels_and_the_overloaded_care_manager_gives_to_the_one_with_room(
        self, program: Program, team_a: Team, supervisor: User, make_enrollment: MakeEnrollment
    ) -> None:
        busy = care_manager_in(team_a, capacity=6)
        free = care_manager_in(team_a, capacity=6)
        for level in (IntensityLevel.HIGH, IntensityLevel.HIGH, IntensityLevel.LOW, None):
            give(make_enrollment, busy, level)
        low = Enrollment.objects.filter(caseload_status__current_level=IntensityLevel.LOW).get()

        balance = team_balance_for(user=supervisor, team=team_a)

        assert {row.care_manager.pk: row.points for row in balance.rows} == {busy.pk: 9, free.pk: 0}
        # The lightest person moves first; the gap (then 7 points) is above one high-intensity person.
        first = balance.moves[0]
        assert (first.enrollment.pk, first.to_user.pk) == (low.pk, free.pk)
        assert {row.care_manager.pk: row.points_after for row in balance.rows} == {busy.pk: 6, free.pk: 3}

    def test_someone_with_a_crisis_within_the_look_back_stays(
        self, program: Program, team_a: Team, supervisor: User, make_enrollment: MakeEnrollment
    ) -> None:
        busy = care_manager_in(team_a, capacity=10)
        care_manager_in(team_a, capacity=10)
        people = [give(make_enrollment, busy, IntensityLevel.LOW) for _ in range(8)]
        for enrollment in people:
            LifeEvent.objects.create(
                patient=enrollment.patient,
                enrollment=enrollment,
                kind=LifeEventKind.ED_VISIT,
                occurred_on=program.today() - datetime.timedelta(days=3),
                recorded_by=busy,
            )

        balance = team_balance_for(user=supervisor, team=team_a)

        assert balance.moves == []
        assert balance.held_count == 8


@pytest.mark.django_db
class TestApplyingMoves:
    def test_a_move_makes_the_new_care_manager_primary_with_the_note_and_keeps_the_reason(
        self, program: Program, team_a: Team, supervisor: User, make_enrollment: MakeEnrollment
    ) -> None:
        ana, ben = care_manager_in(team_a), care_manager_in(team_a)
        enrollment = give(make_enrollment, ana)
        before = primary_of(enrollment)

        caseload_moves_apply(
            team=team_a,
            moves=[chosen(enrollment, ben, reason="Ana is at 24 of 20.", note="Prefers mornings.")],
            acting_user=supervisor,
        )

        after = primary_of(enrollment)
        assert (after.user_id, after.transfer_note, after.started_on) == (
            ben.pk,
            "Prefers mornings.",
            program.today(),
        )
        before.refresh_from_db()
        assert before.ended_on == program.today()
        assert before.end_reason == END_REASON_PREFIX + "Ana is at 24 of 20."
        assert CaseloadRecomputeRequest.objects.filter(enrollment=enrollment).exists() is True

    def test_a_stale_move_is_refused_and_nothing_of_the_others_is_stored(
        self, program: Program, team_a: Team, supervisor: User, make_enrollment: MakeEnrollment
    ) -> None:
        ana, ben, cleo = care_manager_in(team_a), care_manager_in(team_a), care_manager_in(team_a)
        first, second = give(make_enrollment, ana), give(make_enrollment, ana)
        moves = [chosen(first, ben), chosen(second, ben)]
        # Someone else transfers the second person after the proposal was made.
        primary_care_manager_assign(enrollment=second, care_manager=cleo, acting_user=supervisor)

        with pytest.raises(DomainError, match="primary care manager has changed since"):
            caseload_moves_apply(team=team_a, moves=moves, acting_user=supervisor)

        assert primary_of(first).user_id == ana.pk
        assert primary_of(second).user_id == cleo.pk

    @pytest.mark.parametrize(
        ("reason", "note", "refusal"),
        [
            ("", "Likes texts.", "Give a reason"),
            ("Evening out.", "  ", "Write a warm-transfer note"),
        ],
    )
    def test_a_move_needs_a_reason_and_a_note(
        self,
        team_a: Team,
        supervisor: User,
        make_enrollment: MakeEnrollment,
        reason: str,
        note: str,
        refusal: str,
    ) -> None:
        ana, ben = care_manager_in(team_a), care_manager_in(team_a)
        enrollment = give(make_enrollment, ana)

        with pytest.raises(DomainError, match=refusal):
            caseload_moves_apply(
                team=team_a, moves=[chosen(enrollment, ben, reason=reason, note=note)], acting_user=supervisor
            )

        assert primary_of(enrollment).user_id == ana.pk

    def test_a_move_that_would_take_the_receiver_over_capacity_is_refused(
        self, team_a: Team, supervisor: User, make_enrollment: MakeEnrollment
    ) -> None:
        ana, ben = care_manager_in(team_a), care_manager_in(team_a, capacity=3)
        give(make_enrollment, ben, IntensityLevel.MEDIUM)
        enrollment = give(make_enrollment, ana, IntensityLevel.MEDIUM)

        with pytest.raises(DomainError, match="at 4 of 3 points"):
            caseload_moves_apply(team=team_a, moves=[chosen(enrollment, ben)], acting_user=supervisor)

        assert primary_of(enrollment).user_id == ana.pk

    def test_a_care_manager_from_another_team_cannot_receive(
        self, team_a: Team, supervisor: User, care_manager_other_team: User, make_enrollment: MakeEnrollment
    ) -> None:
        ana = care_manager_in(team_a)
        enrollment = give(make_enrollment, ana)

        with pytest.raises(DomainError, match="Choose a care manager in Team A"):
            caseload_moves_apply(
                team=team_a, moves=[chosen(enrollment, care_manager_other_team)], acting_user=supervisor
            )

    def test_someone_from_another_team_cannot_be_moved_through_this_team(
        self, team_a: Team, supervisor: User, enrollment_other_team: Enrollment
    ) -> None:
        ben = care_manager_in(team_a)

        with pytest.raises(DomainError, match="no longer in this team's caseload"):
            caseload_moves_apply(
                team=team_a, moves=[chosen(enrollment_other_team, ben)], acting_user=supervisor
            )

        assert primary_of(enrollment_other_team).user_id != ben.pk

    def test_only_the_team_supervisor_or_a_program_admin_may_apply(
        self,
        team_a: Team,
        supervisor_other_team: User,
        program_lead: User,
        program_admin: User,
        make_enrollment: MakeEnrollment,
    ) -> None:
        ana, ben = care_manager_in(team_a), care_manager_in(team_a)
        enrollment = give(make_enrollment, ana)
        for not_allowed in (supervisor_other_team, program_lead, ana):
            with pytest.raises(DomainError, match="Only a supervisor of this team"):
                caseload_moves_apply(team=team_a, moves=[chosen(enrollment, ben)], acting_user=not_allowed)

        caseload_moves_apply(team=team_a, moves=[chosen(enrollment, ben)], acting_user=program_admin)

        assert primary_of(enrollment).user_id == ben.pk
