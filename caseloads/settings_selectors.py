"""Reads for the program settings page. Everything comes from the admin's own program: another
program's teams, people and questions answer 404, like ones that do not exist."""

from dataclasses import dataclass

from django.db.models import Count
from django.shortcuts import get_object_or_404

from accounts.models import ApiToken, Program, Team, TeamMembership, User
from accounts.services import TEAM_ROLES
from caseloads.models import GraduationCriteria, IntensityPolicy
from patients.models import ScreeningQuestion


@dataclass(frozen=True)
class TeamSettings:
    team: Team
    members: list[User]
    # Active care managers and supervisors of the program who are not in this team yet.
    candidates: list[User]


@dataclass(frozen=True)
class PersonSettings:
    person: User
    team_names: list[str]


@dataclass(frozen=True)
class QuestionSettings:
    question: ScreeningQuestion
    answer_count: int
    is_first: bool
    is_last: bool


@dataclass(frozen=True)
class ProgramSettings:
    program: Program
    # Unsaved defaults until an admin first saves them.
    intensity_policy: IntensityPolicy
    graduation_criteria: GraduationCriteria
    teams: list[TeamSettings]
    people: list[PersonSettings]
    questions: list[QuestionSettings]


def _program_of(user: User) -> Program:
    """The admin's program with its levels of care and graduation criteria, in one query."""
    return get_object_or_404(
        Program.objects.select_related("intensity_policy", "graduation_criteria"), pk=user.program_id
    )


def program_settings_for(*, user: User) -> ProgramSettings:
    """Everything the settings page shows for `user`'s program, in five queries whatever its size."""
    program = _program_of(user)
    try:
        policy = program.intensity_policy
    except IntensityPolicy.DoesNotExist:
        policy = IntensityPolicy(program=program)
    try:
        criteria = program.graduation_criteria
    except GraduationCriteria.DoesNotExist:
        criteria = GraduationCriteria(program=program)

    # A token's service user is managed on the API tokens card, not as a person.
    people = list(
        User.objects.filter(program=program, api_token__isnull=True).order_by("last_name", "first_name", "pk")
    )
    by_id = {person.pk: person for person in people}
    teams = list(Team.objects.filter(program=program).order_by("name", "pk"))
    member_ids: dict[int, set[int]] = {team.pk: set() for team in teams}
    team_names: dict[int, list[str]] = {person.pk: [] for person in people}
    names = {team.pk: team.name for team in teams}
    for team_id, user_id in TeamMembership.objects.filter(team__program=program).values_list(
        "team_id", "user_id"
    ):
        member_ids[team_id].add(user_id)
        team_names[user_id].append(names[team_id])
    addable = [person for person in people if person.is_active and person.role in TEAM_ROLES]

    questions = list(
        ScreeningQuestion.objects.filter(program=program)
        .annotate(answer_count=Count("answers"))
        .order_by("position", "pk")
    )
    return ProgramSettings(
        program=program,
        intensity_policy=policy,
        graduation_criteria=criteria,
        teams=[
            TeamSettings(
                team=team,
                members=[person for person in people if person.pk in member_ids[team.pk]],
                candidates=[person for person in addable if person.pk not in member_ids[team.pk]],
            )
            for team in teams
        ],
        people=[PersonSettings(person=by_id[pk], team_names=sorted(team_names[pk])) for pk in by_id],
        questions=[
            QuestionSettings(
                question=question,
                answer_count=question.answer_count,  # type: ignore[attr-defined]
                is_first=index == 0,
                is_last=index == len(questions) - 1,
            )
            for index, question in enumerate(questions)
        ],
    )


def program_of_admin(*, user: User) -> Program:
    """The admin's own program (404 for someone outside any program)."""
    return get_object_or_404(Program, pk=user.program_id)


def team_for_admin(*, user: User, team_id: int) -> Team:
    """A team of the admin's program; another program's team answers 404."""
    return get_object_or_404(Team.objects.select_related("program"), pk=team_id, program_id=user.program_id)


def person_for_admin(*, user: User, person_id: int) -> User:
    """Someone in the admin's program (not a token's service user); anyone else answers 404."""
    return get_object_or_404(User, pk=person_id, program_id=user.program_id, api_token__isnull=True)


def api_token_for_admin(*, user: User, token_id: int) -> ApiToken:
    """A token of the admin's program; another program's answers 404."""
    return get_object_or_404(ApiToken, pk=token_id, program_id=user.program_id)


def question_for_admin(*, user: User, question_id: int) -> ScreeningQuestion:
    """A screening question of the admin's program; another program's answers 404."""
    return get_object_or_404(ScreeningQuestion, pk=question_id, program_id=user.program_id)


def team_member_candidates(*, team: Team) -> list[User]:
    """Active care managers and supervisors of the team's program who are not in the team yet."""
    return list(
        User.objects.filter(program_id=team.program_id, is_active=True, role__in=TEAM_ROLES)
        .exclude(team_memberships__team=team)
        .order_by("last_name", "first_name", "pk")
    )
