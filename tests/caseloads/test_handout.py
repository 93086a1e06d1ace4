"""The "My Plan" handout: the patient's page of their plan, its PDF, and the copies kept when handed over."""

import base64
import datetime
import hashlib
import re

import pytest
from django.urls import reverse
from weasyprint import HTML

from careplans.models import GoalStatus, PlanHandout, StepOwner
from careplans.services import goal_update
from caseloads.handouts import handout_document, handout_for, handout_html, handout_language_for
from caseloads.pages import patient_in_care_for
from patients.models import AccessAction, AccessEvent
from tests.careplans.factories import CarePlanFactory, GoalFactory, StepFactory
from tests.engagement.factories import ContactFactory
from tests.patients.factories import CareTeamMemberFactory

pytestmark = pytest.mark.django_db

FAR_AHEAD = datetime.date(2031, 3, 12)


def handout_url(enrollment, lang: str = "") -> str:
    url = reverse("caseloads:plan-handout", args=[enrollment.patient_id])
    return f"{url}?lang={lang}" if lang else url


def pdf_url(enrollment, lang: str = "") -> str:
    url = reverse("caseloads:plan-handout-pdf", args=[enrollment.patient_id])
    return f"{url}?lang={lang}" if lang else url


def record_url(enrollment) -> str:
    return reverse("caseloads:plan-handout-record", args=[enrollment.patient_id])


def copy_url(enrollment, handout: PlanHandout) -> str:
    return reverse("caseloads:plan-handout-copy", args=[enrollment.patient_id, handout.pk])


@pytest.fixture
def plan(enrollment, care_manager):
    """Three open goals ranked by the patient, one reached, one let go."""
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    housing = GoalFactory(
        care_plan=plan,
        patient_words="Keep my own flat",
        why_it_matters="My kids can visit me there",
        success_looks_like="Rent paid on time three months running",
        status=GoalStatus.ACTIVE,
    )
    StepFactory(
        goal=housing, description="Call the housing office", owner=StepOwner.PATIENT, due_on=FAR_AHEAD
    )
    StepFactory(goal=housing, description="Send the rent letter", owner=StepOwner.CARE_MANAGER)
    StepFactory(
        goal=housing,
        description="Sort out the old bills",
        owner=StepOwner.PATIENT,
        completed_on=plan.started_on,
    )
    GoalFactory(care_plan=plan, patient_words="Walk to the park without getting winded")
    GoalFactory(care_plan=plan, patient_words="See my grandson on Sundays", status=GoalStatus.PAUSED)
    GoalFactory(
        care_plan=plan,
        patient_words="Get my ID card back",
        status=GoalStatus.ACHIEVED,
        achieved_on=plan.started_on,
    )
    GoalFactory(care_plan=plan, patient_words="Move to my cousin's town", status=GoalStatus.LET_GO)
    return plan


def shown(response) -> str:
    return response.content.decode()


# --- what the handout shows ---------------------------------------------------------------------------


def test_the_handout_shows_open_goals_in_the_patients_order_and_words(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    response = client.get(handout_url(plan.enrollment))

    assert response.status_code == 200
    page = shown(response)
    order = [
        page.index(words)
        for words in (
            "Keep my own flat",
            "Walk to the park without getting winded",
            "See my grandson on Sundays",
        )
    ]
    assert order == sorted(order)
    assert "My kids can visit me there" in page
    assert "(working on it)" in page
    assert "(just starting)" in page
    assert "(on hold for now)" in page
    # Reached goals are listed as done; goals let go are not shown.
    assert "What you have done already" in page
    assert page.index("Get my ID card back") > page.index("See my grandson on Sundays")
    assert "Move to my cousin" not in page
    assert plan.enrollment.patient.mrn not in page


def test_steps_say_who_does_what_by_when(client, care_manager, plan) -> None:
    colleague = CareTeamMemberFactory(enrollment=plan.enrollment, name="Dr Testwell Placeholder", user=None)
    StepFactory(
        goal=plan.goals.get(priority=2),
        description="Check the inhaler technique",
        owner=StepOwner.TEAM_MEMBER,
        owner_team_member=colleague,
    )
    client.force_login(care_manager)

    page = shown(client.get(handout_url(plan.enrollment)))

    assert re.search(r"You:</strong>\s*Call the housing office — by March 12", page)
    assert re.search(r"Your care manager:</strong>\s*Send the rent letter", page)
    assert re.search(r"Dr Testwell Placeholder:</strong>\s*Check the inhaler technique", page)
    assert "Sort out the old bills" not in page  # done already


def test_the_handout_names_the_care_manager_with_their_phone_and_the_next_meeting(
    client, care_manager, plan
) -> None:
    care_manager.first_name, care_manager.last_name, care_manager.phone = "Maribel", "Testcare", "555-0142"
    care_manager.save()
    ContactFactory(enrollment=plan.enrollment, made_by=care_manager, next_contact_on=FAR_AHEAD)
    client.force_login(care_manager)

    page = shown(client.get(handout_url(plan.enrollment)))

    assert "Your care manager is <strong>Maribel Testcare</strong>." in page
    assert "Phone: 555-0142" in page
    assert re.search(r"Your next meeting</h2>\s*<p class=\"big\">\w+, March 12</p>", page)


def test_without_a_planned_meeting_the_handout_says_we_will_call(client, care_manager, plan) -> None:
    ContactFactory(
        enrollment=plan.enrollment, made_by=care_manager, next_contact_on=datetime.date(2001, 1, 1)
    )
    client.force_login(care_manager)
    assert "We will call you to choose a day." in shown(client.get(handout_url(plan.enrollment)))


def test_the_care_manager_without_a_phone_of_their_own_shows_the_care_team_number(care_manager, plan) -> None:
    member = plan.enrollment.care_team.get(is_primary=True)
    member.phone = "555-0177"
    member.save()
    patient = patient_in_care_for(user=care_manager, patient_id=plan.enrollment.patient_id)
    assert handout_for(patient=patient, language="en").care_manager_phone == "555-0177"


def test_lang_es_shows_the_handout_in_spanish(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    page = shown(client.get(handout_url(plan.enrollment, "es")))

    assert '<article class="my-plan" lang="es">' in page
    assert "<h1>Mi plan</h1>" in page
    assert "Sus metas, en sus propias palabras" in page
    assert re.search(r"Usted:</strong>\s*Call the housing office — para el 12 de marzo", page)
    assert "Su coordinador(a):" in page
    # The patient's own words stay as they were written.
    assert "Keep my own flat" in page
    # The staff toolbar stays in English.
    assert "Handed over today" in page


@pytest.mark.parametrize(
    ("preferred", "heading"),
    [("Spanish", "Mi plan"), ("Español", "Mi plan"), ("English", "My Plan"), ("Vietnamese", "My Plan")],
)
def test_the_handout_opens_in_the_patients_language(client, care_manager, plan, preferred, heading) -> None:
    patient = plan.enrollment.patient
    patient.preferred_language = preferred
    patient.save()
    client.force_login(care_manager)
    assert f"<h1>{heading}</h1>" in shown(client.get(handout_url(plan.enrollment)))


def test_lang_overrides_the_patients_language(client, care_manager, plan) -> None:
    patient = plan.enrollment.patient
    patient.preferred_language = "Spanish"
    patient.save()
    client.force_login(care_manager)
    assert "<h1>My Plan</h1>" in shown(client.get(handout_url(plan.enrollment, "en")))


@pytest.mark.parametrize(
    ("preferred", "language"),
    [
        ("Spanish", "es"),
        ("spanish", "es"),
        ("Español", "es"),
        ("español (México)", "es"),
        ("es-MX", "es"),
        ("Castellano", "es"),
        ("English", "en"),
        ("English and some Spanish", "en"),
        ("Estonian", "en"),
        ("", "en"),
    ],
)
def test_spanish_is_chosen_when_the_preferred_language_names_it_first(preferred, language) -> None:
    assert handout_language_for(preferred) == language


def test_a_full_plan_of_three_goals_prints_on_one_page_in_both_languages(enrollment, care_manager) -> None:
    care_manager.first_name, care_manager.last_name, care_manager.phone = (
        "Maribel",
        "Testcare-Longname",
        "555-0142",
    )
    care_manager.save()
    plan = CarePlanFactory(enrollment=enrollment, created_by=care_manager)
    for words in (
        "Keep my own flat, with a door that locks and room for my kids to stay over",
        "Walk to the park without getting winded",
        "See my grandson on Sundays",
    ):
        goal = GoalFactory(
            care_plan=plan,
            patient_words=words,
            why_it_matters="My kids can visit me there and I feel safe",
            target_on=FAR_AHEAD,
            status=GoalStatus.ACTIVE,
        )
        StepFactory(
            goal=goal,
            description="Call the housing office on Monday",
            owner=StepOwner.PATIENT,
            due_on=FAR_AHEAD,
        )
        StepFactory(
            goal=goal,
            description="Send the letter to the landlord",
            owner=StepOwner.CARE_MANAGER,
            due_on=FAR_AHEAD,
        )
    GoalFactory(
        care_plan=plan,
        patient_words="Get my ID card back",
        status=GoalStatus.ACHIEVED,
        achieved_on=plan.started_on,
    )
    ContactFactory(enrollment=enrollment, made_by=care_manager, next_contact_on=FAR_AHEAD)
    patient = patient_in_care_for(user=care_manager, patient_id=enrollment.patient_id)

    for language in ("en", "es"):
        content = handout_html(handout_for(patient=patient, language=language))
        pages = HTML(string=handout_document(content, language=language)).render().pages
        assert len(pages) == 1, language


def test_the_page_allows_the_handouts_own_style_and_no_other_inline_style(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    response = client.get(handout_url(plan.enrollment))

    style = re.search(r"<style>(.*?)</style>", shown(response), re.DOTALL)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    assert f"style-src 'self' 'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy


def test_the_page_takes_the_same_queries_however_long_the_plan(
    client, care_manager, plan, django_assert_num_queries
) -> None:
    client.force_login(care_manager)
    client.get(handout_url(plan.enrollment))  # the first request reads the program's time zone
    # session, user, patient, enrolment, plan, may-edit (2), Part 2 check, goals, their steps, care team,
    # next meeting, copies handed over, access event (3 with its savepoint), session save (3)
    with django_assert_num_queries(19):
        client.get(handout_url(plan.enrollment))
    for number in range(8):
        goal = GoalFactory(care_plan=plan, patient_words=f"Goal {number}", status=GoalStatus.ACTIVE)
        StepFactory(
            goal=goal,
            description="Call",
            owner=StepOwner.TEAM_MEMBER,
            owner_team_member=(CareTeamMemberFactory(enrollment=plan.enrollment)),
        )
        ContactFactory(enrollment=plan.enrollment, made_by=care_manager, next_contact_on=FAR_AHEAD)
        client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})
    with django_assert_num_queries(19):
        response = client.get(handout_url(plan.enrollment))
    assert "Goal 7" in shown(response)


def test_without_a_plan_the_page_says_so_and_the_pdf_leads_there(client, care_manager, enrollment) -> None:
    client.force_login(care_manager)
    assert "There is no plan to print yet." in shown(client.get(handout_url(enrollment)))
    response = client.get(pdf_url(enrollment))
    assert response.status_code == 302
    assert response["Location"] == handout_url(enrollment)


# --- the PDF -------------------------------------------------------------------------------------------


def test_the_pdf_is_a_pdf_download(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    response = client.get(pdf_url(plan.enrollment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="my-plan.pdf"'
    assert response.content.startswith(b"%PDF")
    assert len(response.content) > 1000


def test_the_spanish_pdf_has_a_spanish_name(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    response = client.get(pdf_url(plan.enrollment, "es"))
    assert response["Content-Disposition"] == 'attachment; filename="mi-plan.pdf"'
    assert response.content.startswith(b"%PDF")


# --- handing a copy over -------------------------------------------------------------------------------


def test_handing_over_keeps_the_copy_as_given(client, care_manager, plan) -> None:
    client.force_login(care_manager)

    response = client.post(
        record_url(plan.enrollment), {"revision": plan.revision, "language": "es"}, follow=True
    )

    kept = PlanHandout.objects.get()
    assert (kept.care_plan, kept.revision, kept.language) == (plan, plan.revision, "es")
    assert (kept.handed_on, kept.handed_by) == (plan.enrollment.program.today(), care_manager)
    assert "Keep my own flat" in kept.content_html
    assert "<h1>Mi plan</h1>" in kept.content_html
    assert response.redirect_chain == [(handout_url(plan.enrollment, "es"), 302)]
    assert f"the copy handed over today (version {plan.revision}, Español) is kept" in shown(response)


def test_the_kept_copy_is_what_the_care_manager_saw(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    page = shown(client.get(handout_url(plan.enrollment)))
    client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})
    assert PlanHandout.objects.get().content_html in page


def test_a_handout_of_an_older_version_is_refused_and_nothing_is_kept(client, care_manager, plan) -> None:
    seen_revision = plan.revision
    goal = plan.goals.get(priority=1)
    goal_update(
        goal=goal, acting_user=care_manager, expected_version=goal.version, patient_words="Keep my flat"
    )
    client.force_login(care_manager)

    response = client.post(
        record_url(plan.enrollment), {"revision": seen_revision, "language": "en"}, follow=True
    )

    assert "The plan changed after this handout was made" in shown(response)
    assert PlanHandout.objects.exists() is False


def test_a_form_without_its_version_keeps_nothing(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    response = client.post(record_url(plan.enrollment), {"language": "xx"}, follow=True)
    assert "Nothing was recorded." in shown(response)
    assert PlanHandout.objects.exists() is False


def test_the_kept_copy_shows_what_was_given_after_the_plan_changes(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})
    kept = PlanHandout.objects.get()
    goal = plan.goals.get(priority=1)
    goal_update(
        goal=goal, acting_user=care_manager, expected_version=goal.version, patient_words="Buy a sofa"
    )

    response = client.get(copy_url(plan.enrollment, kept))

    page = shown(response)
    assert response.status_code == 200
    assert kept.content_html in page
    assert "Keep my own flat" in page
    assert "Buy a sofa" not in page
    assert f"Copy handed over on {kept.handed_on:%-d %b %Y} (version {kept.revision}," in page
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_copy_is_shown_only_under_its_own_patient(client, care_manager, plan, make_enrollment) -> None:
    client.force_login(care_manager)
    client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})
    kept = PlanHandout.objects.get()
    someone_else = make_enrollment(care_manager=care_manager)
    assert client.get(copy_url(someone_else, kept)).status_code == 404


# --- who may do what, and the access log ---------------------------------------------------------------


def test_every_view_of_the_handout_is_logged(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    client.get(handout_url(plan.enrollment))
    client.get(pdf_url(plan.enrollment))
    client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})
    kept = PlanHandout.objects.get()
    client.get(copy_url(plan.enrollment, kept))

    events = AccessEvent.objects.filter(object_type="plan_handout").order_by("occurred_at", "pk")
    # Recording the copy is a change, not a view (its redirect is not followed here).
    assert [(event.action, event.object_id, event.route) for event in events] == [
        (AccessAction.VIEW, None, handout_url(plan.enrollment)),
        (AccessAction.EXPORT, None, pdf_url(plan.enrollment)),
        (AccessAction.VIEW, kept.pk, copy_url(plan.enrollment, kept)),
    ]
    assert {(event.user, event.patient, event.enrollment) for event in events} == {
        (care_manager, plan.enrollment.patient, plan.enrollment)
    }


def test_another_teams_care_manager_gets_not_found_everywhere(
    client, care_manager, care_manager_other_team, plan
) -> None:
    client.force_login(care_manager)
    client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})
    kept = PlanHandout.objects.get()
    client.force_login(care_manager_other_team)

    assert client.get(handout_url(plan.enrollment)).status_code == 404
    assert client.get(pdf_url(plan.enrollment)).status_code == 404
    assert client.get(copy_url(plan.enrollment, kept)).status_code == 404
    response = client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})
    assert response.status_code == 404
    assert PlanHandout.objects.count() == 1
    assert AccessEvent.objects.filter(user=care_manager_other_team).exists() is False


def test_a_program_lead_reads_the_handout_but_cannot_record_a_handover(client, program_lead, plan) -> None:
    client.force_login(program_lead)

    page = client.get(handout_url(plan.enrollment))
    response = client.post(record_url(plan.enrollment), {"revision": plan.revision, "language": "en"})

    assert page.status_code == 200
    assert "Keep my own flat" in shown(page)
    assert "Handed over today" not in shown(page)
    assert response.status_code == 403
    assert PlanHandout.objects.exists() is False


def test_the_record_url_only_takes_posts(client, care_manager, plan) -> None:
    client.force_login(care_manager)
    assert client.get(record_url(plan.enrollment)).status_code == 405


def test_a_server_without_pango_says_so_and_offers_print(client, care_manager, plan, monkeypatch) -> None:
    """Simulates the missing system library only: the import of WeasyPrint's Pango bindings failing."""
    import builtins

    real_import = builtins.__import__

    def without_weasyprint(name, *args, **kwargs):
        if name.startswith("weasyprint"):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    client.force_login(care_manager)
    monkeypatch.setattr(builtins, "__import__", without_weasyprint)
    response = client.get(pdf_url(plan.enrollment), follow=True)
    monkeypatch.undo()

    assert response.redirect_chain[-1][0].startswith(handout_url(plan.enrollment))
    assert "This server cannot make PDFs yet (it needs Pango" in response.content.decode()
    assert AccessEvent.objects.filter(action=AccessAction.EXPORT).exists() is False
