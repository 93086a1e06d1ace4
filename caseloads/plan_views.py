"""The care plan page, co-created with the patient. (Being built.)"""

from django.http import Http404, HttpRequest, HttpResponse


def care_plan(request: HttpRequest, patient_id: int) -> HttpResponse:
    raise Http404


care_plan_start = care_plan_details = goal_create = care_plan_versions = care_plan


def goal_update(request: HttpRequest, patient_id: int, goal_id: int) -> HttpResponse:
    raise Http404


goal_move = step_create = goal_update


def step_mark(request: HttpRequest, patient_id: int, step_id: int) -> HttpResponse:
    raise Http404


def care_plan_version(request: HttpRequest, patient_id: int, revision: int) -> HttpResponse:
    raise Http404
