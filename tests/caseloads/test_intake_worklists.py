"""The admin's intake worklists: approach again, waiting for a team, screening overdue, outreach stalled."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from caseloads.services import candidates_recompute
from engagement.models import LifeEventKind
from patients.models import Enrollment, EnrollmentStatus
from tests.dates import program_today
from tests.engagement.factories import ContactFactory, LifeEventFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

URL = reverse("caseloads:intake-worklists")
S = EnrollmentStatus


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, title: str) -> str:
    start = html.index(f">{title} <")
    return html[start : html.index("</section>", start)]


def declined(make_enrollment, *, reapproach_in_days: int) -> Enrollment:
    enrollment = make_enrollment(status=S.DECLINED)
    today = enrollment.program.today()
    Enrollment.objects.filter(pk=enrollment.pk).update(
        referred_on=today - datetime.timedelta(days=60),
        ended_on=today - datetime.timedelta(days=30),
        reapproach_on=today + datetime.timedelta(days=reapproach_in_days),
        reapproach_preference="Text first, not before noon",
    )
    return Enrollment.objects.get(pk=enrollment.pk)


def test_people_to_approach_again_on_their_day_or_after_an_admission(
    client, program_admin, make_enrollment
) -> None:
    due = declined(make_enrollment, reapproach_in_days=0)
    not_yet = declined(make_enrollment, reapproach_in_days=30)
    admitted_since = declined(make_enrollment, reapproach_in_days=30)
    LifeEventFactory(
        patient=admitted_since.patient, kind=LifeEventKind.ADMISSION, occurred_on=program_today()
    )

    listed = section(page(client, program_admin), "Approach again")

    assert due.patient.display_name in listed
    assert "Text first, not before noon" in listed
    assert admitted_since.patient.display_name in listed
    assert "ED visit or admission on" in listed
    assert not_yet.patient.display_name not in listed


def test_someone_back_in_the_program_is_not_approached_again(client, program_admin, make_enrollment) -> None:
    earlier = declined(make_enrollment, reapproach_in_days=0)
    make_enrollment(status=S.REFERRED, patient=earlier.patient)
    assert earlier.patient.display_name not in section(page(client, program_admin), "Approach again")


def test_referrals_waiting_too_long_for_screening(client, program_admin, make_enrollment) -> None:
    old = make_enrollment(status=S.REFERRED)
    Enrollment.objects.filter(pk=old.pk).update(referred_on=old.program.today() - datetime.timedelta(days=10))
    new = make_enrollment(status=S.REFERRED)

    html = page(client, program_admin)

    overdue = section(html, "Screening overdue")
    assert old.patient.display_name in overdue
    assert new.patient.display_name not in overdue
    assert new.patient.display_name in section(html, "Waiting for a team")
    screen_old = f'<a href="{reverse("caseloads:screening", args=[old.patient_id])}">Screen</a>'
    assert screen_old in overdue
    assert screen_old in section(html, "Waiting for a team")


def test_only_referrals_waiting_for_screening_link_to_it(
    client, program_admin, make_enrollment, care_manager
) -> None:
    due = declined(make_enrollment, reapproach_in_days=0)
    stalled = make_enrollment(status=S.OUTREACH, care_manager=care_manager)
    Enrollment.objects.filter(pk=stalled.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=12)
    )

    html = page(client, program_admin)

    assert due.patient.display_name in section(html, "Approach again")
    assert stalled.patient.display_name in section(html, "Outreach stalled")
    assert ">Screen</a>" not in html


def test_outreach_with_no_recent_attempt_has_stalled(
    client, program_admin, make_enrollment, care_manager
) -> None:
    stalled = make_enrollment(status=S.OUTREACH, care_manager=care_manager)
    ContactFactory(
        enrollment=stalled,
        made_by=care_manager,
        is_reached=False,
        occurred_at=timezone.now() - datetime.timedelta(days=10),
    )
    Enrollment.objects.filter(pk=stalled.pk).update(
        status_changed_at=timezone.now() - datetime.timedelta(days=12)
    )
    busy = make_enrollment(status=S.OUTREACH, care_manager=care_manager)
    ContactFactory(enrollment=busy, made_by=care_manager, is_reached=False, occurred_at=timezone.now())

    listed = section(page(client, program_admin), "Outreach stalled")

    assert stalled.patient.display_name in listed
    assert busy.patient.display_name not in listed


def test_only_program_admins_open_the_worklists(client, care_manager, supervisor) -> None:
    for user in (care_manager, supervisor):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_another_programs_admin_sees_nobody_from_this_one(
    client, other_program_admin, make_enrollment
) -> None:
    due = declined(make_enrollment, reapproach_in_days=0)
    assert due.patient.display_name not in page(client, other_program_admin)


def test_the_page_takes_the_same_queries_with_one_and_with_many_on_each_list(
    client, program_admin, make_enrollment, care_manager, django_assert_num_queries
) -> None:
    def add_one_to_each_list() -> None:
        declined(make_enrollment, reapproach_in_days=0)
        make_enrollment(status=S.REFERRED)
        stalled = make_enrollment(status=S.OUTREACH, care_manager=care_manager)
        Enrollment.objects.filter(pk=stalled.pk).update(
            status_changed_at=timezone.now() - datetime.timedelta(days=12)
        )
        twice_admitted = PatientFactory(program=program_admin.program)
        for days_ago in (10, 40):
            LifeEventFactory(
                patient=twice_admitted,
                enrollment=None,
                kind=LifeEventKind.ADMISSION,
                occurred_on=program_today() - datetime.timedelta(days=days_ago),
            )
        candidates_recompute(program=program_admin.program)

    add_one_to_each_list()
    page(client, program_admin)  # the first request reads the program's time zone
    # Session, user, program; a count and the first rows of each of the four lists; the candidates' count
    # and when they were worked out, then the first of them; the session's expiry saved (savepoint,
    # update, release).
    with django_assert_num_queries(16):
        one = client.get(URL)
    for _ in range(5):
        add_one_to_each_list()
    with django_assert_num_queries(16):
        many = client.get(URL)
    assert [worklist.count for worklist in one.context["worklists"].lists] == [1, 1, 0, 1]
    assert [worklist.count for worklist in many.context["worklists"].lists] == [6, 6, 0, 6]
    assert (one.context["worklists"].candidate_count, many.context["worklists"].candidate_count) == (1, 6)


def test_finding_candidates_now_says_so(client, program_admin) -> None:
    client.force_login(program_admin)
    response = client.post(URL, follow=True)
    assert "Finding candidates again" in response.content.decode()
