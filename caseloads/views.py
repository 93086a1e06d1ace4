"""The care manager's caseload and patient record, the supervisor's and program lead's overviews."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.errors import DomainError
from careplans.services import care_plan_review_record
from caseloads.forms import CaseloadFilterForm
from caseloads.forms_referrals_out import referrals_out_panel
from caseloads.graduation import follow_ups_due_for
from caseloads.pages import render_patient_page
from caseloads.selectors import (
    PatientRecord,
    my_caseload_rows,
    patient_record_for,
    program_overview_for,
)
from caseloads.services import (
    ContactLogged,
    care_team_member_add,
    caseload_contact_log,
    check_in_record,
    life_event_record,
    success_moment_record,
)
from caseloads.services import care_team_member_end as care_team_member_end_service
from engagement.forms import CheckInForm, ContactForm, LifeEventForm, SuccessMomentForm
from patients.forms import (
    CarePreferencesForm,
    CareTeamMemberEndForm,
    CareTeamMemberForm,
    CommunitySupportEndForm,
    CommunitySupportForm,
)
from patients.models import CareTeamMember, CommunitySupport, EnrollmentStatus
from patients.services import (
    community_support_add,
    community_support_end,
    community_support_update,
    patient_care_preferences_update,
)

RECORD_TEMPLATE = "caseloads/patient_record.html"


@require_GET
def my_caseload(request: HttpRequest) -> TemplateResponse:
    """The care manager's worklist. htmx filter changes get only the results."""
    filter_form = CaseloadFilterForm(request.GET)
    rows = my_caseload_rows(user=request.user, filters=filter_form.filters())
    context: dict[str, Any] = {"rows": rows, "filter_form": filter_form}
    if request.htmx:
        return TemplateResponse(request, "caseloads/my_caseload.html#results", context)
    # Check-ins after graduation due soon, of the people this care manager saw through to graduation.
    context["follow_ups"] = follow_ups_due_for(user=request.user)
    return TemplateResponse(request, "caseloads/my_caseload.html", context)


def _render_record(
    request: HttpRequest,
    record: PatientRecord,
    *,
    template: str = RECORD_TEMPLATE,
    status: int = 200,
    **extra: Any,
) -> TemplateResponse:
    """Render (part of) a patient record, with its access event."""
    context = {"record": record, **extra}
    if record.can_change:
        context.setdefault("contact_form", _contact_form(record))
        context.setdefault("entries", [_entry(kind, record) for kind in RECORD_ENTRIES])
        context.setdefault("preferences_form", _care_preferences_form(record))
    context.setdefault("team_card", _care_team_card(record))
    context.setdefault("referrals_out_panel", referrals_out_panel(record))
    return render_patient_page(
        request,
        template,
        context,
        patient=record.patient,
        enrollment=record.enrollment,
        object_type="patient",
        object_id=record.patient.pk,
        status=status,
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@require_GET
def patient_record(request: HttpRequest, patient_id: int) -> TemplateResponse:
    record = patient_record_for(user=request.user, patient_id=patient_id, timeline_page=_page_number(request))
    return _render_record(request, record)


@require_GET
def timeline(request: HttpRequest, patient_id: int) -> TemplateResponse:
    """An older page of the timeline, appended in place by htmx."""
    record = patient_record_for(user=request.user, patient_id=patient_id, timeline_page=_page_number(request))
    template = f"{RECORD_TEMPLATE}#timeline-items" if request.htmx else RECORD_TEMPLATE
    return _render_record(request, record, template=template)


def record_to_change(request: HttpRequest, patient_id: int) -> PatientRecord:
    """The record, if `request.user` may change it: 404 outside their scope, 403 if they may only read."""
    record = patient_record_for(user=request.user, patient_id=patient_id)
    if not record.can_change:
        raise PermissionDenied
    return record


def change_from_record(
    request: HttpRequest,
    record: PatientRecord,
    *,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    refused: tuple[str, dict[str, Any]],
    saved: Callable[[PatientRecord], tuple[str, dict[str, Any]]],
    saved_message: str,
) -> HttpResponse:
    """What every form posted from the record does.

    Valid input goes to the service; a refusal becomes a form error. Errors answer 422 with the form
    (the `refused` partial and context for htmx, the whole record otherwise). After a save, htmx gets the
    `saved` partial of the refreshed record; a plain post is redirected to the record with a message.
    """
    if form.is_valid():
        try:
            save(form.service_arguments())
        except DomainError as refusal:
            form.add_error(None, refusal.message)
    if not form.is_valid():
        partial, context = refused
        template = f"{RECORD_TEMPLATE}#{partial}" if request.htmx else RECORD_TEMPLATE
        return _render_record(request, record, template=template, status=422, **context)
    if not request.htmx:
        messages.success(request, saved_message)
        return redirect("caseloads:patient-record", patient_id=record.patient.pk)
    refreshed = patient_record_for(user=request.user, patient_id=record.patient.pk)
    partial, context = saved(refreshed)
    return _render_record(request, refreshed, template=f"{RECORD_TEMPLATE}#{partial}", **context)


@require_POST
def contact_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Log a contact from the record. htmx gets the refreshed timeline and next-due facts."""
    record = record_to_change(request, patient_id)
    form = _contact_form(record, request.POST)
    logged: list[ContactLogged] = []

    def save(arguments: dict[str, Any]) -> ContactLogged:
        logged.append(
            caseload_contact_log(enrollment=record.enrollment, acting_user=request.user, **arguments)
        )
        if logged[0].outreach_outcome and not request.htmx:
            messages.info(request, logged[0].outreach_outcome)
        return logged[0]

    return change_from_record(
        request,
        record,
        form=form,
        save=save,
        refused=("contact-form", {"contact_form": form}),
        saved=lambda refreshed: (
            "contact-saved",
            {
                "saved": True,
                "outreach_outcome": logged[0].outreach_outcome,
                "contact_form": _contact_form(refreshed),
            },
        ),
        saved_message="Contact saved.",
    )


def _contact_form(record: PatientRecord, data: Any = None) -> ContactForm:
    in_outreach = record.enrollment is not None and record.enrollment.status == EnrollmentStatus.OUTREACH
    return ContactForm(data, goals=record.goals, in_outreach=in_outreach)


def _care_preferences_form(record: PatientRecord, data: Any = None) -> CarePreferencesForm:
    initial = model_to_dict(record.patient, fields=CarePreferencesForm.Meta.fields)
    return CarePreferencesForm(data, initial=initial)


@require_POST
def care_preferences_update(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Edit how and where the person likes to be reached, in place on the record."""
    record = record_to_change(request, patient_id)
    form = _care_preferences_form(record, request.POST)
    return change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: patient_care_preferences_update(
            patient=record.patient, acting_user=request.user, **arguments
        ),
        refused=("summary", {"preferences_form": form}),
        saved=lambda refreshed: ("summary", {"preferences_saved": True}),
        saved_message="Care preferences saved.",
    )


@require_POST
def care_plan_reviewed(request: HttpRequest, patient_id: int) -> HttpResponse:
    """One click: the plan was gone through with the patient today."""
    record = record_to_change(request, patient_id)
    try:
        care_plan_review_record(enrollment=record.enrollment, acting_user=request.user)
    except DomainError as refusal:
        if request.htmx:
            return _render_record(
                request,
                record,
                template=f"{RECORD_TEMPLATE}#goals",
                status=422,
                review_refusal=refusal.message,
            )
        messages.error(request, refusal.message)
        return redirect("caseloads:patient-record", patient_id=patient_id)
    if not request.htmx:
        messages.success(request, "Plan reviewed with the patient today.")
        back_to = "caseloads:care-plan" if request.POST.get("from") == "plan" else "caseloads:patient-record"
        return redirect(back_to, patient_id=patient_id)
    refreshed = patient_record_for(user=request.user, patient_id=patient_id)
    return _render_record(request, refreshed, template=f"{RECORD_TEMPLATE}#goals", reviewed=True)


@dataclass(frozen=True)
class RecordEntry:
    """A small form posted from the record: a check-in, a success, a life event."""

    title: str
    form_class: type[Form]
    save: Callable[..., object]
    submit: str
    saved_message: str
    # Saved against the patient rather than the enrolment (supports outlive an episode).
    for_patient: bool = False
    # The record section that changes when this is saved.
    refreshes: str = "wellbeing"


RECORD_ENTRIES: dict[str, RecordEntry] = {
    "check-in": RecordEntry(
        "Record a check-in", CheckInForm, check_in_record, "Save check-in", "Check-in saved."
    ),
    "success": RecordEntry(
        "Note a success",
        SuccessMomentForm,
        success_moment_record,
        "Save success",
        "Success noted. Well done.",
    ),
    "life-event": RecordEntry(
        "Log a life event", LifeEventForm, life_event_record, "Save life event", "Life event saved."
    ),
    "support": RecordEntry(
        "Add a community support",
        CommunitySupportForm,
        community_support_add,
        "Save support",
        "Community support added.",
        for_patient=True,
        refreshes="care-team",
    ),
}


def _entry(
    kind: str, record: PatientRecord, form: Form | None = None, *, saved: bool = False
) -> dict[str, Any]:
    entry = RECORD_ENTRIES[kind]
    return {
        "kind": kind,
        "title": entry.title,
        "form": form or entry.form_class(),
        "url": reverse("caseloads:entry-create", kwargs={"patient_id": record.patient.pk, "kind": kind}),
        "submit": entry.submit,
        "saved_message": entry.saved_message if saved else "",
        "refreshes": entry.refreshes,
    }


@require_POST
def entry_create(request: HttpRequest, patient_id: int, kind: str) -> HttpResponse:
    """Save a check-in, success, life event or support from the record; htmx gets the refreshed section."""
    if kind not in RECORD_ENTRIES:
        raise Http404
    record = record_to_change(request, patient_id)
    entry = RECORD_ENTRIES[kind]
    form = entry.form_class(request.POST)
    target = {"patient": record.patient} if entry.for_patient else {"enrollment": record.enrollment}
    return change_from_record(
        request,
        record,
        form=form,
        save=lambda arguments: entry.save(acting_user=request.user, **target, **arguments),
        # The htmx partial takes `entry`; the whole page lists every panel, this one with the bound form.
        refused=(
            "entry-form",
            {
                "entry": _entry(kind, record, form),
                "entries": [
                    _entry(other, record, form if other == kind else None) for other in RECORD_ENTRIES
                ],
            },
        ),
        saved=lambda refreshed: ("entry-saved", {"entry": _entry(kind, refreshed, saved=True)}),
        saved_message=entry.saved_message,
    )


@require_GET
def program_overview(request: HttpRequest) -> TemplateResponse:
    overview = program_overview_for(user=request.user)
    return TemplateResponse(request, "caseloads/program_overview.html", {"overview": overview})


@dataclass(frozen=True)
class SupportRow:
    support: CommunitySupport
    edit_form: Form | None = None
    end_form: Form | None = None


@dataclass(frozen=True)
class MemberRow:
    member: CareTeamMember
    # None for the primary care manager, who changes by a transfer, unless it carries a refusal.
    end_form: Form | None = None


@dataclass(frozen=True)
class CareTeamCard:
    """The care-team card: each person with the forms that change them (none for read-only viewers)."""

    members: list[MemberRow]
    supports: list[SupportRow]
    add_form: Form | None = None
    saved_message: str = ""


def _support_form(support: CommunitySupport, data: Any = None) -> CommunitySupportForm:
    initial = model_to_dict(support, fields=CommunitySupportForm.Meta.fields)
    return CommunitySupportForm(data, initial=initial, prefix=f"support-{support.pk}")


def _support_end_form(support: CommunitySupport, data: Any = None) -> CommunitySupportEndForm:
    return CommunitySupportEndForm(data, prefix=f"support-{support.pk}-end")


def _member_end_form(member: CareTeamMember, data: Any = None) -> CareTeamMemberEndForm:
    return CareTeamMemberEndForm(data, prefix=f"member-{member.pk}-end")


def _member_form(record: PatientRecord, data: Any = None) -> CareTeamMemberForm:
    if record.enrollment is None:
        raise Http404
    return CareTeamMemberForm(
        data,
        program_id=record.enrollment.program_id,
        current_user_ids=[member.user_id for member in record.care_team if member.user_id is not None],
        prefix="member-new",
    )


def _care_team_card(
    record: PatientRecord, *, posted: Form | None = None, saved_message: str = ""
) -> CareTeamCard:
    """The card's rows; `posted` (a refused form) takes the place of the blank form with its prefix."""
    if not record.can_change:
        return CareTeamCard(
            members=[MemberRow(member) for member in record.care_team],
            supports=[SupportRow(support) for support in record.community_supports],
        )

    def pick(blank: Form) -> Form:
        return posted if posted is not None and posted.prefix == blank.prefix else blank

    members: list[MemberRow] = []
    for member in record.care_team:
        end_form = pick(_member_end_form(member))
        members.append(MemberRow(member, None if member.is_primary and end_form is not posted else end_form))
    return CareTeamCard(
        members=members,
        supports=[
            SupportRow(support, pick(_support_form(support)), pick(_support_end_form(support)))
            for support in record.community_supports
        ],
        add_form=pick(_member_form(record)),
        saved_message=saved_message,
    )


def _support_of(record: PatientRecord, support_id: int) -> CommunitySupport:
    """A support on this record; another patient's, or one no longer involved, is not found."""
    for support in record.community_supports:
        if support.pk == support_id:
            return support
    raise Http404


def _member_of(record: PatientRecord, member_id: int) -> CareTeamMember:
    """A current member of this record's care team; anyone else is not found."""
    for member in record.care_team:
        if member.pk == member_id:
            return member
    raise Http404


def _change_care_team(
    request: HttpRequest,
    record: PatientRecord,
    *,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    saved_message: str,
) -> HttpResponse:
    """A change posted from the care-team card: htmx gets the refreshed card, or the card with the form."""
    return change_from_record(
        request,
        record,
        form=form,
        save=save,
        refused=("care-team", {"team_card": _care_team_card(record, posted=form)}),
        saved=lambda refreshed: (
            "care-team",
            {"team_card": _care_team_card(refreshed, saved_message=saved_message)},
        ),
        saved_message=saved_message,
    )


@require_POST
def support_update(request: HttpRequest, patient_id: int, support_id: int) -> HttpResponse:
    """Edit a community support's details in place on the care-team card."""
    record = record_to_change(request, patient_id)
    support = _support_of(record, support_id)
    return _change_care_team(
        request,
        record,
        form=_support_form(support, request.POST),
        save=lambda arguments: community_support_update(
            support=support, acting_user=request.user, **arguments
        ),
        saved_message="Support details saved.",
    )


@require_POST
def support_end(request: HttpRequest, patient_id: int, support_id: int) -> HttpResponse:
    """They are no longer involved: the support leaves the card; the row is kept."""
    record = record_to_change(request, patient_id)
    support = _support_of(record, support_id)
    return _change_care_team(
        request,
        record,
        form=_support_end_form(support, request.POST),
        save=lambda arguments: community_support_end(support=support, acting_user=request.user, **arguments),
        saved_message="Marked as no longer involved.",
    )


@require_POST
def care_team_member_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Add a Tandem colleague from the program, or someone outside Tandem, to the care team."""
    record = record_to_change(request, patient_id)
    return _change_care_team(
        request,
        record,
        form=_member_form(record, request.POST),
        save=lambda arguments: care_team_member_add(
            enrollment=record.enrollment, acting_user=request.user, **arguments
        ),
        saved_message="Added to the care team.",
    )


@require_POST
def care_team_member_end(request: HttpRequest, patient_id: int, member_id: int) -> HttpResponse:
    """Take someone off the care team. The primary care manager is refused: that is a transfer."""
    record = record_to_change(request, patient_id)
    member = _member_of(record, member_id)
    return _change_care_team(
        request,
        record,
        form=_member_end_form(member, request.POST),
        save=lambda arguments: care_team_member_end_service(
            member=member, acting_user=request.user, **arguments
        ),
        saved_message="Taken off the care team.",
    )
