"""Candidates from recorded utilisation: the rule, the recompute, and the nightly job on a real worker."""

import datetime

import pytest

from caseloads.models import Candidate
from caseloads.services import candidates_recompute
from config.celery import app
from engagement.models import LifeEventKind
from patients.models import EnrollmentStatus
from tests.celery_worker import celery_worker, wait_for
from tests.engagement.factories import LifeEventFactory
from tests.patients.factories import PatientFactory


def admitted(patient, *days_ago: int, kind: str = LifeEventKind.ADMISSION) -> None:
    today = patient.program.today()
    for days in days_ago:
        LifeEventFactory(
            patient=patient, enrollment=None, kind=kind, occurred_on=today - datetime.timedelta(days=days)
        )


@pytest.mark.django_db
def test_two_admissions_within_six_months_make_a_candidate(program) -> None:
    twice = PatientFactory(program=program)
    admitted(twice, 10, 100)
    once = PatientFactory(program=program)
    admitted(once, 10)
    long_ago = PatientFactory(program=program)
    admitted(long_ago, 10, 200)
    readmitted = PatientFactory(program=program)
    admitted(readmitted, 5)
    admitted(readmitted, 3, kind=LifeEventKind.READMISSION)

    assert candidates_recompute(program=program) == 2

    stored = {candidate.patient: candidate for candidate in Candidate.objects.filter(program=program)}
    assert set(stored) == {twice, readmitted}
    assert stored[twice].admissions == 2
    assert stored[twice].last_admission_on == program.today() - datetime.timedelta(days=10)


@pytest.mark.django_db
def test_someone_already_in_the_program_is_not_a_candidate(program, make_enrollment, care_manager) -> None:
    enrolled = make_enrollment(status=EnrollmentStatus.ACTIVE, care_manager=care_manager)
    admitted(enrolled.patient, 10, 20)
    assert candidates_recompute(program=enrolled.program) == 0


@pytest.mark.django_db
def test_running_twice_keeps_the_same_candidates_and_drops_those_who_no_longer_qualify(program) -> None:
    patient = PatientFactory(program=program)
    admitted(patient, 10, 20)
    candidates_recompute(program=program)
    first = list(Candidate.objects.values_list("pk", "patient_id", "admissions"))
    candidates_recompute(program=program)
    assert list(Candidate.objects.values_list("pk", "patient_id", "admissions")) == first

    program.candidate_admissions = 3
    program.save()
    candidates_recompute(program=program)
    assert Candidate.objects.exists() is False


@pytest.mark.django_db(transaction=True)
def test_the_job_runs_on_a_real_worker_through_redis(program) -> None:
    patient = PatientFactory(program=program)
    admitted(patient, 10, 20)

    with celery_worker() as send:
        send("caseloads.candidates_recompute", program.pk)
        wait_for(
            lambda: Candidate.objects.filter(patient=patient).exists(), what="the candidate to be stored"
        )

    assert Candidate.objects.get(patient=patient).admissions == 2


def test_the_job_runs_every_night() -> None:
    schedule = app.conf.beat_schedule["candidates-nightly"]
    assert schedule["task"] == "caseloads.candidates_recompute"
    app.loader.import_default_modules()  # what a worker or beat does at start-up: find every app's tasks
    assert "caseloads.candidates_recompute" in app.tasks
