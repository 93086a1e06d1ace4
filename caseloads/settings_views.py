"""Program settings for admins: the program's limits, teams and members, people, screening questions,
levels of care and graduation criteria, and the API tokens of other systems, on one page.

Each form posts to its own URL and goes to one service. htmx gets the changed section back in place;
a plain post is redirected to the section with a message. A refusal answers 422 with the form as it
was filled in, and nothing is stored. Another program's teams, people and questions answer 404.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import services as accounts
from accounts.api_tokens import api_token_create, api_token_revoke, api_tokens_of
from accounts.decorators import program_admin_required
from accounts.errors import DomainError
from accounts.models import ApiToken, Program, User
from caseloads import settings_services
from caseloads.forms_settings import (
    ApiTokenCreateForm,
    ConfirmForm,
    GraduationCriteriaForm,
    IntensityPolicyForm,
    PersonSettingsForm,
    ProgramSettingsForm,
    QuestionActiveForm,
    QuestionAddForm,
    QuestionEditForm,
    QuestionMoveForm,
    SettingsForm,
    TeamForm,
    TeamMemberAddForm,
)
from caseloads.settings_selectors import (
    PersonSettings,
    ProgramSettings,
    QuestionSettings,
    TeamSettings,
    api_token_for_admin,
    person_for_admin,
    program_of_admin,
    program_settings_for,
    question_for_admin,
    team_for_admin,
    team_member_candidates,
)
from patients import services as patients

SETTINGS_TEMPLATE = "caseloads/settings.html"
# Forms with nothing to fill in: a refusal is shown beside the row's buttons.
ONE_CLICK_FORMS = (ConfirmForm, QuestionMoveForm, QuestionActiveForm)


@dataclass(frozen=True)
class Notice:
    """What the page says at one place after a post: saved, or why not."""

    saved: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TeamRow:
    settings: TeamSettings
    add_form: TeamMemberAddForm
    notice: Notice


@dataclass(frozen=True)
class PersonRow:
    settings: PersonSettings
    form: PersonSettingsForm
    notice: Notice


@dataclass(frozen=True)
class QuestionRow:
    settings: QuestionSettings
    form: QuestionEditForm
    notice: Notice


@dataclass(frozen=True)
class ApiTokenRow:
    token: ApiToken
    notice: Notice


@dataclass(frozen=True)
class NewApiKey:
    """A token just created and its key, shown once in the answer to the post and never again."""

    name: str
    key: str


def _section_of(key: str) -> str:
    """The page section a form belongs to: its key is the section, or "<kind>-<id>" of a row in it."""
    kind = key.split("-")[0]
    return {"team": "teams", "person": "people", "question": "questions", "api": "api-tokens"}.get(kind, kind)


def _person_initial(person: User) -> dict[str, Any]:
    fields = ("role", "discipline", "caseload_capacity", "is_active")
    return {name: getattr(person, name) for name in fields}


def _api_token_rows(program: Program, notice_at: Callable[[str], Notice]) -> Callable[[], list[ApiTokenRow]]:
    # Read when the template shows the tokens, so a post to another section costs no extra query.
    return lambda: [
        ApiTokenRow(token=token, notice=notice_at(f"api-token-{token.pk}"))
        for token in api_tokens_of(program)
    ]


def _page_context(
    page: ProgramSettings,
    *,
    key: str = "",
    bound: Form | None = None,
    notice: Notice | None = None,
    new_key: NewApiKey | None = None,
) -> dict[str, Any]:
    """The page's forms and rows. `bound` (the posted form that failed) replaces the blank form at
    `key`, and `notice` is shown there. `new_key` is a token's key just created."""
    notice = notice or Notice()

    def pick(at: str, blank: Callable[[], Form]) -> Any:
        return bound if bound is not None and key == at else blank()

    def notice_at(at: str) -> Notice:
        return notice if key == at else Notice()

    program, policy, criteria = page.program, page.intensity_policy, page.graduation_criteria
    return {
        "page": page,
        "key": key,
        "notice": notice,
        "program_form": pick(
            "program",
            lambda: ProgramSettingsForm(
                initial={name: getattr(program, name) for name in ProgramSettingsForm.base_fields}
            ),
        ),
        "intensity_form": pick(
            "intensity",
            lambda: IntensityPolicyForm(
                initial={name: getattr(policy, name) for name in IntensityPolicyForm.base_fields}
            ),
        ),
        "graduation_form": pick(
            "graduation",
            lambda: GraduationCriteriaForm(
                initial={name: getattr(criteria, name) for name in GraduationCriteriaForm.base_fields}
            ),
        ),
        "team_form": pick("team-create", TeamForm),
        "question_form": pick("question-create", QuestionAddForm),
        "api_token_form": pick("api-token-create", ApiTokenCreateForm),
        "api_token_rows": _api_token_rows(program, notice_at),
        "new_key": new_key,
        "team_rows": [
            TeamRow(
                settings=row,
                add_form=pick(
                    f"team-{row.team.pk}",
                    lambda row=row: TeamMemberAddForm(team_id=row.team.pk, candidates=row.candidates),
                ),
                notice=notice_at(f"team-{row.team.pk}"),
            )
            for row in page.teams
        ],
        "person_rows": [
            PersonRow(
                settings=row,
                form=pick(
                    f"person-{row.person.pk}",
                    lambda row=row: PersonSettingsForm(
                        person_id=row.person.pk, initial=_person_initial(row.person)
                    ),
                ),
                notice=notice_at(f"person-{row.person.pk}"),
            )
            for row in page.people
        ],
        "question_rows": [
            QuestionRow(
                settings=row,
                form=pick(
                    f"question-{row.question.pk}",
                    lambda row=row: QuestionEditForm(
                        question_id=row.question.pk, initial={"text": row.question.text}
                    ),
                ),
                notice=notice_at(f"question-{row.question.pk}"),
            )
            for row in page.questions
        ],
    }


def _render(
    request: HttpRequest,
    *,
    key: str = "",
    bound: Form | None = None,
    notice: Notice | None = None,
    new_key: NewApiKey | None = None,
    status: int = 200,
) -> TemplateResponse:
    """The whole page, or for htmx only the section `key` is in."""
    context = _page_context(
        program_settings_for(user=request.user), key=key, bound=bound, notice=notice, new_key=new_key
    )
    template = f"{SETTINGS_TEMPLATE}#{_section_of(key)}" if request.htmx and key else SETTINGS_TEMPLATE
    return TemplateResponse(request, template, context, status=status)


def _errors_of(form: Form) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def _change(
    request: HttpRequest,
    *,
    key: str,
    form: SettingsForm,
    save: Callable[[dict[str, Any]], Any],
    saved_message: Callable[[Any], str],
    saved_key: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """What every settings form does: valid input goes to the service; a refusal is shown where the
    form is (422) and nothing is stored. After a save htmx gets the section again, with the message
    where the change was made; a plain post goes back to the section."""
    result: Any = None
    if form.is_valid():
        try:
            result = save(form.service_arguments())
        except DomainError as refusal:
            form.add_error(None, refusal.message)
    if form.errors:
        if isinstance(form, ONE_CLICK_FORMS):
            return _render(request, key=key, notice=Notice(errors=_errors_of(form)), status=422)
        return _render(request, key=key, bound=form, status=422)
    message = saved_message(result)
    if not request.htmx:
        messages.success(request, message)
        return redirect(f"{reverse('caseloads:settings')}#{_section_of(key)}")
    return _render(request, key=saved_key(result) if saved_key else key, notice=Notice(saved=message))


@program_admin_required
@require_GET
def program_settings(request: HttpRequest) -> TemplateResponse:
    return _render(request)


@program_admin_required
@require_POST
def settings_program(request: HttpRequest) -> HttpResponse:
    program = program_of_admin(user=request.user)
    return _change(
        request,
        key="program",
        form=ProgramSettingsForm(request.POST),
        save=lambda arguments: accounts.program_settings_update(
            program=program, acting_user=request.user, **arguments
        ),
        saved_message=lambda _: "Program settings saved.",
    )


@program_admin_required
@require_POST
def settings_intensity(request: HttpRequest) -> HttpResponse:
    program = program_of_admin(user=request.user)
    return _change(
        request,
        key="intensity",
        form=IntensityPolicyForm(request.POST),
        save=lambda arguments: settings_services.intensity_policy_update(
            program=program, acting_user=request.user, **arguments
        ),
        saved_message=lambda _: "Levels of care saved. Caseloads are being updated with them now.",
    )


@program_admin_required
@require_POST
def settings_graduation(request: HttpRequest) -> HttpResponse:
    program = program_of_admin(user=request.user)
    return _change(
        request,
        key="graduation",
        form=GraduationCriteriaForm(request.POST),
        save=lambda arguments: settings_services.graduation_criteria_update(
            program=program, acting_user=request.user, **arguments
        ),
        saved_message=lambda _: (
            "Graduation criteria saved. Graduation readiness is being worked out again now."
        ),
    )


@program_admin_required
@require_POST
def settings_team_create(request: HttpRequest) -> HttpResponse:
    program = program_of_admin(user=request.user)
    return _change(
        request,
        key="team-create",
        form=TeamForm(request.POST),
        save=lambda arguments: accounts.team_create(program=program, acting_user=request.user, **arguments),
        saved_message=lambda team: f"Team “{team.name}” added. Add its members below.",
        saved_key=lambda team: f"team-{team.pk}",
    )


@program_admin_required
@require_POST
def settings_team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_for_admin(user=request.user, team_id=team_id)
    form = TeamMemberAddForm(request.POST, team_id=team.pk, candidates=team_member_candidates(team=team))
    return _change(
        request,
        key=f"team-{team.pk}",
        form=form,
        save=lambda arguments: accounts.team_member_add(team=team, acting_user=request.user, **arguments),
        saved_message=lambda membership: f"{membership.user} added to {team}.",
    )


@program_admin_required
@require_POST
def settings_team_member_remove(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    team = team_for_admin(user=request.user, team_id=team_id)
    person = person_for_admin(user=request.user, person_id=user_id)
    return _change(
        request,
        key=f"team-{team.pk}",
        form=ConfirmForm(request.POST),
        save=lambda _: settings_services.team_member_take_off(
            team=team, user=person, acting_user=request.user
        ),
        saved_message=lambda _: f"{person} taken off {team}.",
    )


@program_admin_required
@require_POST
def settings_person_update(request: HttpRequest, user_id: int) -> HttpResponse:
    person = person_for_admin(user=request.user, person_id=user_id)
    return _change(
        request,
        key=f"person-{person.pk}",
        form=PersonSettingsForm(request.POST, person_id=person.pk),
        save=lambda arguments: settings_services.person_settings_update(
            user=person, acting_user=request.user, **arguments
        ),
        saved_message=lambda saved: f"Saved {saved}'s settings.",
    )


@program_admin_required
@require_POST
def settings_question_create(request: HttpRequest) -> HttpResponse:
    program = program_of_admin(user=request.user)
    return _change(
        request,
        key="question-create",
        form=QuestionAddForm(request.POST),
        save=lambda arguments: patients.screening_question_add(
            program=program, acting_user=request.user, **arguments
        ),
        saved_message=lambda _: "Question added at the end of the list.",
        saved_key=lambda question: f"question-{question.pk}",
    )


@program_admin_required
@require_POST
def settings_question_update(request: HttpRequest, question_id: int) -> HttpResponse:
    """Reword a question (`text`), switch it off or on (`is_active` alone), or move it (`move=up|down`)."""
    question = question_for_admin(user=request.user, question_id=question_id)
    key = f"question-{question.pk}"
    if "move" in request.POST:
        return _change(
            request,
            key=key,
            form=QuestionMoveForm(request.POST),
            save=lambda arguments: patients.screening_question_move(
                question=question, acting_user=request.user, **arguments
            ),
            saved_message=lambda _: f"Moved {request.POST['move']}.",
        )
    if "text" not in request.POST:
        return _change(
            request,
            key=key,
            form=QuestionActiveForm(request.POST),
            save=lambda arguments: patients.screening_question_update(
                question=question, acting_user=request.user, **arguments
            ),
            saved_message=lambda saved: (
                "Asked at screening again."
                if saved.is_active
                else "No longer asked. Its past answers are kept."
            ),
        )
    return _change(
        request,
        key=key,
        form=QuestionEditForm(request.POST, question_id=question.pk),
        save=lambda arguments: patients.screening_question_update(
            question=question, acting_user=request.user, **arguments
        ),
        saved_message=lambda _: "Question saved.",
    )


@program_admin_required
@require_POST
@never_cache
def settings_api_token_create(request: HttpRequest) -> HttpResponse:
    """A token for another system. Its key is in this answer only: the page is rendered, not redirected
    to, so the key is never in a URL, a message or the session, and a reload does not show it again."""
    program = program_of_admin(user=request.user)
    form = ApiTokenCreateForm(request.POST)
    created: tuple[ApiToken, str] | None = None
    if form.is_valid():
        try:
            created = api_token_create(program=program, acting_user=request.user, **form.service_arguments())
        except DomainError as refusal:
            form.add_error(None, refusal.message)
    key = "api-token-create"
    if created is None:
        return _render(request, key=key, bound=form, status=422)
    token, secret = created
    return _render(
        request,
        key=key,
        notice=Notice(saved=f"Token “{token.name}” created."),
        new_key=NewApiKey(name=token.name, key=secret),
    )


@program_admin_required
@require_POST
def settings_api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke a token: the system using it gets 401 from its next request."""
    token = api_token_for_admin(user=request.user, token_id=token_id)
    return _change(
        request,
        key=f"api-token-{token.pk}",
        form=ConfirmForm(request.POST),
        save=lambda _: api_token_revoke(token=token, acting_user=request.user),
        saved_message=lambda _: f"Token “{token.name}” revoked. The system using it can no longer sign in.",
    )
