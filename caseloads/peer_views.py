"""Peer support: the program's groups and mentors (/peer-support/), and each person's connections on
their record. The rules live in engagement.peer_services; these views parse, call it and render.

Everyone in the program reads the list of groups and mentors; its supervisors and program admins keep
it. Whoever may change a record connects the person, logs peer contacts and ends connections, on the
record's peer support card (swapped in place by htmx; a page of its own without JavaScript).
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.errors import DomainError
from caseloads.forms_peer import (
    PeerConnectionEndForm,
    PeerConnectionForm,
    PeerContactForm,
    PeerGroupForm,
    PeerMentorForm,
    contact_prefix,
    end_prefix,
)
from caseloads.pages import PatientInCare, patient_to_change, render_patient_page
from engagement.models import PeerConnection, PeerGroup, PeerMentor
from engagement.peer import (
    can_manage_peer_support,
    peer_connection_of,
    peer_connections_of,
    peer_directory_for,
    peer_group_for_user,
    peer_mentor_for_user,
    peer_options_for,
)
from engagement.peer_services import (
    peer_connection_end as peer_connection_end_service,
)
from engagement.peer_services import (
    peer_connection_start,
    peer_contact_log,
    peer_group_save,
    peer_mentor_save,
)

PAGE_TEMPLATE = "caseloads/peer_support.html"
FORM_TEMPLATE = "caseloads/peer_support_form.html"
CARD_TEMPLATE = "components/_peer_support_card.html"
# The card on a page of its own, for a browser without JavaScript.
CARD_PAGE_TEMPLATE = "caseloads/peer_connection.html"
GROUP_PREFIX, MENTOR_PREFIX = "group", "mentor"


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_peer_support(request.user, request.user.program_id):
        raise PermissionDenied


def _save(form: Form, save: Callable[[dict[str, Any]], Any]) -> Any:
    """Valid input goes to the service; a refusal becomes a form error. None when nothing was stored."""
    if not form.is_valid():
        return None
    try:
        return save(form.service_arguments())
    except DomainError as refusal:
        form.add_error(None, refusal.message)
        return None


@require_http_methods(["GET", "POST"])
def peer_support(request: HttpRequest) -> HttpResponse:
    """The program's peer groups and mentors; supervisors and program admins add them here."""
    can_manage = can_manage_peer_support(request.user, request.user.program_id)
    group_form = PeerGroupForm(prefix=GROUP_PREFIX)
    mentor_form = PeerMentorForm(prefix=MENTOR_PREFIX)
    if request.method == "POST":
        _require_manager(request)
        adding = request.POST.get("add")
        if adding == GROUP_PREFIX:
            group_form = PeerGroupForm(request.POST, prefix=GROUP_PREFIX)
            saved = _save(
                group_form,
                lambda arguments: peer_group_save(
                    program=request.user.program, acting_user=request.user, **arguments
                ),
            )
        elif adding == MENTOR_PREFIX:
            mentor_form = PeerMentorForm(request.POST, prefix=MENTOR_PREFIX)
            saved = _save(
                mentor_form,
                lambda arguments: peer_mentor_save(
                    program=request.user.program, acting_user=request.user, **arguments
                ),
            )
        else:
            raise BadRequest("Say whether a group or a mentor is added.")
        if saved is not None:
            messages.success(request, f"Added “{saved.name}”.")
            return redirect(f"{reverse('caseloads:peer-support')}#{adding}-{saved.pk}")
    context = {
        "directory": peer_directory_for(user=request.user),
        "can_manage": can_manage,
        "group_form": group_form if can_manage else None,
        "mentor_form": mentor_form if can_manage else None,
    }
    status = 422 if request.method == "POST" else 200
    return TemplateResponse(request, PAGE_TEMPLATE, context, status=status)


def _edit_page(
    request: HttpRequest, form: Form, item: PeerGroup | PeerMentor, save: Callable[[dict[str, Any]], Any]
) -> HttpResponse:
    kind = GROUP_PREFIX if isinstance(item, PeerGroup) else MENTOR_PREFIX
    if request.method == "POST":
        saved = _save(form, save)
        if saved is not None:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect(f"{reverse('caseloads:peer-support')}#{kind}-{saved.pk}")
    context = {"form": form, "item": item, "kind": kind}
    return TemplateResponse(request, FORM_TEMPLATE, context, status=422 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def peer_group_update(request: HttpRequest, group_id: int) -> HttpResponse:
    """Change a group, or mark it no longer meeting. Another program's group is not found."""
    group = peer_group_for_user(request.user, group_id)
    _require_manager(request)
    form = PeerGroupForm(request.POST if request.method == "POST" else None, group=group)
    return _edit_page(
        request,
        form,
        group,
        lambda arguments: peer_group_save(
            program=request.user.program, acting_user=request.user, group=group, **arguments
        ),
    )


@require_http_methods(["GET", "POST"])
def peer_mentor_update(request: HttpRequest, mentor_id: int) -> HttpResponse:
    """Change a mentor's details, or mark them no longer volunteering."""
    mentor = peer_mentor_for_user(request.user, mentor_id)
    _require_manager(request)
    form = PeerMentorForm(request.POST if request.method == "POST" else None, mentor=mentor)
    return _edit_page(
        request,
        form,
        mentor,
        lambda arguments: peer_mentor_save(
            program=request.user.program, acting_user=request.user, mentor=mentor, **arguments
        ),
    )


def _care_to_change(request: HttpRequest, patient_id: int) -> PatientInCare:
    """404 outside the user's scope, 403 for someone who may only read the record."""
    care = patient_to_change(user=request.user, patient_id=patient_id)
    if care.enrollment is None:
        raise Http404
    return care


def _render_card(
    request: HttpRequest, care: PatientInCare, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The card alone for htmx (swapped in place), or on a page of its own, with its access event."""
    context = {
        "patient": care.patient,
        "patient_id": care.patient.pk,
        "connections": peer_connections_of(enrollment=care.enrollment),
        "can_change": care.can_change,
        **extra,
    }
    return render_patient_page(
        request,
        CARD_TEMPLATE if request.htmx else CARD_PAGE_TEMPLATE,
        context,
        patient=care.patient,
        enrollment=care.enrollment,
        object_type="peer_connection",
        object_id=None,
        status=status,
    )


def _change_on_card(
    request: HttpRequest,
    care: PatientInCare,
    *,
    form: Form,
    save: Callable[[dict[str, Any]], Any],
    message: Callable[[Any], str],
    refused: dict[str, Any],
) -> HttpResponse:
    """A change posted from the card: the card again with the message, or with the refused form (422).
    Without htmx a saved change goes back to the record."""
    saved = _save(form, save)
    if saved is None:
        return _render_card(request, care, status=422, **refused)
    text = message(saved)
    if not request.htmx:
        messages.success(request, text)
        return redirect(f"{reverse('caseloads:patient-record', args=[care.patient.pk])}#peer-support")
    return _render_card(request, care, message=text)


def _name_of(connection: PeerConnection) -> str:
    return connection.group.name if connection.group is not None else connection.mentor_display_name


@require_http_methods(["GET", "POST"])
def peer_connection_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Connect the person to a group or a mentor. GET gives the card with the form open."""
    care = _care_to_change(request, patient_id)
    options = peer_options_for(program=care.enrollment.program)
    data = request.POST if request.method == "POST" else None
    form = PeerConnectionForm(data, options=options, prefix="peer-connect")
    if request.method == "GET":
        form.fields["connect_to"].widget.attrs["autofocus"] = True
        return _render_card(request, care, connect_form=form)
    return _change_on_card(
        request,
        care,
        form=form,
        save=lambda arguments: peer_connection_start(
            enrollment=care.enrollment, acting_user=request.user, **arguments
        ),
        message=lambda connection: f"Connected to {_name_of(connection)}.",
        refused={"connect_form": form},
    )


@require_POST
def peer_contact_create(request: HttpRequest, patient_id: int, connection_id: int) -> HttpResponse:
    """Log a meeting or call with the person's group or mentor."""
    care = _care_to_change(request, patient_id)
    connection = peer_connection_of(enrollment=care.enrollment, connection_id=connection_id)
    form = PeerContactForm(request.POST, prefix=contact_prefix(connection.pk))
    return _change_on_card(
        request,
        care,
        form=form,
        save=lambda arguments: peer_contact_log(connection=connection, acting_user=request.user, **arguments),
        message=lambda contact: f"Peer contact with {_name_of(connection)} saved.",
        refused={"posted": form, "posted_contact_for": connection.pk},
    )


@require_POST
def peer_connection_end(request: HttpRequest, patient_id: int, connection_id: int) -> HttpResponse:
    """The person no longer goes to the group or sees the mentor; the connection stays on the record."""
    care = _care_to_change(request, patient_id)
    connection = peer_connection_of(enrollment=care.enrollment, connection_id=connection_id)
    form = PeerConnectionEndForm(request.POST, prefix=end_prefix(connection.pk))
    return _change_on_card(
        request,
        care,
        form=form,
        save=lambda arguments: peer_connection_end_service(
            connection=connection, acting_user=request.user, **arguments
        ),
        message=lambda ended: f"Connection to {_name_of(connection)} ended.",
        refused={"posted": form, "posted_end_for": connection.pk},
    )
