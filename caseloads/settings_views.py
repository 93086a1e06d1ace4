"""Program settings for admins. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def program_settings(request: HttpRequest) -> HttpResponse:
    raise Http404


def settings_program(request: HttpRequest) -> HttpResponse:
    raise Http404


def settings_intensity(request: HttpRequest) -> HttpResponse:
    raise Http404


def settings_graduation(request: HttpRequest) -> HttpResponse:
    raise Http404


def settings_team_create(request: HttpRequest) -> HttpResponse:
    raise Http404


def settings_team_member_add(request: HttpRequest, team_id: int) -> HttpResponse:
    raise Http404


def settings_team_member_remove(request: HttpRequest, team_id: int, user_id: int) -> HttpResponse:
    raise Http404


def settings_person_update(request: HttpRequest, user_id: int) -> HttpResponse:
    raise Http404


def settings_question_create(request: HttpRequest) -> HttpResponse:
    raise Http404


def settings_question_update(request: HttpRequest, question_id: int) -> HttpResponse:
    raise Http404
